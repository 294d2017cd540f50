// Proves the integration harness itself: the suite runs inside a real extension host where
// Genesis is installed, activates, and registers the commands the UI contract names.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const GENESIS_ID = 'genesis-dev.genesis-evolve';

describe('integration harness', () => {
  it('runs inside a real VS Code extension host with a workspace open', () => {
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1, 'one workspace folder');
  });

  it('has Genesis installed and active', async () => {
    const genesis = vscode.extensions.getExtension(GENESIS_ID);
    assert.ok(genesis, `${GENESIS_ID} is installed`);
    await genesis.activate();
    assert.equal(genesis.isActive, true);
    assert.equal(genesis.packageJSON.publisher, 'genesis-dev');
  });

  it('registers the Genesis commands', async () => {
    const commands = new Set(await vscode.commands.getCommands(true));
    for (const id of ['genesis.evolveFunction', 'genesis.setApiKey', 'genesis.openRun', 'genesis.stopRun', 'genesis.acceptCandidate']) {
      assert.ok(commands.has(id), `command ${id} is registered`);
    }
  });
});
