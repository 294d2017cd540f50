// Source files that are not UTF-8, in a real VS Code: VS Code opens invalid UTF-8 with U+FFFD in
// place of the bytes, so a run from it, or an Accept into it, would rewrite bytes outside the
// function. Genesis refuses both by name and leaves the file byte for byte.
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
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

/** A Latin-1 "é" (0xE9) in a comment above the function: invalid as UTF-8. */
const latin1Comment = Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from(' au lait\n')]);

describe('Source files that are not UTF-8', function () {
  this.timeout(180_000);

  it('a run from a Latin-1 file is refused with the byte, the line and how to convert; the file is untouched', async () => {
    const api = await genesis();
    const path = join(workspaceRoot(), 'latin.py');
    const bytes = Buffer.concat([latin1Comment, Buffer.from('def f(x):\n    return 0.9 * x\n')]);
    writeFileSync(path, bytes);
    try {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
      const inside = document.positionAt(document.getText().indexOf('0.9 * x'));
      await assert.rejects(
        api.startRunForFunction(document.uri, inside, { models: ['offline'], budget: 2, evaluatorCommand: 'python3 evaluate.py', showPanel: false }),
        /latin\.py is not valid UTF-8 \(byte 0xE9 at line 1, column 6; Latin-1 or Windows-1252\?\)[^]*UTF-8 files only/,
      );
      assert.deepEqual(readFileSync(path), bytes, 'the file is byte for byte as it was');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      rmSync(path, { force: true });
    }
  });

  it('Accept into a file that became Latin-1 on disk is refused and changes no byte', async () => {
    const api = await genesis();
    const path = join(workspaceRoot(), 'approx.py');
    const original = readFileSync(path);
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
    const inside = document.positionAt(document.getText().indexOf('0.9 * x'));
    const started = await api.startRunForFunction(document.uri, inside, { models: ['offline'], budget: 4, seed: 3, concurrency: 2, evaluatorCommand: 'python3 evaluate.py', showPanel: false });
    const summary = await started.done;
    const best = summary.bestNodeId && summary.bestNodeId !== '0' ? summary.bestNodeId : undefined;
    assert.ok(best, `the run found a candidate: ${JSON.stringify(summary)}`);
    const reencoded = Buffer.concat([latin1Comment, original]);
    writeFileSync(path, reencoded);
    try {
      const applied = await api.acceptCandidate(started.runId, best);
      assert.equal(applied, false, 'Accept refused');
      assert.deepEqual(readFileSync(path), reencoded, 'no byte of the file changed');
      const reopened = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
      assert.equal(reopened.isDirty, false, 'no pending edit waits to be saved over the bytes');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      writeFileSync(path, original);
    }
  });
});
