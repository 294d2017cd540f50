// Typed access to the `genesis.*` settings: the only place that reads them.
import * as vscode from 'vscode';
import { isAbsolute, join } from 'node:path';

export type SandboxMode = 'auto' | 'none';

export interface GenesisSettings {
  evaluatorCommand: string;
  models: string[];
  budget: number;
  concurrency: number;
  timeoutSeconds: number;
  seed: number;
  /** Absolute, or empty for `<workspace>/.genesis/runs`. */
  runsDirectory: string;
  sandbox: SandboxMode;
}

export const DEFAULT_SETTINGS: GenesisSettings = {
  evaluatorCommand: 'python3 evaluate.py',
  models: ['offline'],
  budget: 40,
  concurrency: 2,
  timeoutSeconds: 60,
  seed: 1,
  runsDirectory: '',
  sandbox: 'auto',
};

function positiveInt(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}

/** Settings for a resource (folder-level settings win over user settings). */
export function readSettings(scope?: vscode.Uri): GenesisSettings {
  const c = vscode.workspace.getConfiguration('genesis', scope);
  const models = c.get<unknown>('models');
  const sandbox = c.get<unknown>('sandbox');
  const evaluatorCommand = c.get<unknown>('evaluatorCommand');
  const runsDirectory = c.get<unknown>('runsDirectory');
  const seed = c.get<unknown>('seed');
  return {
    evaluatorCommand:
      typeof evaluatorCommand === 'string' && evaluatorCommand.trim() ? evaluatorCommand.trim() : DEFAULT_SETTINGS.evaluatorCommand,
    models:
      Array.isArray(models) && models.length > 0 && models.every((m) => typeof m === 'string' && m.trim())
        ? models.map((m: string) => m.trim())
        : DEFAULT_SETTINGS.models,
    budget: positiveInt(c.get('budget'), DEFAULT_SETTINGS.budget),
    concurrency: positiveInt(c.get('concurrency'), DEFAULT_SETTINGS.concurrency),
    timeoutSeconds: positiveInt(c.get('timeoutSeconds'), DEFAULT_SETTINGS.timeoutSeconds),
    seed: typeof seed === 'number' && Number.isInteger(seed) ? seed : DEFAULT_SETTINGS.seed,
    runsDirectory: typeof runsDirectory === 'string' ? runsDirectory.trim() : '',
    sandbox: sandbox === 'none' ? 'none' : 'auto',
  };
}

/** Where runs of a workspace persist: the setting (relative to the workspace) or `.genesis/runs`. */
export function runsDirFor(workspaceRoot: string, settings: GenesisSettings): string {
  if (!settings.runsDirectory) return join(workspaceRoot, '.genesis', 'runs');
  return isAbsolute(settings.runsDirectory) ? settings.runsDirectory : join(workspaceRoot, settings.runsDirectory);
}
