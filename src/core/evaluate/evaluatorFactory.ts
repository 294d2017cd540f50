// Builds the evaluator a run uses from its configuration: the local runner (sandboxed where
// bubblewrap works) unless the run names a remote runner or cascade stages.
import type { Evaluator, RunConfig } from '../types';
import { LocalEvaluator } from './localEvaluator';

export interface EvaluatorEnvironment {
  sandbox?: 'auto' | 'none';
  memoryMb?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** An evaluator plus what the UI shows about where candidates run. */
export interface PreparedEvaluator {
  evaluator: Evaluator;
  /** e.g. "local, sandboxed (bubblewrap)" or "local, UNSANDBOXED". */
  description: string;
  sandboxed: boolean;
  dispose(): Promise<void>;
}

export async function createEvaluator(config: RunConfig, env: EvaluatorEnvironment): Promise<PreparedEvaluator> {
  const local = new LocalEvaluator({
    workspaceRoot: config.workspaceRoot,
    command: config.evaluatorCommand,
    timeoutSec: config.timeoutSec,
    sandbox: env.sandbox === 'none' ? 'none' : 'auto',
    ...(env.memoryMb ? { memoryMb: env.memoryMb } : {}),
  });
  await local.prepare();
  const sandboxed = local.sandboxMode === 'bwrap';
  if (!sandboxed) env.log?.('warn', 'evaluations run unsandboxed (bubblewrap is not available or is turned off)');
  return {
    evaluator: local,
    description: sandboxed ? 'local, sandboxed (bubblewrap: read-only system, no network)' : 'local, UNSANDBOXED',
    sandboxed,
    dispose: () => local.dispose(),
  };
}
