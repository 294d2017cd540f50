// Models from the user's side, in a real VS Code: Test Model Connection against the fixture
// model server (ok, bad key, unknown model, server down, wrong URL, timeout, no VS Code model),
// a run over two priced fixture models plus the offline operator that a USD budget stops within
// one call, the strategy and PRM settings reaching the run, and an API key that never shows up
// in the Genesis log or the run's files.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { RunStore } from '../../../src/core/store/runStore';
import type { ConnectionCheck } from '../../../src/core/llm/connectionCheck';
import { DEFAULT_STRATEGY, STRATEGY_NAMES } from '../../../src/core/search/index';
import type { GenesisApi } from '../../../src/vscode/api';
import { qualityReply, startLlmServer, tunerReply, type LlmServer } from '../../fixtures/llmServer';

const GENESIS_ID = 'genesis-dev.genesis-evolve';
const KEY = 'sk-genesis-models-7d41c0ffee9b';
const WRONG_KEY = 'sk-genesis-wrong-key-55aa01';

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

/** The --user-data-dir of the VS Code server (or Electron) that runs this extension host. */
function userDataDir(): string {
  let pid = process.ppid;
  for (let depth = 0; depth < 8 && pid > 1; depth++) {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const flag = args.findIndex((a) => a === '--user-data-dir' || a.startsWith('--user-data-dir='));
    if (flag >= 0) return args[flag]!.includes('=') ? args[flag]!.split('=')[1]! : args[flag + 1]!;
    pid = Number(/^\d+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? 0);
  }
  throw new Error('no --user-data-dir among the extension host\'s parent processes');
}

/** Genesis's log channel file: <user-data>/logs/<session>/.../genesis-dev.genesis-evolve/Genesis.log (newest). */
function genesisLogFile(): string {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 6 || !existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, depth + 1);
      else if (entry.name === 'Genesis.log' && dir.endsWith(GENESIS_ID)) found.push(path);
    }
  };
  walk(join(userDataDir(), 'logs'), 0);
  assert.ok(found.length > 0, 'the Genesis log file exists');
  return found.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
}

/** The log's text once it contains `marker` (the channel writes to its file asynchronously). */
async function logTextWith(marker: RegExp): Promise<string> {
  const deadline = Date.now() + 15_000;
  let text = '';
  while (Date.now() < deadline) {
    text = readFileSync(genesisLogFile(), 'utf8');
    if (marker.test(text)) return text;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`the Genesis log never showed ${marker}; its end:\n${text.slice(-2000)}`);
}

async function setSetting(name: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('genesis').update(name, value, vscode.ConfigurationTarget.Workspace);
}

