// "Genesis: Evolve Function": find the function at the cursor, confirm the run's choices in one
// QuickPick (remembered per function), start the run and open its panel.
import * as vscode from 'vscode';
import type { FunctionLocation, LanguageId } from '../core/types';
import type { FunctionLocator } from './functionAtCursor';
import type { RunChoices } from './runManager';
import { readSettings } from './settings';
import { parseModelSpec } from '../core/llm/modelSpec';
import { isStrategyName, STRATEGY_NAMES } from '../core/search/index';
import { evaluatorScriptMissing, generatedEvaluatorCommand } from '../core/onboard/generatedEvaluator';

export const UNTRUSTED_MESSAGE =
  'Genesis runs an evaluator command on candidate code, so it only works in a trusted workspace.';

/** The first model spec the core cannot parse, as its message; undefined when all are fine. */
export function modelSpecProblem(models: string[]): string | undefined {
  for (const model of models) {
    try {
      parseModelSpec(model);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
  return undefined;
}

type EditableChoice = 'start' | 'evaluator' | 'models' | 'strategy' | 'budget' | 'budgetUsd';

/** What the QuickPick shows and remembers: every choice resolved (budgetUsd 0 = no cost budget). */
export type ConfirmedChoices = RunChoices & { strategy: string; budgetUsd: number };

interface ChoiceItem extends vscode.QuickPickItem {
  choice: EditableChoice;
}

function choicesKey(document: vscode.TextDocument, location: FunctionLocation): string {
  return `genesis.choices:${vscode.workspace.asRelativePath(document.uri, false)}#${location.name}`;
}

function isRunChoices(value: unknown): value is RunChoices {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<RunChoices>;
  return (
    typeof v.evaluatorCommand === 'string' &&
    Array.isArray(v.models) &&
    v.models.every((m) => typeof m === 'string') &&
    typeof v.budget === 'number'
  );
}

function workspaceRootOf(document: vscode.TextDocument): string | undefined {
  const folder = vscode.workspace.getWorkspaceFolder(document.uri);
  return folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
}

/** The evaluator to propose: `command` unless its script is missing and Create Evaluator made one for this function. */
function evaluatorFor(document: vscode.TextDocument, location: FunctionLocation, command: string): string {
  const root = workspaceRootOf(document);
  if (!root || !evaluatorScriptMissing(root, command)) return command;
  return generatedEvaluatorCommand(root, location.name) ?? command;
}

/** Does the proposed evaluator command name a script the workspace lacks? */
export function evaluatorMissing(document: vscode.TextDocument, command: string): boolean {
  const root = workspaceRootOf(document);
  return root !== undefined && evaluatorScriptMissing(root, command);
}

/** Remembered choices for this function, else the settings (choices remembered before a field existed take the setting). */
export function initialChoices(state: vscode.Memento, document: vscode.TextDocument, location: FunctionLocation): ConfirmedChoices {
  const s = readSettings(document.uri);
  const remembered = state.get<unknown>(choicesKey(document, location));
  if (!isRunChoices(remembered)) return { evaluatorCommand: evaluatorFor(document, location, s.evaluatorCommand), models: s.models, budget: s.budget, strategy: s.strategy, budgetUsd: s.budgetUsd };
  const { strategy, budgetUsd } = remembered;
  return {
    evaluatorCommand: evaluatorFor(document, location, remembered.evaluatorCommand),
    models: remembered.models,
    budget: remembered.budget,
    strategy: typeof strategy === 'string' && isStrategyName(strategy) ? strategy : s.strategy,
    budgetUsd: typeof budgetUsd === 'number' && Number.isFinite(budgetUsd) && budgetUsd >= 0 ? budgetUsd : s.budgetUsd,
  };
}

function pickOnce(title: string, choices: ConfirmedChoices): Promise<EditableChoice | undefined> {
  const items: ChoiceItem[] = [
    { choice: 'start', label: '$(play) Start evolution', detail: 'Runs the evaluator on the original, then on each candidate.' },
    { choice: 'evaluator', label: `Evaluator: ${choices.evaluatorCommand}`, description: 'change…' },
    { choice: 'models', label: `Models: ${choices.models.join(', ')}`, description: 'change…' },
    { choice: 'strategy', label: `Strategy: ${choices.strategy}`, description: 'change…' },
    { choice: 'budget', label: `Budget: ${choices.budget} evaluations`, description: 'change…' },
    { choice: 'budgetUsd', label: `Cost budget: ${choices.budgetUsd > 0 ? `$${choices.budgetUsd}` : 'none'}`, description: 'change…' },
  ];
  const pick = vscode.window.createQuickPick<ChoiceItem>();
  pick.title = title;
  pick.placeholder = 'Enter starts the run; pick a line to change it';
  pick.items = items;
  pick.activeItems = [items[0]!];
  return new Promise((resolve) => {
    let chosen: EditableChoice | undefined;
    pick.onDidAccept(() => {
      chosen = pick.selectedItems[0]?.choice ?? pick.activeItems[0]?.choice;
      pick.hide();
    });
    pick.onDidHide(() => {
      pick.dispose();
      resolve(chosen);
    });
    pick.show();
  });
}

async function editChoice(which: Exclude<EditableChoice, 'start'>, choices: ConfirmedChoices): Promise<ConfirmedChoices> {
  switch (which) {
    case 'evaluator': {
      const value = await vscode.window.showInputBox({
        title: 'Genesis: evaluator command',
        prompt: 'Run in a sandbox copy of the workspace; writes {"score": …} JSON (evaluator contract v1).',
        value: choices.evaluatorCommand,
        validateInput: (v) => (v.trim() ? undefined : 'Enter a command'),
      });
      return value === undefined ? choices : { ...choices, evaluatorCommand: value.trim() };
    }
    case 'models': {
      const value = await vscode.window.showInputBox({
        title: 'Genesis: models',
        prompt: 'Comma-separated: offline, openai:MODEL, anthropic:MODEL, openai-compatible:URL#MODEL, anthropic-compatible:URL#MODEL, vscode-lm:VENDOR/FAMILY',
        value: choices.models.join(', '),
        validateInput: (v) => {
          const models = splitModels(v);
          if (models.length === 0) return 'Enter at least one model';
          return modelSpecProblem(models);
        },
      });
      return value === undefined ? choices : { ...choices, models: splitModels(value) };
    }
    case 'budget': {
      const value = await vscode.window.showInputBox({
        title: 'Genesis: budget',
        prompt: 'Number of evaluations, the original function included',
        value: String(choices.budget),
        validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 100000 ? undefined : 'Enter a whole number ≥ 1'),
      });
      return value === undefined ? choices : { ...choices, budget: Number(value.trim()) };
    }
    case 'strategy': {
      const picked = await vscode.window.showQuickPick(
        STRATEGY_NAMES.map((name) => ({ label: name, description: name === choices.strategy ? 'current' : '' })),
        { title: 'Genesis: search strategy', placeHolder: 'How the run picks parents and which children to evaluate' },
      );
      return picked === undefined ? choices : { ...choices, strategy: picked.label };
    }
    case 'budgetUsd': {
      const value = await vscode.window.showInputBox({
        title: 'Genesis: cost budget',
        prompt: 'USD for model calls; the run stops cleanly when it is spent. Empty or 0: no cost budget.',
        value: choices.budgetUsd > 0 ? String(choices.budgetUsd) : '',
        validateInput: (v) => (parseUsd(v) === undefined ? 'Enter an amount in USD ≥ 0, e.g. 0.50, or leave it empty' : undefined),
      });
      const usd = value === undefined ? undefined : parseUsd(value);
      return usd === undefined ? choices : { ...choices, budgetUsd: usd };
    }
  }
}

/** "0.5", "$2", "" (none = 0); undefined when not an amount. */
export function parseUsd(text: string): number | undefined {
  const trimmed = text.trim().replace(/^\$/, '');
  if (trimmed === '') return 0;
  const value = Number(trimmed);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

function splitModels(value: string): string[] {
  return value
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
}

/** The QuickPick loop: returns the confirmed choices, or undefined when dismissed. */
export async function confirmChoices(functionName: string, initial: ConfirmedChoices): Promise<ConfirmedChoices | undefined> {
  let choices = initial;
  for (;;) {
    const picked = await pickOnce(`Genesis: evolve ${functionName}`, choices);
    if (picked === undefined) return undefined;
    if (picked === 'start') return choices;
    choices = await editChoice(picked, choices);
  }
}

export interface EvolveDeps {
  state: vscode.Memento;
  locator: FunctionLocator;
  start(document: vscode.TextDocument, language: LanguageId, location: FunctionLocation, choices: RunChoices): Promise<unknown>;
  /** Offers Create Evaluator when the evaluator is missing; true when the run should not start now. */
  offerEvaluator?(document: vscode.TextDocument, language: LanguageId, location: FunctionLocation, missing: boolean): Promise<boolean>;
}

export async function evolveFunctionCommand(deps: EvolveDeps, uri?: unknown): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    const manage = 'Manage Workspace Trust';
    const answer = await vscode.window.showWarningMessage(`${UNTRUSTED_MESSAGE} Trust this workspace to evolve functions.`, manage);
    if (answer === manage) await vscode.commands.executeCommand('workbench.trust.manage');
    return;
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor || (uri instanceof vscode.Uri && editor.document.uri.toString() !== uri.toString())) {
    void vscode.window.showWarningMessage('Genesis: put the cursor inside a function in an editor, then run Evolve Function.');
    return;
  }
  const lookup = await deps.locator.atCursor(editor.document, editor.selection.active);
  if (!lookup.ok) {
    void vscode.window.showWarningMessage(lookup.message);
    return;
  }
  const initial = initialChoices(deps.state, editor.document, lookup.location);
  const missing = evaluatorMissing(editor.document, initial.evaluatorCommand);
  if (deps.offerEvaluator && (await deps.offerEvaluator(editor.document, lookup.language, lookup.location, missing))) return;
  const choices = await confirmChoices(lookup.location.name, initial);
  if (!choices) return;
  await deps.state.update(choicesKey(editor.document, lookup.location), choices);
  await deps.start(editor.document, lookup.language, lookup.location, choices);
}
