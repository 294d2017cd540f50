// Applies a candidate to the CURRENT text of its file as one WorkspaceEdit (one undo step),
// after checking that the function is still exactly what the run started from.
import * as vscode from 'vscode';
import type { FunctionLocation } from '../core/types';
import type { FunctionLocator } from './functionAtCursor';
import type { RunManager } from './runManager';
import { rootOf, type RunSnapshot } from './runSnapshot';
import { sourceEncodingProblem } from './sourceEncoding';

/** What an Accept changed, so that it can be reported and undone. */
export interface AppliedCandidate {
  runId: string;
  nodeId: string;
  uri: vscode.Uri;
  functionName: string;
  /** The document's version right after the edit: Undo can use the editor's undo while it holds. */
  versionAfter: number;
  /** Offset where the function starts (before and after the edit). */
  start: number;
  originalText: string;
  candidateText: string;
  score: number | null;
  baseline: number | null;
}

export type AcceptResult = { applied: true; message: string; edit: AppliedCandidate } | { applied: false; message: string };

/** Whether Accept can apply a candidate to the function as it is now, and if not, why. */
export type Acceptability = 'ok' | 'changed' | 'missing';

export function acceptabilityOf(location: FunctionLocation | null, rootCode: string): Acceptability {
  if (!location) return 'missing';
  return location.text === rootCode ? 'ok' : 'changed';
}

/** Line of `index` in `text` (0-based). */
function lineAt(text: string, index: number): number {
  let line = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * The run's function in `text`: by name, nearest to where the original code still is, else to
 * where it was when this window started the run.
 */
export async function locateRunFunction(
  locator: FunctionLocator,
  text: string,
  snapshot: RunSnapshot,
): Promise<FunctionLocation | null> {
  const rootCode = rootOf(snapshot)?.code;
  const exactAt = rootCode ? text.indexOf(rootCode) : -1;
  const nearLine = exactAt >= 0 ? lineAt(text, exactAt) : (snapshot.functionLineHint ?? 0);
  return locator.byName(text, snapshot.config.language, snapshot.config.functionName, nearLine);
}

export async function acceptCandidate(
  runs: RunManager,
  locator: FunctionLocator,
  runId: string,
  nodeId: string,
): Promise<AcceptResult> {
  const snapshot = await runs.snapshot(runId);
  if (!snapshot) return { applied: false, message: `Genesis: run ${runId} was not found.` };
  const node = snapshot.nodes.find((n) => n.id === nodeId);
  const root = rootOf(snapshot);
  if (!node || !root) return { applied: false, message: `Genesis: candidate #${nodeId} was not found in run ${runId}.` };
  if (node.id === root.id) return { applied: false, message: 'Genesis: #0 is the original function; nothing to apply.' };
  if (node.status !== 'done') {
    return { applied: false, message: `Genesis: candidate #${nodeId} is ${node.status}, not a scored candidate; not applied.` };
  }

  const name = snapshot.config.functionName;
  // Accept never changes bytes outside the function: a file VS Code cannot hold byte for byte is refused.
  const encodingProblem = await sourceEncodingProblem(vscode.Uri.file(snapshot.config.filePath));
  if (encodingProblem) return { applied: false, message: `Genesis: ${encodingProblem} Candidate not applied.` };
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(snapshot.config.filePath));
  const text = document.getText();
  const location = await locateRunFunction(locator, text, snapshot);
  const acceptability = acceptabilityOf(location, root.code);
  if (!location || acceptability === 'missing') return { applied: false, message: `Genesis: ${name} no longer exists; candidate not applied.` };
  if (acceptability === 'changed') {
    return { applied: false, message: `Genesis: ${name} changed since the run started; candidate not applied.` };
  }

  const edit = new vscode.WorkspaceEdit();
  const range = new vscode.Range(document.positionAt(location.startIndex), document.positionAt(location.endIndex));
  edit.replace(document.uri, range, node.code);
  if (!(await vscode.workspace.applyEdit(edit))) {
    return { applied: false, message: `Genesis: VS Code refused the edit to ${name}; candidate not applied.` };
  }
  const versionAfter = document.version;
  const visible = vscode.window.visibleTextEditors.find((e) => e.document === document);
  await vscode.window.showTextDocument(document, {
    viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One,
    preserveFocus: true,
    preview: false,
    selection: new vscode.Range(range.start, range.start),
  });
  return {
    applied: true,
    message: `Genesis: applied candidate #${nodeId} to ${name} (undo restores the original).`,
    edit: {
      runId,
      nodeId,
      uri: document.uri,
      functionName: name,
      versionAfter,
      start: location.startIndex,
      originalText: location.text,
      candidateText: node.code,
      score: node.score,
      baseline: snapshot.summary.baselineScore,
    },
  };
}