describe('Genesis models', function () {
  this.timeout(180_000);
  let server: LlmServer;
  let wrongKeyServer: LlmServer;
  let keylessServer: LlmServer;
  let silent: Server;
  const silentSockets: Socket[] = [];
  let downURL: string;
  const settingsTouched = ['prices', 'budgetUsd', 'strategy', 'strategyOptions', 'prm.llmJudge', 'models'];
  const spec = (model: string, base = server.openaiBaseURL) => `openai-compatible:${base}#${model}`;

  before(async () => {
    await genesis();
    server = await startLlmServer({
      apiKey: KEY,
      models: ['tuner-cheap', 'tuner-pricey', 'judge'],
      replies: { 'tuner-cheap': tunerReply, 'tuner-pricey': qualityReply(0.3), judge: () => 'Rating: 7' },
    });
    wrongKeyServer = await startLlmServer({ apiKey: 'the-right-key-for-this-server' });
    keylessServer = await startLlmServer();
    // A server that was running and is gone: its port refuses connections.
    const gone = await startLlmServer();
    downURL = gone.openaiBaseURL;
    await gone.close();
    // A server that accepts connections and never answers.
    silent = createServer((socket) => void silentSockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    assert.equal(await vscode.commands.executeCommand('genesis.setApiKey', server.openaiBaseURL, KEY), true);
    assert.equal(await vscode.commands.executeCommand('genesis.setApiKey', wrongKeyServer.openaiBaseURL, WRONG_KEY), true);
  });

  after(async () => {
    await vscode.commands.executeCommand('genesis.setApiKey', server.openaiBaseURL, '');
    await vscode.commands.executeCommand('genesis.setApiKey', wrongKeyServer.openaiBaseURL, '');
    for (const name of settingsTouched) await setSetting(name, undefined);
    for (const socket of silentSockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await server.close();
    await wrongKeyServer.close();
    await keylessServer.close();
  });

  it('registers Test Model Connection and contributes the model, cost and search settings', async () => {
    assert.ok((await vscode.commands.getCommands(true)).includes('genesis.testModelConnection'));
    const config = vscode.workspace.getConfiguration('genesis');
    assert.equal(config.inspect('strategy')?.defaultValue, DEFAULT_STRATEGY, 'the setting default is the core default');
    const pkg = vscode.extensions.getExtension(GENESIS_ID)?.packageJSON as { contributes: { configuration: { properties: Record<string, { enum?: string[] }> } } };
    assert.deepEqual(pkg.contributes.configuration.properties['genesis.strategy']?.enum, [...STRATEGY_NAMES], 'the enum lists every strategy');
    assert.deepEqual(config.get('mutationMix'), { diff: 0.6, rewrite: 0.3, crossover: 0.1 });
    assert.equal(config.get('repair'), true);
    for (const name of ['prices', 'budgetUsd', 'budgetTokens', 'strategyOptions', 'prm.llmJudge', 'prm.remote']) {
      assert.ok(config.inspect(name) !== undefined, `genesis.${name} is contributed`);
    }
  });

  it('Test Model Connection says exactly what is wrong with each model', async () => {
    const silentURL = `http://127.0.0.1:${(silent.address() as { port: number }).port}/v1`;
    const specs = [
      spec('tuner-cheap'),
      spec('tuner-cheap', wrongKeyServer.openaiBaseURL),
      spec('no-such-model'),
      spec('tuner-cheap', downURL),
      spec('fixture-model', keylessServer.url), // the base URL without /v1
      spec('tuner-cheap', silentURL),
      'vscode-lm:genesis-test-vendor/no-such-family',
      spec('tuner-cheap', server.url), // no key stored for this URL
    ];
    const results = (await vscode.commands.executeCommand('genesis.testModelConnection', specs, { timeoutMs: 2000 })) as ConnectionCheck[];
    assert.equal(results.length, specs.length);
    const [ok, badKey, unknownModel, down, wrongUrl, timeout, noVscodeModel, noKey] = results as ConnectionCheck[] as [
      ConnectionCheck, ConnectionCheck, ConnectionCheck, ConnectionCheck, ConnectionCheck, ConnectionCheck, ConnectionCheck, ConnectionCheck,
    ];
    assert.equal(ok.ok, true, ok.message);
    assert.match(ok.message, /tuner-cheap at .* answered/);
    assert.equal(badKey.ok, false);
    assert.match(badKey.message, /bad API key \(401\).*the key stored for .* was refused/);
    assert.equal(unknownModel.ok, false);
    assert.match(unknownModel.message, /unknown model no-such-model .*it offers tuner-cheap, tuner-pricey, judge/);
    assert.equal(down.ok, false);
    assert.match(down.message, /server not reachable .*ECONNREFUSED/);
    assert.equal(wrongUrl.ok, false);
    assert.match(wrongUrl.message, /404.*check the base URL/);
    assert.equal(timeout.ok, false);
    assert.match(timeout.message, /within 2 s \(timeout\)/);
    assert.equal(noVscodeModel.ok, false);
    assert.match(noVscodeModel.message, /no VS Code language model matches genesis-test-vendor\/no-such-family; is the provider extension installed and signed in\?/);
    assert.equal(noKey.ok, false);
    assert.match(noKey.message, /bad API key \(401\).*no key is stored for this model or its server; add one with Genesis: Set API Key/);
    // The fixture echoes a refused key in its 401 body, as OpenAI does.
    const shown = JSON.stringify(results);
    assert.ok(!shown.includes(WRONG_KEY) && !shown.includes(KEY), 'no key in the results');
  });

  it('redacts a stored key from every log line, even where the core could not know it', async () => {
    // A model *named* like the key, on a server that holds no key: the message names the model.
    const leaky = spec(KEY, wrongKeyServer.openaiBaseURL);
    const [result] = (await vscode.commands.executeCommand('genesis.testModelConnection', [leaky], { timeoutMs: 5000 })) as ConnectionCheck[];
    assert.ok(result && !result.ok);
    assert.ok(!result.message.includes(KEY), result.message);
    const log = await logTextWith(/Test Model Connection: FAILED openai-compatible:http:\/\/127\.0\.0\.1:\d+\/v1#\*\*\*/);
    assert.ok(!log.includes(KEY), 'the key is not in the Genesis log');
    assert.ok(!log.includes(WRONG_KEY), 'the refused key is not in the Genesis log');
  });

  it('runs two priced fixture models and the offline operator until the USD budget, within one call', async () => {
    const api = await genesis();
    const budgetUsd = 0.25;
    await setSetting('prices', { 'tuner-cheap': { input: 40, output: 40 }, 'tuner-pricey': { input: 160, output: 160 } });
    await setSetting('budgetUsd', budgetUsd);
    await setSetting('strategy', 'beam');
    await setSetting('strategyOptions', { width: 3 });
    await setSetting('prm.llmJudge', { model: spec('judge'), weight: 0.5 });
    const models = [spec('tuner-cheap'), spec('tuner-pricey'), 'offline'];
    const { uri, position } = await insideApproxExp();
    const started = await api.startRunForFunction(uri, position, { models, budget: 60, concurrency: 2, showPanel: false });
    const summary = await started.done;

    const runsDir = join(workspaceRoot(), '.genesis', 'runs');
    const stored = await new RunStore(runsDir).load(started.runId);
    assert.equal(stored.config.strategy, 'beam', 'genesis.strategy reached the run');
    assert.deepEqual(stored.config.strategyOptions, { width: 3 }, 'genesis.strategyOptions reached the run');
    assert.equal(stored.config.budgetUsd, budgetUsd, 'genesis.budgetUsd reached the run');

    assert.match(summary.stopReason ?? '', /cost budget/, JSON.stringify(summary));
    assert.ok(summary.evaluations < 60, `the cost budget, not the evaluation budget, ended it (${summary.evaluations})`);
    const nodeCosts = stored.nodes.map((n) => n.costUsd);
    const total = nodeCosts.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - summary.costUsd) < 1e-9, `the run's cost ${summary.costUsd} is the sum over nodes ${total}`);
    const maxCall = Math.max(...nodeCosts);
    assert.ok(maxCall > 0, 'genesis.prices priced the local fixture models');
    assert.ok(summary.costUsd <= budgetUsd + maxCall + 1e-9, `spent ${summary.costUsd} ≤ budget ${budgetUsd} + one call ${maxCall}`);

    const usage = new Map((summary.models ?? []).map((m) => [m.id, m]));
    for (const id of models) assert.ok(usage.has(id), `${id} is reported`);
    const cheap = usage.get(spec('tuner-cheap'))!;
    const pricey = usage.get(spec('tuner-pricey'))!;
    assert.ok(cheap.pulls > 0 && pricey.pulls > 0, `both fixture models were pulled (${cheap.pulls}, ${pricey.pulls})`);
    assert.ok(cheap.tokensIn > 0 && pricey.tokensIn > 0);
    assert.ok(pricey.costUsd / (pricey.tokensIn + pricey.tokensOut) > cheap.costUsd / (cheap.tokensIn + cheap.tokensOut), 'each model is priced by its own entry');
    assert.equal(usage.get('offline')!.costUsd, 0);
    assert.ok(
      stored.nodes.some((n) => n.sourceId === spec('tuner-cheap') && n.status === 'done'),
      'a fixture model wrote an evaluated candidate (its calls carried the stored key)',
    );
    const judged = server.requests.filter((r) => (r.body as { model?: string } | undefined)?.model === 'judge');
    assert.ok(judged.length > 0, 'genesis.prm.llmJudge scored candidates through the fixture server');

    const events = readFileSync(join(runsDir, started.runId, 'events.jsonl'), 'utf8');
    assert.ok(!events.includes(KEY), 'the key is not in events.jsonl');
    for (const file of readdirSync(join(runsDir, started.runId))) {
      assert.ok(!readFileSync(join(runsDir, started.runId, file), 'utf8').includes(KEY), `the key is not in ${file}`);
    }
    const log = await logTextWith(new RegExp(`Run ${started.runId} (completed|stopped)`));
    assert.ok(log.includes(`strategy beam, budget 60 evaluations / $${budgetUsd}`), 'the log names the strategy and the budgets');
    assert.ok(!log.includes(KEY), 'the key is not in the Genesis log');
  });
});
