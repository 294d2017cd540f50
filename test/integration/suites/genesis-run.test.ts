// A whole offline run through the GenesisApi in the example workspace: it completes, persists,
// beats or matches the baseline, shows in the Runs view; then Accept applies the best candidate
// as one undoable edit and refuses when the function changed meanwhile.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
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

async function replaceInDocument(document: vscode.TextDocument, from: string, to: string): Promise<void> {
  const index = document.getText().indexOf(from);
  assert.ok(index >= 0, `${from} is in the document`);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(index), document.positionAt(index + from.length)), to);
  assert.ok(await vscode.workspace.applyEdit(edit));
}

/** Puts the document back to `text` (one edit) so the next test starts clean. */
async function restore(document: vscode.TextDocument, text: string): Promise<void> {
  if (document.getText() === text) return;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text);
  assert.ok(await vscode.workspace.applyEdit(edit));
  await document.save();
}

describe('An offline run through the GenesisApi', function () {
  this.timeout(180_000);
  let api: GenesisApi;
  let document: vscode.TextDocument;
  let original: string;
  let summary: RunSummary;
  let candidate: CandidateNode;
  let rootCode: string;

  before(async () => {
    api = await genesis();
    document = await vscode.workspace.openTextDocument(vscode.Uri.file(join(workspaceRoot(), 'approx.py')));
    original = document.getText();
    const inside = document.positionAt(original.indexOf('0.9 * x'));
    const started = await api.startRunForFunction(document.uri, inside, {
      models: ['offline'],
      budget: 12,
      seed: 1,
      concurrency: 2,
      evaluatorCommand: 'python3 evaluate.py',
      showPanel: false,
    });
    assert.match(started.runId, /^[\w.-]+$/);
    summary = await started.done;
  });

  afterEach(async () => {
    await restore(document, original);
  });

  it('completes the budget and beats or matches the baseline', () => {
    assert.equal(summary.status, 'completed', JSON.stringify(summary));
    assert.equal(summary.functionName, 'approx_exp');
    assert.equal(summary.evaluations, 12);
    assert.ok(summary.baselineScore !== null, 'the original function was scored');
    assert.ok(summary.bestScore !== null && summary.bestScore >= summary.baselineScore, `best ${summary.bestScore} ≥ baseline ${summary.baselineScore}`);
  });

  it('persists the run under .genesis/runs and lists it', async () => {
    const runsDir = join(workspaceRoot(), '.genesis', 'runs');
    assert.ok(existsSync(join(runsDir, summary.runId, 'events.jsonl')), 'events.jsonl exists');
    const stored = await new RunStore(runsDir).load(summary.runId);
    assert.equal(stored.summary.status, 'completed');
    assert.equal(stored.nodes.filter((n) => n.score !== null).length >= 2, true, 'several scored nodes were stored');
    rootCode = stored.nodes[0]!.code;
    const scored = stored.nodes.filter((n) => n.parentId !== null && n.status === 'done' && n.score !== null && n.code !== rootCode);
    scored.sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
    assert.ok(scored[0], 'at least one scored child differs from the original');
    candidate = scored[0];
    const listed = await api.listRuns();
    assert.ok(listed.some((r) => r.runId === summary.runId), 'listRuns includes the run');
  });

  it('shows the run in the Runs view', async () => {
    const items = await api.runsViewItems();
    const item = items.find((i) => i.runId === summary.runId);
    assert.ok(item, 'the Runs view lists the run');
    assert.equal(item.label, 'approx_exp');
    assert.match(item.tooltip, /approx\.py`: completed/);
    // When it started and how long it ran, short enough for the sidebar; the scores are in the hover.
    assert.match(item.description, /^(\w{3} \d+ (\d{4} )?)?\d\d:\d\d · \d+(s|m \d+s|h \d+m)$/);
    assert.match(item.tooltip, /baseline -?\d[\d.e-]*, best -?\d/);
    assert.match(item.tooltip, /\d+ \/ \d+ evaluations, \d+ model calls/);
  });

  it('accepts a candidate as one undoable edit', async () => {
    assert.ok(candidate, 'a candidate was picked by the previous test');
    await vscode.window.showTextDocument(document, { preview: false });
    assert.equal(await api.acceptCandidate(summary.runId, candidate.id), true);
    assert.ok(document.getText().includes(candidate.code), 'the candidate is in the document');
    assert.ok(!document.getText().includes(rootCode), 'the original function is gone');
    await vscode.window.showTextDocument(document, { preview: false });
    await vscode.commands.executeCommand('undo');
    assert.equal(document.getText(), original, 'one undo restores the original text');
  });

  it('refuses when the function was edited since the run started', async () => {
    await replaceInDocument(document, '0.9 * x', '0.95 * x');
    const edited = document.getText();
    assert.equal(await api.acceptCandidate(summary.runId, candidate.id), false);
    assert.equal(document.getText(), edited, 'the document is unchanged');
  });

  it('refuses when the function no longer exists', async () => {
    await replaceInDocument(document, 'def approx_exp(', 'def approx_exp_renamed(');
    const edited = document.getText();
    assert.equal(await api.acceptCandidate(summary.runId, candidate.id), false);
    assert.equal(document.getText(), edited, 'the document is unchanged');
  });

  it('still accepts after unrelated edits elsewhere in the file', async () => {
    await replaceInDocument(document, 'def approx_exp(', '# a comment above\n\n\ndef approx_exp(');
    assert.equal(await api.acceptCandidate(summary.runId, candidate.id), true);
    assert.ok(document.getText().includes(candidate.code));
    assert.ok(document.getText().includes('# a comment above'));
  });

  it('opens the Evolution panel and the candidate diff for a stored run', async () => {
    assert.equal(await vscode.commands.executeCommand('genesis.openRun', summary.runId), true);
    await vscode.commands.executeCommand('genesis.openCandidateDiff', summary.runId, candidate.id);
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff);
    assert.ok(tab, 'a diff editor is open');
    const input = tab.input as vscode.TabInputTextDiff;
    assert.equal(input.modified.scheme, 'genesis-candidate');
    const right = await vscode.workspace.openTextDocument(input.modified);
    assert.equal(right.getText(), candidate.code);
    const left = await vscode.workspace.openTextDocument(input.original);
    assert.equal(left.getText(), rootCode, 'the left side is the function as it is now');
    const webviews = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview);
    assert.ok(webviews.some((t) => (t.input as vscode.TabInputWebview).viewType.endsWith('genesis.evolution')), 'the Evolution panel is open');
    // Close only what this test opened (closing all editors could stop at a save prompt).
    await vscode.window.tabGroups.close([tab, ...webviews]);
  });
});
