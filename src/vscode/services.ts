// The extension's long-lived parts, created once in activate(), and the two flows that several
// entry points share (command, panel, API): start-and-show, accept-and-report.
import * as vscode from 'vscode';
import type { FunctionLocation, LanguageId, RunSummary } from '../core/types';
import { acceptCandidate } from './acceptCandidate';
import type { CandidateContentProvider } from './candidateDiff';
import type { EvolutionPanels } from './evolutionPanel';
import type { FunctionLocator } from './functionAtCursor';
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
  return result.applied;
}
