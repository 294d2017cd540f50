// The inline diff preview in the real editor: decorations drawn over the function (struck and
// inserted text), Next / Previous over the ranking, Reject leaving the document exactly as it
// was, the refuse path (function changed or gone: why, and Re-run instead of Accept), Accept as
// one edit that the notification's Undo reverts in one step, and Open Diff in its own tab beside
// the file.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { RunStore } from '../../../src/core/store/runStore';
import type { CandidateNode, RunSummary } from '../../../src/core/types';
import type { GenesisApi } from '../../../src/vscode/api';

const GENESIS_ID = 'genesis-dev.genesis-evolve';

async function genesis(): Promise<GenesisApi> {
  const extension = vscode.extensions.getExtension<GenesisApi>(GENESIS_ID);
  assert.ok(extension, `${GENESIS_ID} is installed`);
  return extension.activate();
}

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri.fsPath;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function lensTitles(document: vscode.TextDocument): Promise<string[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? [];
  return lenses.map((l) => l.command?.title ?? '').filter((t) => t !== '' && !t.startsWith('Evolve'));
}

async function lensCommand(document: vscode.TextDocument, titlePart: string): Promise<vscode.Command> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? [];
  const lens = lenses.find((l) => l.command?.title.includes(titlePart));
  assert.ok(lens?.command, `a CodeLens "${titlePart}" (have: ${lenses.map((l) => l.command?.title).join(' | ')})`);
  return lens.command;
}

async function replaceIn(document: vscode.TextDocument, from: string, to: string): Promise<void> {
  const at = document.getText().indexOf(from);
  assert.ok(at >= 0, `the document contains ${from}`);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(at), document.positionAt(at + from.length)), to);
  assert.ok(await vscode.workspace.applyEdit(edit));
}

async function restore(document: vscode.TextDocument, text: string): Promise<void> {
  if (document.getText() !== text) {
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text);
    assert.ok(await vscode.workspace.applyEdit(edit));
  }
  if (document.isDirty || document.getText() !== readFileSync(document.uri.fsPath, 'utf8')) await document.save();
}

function candidateDiffTabs(nodeId: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.label.includes(`candidate #${nodeId}`));
}

