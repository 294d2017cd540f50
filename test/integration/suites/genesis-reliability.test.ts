// Reliability and secrets inside a real VS Code extension host:
// - editor faults mid-run (the function edited, deleted, its file closed): the run goes on from
//   the text it started with, every evaluation the evaluator performed is in the stored run
//   (its ledger against RunStore), and Accept refuses, with a reason, to apply over a changed
//   or missing function. Rows go to GENESIS_EDITOR_FAULTS_OUT for the fault matrix.
// - API keys: set through the command into SecretStorage, used by a real run against the fixture
//   model server, never written to settings, the workspace, run files or logs, even when the
//   server's 401 echoes the key.
// - workspace trust: what this harness can check. It starts code-server with
//   --disable-workspace-trust, so isTrusted is always true here; the guard itself runs against an
//   untrusted workspace in the fault matrix (test/faults/scenarios/trust.ts).
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import * as vscode from 'vscode';
import { RunStore } from '../../../src/core/store/runStore';
import type { RunSummary } from '../../../src/core/types';
import type { GenesisApi } from '../../../src/vscode/api';
import { account, FAULT_EVAL_PY, ledgerStarts } from '../../faults/accounting';
import { startLlmServer } from '../../fixtures/llmServer';

const GENESIS_ID = 'genesis-dev.genesis-evolve';
const FILE = 'approx.py';
const BUDGET = 8;

interface EditorFaultRow {
  fault: string;
  seen: string;
  survived: boolean;
  lost: number;
  evaluated: number;
  detail?: string;
}
const rows: EditorFaultRow[] = [];

async function genesis(): Promise<GenesisApi> {
  const extension = vscode.extensions.getExtension<GenesisApi>(GENESIS_ID);
  assert.ok(extension, `${GENESIS_ID} is installed`);
  return extension.activate();
}

function folder(): vscode.WorkspaceFolder {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function setText(document: vscode.TextDocument, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text);
  assert.ok(await vscode.workspace.applyEdit(edit));
  await document.save();
}

/** The Genesis output channel's log file, where accept results and run errors are written. */
function genesisLogText(): string {
  const roots = [process.env.VSCODE_LOGS, userDataDir() && join(userDataDir() as string, 'logs')].filter((p): p is string => !!p && existsSync(p));
  const texts: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/Genesis\.log$/.test(name)) texts.push(readFileSync(path, 'utf8'));
    }
  };
  roots.forEach(walk);
  return texts.join('\n');
}

/** code-server's --user-data-dir, as the harness lays it out next to the results file. */
function userDataDir(): string | undefined {
  const results = process.env.GENESIS_TEST_RESULTS;
  const pid = results ? /-(\d+)\.json$/.exec(results)?.[1] : undefined;
  if (!results || !pid) return undefined;
  const dir = join(dirname(results), `integration-${pid}-state`, 'user-data');
  return existsSync(dir) ? dir : undefined;
}

