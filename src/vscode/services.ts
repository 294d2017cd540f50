// The extension's long-lived parts, created once in activate(), and the flows that several
// entry points share (command, panel, sidebar, CodeLens, API): start-and-show, accept-and-report,
// show-candidate, resume-and-show.
import * as vscode from 'vscode';
import type { FunctionLocation, LanguageId, RunSummary } from '../core/types';
import { acceptCandidate, type AcceptResult, type AppliedCandidate } from './acceptCandidate';
import type { AcceptedEdits } from './acceptUndo';
import { closeCandidateDiffTabs, type CandidateContentProvider } from './candidateDiff';
import type { EvolutionPanels } from './evolutionPanel';
import { formatGain, formatScoreText } from '../core/util/format';
import type { FunctionLocator } from './functionAtCursor';
import type { InlineCandidates } from './inlineCandidate';
import { errorMessage, type Logger } from './log';
import type { RunChoices, RunManager } from './runManager';
import type { RunsTreeProvider } from './runsTreeView';
import type { ApiKeyStore } from './secrets';

export interface GenesisServices {
  context: vscode.ExtensionContext;
  log: Logger;
  keys: ApiKeyStore;
  locator: FunctionLocator;
  runs: RunManager;
  panels: EvolutionPanels;
  diffs: CandidateContentProvider;
  tree: RunsTreeProvider;
  inline: InlineCandidates;
  accepted: AcceptedEdits;
}

export async function startRunAndShow(
  s: GenesisServices,
  document: vscode.TextDocument,
  language: LanguageId,
  location: FunctionLocation,
  choices: RunChoices,
  showPanel = true,
): Promise<{ runId: string; done: Promise<RunSummary> }> {
  const started = await s.runs.start({ document, language, location, choices });
  if (showPanel) s.panels.open(started.runId, location.name);
  return started;
}

/** "Genesis: accepted candidate #12: score −0.04 (from −0.318, +0.278)." */
export function acceptedMessage(edit: AppliedCandidate): string {
  return `Genesis: accepted candidate #${edit.nodeId}: score ${formatScoreText(edit.score)} (from ${formatScoreText(edit.baseline)}, ${formatGain(edit.baseline, edit.score)}).`;
}

/**
 * Accepts a candidate and tells the user: a notification with the score gain and Undo; the
 * candidate's diff tab and inline view are closed. A refusal goes to the panel (or a warning).
 */
export async function acceptAndReport(s: GenesisServices, runId: string, nodeId: string): Promise<boolean> {
  let result: AcceptResult;
  try {
    result = await acceptCandidate(s.runs, s.locator, runId, nodeId);
  } catch (error) {
    result = { applied: false, message: `Genesis: accepting candidate #${nodeId} failed: ${errorMessage(error)}` };
  }
  s.log.log(result.applied ? 'info' : 'warn', `Accept ${runId}#${nodeId}: ${result.message}`);
  if (!result.applied) {
    if (!s.panels.notice(runId, 'warn', result.message)) void vscode.window.showWarningMessage(result.message);
    return false;
  }
  s.accepted.remember(result.edit);
  s.panels.notice(runId, 'info', result.message);
  // The inline view and the diff tab of an applied candidate have done their job.
  const inline = s.inline.current();
  if (inline?.runId === runId) await s.inline.clear();
  await closeCandidateDiffTabs(runId, nodeId);
  const edit = result.edit;
  void vscode.window.showInformationMessage(acceptedMessage(edit), 'Undo').then(async (choice) => {
    if (choice === 'Undo' && s.accepted.latest() === edit) await vscode.commands.executeCommand('genesis.undoAccept');
  });
  return true;
}

/** Undoes the last Accept in one step and says so (status bar; a warning when it cannot). */
export async function undoAcceptAndReport(s: GenesisServices): Promise<boolean> {
  const result = await s.accepted.undo();
  s.log.log(result.undone ? 'info' : 'warn', `Undo accept: ${result.message}`);
  if (!result.undone) {
    void vscode.window.showWarningMessage(result.message);
    return false;
  }
  s.panels.notice(result.edit.runId, 'info', result.message);
  vscode.window.setStatusBarMessage(result.message, 5_000);
  return true;
}

/** Opens the run's panel with the candidate selected, and shows it in the editor. */
export async function showCandidate(s: GenesisServices, runId: string, nodeId: string): Promise<boolean> {
  const snapshot = await s.runs.snapshot(runId);
  if (!snapshot) {
    void vscode.window.showWarningMessage(`Genesis: run ${runId} was not found.`);
    return false;
  }
  s.panels.open(runId, snapshot.config.functionName);
  s.panels.select(runId, nodeId);
  const shown = await s.inline.show(runId, nodeId, { reveal: true });
  if (!shown.shown) s.panels.notice(runId, 'warn', shown.message);
  return shown.shown;
}

/** Continues a stored run and shows its panel. */
export async function resumeAndShow(s: GenesisServices, runId: string): Promise<{ runId: string; done: Promise<RunSummary> }> {
  const started = await s.runs.resumeStored(runId);
  const snapshot = await s.runs.snapshot(runId);
  s.panels.open(runId, snapshot?.config.functionName);
  return started;
}