describe('Inline diff preview in the editor', function () {
  this.timeout(180_000);
  let api: GenesisApi;
  let document: vscode.TextDocument;
  let original: string;
  let runId: string;
  let ranked: CandidateNode[];
  let rootCode: string;

  before(async () => {
    api = await genesis();
    document = await vscode.workspace.openTextDocument(vscode.Uri.file(join(workspaceRoot(), 'approx.py')));
    original = document.getText();
    const started = await api.startRunForFunction(document.uri, document.positionAt(original.indexOf('0.9 * x')), {
      models: ['offline'], budget: 10, seed: 11, concurrency: 2, showPanel: false,
    });
    runId = started.runId;
    assert.equal((await started.done).status, 'completed');
    const stored = await new RunStore(join(workspaceRoot(), '.genesis', 'runs')).load(runId);
    rootCode = stored.nodes[0]!.code;
    ranked = stored.nodes
      .filter((n) => n.parentId !== null && n.status === 'done' && n.score !== null)
      .sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || Number(a.id) - Number(b.id));
    assert.ok(ranked.length >= 3, `at least three scored candidates (${ranked.length})`);
    assert.notEqual(ranked[0]!.code, rootCode, 'the best candidate changes the function');
    await vscode.window.showTextDocument(document, { preview: false });
  });

  afterEach(async () => {
    await restore(document, original);
  });

  it('draws the candidate over the function (struck old text, inserted new text) and leaves the document as it is', async () => {
    const best = ranked[0]!;
    const version = document.version;
    assert.equal(await vscode.commands.executeCommand('genesis.showCandidate', runId, best.id), true);
    const view = await waitFor('the inline diff to be drawn', () => api.inlineView());
    assert.equal(view.nodeId, best.id);
    assert.equal(view.acceptability, 'ok');
    const functionStart = document.positionAt(original.indexOf('def approx_exp(')).line;
    const functionEnd = functionStart + rootCode.split('\n').length - 1;
    const changedLines = [...view.modifiedLines, ...view.removedLines];
    assert.ok(changedLines.length > 0, 'some lines of the function are marked as changed');
    assert.ok(changedLines.every((l) => l >= functionStart && l <= functionEnd), `marked lines ${changedLines} are inside the function (${functionStart}–${functionEnd})`);
    assert.ok(view.insertedText.length + view.addedText.length > 0, 'new text is shown');
    for (const text of view.insertedText) assert.ok(best.code.includes(text), `inserted "${text}" comes from the candidate`);
    for (const text of view.struckText) assert.ok(rootCode.includes(text), `struck "${text}" comes from the original`);
    assert.equal(document.getText(), original, 'the document text is untouched');
    assert.equal(document.version, version, 'no edit was made to show it');
    assert.equal(document.isDirty, false);
    const titles = await lensTitles(document);
    assert.ok(titles.some((t) => t.includes(`Accept candidate #${best.id}`)), titles.join(' | '));
    for (const t of ['Reject', 'Previous', 'Next candidate (1/', 'Open Diff']) assert.ok(titles.some((x) => x.includes(t)), `${t} in ${titles.join(' | ')}`);
  });

  it('Next and Previous walk the ranking at once, without touching the document', async () => {
    const version = document.version;
    await vscode.commands.executeCommand('genesis.showCandidate', runId, ranked[0]!.id);
    const steps = Math.min(ranked.length - 1, 6);
    const started = performance.now();
    for (let i = 1; i <= steps; i++) {
      assert.equal(await vscode.commands.executeCommand<string>('genesis.inlineNext'), ranked[i]!.id);
      const view = api.inlineView();
      assert.equal(view?.nodeId, ranked[i]!.id, 'the decorations follow at once');
      assert.equal(view?.rank, i + 1);
    }
    const perStep = (performance.now() - started) / steps;
    console.log(`      Next: ${perStep.toFixed(2)} ms per step over ${steps} steps (command round trip included)`);
    assert.equal(await vscode.commands.executeCommand<string>('genesis.inlinePrevious'), ranked[steps - 1]!.id);
    assert.equal(api.inlineView()?.nodeId, ranked[steps - 1]!.id);
    const titles = await lensTitles(document);
    assert.ok(titles.some((t) => t.includes(`Accept candidate #${ranked[steps - 1]!.id}`)), titles.join(' | '));
    assert.equal(document.version, version, 'stepping never edits the document');
  });

  it('Reject leaves nothing behind: no decorations, no lenses, the same document version', async () => {
    const version = document.version;
    await vscode.commands.executeCommand('genesis.showCandidate', runId, ranked[0]!.id);
    assert.ok(api.inlineView());
    assert.equal(await vscode.commands.executeCommand('genesis.inlineReject'), true);
    assert.equal(api.inlineView(), undefined);
    assert.equal(api.inlineCandidate(), undefined);
    assert.deepEqual(await lensTitles(document), []);
    assert.equal(document.version, version);
    assert.equal(document.isDirty, false);
    assert.equal(document.getText(), original);
  });

  it('when the function changed since the run, the CodeLens says why and offers Re-run on the current function instead of Accept', async () => {
    await vscode.commands.executeCommand('genesis.showCandidate', runId, ranked[0]!.id);
    await replaceIn(document, '0.9 * x', '0.91 * x');
    const edited = document.getText();
    const titles = await waitFor('the lenses to say the function changed', async () => {
      const t = await lensTitles(document);
      return t.some((x) => x.includes('changed since the run')) ? t : undefined;
    });
    assert.ok(!titles.some((t) => t.includes('Accept candidate')), `no Accept is offered (${titles.join(' | ')})`);
    assert.ok(titles.some((t) => t.includes('Re-run on the current function')), titles.join(' | '));
    await waitFor('the decorations to show the stale state', () => api.inlineView()?.acceptability === 'changed');
    assert.deepEqual(api.inlineView()?.insertedText, [], 'no stale diff is drawn');
    assert.equal(await vscode.commands.executeCommand('genesis.inlineAccept'), false, 'Accept by keyboard refuses too');
    assert.equal(document.getText(), edited, 'the document is unchanged');

    const rerun = await lensCommand(document, 'Re-run on the current function');
    const newRunId = await vscode.commands.executeCommand<string>(rerun.command, ...(rerun.arguments ?? []));
    assert.ok(newRunId && newRunId !== runId, 'a new run started');
    assert.equal(api.inlineCandidate(), undefined, 'the stale candidate is no longer shown');
    const done = await waitFor('the re-run to end', async () => {
      const s = (await api.listRuns()).find((r: RunSummary) => r.runId === newRunId);
      return s && s.status !== 'running' ? s : undefined;
    }, 120_000);
    assert.equal(done.status, 'completed');
    const stored = await new RunStore(join(workspaceRoot(), '.genesis', 'runs')).load(newRunId);
    assert.ok(stored.nodes[0]!.code.includes('0.91 * x'), 'the re-run started from the function as it is now');
    const webviews = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview);
    await vscode.window.tabGroups.close(webviews);
  });

  it('when the function is gone, the CodeLens says so and offers no Accept', async () => {
    await vscode.commands.executeCommand('genesis.showCandidate', runId, ranked[0]!.id);
    await replaceIn(document, 'def approx_exp(', 'def approx_exp_renamed(');
    const titles = await waitFor('the lenses to say the function is gone', async () => {
      const t = await lensTitles(document);
      return t.some((x) => x.includes('no longer in this file')) ? t : undefined;
    });
    assert.ok(!titles.some((t) => t.includes('Accept candidate')), titles.join(' | '));
    assert.equal(await vscode.commands.executeCommand('genesis.inlineAccept'), false);
  });

  it('Open Diff opens its own tab beside the file; Accept is one edit, closes that tab, and Undo reverts it in one step', async () => {
    const best = ranked[0]!;
    await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.One });
    await vscode.commands.executeCommand('genesis.showCandidate', runId, best.id);
    await vscode.commands.executeCommand('genesis.openCandidateDiff', runId, best.id);
    const [diffTab] = await waitFor('the diff tab', () => (candidateDiffTabs(best.id).length > 0 ? candidateDiffTabs(best.id) : undefined));
    assert.equal(diffTab!.isPreview, false, 'the diff is not a preview tab');
    const fileTabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.fsPath === document.uri.fsPath);
    assert.ok(fileTabs.length >= 1, 'the file keeps its tab');
    assert.notEqual(diffTab!.group.viewColumn, fileTabs[0]!.group.viewColumn, 'the diff opens beside the file, not over it');

    assert.equal(await vscode.commands.executeCommand('genesis.inlineAccept', runId, best.id), true);
    assert.ok(document.getText().includes(best.code), 'the candidate is in the document');
    // The extension host hears of the dirty state a moment after the edit.
    await waitFor('the document to be dirty', () => document.isDirty);
    await waitFor('the diff tab to close', () => candidateDiffTabs(best.id).length === 0);
    assert.equal(api.inlineCandidate(), undefined);
    assert.equal(api.inlineView(), undefined);

    assert.equal(await vscode.commands.executeCommand('genesis.undoAccept'), true);
    assert.equal(document.getText(), original, 'Undo restores the original in one step');
    await waitFor('the file to be clean again, as before the Accept', () => !document.isDirty, 10_000);
    assert.equal(await vscode.commands.executeCommand('genesis.undoAccept'), false, 'nothing left to undo');
    assert.equal(api.inlineView(), undefined, 'nothing is drawn after Undo');

    // The editor's own undo is one step too.
    await vscode.commands.executeCommand('genesis.showCandidate', runId, best.id);
    assert.equal(await vscode.commands.executeCommand('genesis.inlineAccept'), true);
    await vscode.window.showTextDocument(document, { preview: false });
    await vscode.commands.executeCommand('undo');
    assert.equal(document.getText(), original, 'one editor undo restores the original');
  });

  it('Undo after further edits swaps the candidate back if it is still there', async () => {
    const best = ranked[0]!;
    await vscode.commands.executeCommand('genesis.showCandidate', runId, best.id);
    assert.equal(await vscode.commands.executeCommand('genesis.inlineAccept', runId, best.id), true);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, document.positionAt(document.getText().length), '\n# a note\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.equal(await vscode.commands.executeCommand('genesis.undoAccept'), true);
    assert.equal(document.getText(), `${original}\n# a note\n`, 'the function is back, the later edit stays');
  });
});
