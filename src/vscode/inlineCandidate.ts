// The candidate selected in the panel, shown in the editor: the function it would replace is
// marked (decorations, the diff on hover) and CodeLens above it offers Accept · Reject · Next
// candidate · Open Diff. Accept goes through acceptCandidate (re-locates the function, one
// undoable edit, refuses when the function changed). Keybindings work only while a candidate is
// shown in the focused file (context keys below).
import * as vscode from 'vscode';
import type { CandidateNode } from '../core/types';
import { locateRunFunction } from './acceptCandidate';
import { acceptableCandidates, nextCandidate } from './candidateRanking';
import { formatScore } from './format';
import type { FunctionLocator } from './functionAtCursor';
import type { Logger } from './log';
import type { RunManager } from './runManager';
import { rootOf } from './runSnapshot';

/** True while a candidate is shown inline somewhere. */
export const INLINE_ACTIVE_CONTEXT = 'genesis.inlineCandidate';
/** Paths of the files that show one (for `resourcePath in genesis.inlineCandidateFiles`). */
export const INLINE_FILES_CONTEXT = 'genesis.inlineCandidateFiles';

export interface InlineTarget {
  runId: string;
  nodeId: string;
}

interface Shown extends InlineTarget {
  filePath: string;
  node: CandidateNode;
  baseline: number | null;
  rootCode: string;
}

