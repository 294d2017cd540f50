// A resumed run executes the evaluator command (and calls the models) stored in its log. A run
// folder from someone else, or an edited log, would run their command: before resuming, what the
// log holds is compared with what this workspace would run, and every difference is shown so the
// user can refuse (CLI: unless --yes; extension: a modal).
import type { RunConfig } from './types';

/** What this workspace runs: its evaluator command, models and stage commands (settings, or the CLI's flags). */
export interface WorkspaceRunSettings {
  evaluatorCommand: string;
  models: string[];
  /** Commands of the workspace's cascade stages (those that set one). */
  stageCommands?: string[];
  /** Where these came from, for the message (e.g. ".vscode/settings.json", "the default"). */
  origin: string;
}

export interface ResumeDifference {
  what: string;
  stored: string;
  workspace: string;
}

/** Each way the stored run would run something other than the workspace's settings. */
export function resumeDifferences(stored: RunConfig, workspace: WorkspaceRunSettings): ResumeDifference[] {
  const differences: ResumeDifference[] = [];
  if (stored.evaluatorCommand.trim() !== workspace.evaluatorCommand.trim()) {
    differences.push({ what: 'evaluator command', stored: stored.evaluatorCommand, workspace: workspace.evaluatorCommand });
  }
  const storedModels = stored.models.map((m) => m.trim());
  const workspaceModels = workspace.models.map((m) => m.trim());
  if ([...storedModels].sort().join('\n') !== [...workspaceModels].sort().join('\n')) {
    differences.push({ what: 'models', stored: storedModels.join(', '), workspace: workspaceModels.join(', ') });
  }
  const known = new Set([workspace.evaluatorCommand.trim(), ...(workspace.stageCommands ?? []).map((c) => c.trim())]);
  for (const stage of stored.stages ?? []) {
    if (stage.command !== undefined && !known.has(stage.command.trim())) {
      differences.push({ what: `stage ${stage.name} command`, stored: stage.command, workspace: '(no stage runs it)' });
    }
  }
  return differences;
}

/** The differences as lines for a terminal or a modal's detail. */
export function describeDifferences(differences: readonly ResumeDifference[], origin: string): string[] {
  return differences.flatMap((d) => [`${d.what}:`, `  stored in the run: ${d.stored}`, `  this workspace (${origin}): ${d.workspace}`]);
}
