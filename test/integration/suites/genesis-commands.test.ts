// The VS Code layer's contributions, the function lookup and SecretStorage, against the real
// API in the example workspace (a copy of evaluators/python/example).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { GenesisApi } from '../../../src/vscode/api';

const GENESIS_ID = 'genesis-dev.genesis-evolve';

async function genesis(): Promise<GenesisApi> {
  const extension = vscode.extensions.getExtension<GenesisApi>(GENESIS_ID);
  assert.ok(extension, `${GENESIS_ID} is installed`);
  return extension.activate();
}

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, name);
}

/** Position of the first occurrence of `needle` in the document, plus `delta` characters. */
function positionOf(document: vscode.TextDocument, needle: string, delta = 0): vscode.Position {
  const index = document.getText().indexOf(needle);
  assert.ok(index >= 0, `${needle} is in ${document.fileName}`);
  return document.positionAt(index + delta);
}

describe('Genesis commands and contributions', () => {
  it('registers every command of the UI contract', async () => {
    await genesis();
    const commands = new Set(await vscode.commands.getCommands(true));
    for (const id of [
      'genesis.evolveFunction',
      'genesis.setApiKey',
      'genesis.openRun',
      'genesis.stopRun',
      'genesis.openCandidateDiff',
      'genesis.acceptCandidate',
      'genesis.refreshRuns',
      'genesis.deleteRun',
    ]) {
      assert.ok(commands.has(id), `${id} is registered`);
    }
  });

  it('contributes the Genesis view container, the Runs view and the settings', () => {
    const pkg = vscode.extensions.getExtension(GENESIS_ID)?.packageJSON as {
      contributes: { viewsContainers: { activitybar: { id: string }[] }; views: Record<string, { id: string }[]> };
    };
    assert.deepEqual(pkg.contributes.viewsContainers.activitybar.map((c) => c.id), ['genesis']);
    assert.deepEqual(pkg.contributes.views.genesis?.map((v) => v.id), ['genesis.runs']);
    const config = vscode.workspace.getConfiguration('genesis');
    assert.equal(config.get('evaluatorCommand'), 'python3 evaluate.py');
    assert.deepEqual(config.get('models'), ['offline']);
    assert.equal(config.get('budget'), 40);
    assert.equal(config.get('sandbox'), 'auto');
  });
});

describe('Function at the cursor', () => {
  it('finds approx_exp when the cursor is inside it', async () => {
    const api = await genesis();
    const document = await vscode.workspace.openTextDocument(workspaceFile('approx.py'));
    const location = await api.findFunctionAt(document, positionOf(document, '0.9 * x'));
    assert.ok(location, 'a function is found');
    assert.equal(location.name, 'approx_exp');
    assert.equal(location.language, 'python');
    assert.ok(location.text.startsWith('def approx_exp(x):'), location.text);
    assert.equal(document.getText().slice(location.startIndex, location.endIndex), location.text);
  });

  it('returns null when the cursor is outside any function', async () => {
    const api = await genesis();
    const document = await vscode.workspace.openTextDocument(workspaceFile('approx.py'));
    assert.equal(await api.findFunctionAt(document, new vscode.Position(0, 3)), null);
  });

  it('returns null for a language Genesis does not parse', async () => {
    const api = await genesis();
    // Empty, so the untitled document is not dirty and never asks to be saved.
    const document = await vscode.workspace.openTextDocument({ language: 'markdown' });
    assert.equal(await api.findFunctionAt(document, new vscode.Position(0, 0)), null);
  });
});

describe('Set API Key', () => {
  const baseUrl = 'http://127.0.0.1:9/v1';
  const spec = `openai-compatible:${baseUrl}#test-model`;
  const key = 'sk-genesis-integration-0123456789';

  after(async () => {
    await vscode.commands.executeCommand('genesis.setApiKey', baseUrl, '');
  });

  it('stores the key in SecretStorage for the base URL, and nowhere in the settings', async () => {
    const api = await genesis();
    assert.equal(await api.hasApiKey(spec), false);
    assert.equal(await vscode.commands.executeCommand('genesis.setApiKey', baseUrl, key), true);
    assert.equal(await api.hasApiKey(spec), true, 'a spec on that base URL finds the key');
    assert.equal(await api.hasApiKey('openai-compatible:http://127.0.0.1:10/v1#other'), false, 'another server does not');
    const settings = JSON.stringify(vscode.workspace.getConfiguration('genesis'));
    assert.ok(!settings.includes(key), 'the key is not in the settings');
    const workspaceSettings = vscode.Uri.joinPath(workspaceFile('.vscode'), 'settings.json');
    const text = await vscode.workspace.fs.readFile(workspaceSettings).then(
      (bytes) => new TextDecoder().decode(bytes),
      () => '',
    );
    assert.ok(!text.includes(key), 'the key is not in .vscode/settings.json');
  });

  it('removes the key when set to empty', async () => {
    const api = await genesis();
    await vscode.commands.executeCommand('genesis.setApiKey', baseUrl, key);
    await vscode.commands.executeCommand('genesis.setApiKey', baseUrl, '');
    assert.equal(await api.hasApiKey(spec), false);
  });
});
