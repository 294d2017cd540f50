// The host side of the Evolution panel, the inline accept and the run history, against the real
// VS Code API: CodeLens Accept · Reject · Next candidate on the selected candidate (one undoable
// edit, refusal when the function changed), the run controls (pause, budget, resume, stop),
// resuming a stopped run from the sidebar command, re-run, export, and the sidebar's best
// candidates.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
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

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function summaryOf(api: GenesisApi, runId: string): Promise<RunSummary> {
  const summary = (await api.listRuns()).find((r) => r.runId === runId);
  assert.ok(summary, `run ${runId} is listed`);
  return summary;
}

async function lensesOf(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? [];
  return lenses.filter((l) => l.command?.title.includes('candidate') || ['Reject', 'Open Diff', 'changed since'].some((t) => l.command?.title.includes(t)));
}

async function runLens(lenses: vscode.CodeLens[], titlePart: string): Promise<unknown> {
  const lens = lenses.find((l) => l.command?.title.includes(titlePart));
  assert.ok(lens?.command, `a CodeLens "${titlePart}" is shown (have: ${lenses.map((l) => l.command?.title).join(' | ')})`);
  return vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []));
}

async function restore(document: vscode.TextDocument, text: string): Promise<void> {
  if (document.getText() === text) return;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text);
  assert.ok(await vscode.workspace.applyEdit(edit));
  await document.save();
}

