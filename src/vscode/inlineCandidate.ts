// The candidate selected in the panel, shown in the editor as an inline diff over the function it
// would replace: struck red words and lines for what goes, green inserted words and lines for what
// comes, the rest of the file as it is. Decorations only: the document, its undo history and the
// file on disk stay untouched until Accept, so Reject has nothing to restore. CodeLens above the
// function offers Accept · Reject · Previous · Next · Open Diff (or, when the function changed
// since the run, why Accept would refuse and Re-run on the current function). The diffs of all
// ranked candidates are laid out when a run is shown, so Next and Previous only swap decorations.
// Keybindings work only while a candidate is shown in the focused file (context keys below).
import * as vscode from 'vscode';
import type { CandidateNode, FunctionLocation } from '../core/types';
import { acceptabilityOf, locateRunFunction, type Acceptability } from './acceptCandidate';
import { acceptableCandidates, nextCandidate, previousCandidate } from './candidateRanking';
import { formatGain, formatScore } from '../core/util/format';
import type { FunctionLocator } from './functionAtCursor';
import { addedLinesText, layoutInlineDiff, type InlineDiffLayout } from './inlineDiffLayout';
import type { Logger } from './log';
import type { RunManager } from './runManager';
import { rootOf, type RunSnapshot } from './runSnapshot';

/** True while a candidate is shown inline somewhere. */
export const INLINE_ACTIVE_CONTEXT = 'genesis.inlineCandidate';
/** Paths of the files that show one (for `resourcePath in genesis.inlineCandidateFiles`). */
export const INLINE_FILES_CONTEXT = 'genesis.inlineCandidateFiles';

export interface InlineTarget {
  runId: string;
  nodeId: string;
}

/** What the editor shows right now (for tests and the API): lines are 0-based document lines. */
export interface InlineView extends InlineTarget {
  acceptability: Acceptability;
  /** Lines struck whole (removed or rewritten). */
  removedLines: number[];
  /** Lines with struck and inserted words. */
  modifiedLines: number[];
  /** Text of the struck words and lines, in order. */
  struckText: string[];
  /** Inserted words, in order. */
  insertedText: string[];
  /** The new lines shown after a line, as shown. */
  addedText: string[];
  /** Position in the ranking (1-based) and its length. */
  rank: number;
  of: number;
}

interface Shown extends InlineTarget {
  filePath: string;
  functionName: string;
  node: CandidateNode;
  baseline: number | null;
  rootCode: string;
  snapshot: RunSnapshot;
  /** Best first, at the time the run was shown (refreshed when the run changes). */
  ranked: CandidateNode[];
  layouts: Map<string, InlineDiffLayout>;
}

const theme = (id: string): vscode.ThemeColor => new vscode.ThemeColor(id);

