// `genesis runs resume` runs the command stored in the run's log. Before it does, the stored
// evaluator command, models and stage commands are compared with this workspace's; on any
// difference the resume is refused unless --yes, and both sides are printed.
import { describeDifferences, resumeDifferences } from '../core/resumeCheck';
import { RunStore } from '../core/store/runStore';
import { workspaceRunSettings } from './workspaceSettings';

export interface ResumeGuardOptions {
  runId: string;
  runsDir: string;
  workspaceRoot: string;
  evaluator?: string;
  models?: string[];
  /** --yes: the user accepts the stored commands. */
  confirmed: boolean;
}

/**
 * Undefined when the resume may go on (no difference, or --yes; `notice` then says what runs),
 * else the refusal to print. Throws the store's clear errors (run not found, another writer,
 * a damaged log).
 */
export async function checkResume(options: ResumeGuardOptions, notice: (line: string) => void): Promise<string | undefined> {
  const store = new RunStore(options.runsDir);
  store.assertNoOtherWriter(options.runId);
  const stored = await store.load(options.runId);
  const workspace = workspaceRunSettings(options.workspaceRoot, { ...(options.evaluator !== undefined ? { evaluator: options.evaluator } : {}), ...(options.models ? { models: options.models } : {}) });
  const differences = resumeDifferences(stored.config, workspace);
  if (differences.length === 0) return undefined;
  const lines = describeDifferences(differences, workspace.origin);
  if (options.confirmed) {
    notice(`genesis: --yes: resuming run ${options.runId} with what its log stores:\n  ${lines.join('\n  ')}`);
    return undefined;
  }
  return [
    `genesis: run ${options.runId} would run something other than this workspace does:`,
    ...lines.map((l) => `  ${l}`),
    'Resuming runs what the run stores (a run folder from elsewhere runs its author\'s command).',
    'Check it, then resume with --yes, or give --evaluator "CMD" / --model SPEC to say what you expect.',
  ].join('\n');
}