describe('Editor faults mid-run (function edited, deleted, file closed)', function () {
  this.timeout(240_000);
  let api: GenesisApi;
  let document: vscode.TextDocument;
  let original: string;
  let scratch: string;

  before(async () => {
    api = await genesis();
    // The evaluator's ledger lives outside the work dir, which bubblewrap would keep read-only.
    await vscode.workspace.getConfiguration('genesis', folder().uri).update('sandbox', 'none', vscode.ConfigurationTarget.Workspace);
    writeFileSync(join(folder().uri.fsPath, 'fault_eval.py'), FAULT_EVAL_PY);
    scratch = mkdtempSync(join(tmpdir(), 'genesis-editor-faults-'));
    document = await vscode.workspace.openTextDocument(vscode.Uri.file(join(folder().uri.fsPath, FILE)));
    original = document.getText();
  });

  after(async () => {
    await setText(await vscode.workspace.openTextDocument(document.uri), original);
    await vscode.workspace.getConfiguration('genesis', folder().uri).update('sandbox', undefined, vscode.ConfigurationTarget.Workspace);
    rmSync(join(folder().uri.fsPath, 'fault_eval.py'), { force: true });
    rmSync(scratch, { recursive: true, force: true });
    const out = process.env.GENESIS_EDITOR_FAULTS_OUT;
    if (out) {
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, JSON.stringify({ rows }, null, 2) + '\n');
    }
  });

  /** Starts a run, does `fault` once evaluations are under way, waits for the end, checks the books. */
  async function faultMidRun(name: string, fault: (doc: vscode.TextDocument) => Promise<void>, acceptExpect: RegExp | 'applies') {
    await vscode.window.showTextDocument(document);
    const ledger = join(scratch, `${basename(name).replace(/\W+/g, '-')}.txt`);
    writeFileSync(ledger, '');
    const inside = document.positionAt(original.indexOf('0.9 * x'));
    const started = await api.startRunForFunction(document.uri, inside, {
      models: ['offline'],
      budget: BUDGET,
      concurrency: 2,
      seed: 7,
      evaluatorCommand: `python3 fault_eval.py ${ledger} none 3 0.4`,
      showPanel: false,
    });
    await waitFor('evaluations under way', () => ledgerStarts(ledger) >= 3);
    await fault(document);
    const summary: RunSummary = await started.done;
    const stored = await new RunStore(join(folder().uri.fsPath, '.genesis', 'runs')).load(started.runId);
    const books = account(ledger, stored);
    const problems: string[] = [];
    if (summary.status !== 'completed') problems.push(`run ${summary.status}: ${summary.stopReason ?? ''}`);
    if (summary.evaluations !== BUDGET) problems.push(`${summary.evaluations}/${BUDGET} evaluations`);
    if (stored.summary.evaluations !== BUDGET) problems.push(`${stored.summary.evaluations}/${BUDGET} evaluations stored`);
    // Candidates were built from the text the run started with, not the edited one.
    if (stored.nodes.some((n) => n.evaluation && !n.code.includes('def approx_exp'))) problems.push('a candidate lost its function');
    let seen = `run completed ${summary.evaluations}/${BUDGET}`;
    const best = summary.bestNodeId && summary.bestNodeId !== '0' ? summary.bestNodeId : stored.nodes.find((n) => n.status === 'done' && n.id !== '0')?.id;
    if (best) {
      const applied = await api.acceptCandidate(started.runId, best);
      const line = genesisLogText().split('\n').reverse().find((l) => l.includes(`Accept ${started.runId}#${best}`)) ?? '';
      const message = line.replace(/^.*?Accept \S+: /, '');
      if (acceptExpect === 'applies') {
        if (!applied) problems.push(`Accept refused: ${message}`);
        seen += '; Accept applies the best candidate';
      } else {
        if (applied) problems.push('Accept applied a candidate over a changed function');
        if (!acceptExpect.test(message)) problems.push(`Accept said "${message}", expected ${acceptExpect}`);
        seen += `; Accept refused: "${message}"`;
      }
    }
    rows.push({ fault: name, seen, survived: problems.length === 0, lost: books.lost.length, evaluated: books.evaluated, ...(problems.length ? { detail: problems.join('; ') } : {}) });
    assert.deepEqual(problems, [], problems.join('; '));
    assert.deepEqual(books.lost, [], `evaluations lost: ${books.lost.join(', ')}`);
    assert.ok(books.evaluated >= BUDGET, `the ledger saw ${books.evaluated} evaluations`);
  }

  it('function edited mid-run: the run goes on, nothing is lost, Accept refuses over the edit', async () => {
    await faultMidRun('function edited mid-run', async (doc) => {
      await setText(doc, original.replace('0.9 * x', '0.95 * x'));
    }, /changed since the run started/);
    await setText(document, original);
  });

  it('function deleted mid-run: the run goes on, nothing is lost, Accept says the function is gone', async () => {
    await faultMidRun('function deleted mid-run', async (doc) => {
      const start = original.indexOf('def approx_exp');
      const end = original.indexOf('\n\n', original.indexOf('return', start));
      await setText(doc, original.slice(0, start) + (end >= 0 ? original.slice(end + 2) : ''));
    }, /no longer exists/);
    await setText(document, original);
  });

  it('file closed mid-run: the run goes on, nothing is lost, Accept still applies', async () => {
    await faultMidRun('file closed mid-run', async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }, 'applies');
    await setText(await vscode.workspace.openTextDocument(document.uri), original);
  });
});

