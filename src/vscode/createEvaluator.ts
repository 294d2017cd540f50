// "Genesis: Create Evaluator": scaffold an evaluator for the function at the cursor from the
// workspace's tests (src/core/onboard), open it for review, and offer to evolve once reviewed.
// Also offered by Evolve Function when the workspace has no evaluator.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { generatedEvaluatorCommand, OnboardError, planEvaluator, writeEvaluator, type EvaluatorPlan } from '../core/onboard/index';
import type { FunctionLocation, LanguageId } from '../core/types';
import type { FunctionLocator } from './functionAtCursor';

export interface CreateEvaluatorDeps {
  locator: FunctionLocator;
  /** Folder holding `<language>/template/` (dist/evaluators in the installed extension). */
  templatesDir: string;
}

export interface CreatedEvaluator {
  command: string;
  evaluatorFile: string;
  warnings: string[];
}

const EVOLVE_NOW = 'Evolve Now';

/** Where the templates are in the installed extension (the build copies them next to the bundle). */
export function templatesDirOf(context: vscode.ExtensionContext): string {
  return join(context.extensionPath, 'dist', 'evaluators');
}

function summaryOf(plan: EvaluatorPlan, functionName: string): string {
  const tests = plan.tests.length === 0 ? 'no existing tests' : `${plan.tests.length} existing test${plan.tests.length === 1 ? '' : 's'}`;
  const runner = plan.runner ? ` (${plan.runner.id})` : '';
  return `Genesis: evaluator for ${functionName} created from ${tests}${runner}. Review ${plan.evaluatorFile} (the tests and the GENESIS HARNESS INPUTS), then evolve.`;
}

/** Opens the generated evaluator with its selected tests and harness inputs in view. */
async function showForReview(path: string, content: string): Promise<void> {
  const lines = content.split('\n');
  const at = Math.max(0, lines.findIndex((line) => line.includes('---- EDIT 1')));
  const editor = await vscode.window.showTextDocument(vscode.Uri.file(path), { preview: false, selection: new vscode.Range(at, 0, at, 0) });
  editor.revealRange(new vscode.Range(at, 0, at, 0), vscode.TextEditorRevealType.AtTop);
}

/** Scaffolds, writes and opens the evaluator for `location`; undefined when the user cancelled. */
export async function createEvaluatorFor(
  deps: CreateEvaluatorDeps,
  document: vscode.TextDocument,
  language: LanguageId,
  location: FunctionLocation,
): Promise<CreatedEvaluator | undefined> {
  const folder = vscode.workspace.getWorkspaceFolder(document.uri);
  if (!folder || folder.uri.scheme !== 'file') {
    void vscode.window.showWarningMessage('Genesis: open the folder that holds this file (File → Open Folder) to create an evaluator for it.');
    return undefined;
  }
  const root = folder.uri.fsPath;
  const plan = await planEvaluator({
    workspaceRoot: root, filePath: document.uri.fsPath, language, functionName: location.name, functionText: location.text, templatesDir: deps.templatesDir,
  });
  let overwrite = false;
  if (generatedEvaluatorCommand(root, location.name) !== undefined) {
    const replace = 'Replace It';
    const open = 'Open Existing';
    const answer = await vscode.window.showWarningMessage(
      `Genesis: ${location.name} already has a generated evaluator.`, { modal: true, detail: 'Replacing it loses the edits made to it.' }, open, replace,
    );
    if (answer === open) {
      await vscode.window.showTextDocument(vscode.Uri.file(join(root, plan.evaluatorFile)), { preview: false });
      return { command: plan.command, evaluatorFile: plan.evaluatorFile, warnings: [] };
    }
    if (answer !== replace) return undefined;
    overwrite = true;
  }
  try {
    await writeEvaluator(root, plan, { overwrite });
  } catch (error) {
    if (error instanceof OnboardError) {
      void vscode.window.showErrorMessage(`Genesis: ${error.message}`);
      return undefined;
    }
    throw error;
  }
  await showForReview(join(root, plan.evaluatorFile), plan.files[0]?.content ?? '');
  const message = [summaryOf(plan, location.name), ...plan.warnings].join(' ');
  const show = plan.warnings.length > 0 ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void show(message, EVOLVE_NOW).then(async (answer) => {
    if (answer !== EVOLVE_NOW) return;
    // Back to the function, then the usual Evolve Function flow (its QuickPick shows the evaluator).
    const line = Math.min(location.startLine + 1, document.lineCount - 1);
    await vscode.window.showTextDocument(document, { preview: false, selection: new vscode.Range(line, 0, line, 0) });
    await vscode.commands.executeCommand('genesis.evolveFunction');
  });
  return { command: plan.command, evaluatorFile: plan.evaluatorFile, warnings: plan.warnings };
}

/** The command: the function at the cursor of the active editor. */
export async function createEvaluatorCommand(deps: CreateEvaluatorDeps): Promise<CreatedEvaluator | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showWarningMessage('Genesis: put the cursor inside a function in an editor, then run Create Evaluator.');
    return undefined;
  }
  const lookup = await deps.locator.atCursor(editor.document, editor.selection.active);
  if (!lookup.ok) {
    void vscode.window.showWarningMessage(lookup.message.replace(/\.$/, '') + ': put the cursor inside the function to create an evaluator for.');
    return undefined;
  }
  return createEvaluatorFor(deps, editor.document, lookup.language, lookup.location);
}

/**
 * Evolve Function's check: when the evaluator command names a script the workspace does not
 * have, offer to create one. True when the caller should not start the run now.
 */
export async function offerEvaluatorIfMissing(
  deps: CreateEvaluatorDeps,
  document: vscode.TextDocument,
  language: LanguageId,
  location: FunctionLocation,
  missing: boolean,
): Promise<boolean> {
  if (!missing) return false;
  const create = 'Create Evaluator';
  const anyway = 'Evolve Anyway';
  const answer = await vscode.window.showWarningMessage(
    `Genesis: no evaluator found for ${location.name}.`,
    { modal: true, detail: 'An evaluator scores each candidate. Genesis can create one from the tests that already call this function, plus a timing harness; you review it before the first run.' },
    create, anyway,
  );
  if (answer === anyway) return false;
  if (answer === create) await createEvaluatorFor(deps, document, language, location);
  return true;
}
