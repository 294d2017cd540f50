// Resume and Re-run execute the evaluator command and models stored in a run's log. When they
// differ from this workspace's settings (a run folder from someone else, an edited log), a modal
// names both before anything runs; nothing runs unless the user picks "Run Stored Command".
import * as vscode from 'vscode';
import { describeDifferences, resumeDifferences } from '../core/resumeCheck';
import type { RunConfig } from '../core/types';
import type { GenesisSettings } from './settings';

export const RUN_STORED = 'Run Stored Command';

/** True when the stored config matches the settings or the user accepted it. */
export async function confirmStoredCommands(action: 'Resume' | 'Re-run', runId: string, stored: RunConfig, settings: GenesisSettings): Promise<boolean> {
  const differences = resumeDifferences(stored, {
    evaluatorCommand: settings.evaluatorCommand,
    models: settings.models,
    stageCommands: settings.stages.flatMap((s) => (s.command !== undefined ? [s.command] : [])),
    origin: 'settings',
  });
  if (differences.length === 0) return true;
  const choice = await vscode.window.showWarningMessage(
    `Genesis: ${action} run ${runId} with a different ${differences.map((d) => d.what).join(' and ')} than this workspace's settings?`,
    {
      modal: true,
      detail: [
        ...describeDifferences(differences, 'settings'),
        '',
        `${action} runs what the run stores. A run folder from elsewhere runs its author's command on this machine.`,
      ].join('\n'),
    },
    RUN_STORED,
  );
  return choice === RUN_STORED;
}