describe('Inline accept, run controls and run history', function () {
  this.timeout(240_000);
  let api: GenesisApi;
  let document: vscode.TextDocument;
  let original: string;
  let runId: string;
  let ranked: CandidateNode[];

  before(async () => {
    api = await genesis();
    document = await vscode.workspace.openTextDocument(vscode.Uri.file(join(workspaceRoot(), 'approx.py')));
    original = document.getText();
    const started = await api.startRunForFunction(document.uri, document.positionAt(original.indexOf('0.9 * x')), {
      models: ['offline'],
      budget: 10,
      seed: 3,
      concurrency: 2,
      showPanel: false,
    });
    runId = started.runId;
    const summary = await started.done;
    assert.equal(summary.status, 'completed');
    const stored = await new RunStore(join(workspaceRoot(), '.genesis', 'runs')).load(runId);
    const rootCode = stored.nodes[0]!.code;
    ranked = stored.nodes
      .filter((n) => n.parentId !== null && n.status === 'done' && n.score !== null && n.code !== rootCode)
      .sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || Number(a.id) - Number(b.id));
    assert.ok(ranked.length >= 2, `at least two scored candidates differ from the original (${ranked.length})`);
    await vscode.window.showTextDocument(document, { preview: false });
  });

  afterEach(async () => {
    await restore(document, original);
  });

  it('shows the selected candidate with Accept · Reject · Next candidate · Open Diff and accepts it as one undoable edit', async () => {
    const best = ranked[0]!;
    assert.equal(await vscode.commands.executeCommand('genesis.showCandidate', runId, best.id), true);
    assert.deepEqual(api.inlineCandidate(), { runId, nodeId: best.id });
    const lenses = await lensesOf(document);
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.some((t) => t.includes(`Accept candidate #${best.id}`)), titles.join(' | '));
    for (const t of ['Reject', 'Next candidate', 'Open Diff']) assert.ok(titles.some((x) => x.includes(t)), `${t} in ${titles.join(' | ')}`);
    const line = document.positionAt(original.indexOf('def approx_exp(')).line;
    assert.ok(lenses.every((l) => l.range.start.line === line), 'the lenses sit on the function');

    assert.equal(await runLens(lenses, 'Accept candidate'), true);
    assert.ok(document.getText().includes(best.code), 'the candidate is in the document');
    assert.equal(api.inlineCandidate(), undefined, 'the inline view ends after Accept');
    await vscode.window.showTextDocument(document, { preview: false });
    await vscode.commands.executeCommand('undo');
    assert.equal(document.getText(), original, 'one undo restores the original');
  });

  it('refuses clearly when the function changed underneath', async () => {
    const best = ranked[0]!;
    await vscode.commands.executeCommand('genesis.showCandidate', runId, best.id);
    const edit = new vscode.WorkspaceEdit();
    const at = document.getText().indexOf('0.9 * x');
    edit.replace(document.uri, new vscode.Range(document.positionAt(at), document.positionAt(at + 7)), '0.91 * x');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const edited = document.getText();
    const lenses = await lensesOf(document);
    assert.ok(lenses.some((l) => l.command?.title.includes('changed since the run')), 'the lens warns before the click');
    assert.ok(!lenses.some((l) => l.command?.title.includes('Accept candidate')), 'no Accept is offered');
    assert.equal(await vscode.commands.executeCommand('genesis.inlineAccept', runId, best.id), false);
    assert.equal(document.getText(), edited, 'the document is unchanged');
  });

  it('Next candidate walks the ranking; Reject hides a candidate and Next skips it', async () => {
    const [first, second] = ranked;
    await vscode.commands.executeCommand('genesis.showCandidate', runId, first!.id);
    assert.equal(await runLens(await lensesOf(document), 'Next candidate'), second!.id);
    assert.deepEqual(api.inlineCandidate(), { runId, nodeId: second!.id });
    assert.equal(await runLens(await lensesOf(document), 'Reject'), true);
    assert.equal(api.inlineCandidate(), undefined);
    assert.deepEqual(await lensesOf(document), [], 'no lenses once rejected');
    await vscode.commands.executeCommand('genesis.showCandidate', runId, first!.id);
    const next = await vscode.commands.executeCommand<string>('genesis.inlineNext');
    assert.notEqual(next, second!.id, 'the rejected candidate is skipped');
  });

  it('lists the run with its best candidates in the sidebar and exports it as JSONL', async () => {
    const items = await api.runsViewItems(runId);
    assert.ok(items.length >= 1 && items.length <= 5, `1–5 best candidates (${items.length})`);
    assert.equal(items[0]!.nodeId, ranked[0]!.id, 'the best candidate comes first');
    assert.match(items[0]!.label, new RegExp(`^#${ranked[0]!.id}\\s+-?\\d`));
    assert.equal(items[0]!.contextValue, 'genesisCandidate');
    const top = (await api.runsViewItems()).find((i) => i.runId === runId);
    assert.equal(top?.contextValue, 'genesisRun');

    const out = join(workspaceRoot(), '.genesis', `export-${runId}.jsonl`);
    rmSync(out, { force: true });
    const count = await vscode.commands.executeCommand<number>('genesis.exportRun', runId, vscode.Uri.file(out));
    assert.ok(existsSync(out), 'the export file exists');
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { runId: string; childCode: string });
    assert.equal(lines.length, count);
    assert.ok(lines.length >= 1 && lines.every((l) => l.runId === runId && typeof l.childCode === 'string'));
  });

  it('pauses, raises the budget and resumes a live run', async () => {
    const started = await api.startRunForFunction(document.uri, document.positionAt(original.indexOf('0.9 * x')), {
      models: ['offline'], budget: 40, seed: 5, concurrency: 1, showPanel: false,
    });
    await waitFor('two evaluations', async () => (await summaryOf(api, started.runId)).evaluations >= 2);
    assert.equal(await vscode.commands.executeCommand('genesis.pauseRun', started.runId), true);
    await waitFor('the run to pause', async () => (await summaryOf(api, started.runId)).status === 'paused');
    // The round in flight finishes; after that nothing moves.
    await sleep(3000);
    const held = (await summaryOf(api, started.runId)).evaluations;
    await sleep(2000);
    assert.equal((await summaryOf(api, started.runId)).evaluations, held, 'no evaluation while paused');
    const budget = await vscode.commands.executeCommand<number>('genesis.setRunBudget', started.runId, held + 3);
    assert.equal(budget, held + 3);
    assert.equal(await vscode.commands.executeCommand('genesis.resumeRun', started.runId), true);
    const final = await started.done;
    assert.equal(final.status, 'completed');
    assert.equal(final.evaluations, held + 3, 'the run ends at the new budget');
  });

  it('resumes a stopped run from the history (same run id, same log) and re-runs one', async () => {
    const started = await api.startRunForFunction(document.uri, document.positionAt(original.indexOf('0.9 * x')), {
      models: ['offline'], budget: 9, seed: 7, concurrency: 1, showPanel: false,
    });
    await waitFor('three evaluations', async () => (await summaryOf(api, started.runId)).evaluations >= 3);
    assert.equal(await vscode.commands.executeCommand('genesis.stopRun', started.runId), true);
    const stopped = await started.done;
    assert.equal(stopped.status, 'stopped');
    const item = (await api.runsViewItems()).find((i) => i.runId === started.runId);
    assert.equal(item?.contextValue, 'genesisRun.resumable', 'the sidebar offers Resume');

    assert.equal(await vscode.commands.executeCommand('genesis.resumeRun', started.runId), true);
    const resumed = await waitFor('the resumed run to complete', async () => {
      const s = await summaryOf(api, started.runId);
      return s.status === 'completed' ? s : undefined;
    }, 120_000);
    assert.equal(resumed.evaluations, 9, 'the resumed run finishes its budget');
    assert.equal((await api.listRuns()).filter((r) => r.runId === started.runId).length, 1, 'still one run');
    const stored = await new RunStore(join(workspaceRoot(), '.genesis', 'runs')).load(started.runId);
    assert.equal(stored.summary.status, 'completed');
    assert.ok(stored.nodes.filter((n) => n.evaluation).length >= 9, 'the log holds the evaluations from before and after the stop');

    const rerunId = await vscode.commands.executeCommand<string>('genesis.rerunRun', started.runId);
    assert.ok(rerunId && rerunId !== started.runId, 're-run starts a new run');
    const rerun = await waitFor('the re-run to end', async () => {
      const s = await summaryOf(api, rerunId);
      return s.status === 'completed' ? s : undefined;
    }, 120_000);
    assert.equal(rerun.functionName, 'approx_exp');
    assert.equal(rerun.budget, 9, 'same settings');
    // Close the panels these commands opened.
    const webviews = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview);
    await vscode.window.tabGroups.close(webviews);
  });
});
