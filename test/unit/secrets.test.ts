// The API key must never reach anything Genesis writes: run logs and summaries, the learned PRM
// store, exports, stdout/stderr, error messages, nor the candidate code's environment (whose
// output Genesis stores and feeds back to the model). Runs the real CLI against the fixture
// model server: calls that succeed, then a 401 whose body echoes the key, as OpenAI's does.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { startLlmServer, type LlmServer } from '../fixtures/llmServer';

const repo = join(__dirname, '..', '..');
const cli = join(repo, 'src', 'cli', 'main.ts');
const tsxLoader = pathToFileURL(join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Distinctive, so a hit can only be a leak. */
const KEY = `sk-genesis-leakcheck-${randomBytes(16).toString('hex')}`;

/** Scores approx_exp, and prints its whole environment to stderr as a careless evaluator might. */
const ENV_DUMPING_EVAL = [
  'import importlib.util, json, math, os, sys',
  'for k, v in sorted(os.environ.items()): print("%s=%s" % (k, v), file=sys.stderr)',
  'spec = importlib.util.spec_from_file_location("c", os.environ["GENESIS_CANDIDATE_FILE"])',
  'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
  'score = -max(abs(m.approx_exp(x / 10) - math.exp(x / 10)) for x in range(-10, 11))',
  'print(json.dumps({"score": score, "feedback": " ".join(v for v in os.environ.values() if v.startswith("sk-"))}))',
].join('\n');

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'genesis-secrets-'));
  dirs.push(dir);
  cpSync(join(repo, 'evaluators', 'python', 'example'), dir, { recursive: true, filter: (s) => !/(__pycache__|\.genesis)$/.test(s) });
  writeFileSync(join(dir, 'env_eval.py'), ENV_DUMPING_EVAL);
  return dir;
}

interface Output {
  code: number | null;
  stdout: string;
  stderr: string;
}

function genesis(cwd: string, args: string[], env: Record<string, string>): Promise<Output> {
  const clean = { ...process.env };
  for (const name of ['GENESIS_API_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY']) delete clean[name];
  const child = spawn(process.execPath, ['--import', tsxLoader, cli, ...args], { cwd, env: { ...clean, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Every file under `root` whose bytes contain `needle` (relative paths). */
function filesContaining(root: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stats = statSync(path, { throwIfNoEntry: false });
      if (!stats) continue;
      if (stats.isDirectory()) walk(path);
      else if (stats.isFile() && readFileSync(path).includes(needle)) hits.push(relative(root, path));
    }
  };
  walk(root);
  return hits;
}

/** Two runs (one that works, one refused with the key echoed), `runs show`, `runs list` and an export. */
async function runEverything(ws: string, keyEnv: Record<string, string>, good: LlmServer, refusing: LlmServer): Promise<Output[]> {
  const evolve = (server: LlmServer, budget: number) =>
    genesis(ws, ['evolve', 'approx.py', '--function', 'approx_exp', '--evaluator', 'python3 env_eval.py', '--budget', String(budget), '--no-sandbox', '--json',
      '--model', `openai-compatible:${server.openaiBaseURL}#fixture-model`], keyEnv);
  const ok = await evolve(good, 5);
  assert.equal(ok.code, 0, ok.stderr);
  const okRun = JSON.parse(ok.stdout) as { runId: string; status: string; tokens: number };
  assert.equal(okRun.status, 'completed');
  assert.ok(okRun.tokens > 0, 'the model was really called');
  assert.ok(good.requests.some((r) => r.headers.authorization === `Bearer ${KEY}`), 'the key was sent to the model server');

  const refused = await evolve(refusing, 5);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr + refused.stdout, /bad API key \(401\)/);
  assert.ok(refusing.requests.length >= 8, 'the 401s were really served');

  const shown = await genesis(ws, ['runs', 'show', okRun.runId, '--json'], keyEnv);
  const listed = await genesis(ws, ['runs', 'list'], keyEnv);
  const exported = await genesis(ws, ['runs', 'export', '--out', join(ws, 'export.jsonl'), '--pairs', join(ws, 'pairs.jsonl')], keyEnv);
  assert.equal(exported.code, 0, exported.stderr);
  return [ok, refused, shown, listed, exported];
}

describe('API keys never leak into what Genesis writes', () => {
  let good: LlmServer;
  let refusing: LlmServer;

  it('GENESIS_API_KEY: run files, PRM store, exports, output and errors hold no trace of it', async () => {
    good = await startLlmServer({ apiKey: KEY });
    refusing = await startLlmServer({ apiKey: 'some-other-key' });
    try {
      const ws = workspace();
      const outputs = await runEverything(ws, { GENESIS_API_KEY: KEY }, good, refusing);
      // The fixture does echo the key in its 401 body: the test would see a pass-through.
      assert.ok(refusing.requests.length > 0);
      const written = filesContaining(ws, KEY);
      assert.deepEqual(written, [], `the key is in ${written.join(', ')}`);
      assert.ok(filesContaining(join(ws, '.genesis'), 'approx_exp').length > 0, 'the run and PRM files were searched');
      for (const o of outputs) {
        assert.ok(!o.stdout.includes(KEY), 'the key is on stdout');
        assert.ok(!o.stderr.includes(KEY), 'the key is on stderr');
      }
    } finally {
      await good.close();
      await refusing.close();
    }
  });

  it('OPENAI_API_KEY: the evaluator (candidate code) does not get the key, so it cannot land in stored output or prompts', async () => {
    good = await startLlmServer({ apiKey: KEY });
    refusing = await startLlmServer({ apiKey: 'some-other-key' });
    try {
      const ws = workspace();
      const outputs = await runEverything(ws, { OPENAI_API_KEY: KEY }, good, refusing);
      const written = filesContaining(ws, KEY);
      assert.deepEqual(written, [], `the key reached the evaluator's environment and was stored in ${written.join(', ')}`);
      for (const o of outputs) assert.ok(!(o.stdout + o.stderr).includes(KEY), 'the key is in the CLI output');
      const prompts = good.requests.map((r) => JSON.stringify(r.body)).join('\n');
      assert.ok(!prompts.includes(KEY), 'the key was sent to the model inside a prompt (evaluator feedback)');
    } finally {
      await good.close();
      await refusing.close();
    }
  });
});
