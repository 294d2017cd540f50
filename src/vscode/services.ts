// The extension's long-lived parts, created once in activate(), and the flows that several
// entry points share (command, panel, sidebar, CodeLens, API): start-and-show, accept-and-report,
// show-candidate, resume-and-show.
import * as vscode from 'vscode';
import type { FunctionLocation, LanguageId, RunSummary } from '../core/types';
import { acceptCandidate } from './acceptCandidate';
import type { CandidateContentProvider } from './candidateDiff';
import type { EvolutionPanels } from './evolutionPanel';
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

/** Accepts a candidate and tells the user (panel notice when the panel is open, else a message). */
export async function acceptAndReport(s: GenesisServices, runId: string, nodeId: string): Promise<boolean> {
  let result;
  try {
    result = await acceptCandidate(s.runs, s.locator, runId, nodeId);
  } catch (error) {
    result = { applied: false, message: `Genesis: accepting candidate #${nodeId} failed: ${errorMessage(error)}` };
  }
  s.log.log(result.applied ? 'info' : 'warn', `Accept ${runId}#${nodeId}: ${result.message}`);
  const level = result.applied ? 'info' : 'warn';
  if (!s.panels.notice(runId, level, result.message)) {
    if (result.applied) void vscode.window.showInformationMessage(result.message);
    else void vscode.window.showWarningMessage(result.message);
  }
  // The inline view of an applied candidate has done its job.
  const inline = s.inline.current();
  if (result.applied && inline?.runId === runId && inline.nodeId === nodeId) await s.inline.clear();
  return result.applied;
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
