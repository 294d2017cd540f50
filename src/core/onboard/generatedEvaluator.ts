// Finding an evaluator that Create Evaluator / `genesis init` generated for a function, so the
// CLI and the editor use it without being told again.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Generated evaluators live here, one folder per function (`.genesis/` is never copied into the sandbox). */
export const EVALUATORS_FOLDER = 'genesis-evaluators';
const ENTRY_POINTS: ReadonlyArray<[file: string, interpreter: string]> = [
  ['evaluate.py', 'python3'],
  ['evaluate.mjs', 'node'],
];

/** Workspace-relative folder of a function's generated evaluator (the name made safe for a path). */
export function evaluatorFolderFor(functionName: string): string {
  return `${EVALUATORS_FOLDER}/${functionName.replace(/[^\w$-]/g, '_') || 'function'}`;
}

/** The command of the evaluator generated for `functionName` in the workspace, if there is one. */
export function generatedEvaluatorCommand(workspaceRoot: string, functionName: string): string | undefined {
  const folder = evaluatorFolderFor(functionName);
  for (const [file, interpreter] of ENTRY_POINTS) {
    if (existsSync(join(workspaceRoot, folder, file))) return `${interpreter} ${folder}/${file}`;
  }
  return undefined;
}

const SCRIPT_TOKEN = /^[\w./-]+\.(py|mjs|cjs|js|ts|sh|rb|pl)$/;

/**
 * True when the evaluator command runs a script of the workspace (`python3 evaluate.py`) and
 * that script is not there: the state of a project that never had an evaluator. A command with
 * no script path in it (`make eval`, `pytest -q`) is taken as configured.
 */
export function evaluatorScriptMissing(workspaceRoot: string, command: string): boolean {
  const scripts = command.split(/\s+/).filter((token) => SCRIPT_TOKEN.test(token) && !token.startsWith('/'));
  return scripts.length > 0 && scripts.every((script) => !existsSync(join(workspaceRoot, script)));
}
