// Read-only virtual documents for `vscode.diff`: the function as it is NOW in the editor (or the
// candidate's parent) vs a candidate. The real file is never touched by a preview.
import * as vscode from 'vscode';
import { extname } from 'node:path';
import type { FunctionLocator } from './functionAtCursor';
import type { RunManager } from './runManager';
import { locateRunFunction } from './acceptCandidate';
import { formatScore } from '../core/util/format';

export const CANDIDATE_SCHEME = 'genesis-candidate';
/** Path segment that stands for "the function in the current document". */
const CURRENT = 'current';

// genesis-candidate:/<runId>/<nodeId | current>/<functionName><ext of the source file>
function candidateUri(runId: string, which: string, functionName: string, sourcePath: string): vscode.Uri {
  const file = `${functionName}${extname(sourcePath)}`;
  return vscode.Uri.from({ scheme: CANDIDATE_SCHEME, path: `/${encodeURIComponent(runId)}/${encodeURIComponent(which)}/${file}` });
}

function parseUri(uri: vscode.Uri): { runId: string; which: string } | undefined {
  const [, runId, which] = uri.path.split('/');
  return runId && which ? { runId: decodeURIComponent(runId), which: decodeURIComponent(which) } : undefined;
}

export class CandidateContentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly runs: RunManager,
    private readonly locator: FunctionLocator,
  ) {}

  dispose(): void {
    this.changed.dispose();
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const parsed = parseUri(uri);
    if (!parsed) return `Genesis: not a candidate address: ${uri.toString()}`;
    const snapshot = await this.runs.snapshot(parsed.runId);
    if (!snapshot) return `Genesis: run ${parsed.runId} was not found.`;
    if (parsed.which !== CURRENT) {
      const node = snapshot.nodes.find((n) => n.id === parsed.which);
      return node ? node.code : `Genesis: candidate #${parsed.which} was not found in run ${parsed.runId}.`;
    }
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(snapshot.config.filePath));
    const location = await locateRunFunction(this.locator, document.getText(), snapshot);
    return location ? location.text : `Genesis: ${snapshot.config.functionName} no longer exists in ${snapshot.config.relativePath}.`;
  }

  /**
   * Opens the diff current function (or the candidate's parent) ↔ candidate; returns false when
   * the run is unknown.
   */
  async openDiff(runId: string, nodeId: string, against: 'current' | 'parent' = 'current'): Promise<boolean> {
    const snapshot = await this.runs.snapshot(runId);
    if (!snapshot) return false;
    const { functionName, filePath } = snapshot.config;
    const node = snapshot.nodes.find((n) => n.id === nodeId);
    const parentId = against === 'parent' ? node?.parentId : null;
    const leftWhich = parentId !== null && parentId !== undefined ? parentId : CURRENT;
    const left = candidateUri(runId, leftWhich, functionName, filePath);
    const right = candidateUri(runId, nodeId, functionName, filePath);
    // The current side may have been opened before and edited since: ask VS Code to re-read it.
    this.changed.fire(left);
    const label = node?.score !== null && node?.score !== undefined ? ` (score ${formatScore(node.score)})` : '';
    const leftLabel = leftWhich === CURRENT ? 'current' : `parent #${leftWhich}`;
    // Its own tab (preview: false keeps the file's preview tab), in the column next to the
    // file's editor: the code stays readable and the diff gets a whole column, not the panel's.
    await vscode.commands.executeCommand('vscode.diff', left, right, `${functionName}: ${leftLabel} ↔ candidate #${nodeId}${label}`, {
      preview: false,
      viewColumn: columnBesideFile(filePath),
    });
    return true;
  }
}

function columnBesideFile(filePath: string): vscode.ViewColumn {
  const fileEditor = vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'file' && e.document.uri.fsPath === filePath);
  const column = fileEditor?.viewColumn;
  return column !== undefined && column < vscode.ViewColumn.Nine ? ((column + 1) as vscode.ViewColumn) : vscode.ViewColumn.Beside;
}

/** Closes the diff tabs that show candidate `nodeId` of run `runId` (after it was accepted). */
export async function closeCandidateDiffTabs(runId: string, nodeId: string): Promise<number> {
  const tabs = vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => {
      if (!(tab.input instanceof vscode.TabInputTextDiff) || tab.input.modified.scheme !== CANDIDATE_SCHEME) return false;
      const parsed = parseUri(tab.input.modified);
      return parsed?.runId === runId && parsed.which === nodeId;
    });
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
  return tabs.length;
}