describe('API keys in VS Code: SecretStorage only', function () {
  this.timeout(180_000);
  const KEY = `sk-genesis-vscode-leakcheck-${randomBytes(16).toString('hex')}`;

  it('a key set with the command is used by a run and appears in no setting, workspace file, run file or log', async () => {
    const api = await genesis();
    const good = await startLlmServer({ apiKey: KEY });
    const refusing = await startLlmServer({ apiKey: 'another-key' });
    try {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(join(folder().uri.fsPath, FILE)));
      const inside = document.positionAt(document.getText().indexOf('0.9 * x'));
      for (const server of [good, refusing]) {
        assert.equal(await vscode.commands.executeCommand('genesis.setApiKey', server.openaiBaseURL, KEY), true);
        assert.equal(await api.hasApiKey(`openai-compatible:${server.openaiBaseURL}#fixture-model`), true);
      }
      const ok = await api.startRunForFunction(document.uri, inside, {
        models: [`openai-compatible:${good.openaiBaseURL}#fixture-model`], budget: 4, concurrency: 2, evaluatorCommand: 'python3 evaluate.py', showPanel: false,
      });
      const okSummary = await ok.done;
      assert.equal(okSummary.status, 'completed', okSummary.stopReason);
      assert.ok(okSummary.tokens > 0, 'the model was called');
      assert.ok(good.requests.some((r) => r.headers.authorization === `Bearer ${KEY}`), 'the key from SecretStorage reached the server');
      const refused = await api.startRunForFunction(document.uri, inside, {
        models: [`openai-compatible:${refusing.openaiBaseURL}#fixture-model`], budget: 4, concurrency: 2, evaluatorCommand: 'python3 evaluate.py', showPanel: false,
      });
      const refusedSummary = await refused.done;
      assert.equal(refusedSummary.status, 'failed');
      assert.match(refusedSummary.stopReason ?? '', /bad API key \(401\)/);

      const settings = JSON.stringify(vscode.workspace.getConfiguration('genesis'));
      assert.ok(!settings.includes(KEY), 'the key is in the genesis.* settings');
      const hits: string[] = [];
      const grep = (root: string, skip: (path: string) => boolean) => {
        if (!existsSync(root)) return;
        const walk = (dir: string) => {
          for (const name of readdirSync(dir)) {
            const path = join(dir, name);
            const stats = statSync(path, { throwIfNoEntry: false });
            if (!stats || skip(path)) continue;
            if (stats.isDirectory()) walk(path);
            else if (stats.isFile() && readFileSync(path).includes(KEY)) hits.push(relative(root, path));
          }
        };
        walk(root);
      };
      grep(folder().uri.fsPath, () => false);
      const userData = userDataDir();
      if (process.env.GENESIS_TEST_RESULTS) assert.ok(userData, 'found code-server\'s user data (settings, logs) to search');
      // SecretStorage's own database is where the key belongs; everything else must not hold it.
      if (userData) grep(userData, (path) => /globalStorage[/\\]state\.vscdb/.test(path));
      assert.deepEqual(hits, [], `the key was written to ${hits.join(', ')}`);
      assert.ok(userData === undefined || genesisLogText().includes('API key stored'), 'the Genesis log was searched');
    } finally {
      await vscode.commands.executeCommand('genesis.setApiKey', good.openaiBaseURL, '');
      await vscode.commands.executeCommand('genesis.setApiKey', refusing.openaiBaseURL, '');
      await good.close();
      await refusing.close();
    }
  });
});

describe('Workspace trust', () => {
  it('Genesis declares limited support for untrusted workspaces', async () => {
    const extension = vscode.extensions.getExtension(GENESIS_ID);
    const capabilities = (extension?.packageJSON as { capabilities?: { untrustedWorkspaces?: { supported?: unknown; description?: string } } }).capabilities;
    assert.equal(capabilities?.untrustedWorkspaces?.supported, 'limited');
    assert.match(capabilities?.untrustedWorkspaces?.description ?? '', /trusted/);
  });

  it('in this (trusted) window runs are allowed; restricted mode is covered by the fault matrix', () => {
    // The harness starts code-server with --disable-workspace-trust, so isTrusted is always true
    // here; the refusal in a restricted window is checked by test/faults/scenarios/trust.ts.
    assert.equal(vscode.workspace.isTrusted, true);
  });
});
