// Runs that go wrong: a bad model spec is refused up front, a missing evaluator fails nodes
// with a reason (never an unhandled rejection), and Stop ends a run as 'stopped'.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { RunStore } from '../../../src/core/store/runStore';
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

async function insideApproxExp(): Promise<{ uri: vscode.Uri; position: vscode.Position }> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(join(workspaceRoot(), 'approx.py')));
  return { uri: document.uri, position: document.positionAt(document.getText().indexOf('0.9 * x')) };
}

describe('Runs that go wrong', function () {
  this.timeout(120_000);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => process.off('unhandledRejection', onUnhandled));

  it('refuses an unknown model spec before starting', async () => {
    const api = await genesis();
    const { uri, position } = await insideApproxExp();
    await assert.rejects(api.startRunForFunction(uri, position, { models: ['gpt-nonsense'], budget: 3, showPanel: false }), /model spec/);
  });

  it('refuses when the cursor is not in a function', async () => {
    const api = await genesis();
    const { uri } = await insideApproxExp();
    await assert.rejects(
      api.startRunForFunction(uri, new vscode.Position(0, 2), { budget: 3, showPanel: false }),
      /the cursor is not inside a function/,
    );
  });

  it('marks nodes failed with a reason when the evaluator is missing', async () => {
    const api = await genesis();
    const { uri, position } = await insideApproxExp();
    const started = await api.startRunForFunction(uri, position, {
      evaluatorCommand: 'python3 no_such_evaluator.py',
      models: ['offline'],
      budget: 3,
      showPanel: true,
    });
    const summary = await started.done;
    assert.ok(['failed', 'completed'].includes(summary.status), summary.status);
    assert.equal(summary.baselineScore, null);
    assert.equal(summary.bestScore, null);
    const stored = await new RunStore(join(workspaceRoot(), '.genesis', 'runs')).load(started.runId);
    const root = stored.nodes[0]!;
    assert.equal(root.status, 'failed');
    const reason = root.reason ?? root.evaluation?.reason ?? '';
    assert.ok(reason.length > 0, 'the failed root says why');
    assert.equal(unhandled.length, 0, `no unhandled rejections: ${unhandled.map(String).join('; ')}`);
    const items = await api.runsViewItems();
    assert.ok(items.some((i) => i.runId === started.runId && /best —/.test(i.tooltip)), 'the Runs view shows no best score');
  });

  it('stops a run with genesis.stopRun', async () => {
    const api = await genesis();
    const { uri, position } = await insideApproxExp();
    const started = await api.startRunForFunction(uri, position, { models: ['offline'], budget: 200, showPanel: false });
    assert.equal(await vscode.commands.executeCommand('genesis.stopRun', started.runId), true);
    const summary = await started.done;
    assert.equal(summary.status, 'stopped');
    assert.ok(summary.evaluations < 200, `stopped early (${summary.evaluations} evaluations)`);
    assert.equal(await vscode.commands.executeCommand('genesis.stopRun', started.runId), false, 'a finished run cannot be stopped');
    assert.equal(unhandled.length, 0, `no unhandled rejections: ${unhandled.map(String).join('; ')}`);
  });
});