export class InlineCandidates implements vscode.CodeLensProvider, vscode.Disposable {
  private shown: Shown | undefined;
  private readonly rejected = new Map<string, Set<string>>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly selectionEmitter = new vscode.EventEmitter<InlineTarget>();
  /** The inline candidate moved (Next candidate): the panel follows. */
  readonly onDidSelect = this.selectionEmitter.event;
  private readonly functionMark = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
    borderWidth: '0 0 0 2px',
    borderStyle: 'solid',
    borderColor: new vscode.ThemeColor('focusBorder'),
    overviewRulerColor: new vscode.ThemeColor('focusBorder'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly hint = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic', margin: '0 0 0 2em' },
  });
  private readonly disposables: vscode.Disposable[] = [];
  private decorateTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly runs: RunManager,
    private readonly locator: FunctionLocator,
    private readonly log: Logger,
  ) {
    this.disposables.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.decorateSoon()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.shown && e.document.uri.fsPath === this.shown.filePath) this.decorateSoon();
      }),
      runs.onRunsChanged(() => this.lensesChanged.fire()),
    );
  }

  dispose(): void {
    if (this.decorateTimer) clearTimeout(this.decorateTimer);
    for (const d of this.disposables) d.dispose();
    this.functionMark.dispose();
    this.hint.dispose();
    this.lensesChanged.dispose();
    this.selectionEmitter.dispose();
  }

  current(): InlineTarget | undefined {
    return this.shown ? { runId: this.shown.runId, nodeId: this.shown.nodeId } : undefined;
  }

  /**
   * Shows a candidate inline. Nodes that cannot be accepted (the original, unscored) clear the
   * inline view instead. With `reveal`, the file is opened and the function scrolled into view.
   */
  async show(runId: string, nodeId: string, options: { reveal?: boolean } = {}): Promise<{ shown: boolean; message: string }> {
    const snapshot = await this.runs.snapshot(runId);
    if (!snapshot) return this.clearWith(`Genesis: run ${runId} was not found.`);
    const node = snapshot.nodes.find((n) => n.id === nodeId);
    const root = rootOf(snapshot);
    if (!node || !root) return this.clearWith(`Genesis: candidate #${nodeId} was not found.`);
    if (node.parentId === null || node.status !== 'done') return this.clearWith(`Genesis: candidate #${nodeId} is ${node.parentId === null ? 'the original function' : node.status}; only scored candidates are shown inline.`);
    this.shown = { runId, nodeId, filePath: snapshot.config.filePath, node, baseline: snapshot.summary.baselineScore, rootCode: root.code };
    await this.setContexts();
    if (options.reveal) {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(snapshot.config.filePath));
      const location = await locateRunFunction(this.locator, document.getText(), snapshot);
      const existing = vscode.window.visibleTextEditors.find((e) => e.document === document);
      const editor = await vscode.window.showTextDocument(document, { viewColumn: existing?.viewColumn ?? vscode.ViewColumn.One, preview: false });
      if (location) {
        const start = document.positionAt(location.startIndex);
        editor.revealRange(new vscode.Range(start, start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }
    }
    await this.decorate();
    this.lensesChanged.fire();
    return { shown: true, message: `Genesis: showing candidate #${nodeId} in the editor.` };
  }

  /** Stops showing a candidate (after accept, reject, or a selection that cannot be shown). */
  async clear(): Promise<void> {
    if (!this.shown) return;
    this.shown = undefined;
    await this.setContexts();
    for (const editor of vscode.window.visibleTextEditors) {
      editor.setDecorations(this.functionMark, []);
      editor.setDecorations(this.hint, []);
    }
    this.lensesChanged.fire();
  }

  /** Marks the shown candidate as rejected (Next skips it) and stops showing it. */
  async reject(): Promise<InlineTarget | undefined> {
    const shown = this.current();
    if (!shown) return undefined;
    const set = this.rejected.get(shown.runId) ?? new Set<string>();
    set.add(shown.nodeId);
    this.rejected.set(shown.runId, set);
    await this.clear();
    this.log.info(`Inline candidate ${shown.runId}#${shown.nodeId} rejected.`);
    return shown;
  }

  /** Shows the next acceptable candidate of the run (by score), skipping rejected ones. */
  async next(target = this.current()): Promise<InlineTarget | undefined> {
    if (!target) return undefined;
    const snapshot = await this.runs.snapshot(target.runId);
    if (!snapshot) return undefined;
    const next = nextCandidate(acceptableCandidates(snapshot.nodes), target.nodeId, this.rejected.get(target.runId) ?? new Set());
    if (!next) return undefined;
    await this.show(target.runId, next.id);
    const moved = { runId: target.runId, nodeId: next.id };
    this.selectionEmitter.fire(moved);
    return moved;
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const shown = this.shown;
    if (!shown || document.uri.fsPath !== shown.filePath) return [];
    const snapshot = await this.runs.snapshot(shown.runId);
    if (!snapshot) return [];
    const location = await locateRunFunction(this.locator, document.getText(), snapshot);
    if (!location) return [];
    const at = new vscode.Range(document.positionAt(location.startIndex), document.positionAt(location.startIndex));
    const { runId, nodeId, node } = shown;
    const changed = location.text !== shown.rootCode;
    const lenses = [
      new vscode.CodeLens(at, {
        title: `$(check) Accept candidate #${nodeId} (score ${formatScore(node.score)})`,
        command: 'genesis.inlineAccept',
        arguments: [runId, nodeId],
        tooltip: changed ? 'The function changed since the run started: Accept will refuse' : 'Replace this function with the candidate (one undoable edit)',
      }),
      new vscode.CodeLens(at, { title: '$(close) Reject', command: 'genesis.inlineReject', tooltip: 'Hide this candidate; Next skips it' }),
      new vscode.CodeLens(at, { title: '$(arrow-right) Next candidate', command: 'genesis.inlineNext', tooltip: 'Show the next best candidate' }),
      new vscode.CodeLens(at, { title: '$(diff) Open Diff', command: 'genesis.openCandidateDiff', arguments: [runId, nodeId], tooltip: 'Compare the function as it is now with the candidate' }),
    ];
    if (changed) lenses.push(new vscode.CodeLens(at, { title: '$(warning) changed since the run started', command: '' }));
    return lenses;
  }

  private clearWith(message: string): { shown: false; message: string } {
    void this.clear();
    return { shown: false, message };
  }

  private async setContexts(): Promise<void> {
    const files = this.shown ? [this.shown.filePath, vscode.Uri.file(this.shown.filePath).path] : [];
    await vscode.commands.executeCommand('setContext', INLINE_FILES_CONTEXT, files);
    await vscode.commands.executeCommand('setContext', INLINE_ACTIVE_CONTEXT, this.shown !== undefined);
  }

  private decorateSoon(): void {
    if (this.decorateTimer) clearTimeout(this.decorateTimer);
    this.decorateTimer = setTimeout(() => {
      this.decorateTimer = undefined;
      void this.decorate();
    }, 150);
  }

  private async decorate(): Promise<void> {
    const shown = this.shown;
    for (const editor of vscode.window.visibleTextEditors) {
      if (!shown || editor.document.uri.fsPath !== shown.filePath) {
        editor.setDecorations(this.functionMark, []);
        editor.setDecorations(this.hint, []);
        continue;
      }
      const snapshot = await this.runs.snapshot(shown.runId);
      const location = snapshot ? await locateRunFunction(this.locator, editor.document.getText(), snapshot) : null;
      if (!location || this.shown !== shown) continue;
      const start = editor.document.positionAt(location.startIndex);
      const end = editor.document.positionAt(location.endIndex);
      const hover = new vscode.MarkdownString(`**Genesis candidate #${shown.nodeId}** — score ${formatScore(shown.node.score)} (baseline ${formatScore(shown.baseline)})\n\n`);
      hover.appendCodeblock(shown.node.diff || '(no change)', 'diff');
      editor.setDecorations(this.functionMark, [{ range: new vscode.Range(start, end), hoverMessage: hover }]);
      const changed = location.text !== shown.rootCode;
      const summary = shown.node.mutation?.summary ? ` · ${shown.node.mutation.summary}` : '';
      const text = changed
        ? `Genesis #${shown.nodeId}: this function changed since the run started; Accept will refuse`
        : `Genesis #${shown.nodeId}: score ${formatScore(shown.node.score)} (baseline ${formatScore(shown.baseline)})${summary}`;
      const firstLineEnd = editor.document.lineAt(start.line).range.end;
      editor.setDecorations(this.hint, [{ range: new vscode.Range(firstLineEnd, firstLineEnd), renderOptions: { after: { contentText: text } } }]);
    }
  }
}