export class InlineCandidates implements vscode.CodeLensProvider, vscode.Disposable {
  private shown: Shown | undefined;
  private readonly rejected = new Map<string, Set<string>>();
  private readonly located = new Map<string, { version: number; location: FunctionLocation | null }>();
  private rendered: InlineView | undefined;
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly selectionEmitter = new vscode.EventEmitter<InlineTarget>();
  /** The inline candidate moved (Next / Previous): the panel follows. */
  readonly onDidSelect = this.selectionEmitter.event;
  private readonly functionMark = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    borderWidth: '0 0 0 2px',
    borderStyle: 'solid',
    borderColor: theme('focusBorder'),
  });
  private readonly staleMark = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: theme('editor.rangeHighlightBackground'),
    borderWidth: '0 0 0 2px',
    borderStyle: 'solid',
    borderColor: theme('editorWarning.foreground'),
    overviewRulerColor: theme('editorWarning.foreground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly removedLine = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: theme('diffEditor.removedLineBackground'),
    overviewRulerColor: theme('editorOverviewRuler.deletedForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  // No line background: the struck (red) and inserted (green) words carry the change, and a
  // green line under a red word reads as neither (it blends to brown).
  private readonly modifiedLine = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    overviewRulerColor: theme('editorOverviewRuler.modifiedForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  // Red text, no background: a background is drawn from the struck range's start to the pixel
  // position of its end column, which is after text injected there, so it would also tint the
  // inserted (green) text that follows.
  private readonly struckText = vscode.window.createTextEditorDecorationType({
    color: theme('gitDecoration.deletedResourceForeground'),
    textDecoration: 'line-through',
  });
  private readonly insertedText = vscode.window.createTextEditorDecorationType({
    before: { backgroundColor: theme('diffEditor.insertedTextBackground'), color: theme('gitDecoration.addedResourceForeground') },
  });
  private readonly addedLines = vscode.window.createTextEditorDecorationType({
    after: {
      backgroundColor: theme('diffEditor.insertedLineBackground'),
      border: '1px solid',
      borderColor: theme('diffEditor.insertedTextBackground'),
      color: theme('editor.foreground'),
      margin: '0 0 0 1.5em',
    },
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
      runs.onRunsChanged(() => void this.refreshRanking()),
    );
  }

  dispose(): void {
    if (this.decorateTimer) clearTimeout(this.decorateTimer);
    for (const d of this.disposables) d.dispose();
    for (const type of this.decorationTypes()) type.dispose();
    this.lensesChanged.dispose();
    this.selectionEmitter.dispose();
  }

  current(): InlineTarget | undefined {
    return this.shown ? { runId: this.shown.runId, nodeId: this.shown.nodeId } : undefined;
  }

  /** What the editor shows now (undefined when no candidate is drawn). */
  view(): InlineView | undefined {
    return this.shown && this.rendered?.nodeId === this.shown.nodeId ? this.rendered : undefined;
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
    const sameRun = this.shown?.runId === runId ? this.shown : undefined;
    const ranked = sameRun?.snapshot === snapshot ? sameRun.ranked : acceptableCandidates(snapshot.nodes);
    const layouts = sameRun?.snapshot === snapshot ? sameRun.layouts : this.layoutAll(ranked, root.code, sameRun?.layouts);
    if (!layouts.has(nodeId)) layouts.set(nodeId, layoutInlineDiff(root.code, node.code));
    this.shown = {
      runId, nodeId, node, snapshot, ranked, layouts,
      filePath: snapshot.config.filePath, functionName: snapshot.config.functionName,
      baseline: snapshot.summary.baselineScore, rootCode: root.code,
    };
    await this.setContexts();
    if (options.reveal) {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(snapshot.config.filePath));
      const location = await this.locate(document);
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
    this.rendered = undefined;
    await this.setContexts();
    for (const editor of vscode.window.visibleTextEditors) this.undecorate(editor);
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
  next(): Promise<InlineTarget | undefined> {
    return this.step(nextCandidate);
  }

  /** Shows the previous candidate of the ranking (wraps around). */
  previous(): Promise<InlineTarget | undefined> {
    return this.step(previousCandidate);
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const shown = this.shown;
    if (!shown || document.uri.fsPath !== shown.filePath) return [];
    const location = await this.locate(document);
    if (this.shown !== shown) return [];
    const acceptability = acceptabilityOf(location, shown.rootCode);
    const line = location ? document.positionAt(location.startIndex).line : Math.min(shown.snapshot.functionLineHint ?? 0, document.lineCount - 1);
    const at = new vscode.Range(line, 0, line, 0);
    const { runId, nodeId, node, functionName } = shown;
    const open = shown.ranked.filter((n) => !this.rejected.get(runId)?.has(n.id) || n.id === nodeId);
    const rank = open.findIndex((n) => n.id === nodeId) + 1;
    const lens = (title: string, command: string, tooltip: string, args: unknown[] = []): vscode.CodeLens =>
      new vscode.CodeLens(at, { title, command, tooltip, arguments: args });
    const stepping = open.length > 1
      ? [
          lens('$(arrow-left) Previous', 'genesis.inlinePrevious', 'Show the candidate ranked above this one (Ctrl+Alt+[)'),
          lens(`$(arrow-right) Next candidate${rank > 0 ? ` (${rank}/${open.length})` : ''}`, 'genesis.inlineNext', 'Show the next best candidate (Ctrl+Alt+])'),
        ]
      : [];
    const reject = lens('$(close) Reject', 'genesis.inlineReject', 'Hide this candidate; Next skips it (Ctrl+Alt+Backspace)');
    if (acceptability === 'missing') {
      return [lens(`$(warning) ${functionName} is no longer in this file: candidate #${nodeId} cannot be applied`, '', 'Accept needs the function the run started from'), reject];
    }
    if (acceptability === 'changed') {
      return [
        lens(`$(warning) ${functionName} changed since the run: Accept would refuse`, 'genesis.openCandidateDiff', 'Compare the function as it is now with candidate #' + nodeId, [runId, nodeId]),
        lens('$(refresh) Re-run on the current function', 'genesis.inlineRerun', 'Start a new run with the same settings on the function as it is now', [runId]),
        reject,
        ...stepping,
      ];
    }
    return [
      lens(`$(check) Accept candidate #${nodeId} (score ${formatScore(node.score)}, ${formatGain(shown.baseline, node.score)})`, 'genesis.inlineAccept', 'Replace this function with the candidate, one undoable edit (Ctrl+Alt+Enter)', [runId, nodeId]),
      reject,
      ...stepping,
      lens('$(diff) Open Diff', 'genesis.openCandidateDiff', 'Compare the function as it is now with the candidate, beside the editor', [runId, nodeId]),
    ];
  }

  private async step(pick: typeof nextCandidate): Promise<InlineTarget | undefined> {
    const shown = this.shown;
    if (!shown) return undefined;
    const target = pick(shown.ranked, shown.nodeId, this.rejected.get(shown.runId) ?? new Set());
    if (!target || target.id === shown.nodeId) return undefined;
    if (!shown.layouts.has(target.id)) shown.layouts.set(target.id, layoutInlineDiff(shown.rootCode, target.code));
    this.shown = { ...shown, nodeId: target.id, node: target };
    await this.decorate();
    this.lensesChanged.fire();
    const moved = { runId: shown.runId, nodeId: target.id };
    this.selectionEmitter.fire(moved);
    return moved;
  }

  /** The ranking follows a live run; layouts already computed are kept. */
  private async refreshRanking(): Promise<void> {
    const shown = this.shown;
    if (!shown) {
      this.lensesChanged.fire();
      return;
    }
    const snapshot = await this.runs.snapshot(shown.runId);
    if (!snapshot || this.shown !== shown || snapshot === shown.snapshot) return;
    const ranked = acceptableCandidates(snapshot.nodes);
    this.shown = { ...shown, snapshot, ranked, layouts: this.layoutAll(ranked, shown.rootCode, shown.layouts) };
    this.lensesChanged.fire();
  }

  private layoutAll(ranked: readonly CandidateNode[], rootCode: string, known?: Map<string, InlineDiffLayout>): Map<string, InlineDiffLayout> {
    const started = performance.now();
    const layouts = new Map<string, InlineDiffLayout>();
    for (const node of ranked) layouts.set(node.id, known?.get(node.id) ?? layoutInlineDiff(rootCode, node.code));
    this.log.info(`Inline diffs of ${ranked.length} candidates laid out in ${(performance.now() - started).toFixed(1)} ms.`);
    return layouts;
  }

  /** The run's function in `document`, parsed once per document version. */
  private async locate(document: vscode.TextDocument): Promise<FunctionLocation | null> {
    const shown = this.shown;
    if (!shown) return null;
    const key = `${shown.runId}\n${document.uri.toString()}`;
    const cached = this.located.get(key);
    if (cached?.version === document.version) return cached.location;
    const location = await locateRunFunction(this.locator, document.getText(), shown.snapshot);
    this.located.clear();
    this.located.set(key, { version: document.version, location });
    return location;
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
      void this.decorate().then(() => this.lensesChanged.fire());
    }, 150);
  }

  private decorationTypes(): vscode.TextEditorDecorationType[] {
    return [this.functionMark, this.staleMark, this.removedLine, this.modifiedLine, this.struckText, this.insertedText, this.addedLines];
  }

  private undecorate(editor: vscode.TextEditor): void {
    for (const type of this.decorationTypes()) editor.setDecorations(type, []);
  }

  private async decorate(): Promise<void> {
    const shown = this.shown;
    for (const editor of vscode.window.visibleTextEditors) {
      if (!shown || editor.document.uri.scheme !== 'file' || editor.document.uri.fsPath !== shown.filePath) {
        this.undecorate(editor);
        continue;
      }
      const location = await this.locate(editor.document);
      if (this.shown !== shown) return;
      const acceptability = acceptabilityOf(location, shown.rootCode);
      const layout = shown.layouts.get(shown.nodeId) ?? layoutInlineDiff(shown.rootCode, shown.node.code);
      const view = this.draw(editor, shown, location, acceptability, layout);
      this.rendered = view;
    }
  }

  /** Sets every decoration of one editor; returns what it drew. */
  private draw(editor: vscode.TextEditor, shown: Shown, location: FunctionLocation | null, acceptability: Acceptability, layout: InlineDiffLayout): InlineView {
    const open = shown.ranked.filter((n) => !this.rejected.get(shown.runId)?.has(n.id) || n.id === shown.nodeId);
    const view: InlineView = {
      runId: shown.runId, nodeId: shown.nodeId, acceptability,
      removedLines: [], modifiedLines: [], struckText: [], insertedText: [], addedText: [],
      rank: open.findIndex((n) => n.id === shown.nodeId) + 1, of: open.length,
    };
    const document = editor.document;
    this.undecorate(editor);
    if (!location) return view;
    const start = document.positionAt(location.startIndex);
    const end = document.positionAt(location.endIndex);
    const whole = new vscode.Range(start, end);
    const hover = new vscode.MarkdownString(`**Genesis candidate #${shown.nodeId}** — score ${formatScore(shown.node.score)} (baseline ${formatScore(shown.baseline)}, ${formatGain(shown.baseline, shown.node.score)})\n\n`);
    hover.appendCodeblock(shown.node.diff || '(no change)', 'diff');
    if (acceptability === 'changed') {
      editor.setDecorations(this.staleMark, [{ range: whole, hoverMessage: new vscode.MarkdownString(`**${shown.functionName} changed since the run started**: Accept would refuse. Re-run on the current function, or undo your edits.`) }]);
      return view;
    }
    editor.setDecorations(this.functionMark, [{ range: whole, hoverMessage: hover }]);
    // The first line of the function text starts at the function's column, the others at 0.
    const position = (line: number, column: number): vscode.Position =>
      new vscode.Position(start.line + line, (line === 0 ? start.character : 0) + column);
    const removed: vscode.DecorationOptions[] = [];
    const modified: vscode.DecorationOptions[] = [];
    const struck: vscode.DecorationOptions[] = [];
    const inserted: vscode.DecorationOptions[] = [];
    const added: vscode.DecorationOptions[] = [];
    for (const row of layout.rows) {
      const docLine = start.line + row.line;
      if (docLine >= document.lineCount) continue;
      const lineText = document.lineAt(docLine).text;
      if (row.kind === 'removed') {
        removed.push({ range: new vscode.Range(docLine, 0, docLine, 0), hoverMessage: hover });
        view.removedLines.push(docLine);
      } else if (row.kind === 'modified') {
        modified.push({ range: new vscode.Range(docLine, 0, docLine, 0), hoverMessage: hover });
        view.modifiedLines.push(docLine);
      }
      for (const range of row.struck) {
        const from = position(row.line, range.start);
        struck.push({ range: new vscode.Range(from, position(row.line, range.end)) });
        view.struckText.push(lineText.slice(from.character, from.character + range.end - range.start));
      }
      for (const insertion of row.insertions) {
        const at = position(row.line, insertion.column);
        inserted.push({ range: new vscode.Range(at, at), renderOptions: { before: { contentText: insertion.text } } });
        view.insertedText.push(insertion.text);
      }
      if (row.addedAfter.length > 0) {
        const text = `+ ${addedLinesText(row.addedAfter)}`;
        const eol = document.lineAt(docLine).range.end;
        added.push({ range: new vscode.Range(eol, eol), renderOptions: { after: { contentText: text } }, hoverMessage: hover });
        view.addedText.push(text);
      }
    }
    editor.setDecorations(this.removedLine, removed);
    editor.setDecorations(this.modifiedLine, modified);
    editor.setDecorations(this.struckText, struck);
    editor.setDecorations(this.insertedText, inserted);
    editor.setDecorations(this.addedLines, added);
    return view;
  }
}
