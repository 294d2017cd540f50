// What the CLI compares a stored run with before resuming it: the --evaluator / --model flags
// when given, else the workspace's VS Code settings (.vscode/settings.json, JSON with comments),
// else the settings' defaults — the same command the extension would run in this folder.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkspaceRunSettings } from '../core/resumeCheck';

/** The defaults of genesis.evaluatorCommand and genesis.models (package.json). */
const DEFAULT_COMMAND = 'python3 evaluate.py';
const DEFAULT_MODELS = ['offline'];

/** JSON with comments and trailing commas (what VS Code accepts in settings.json) as plain JSON. */
export function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else {
      out += c;
    }
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

function readSettingsFile(workspaceRoot: string): Record<string, unknown> | undefined {
  const file = join(workspaceRoot, '.vscode', 'settings.json');
  if (!existsSync(file)) return undefined;
  try {
    const parsed: unknown = JSON.parse(stripJsonComments(readFileSync(file, 'utf8')));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The evaluator command, models and stage commands this workspace runs. */
export function workspaceRunSettings(workspaceRoot: string, flags: { evaluator?: string; models?: string[] }): WorkspaceRunSettings {
  const settings = readSettingsFile(workspaceRoot);
  const setCommand = settings?.['genesis.evaluatorCommand'];
  const setModels = settings?.['genesis.models'];
  const setStages = settings?.['genesis.stages'];
  const fileCommand = typeof setCommand === 'string' && setCommand.trim() ? setCommand.trim() : undefined;
  const fileModels = Array.isArray(setModels) && setModels.length > 0 && setModels.every((m) => typeof m === 'string') ? (setModels as string[]) : undefined;
  const stageCommands = Array.isArray(setStages)
    ? setStages.flatMap((s: unknown) => (typeof s === 'object' && s !== null && typeof (s as { command?: unknown }).command === 'string' ? [(s as { command: string }).command] : []))
    : [];
  const origins = [
    flags.evaluator !== undefined ? '--evaluator' : fileCommand ? '.vscode/settings.json' : 'the default command',
    flags.models && flags.models.length > 0 ? '--model' : fileModels ? '.vscode/settings.json' : 'the default models',
  ];
  return {
    evaluatorCommand: flags.evaluator ?? fileCommand ?? DEFAULT_COMMAND,
    models: flags.models && flags.models.length > 0 ? flags.models : (fileModels ?? DEFAULT_MODELS),
    stageCommands,
    origin: [...new Set(origins)].join(', '),
  };
}
