// The CLI as a user runs it: a real process, the real Python example, real evaluators.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { qualityReply, startLlmServer, tunerReply } from '../fixtures/llmServer';

const repo = join(__dirname, '..', '..');
const cli = join(repo, 'src', 'cli', 'main.ts');
// The workspaces live outside the repo, so point --import at tsx's loader by path.
const tsxLoader = pathToFileURL(join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'genesis-cli-'));
  dirs.push(dir);
  cpSync(join(repo, 'evaluators', 'python', 'example'), dir, { recursive: true });
  return dir;
}

function genesis(cwd: string, args: string[]) {
  const result = spawnSync(process.execPath, ['--import', tsxLoader, cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Summary {
  runId: string;
  status: string;
  baselineScore: number | null;
  bestScore: number | null;
  evaluations: number;
  bestDiff: string;
  tokens: number;
  failed: number;
  candidates: number;
  modelCalls: number;
  models: { id: string; pulls: number; meanReward: number; costUsd: number; tokensIn: number; tokensOut: number }[];
}

describe('genesis CLI', () => {
  it('evolves the Python example, improves the baseline, and is reproducible for a seed', () => {
    const ws = workspace();
    const args = ['evolve', 'approx.py', '--function', 'approx_exp', '--evaluator', 'python3 evaluate.py', '--budget', '10', '--seed', '3', '--json'];
    const first = genesis(ws, args);
    assert.equal(first.code, 0, first.stderr);
    const a = JSON.parse(first.stdout) as Summary;
    assert.equal(a.status, 'completed');
    assert.equal(a.evaluations, 10);
    assert.ok(a.baselineScore !== null && a.bestScore !== null && a.bestScore > a.baselineScore, `${a.bestScore} > ${a.baselineScore}`);
    assert.match(a.bestDiff, /^-    return 1\.0 \+ 0\.9/m);
    assert.equal(a.tokens, 0);
    assert.match(first.stderr, /\[10\/10\] node/);
    const second = JSON.parse(genesis(ws, args).stdout) as Summary;
    assert.equal(second.bestScore, a.bestScore);
    assert.equal(second.bestDiff, a.bestDiff);
    const shown = genesis(ws, ['runs', 'show', a.runId, '--json']);
    const stored = JSON.parse(shown.stdout) as Summary & { nodes: { status: string }[] };
    assert.equal(stored.bestScore, a.bestScore);
    assert.ok(stored.nodes.length >= 10);
    // runs show counts as the run did: the model's pulls, mean reward and the counts (#13 item 5).
    const live = a;
    const shownRun = stored;
    assert.ok(live.models[0]!.pulls > 0, 'the run pulled its model');
    assert.deepEqual(shownRun.models, live.models);
    assert.equal(shownRun.candidates, live.candidates);
    assert.equal(shownRun.modelCalls, live.models[0]!.pulls);
    assert.match(genesis(ws, ['runs', 'show', a.runId]).stdout, new RegExp(`model offline: ${live.models[0]!.pulls} pulls`));
    // Which strategy produced each candidate (the default, adaptive, records the one it chose).
    const strategyNodes = stored.nodes as unknown as { id: string; strategy: string | null }[];
    assert.ok(strategyNodes.filter((n) => n.id !== '0').every((n) => ['elitist', 'best-of-n', 'beam', 'mcts', 'islands', 'repair'].includes(n.strategy ?? '')), JSON.stringify(strategyNodes.map((n) => n.strategy)));
    const human = genesis(ws, ['runs', 'show', a.runId]).stdout;
    assert.match(human, /^ {2}strategy (elitist|best-of-n|beam|mcts|islands): \d+ children, \d+ evaluated, \d+ new bests$/m);
    assert.match(human, /^ {2}node {4}1 ← {4}0 {2}\S+ +\S+ {2}(elitist|best-of-n|beam|mcts|islands) /m);
    const listed = genesis(ws, ['runs', 'list']);
    assert.match(listed.stdout, new RegExp(`${a.runId}\\s+completed`));
  });

  it('finds the function from --line and says clearly when the line is in no function', () => {
    const ws = workspace();
    writeFileSync(join(ws, 'quick.py'), 'import math\n\ndef f(x):\n    return 2.0 * x\n');
    writeFileSync(join(ws, 'quick_eval.py'), [
      'import importlib.util, json, os',
      'spec = importlib.util.spec_from_file_location("c", os.environ["GENESIS_CANDIDATE_FILE"])',
      'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
      'print(json.dumps({"score": -abs(m.f(1.0) - 3.0)}))',
    ].join('\n'));
    const ok = genesis(ws, ['evolve', 'quick.py', '--line', '4', '--evaluator', 'python3 quick_eval.py', '--budget', '4', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as Summary).evaluations, 4);
    const outside = genesis(ws, ['evolve', 'quick.py', '--line', '1', '--evaluator', 'true']);
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /line 1 of .*quick\.py is not inside a function/);
  });

  it('rejects unsupported languages and missing options with usage errors', () => {
    const ws = workspace();
    writeFileSync(join(ws, 'notes.txt'), 'hello');
    const unsupported = genesis(ws, ['evolve', 'notes.txt', '--function', 'f', '--evaluator', 'true']);
    assert.equal(unsupported.code, 2);
    assert.match(unsupported.stderr, /unsupported language/);
    const noEval = genesis(ws, ['evolve', 'approx.py', '--function', 'approx_exp']);
    assert.equal(noEval.code, 2);
    assert.match(noEval.stderr, /--evaluator "CMD" is required/);
    const noFunction = genesis(ws, ['evolve', 'approx.py', '--function', 'nope', '--evaluator', 'true']);
    assert.equal(noFunction.code, 1);
    assert.match(noFunction.stderr, /function nope not found/);
  });

  it('refuses a source file that is not UTF-8, naming the bytes and the encoding, and leaves it byte for byte', () => {
    const ws = workspace();
    // Latin-1 "é" (0xE9) in a comment outside the function: decoding as UTF-8 would make it U+FFFD.
    const latin1 = Buffer.concat([
      Buffer.from('# caf'),
      Buffer.from([0xe9]),
      Buffer.from('\ndef f(x):\n    return 2.0 * x\n'),
    ]);
    writeFileSync(join(ws, 'latin.py'), latin1);
    const r = genesis(ws, ['evolve', 'latin.py', '--function', 'f', '--evaluator', 'true', '--budget', '2', '--no-sandbox']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /latin\.py is not valid UTF-8 \(byte 0xE9 at line 1, column 6; Latin-1 or Windows-1252\?\)/);
    assert.match(r.stderr, /UTF-8 files only/);
    assert.deepEqual(readFileSync(join(ws, 'latin.py')), latin1, 'the file is untouched');
    assert.ok(!existsSync(join(ws, '.genesis', 'runs')) || readdirSync(join(ws, '.genesis', 'runs')).length === 0, 'no run was started');
  });

  it('fails a run clearly when the evaluator command does not exist', () => {
    const ws = workspace();
    const r = genesis(ws, ['evolve', 'approx.py', '--function', 'approx_exp', '--evaluator', 'no-such-evaluator-xyz', '--budget', '30', '--json']);
    assert.equal(r.code, 1);
    const s = JSON.parse(r.stdout) as Summary;
    assert.equal(s.status, 'failed');
    assert.ok(s.evaluations <= 8);
    assert.match(r.stderr, /not found/);
  });

  it('keeps going when the evaluator prints garbage or NaN, recording the reasons', () => {
    const ws = workspace();
    writeFileSync(join(ws, 'flaky_eval.py'), [
      'import os, re',
      'src = open(os.environ["GENESIS_CANDIDATE_FILE"]).read()',
      'n = int(os.environ["GENESIS_EVALUATION_ID"].rsplit("-", 1)[1])',
      'if n % 3 == 1: print("garbage, not json")',
      'elif n % 3 == 2: print(\'{"score": NaN}\')',
      'else: print(\'{"score": %f}\' % -abs(float(re.findall(r"0\\.9\\d*|1\\.0\\d*", src)[1]) - 1.0))',
    ].join('\n'));
    const r = genesis(ws, ['evolve', 'approx.py', '--function', 'approx_exp', '--evaluator', 'python3 flaky_eval.py', '--budget', '9', '--concurrency', '1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as Summary;
    assert.equal(s.status, 'completed');
    assert.equal(s.evaluations, 9);
    assert.ok(s.failed >= 5, `failed ${s.failed}`);
    assert.match(r.stderr, /NaN/);
    assert.match(r.stderr, /no result JSON|not JSON|JSON/);
  });

  it('runs a three-arm ensemble (two fixture models + offline) and shifts pulls toward the better value', async () => {
    const server = await startLlmServer({ replies: { good: tunerReply, bad: qualityReply(0.15) } });
    try {
      const ws = workspace();
      const base = server.openaiBaseURL;
      const args = [
        '--import', tsxLoader, cli, 'evolve', 'approx.py', '--function', 'approx_exp', '--evaluator', 'python3 evaluate.py',
        '--budget', '30', '--seed', '2', '--json',
        '--model', `openai-compatible:${base}#good`, '--model', `openai-compatible:${base}#bad`, '--model', 'offline',
        '--price', 'good=0.1,0.4', '--price', 'bad=20,80',
      ];
      const child = spawn(process.execPath, args, { cwd: ws });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 0, stderr);
      const s = JSON.parse(stdout) as Summary & { costUsd: number; models: { id: string; pulls: number; costUsd: number; tokensIn: number; tokensOut: number }[] };
      assert.equal(s.models.length, 3);
      const byId = new Map(s.models.map((m) => [m.id.replace(/^.*#/, ''), m]));
      const good = byId.get('good');
      const bad = byId.get('bad');
      assert.ok(good && bad && byId.get('offline'));
      assert.ok(good.pulls > bad.pulls, `good ${good.pulls} vs bad ${bad.pulls}`);
      assert.ok(bad.costUsd > 0 && good.costUsd > 0);
      const total = s.models.reduce((sum, m) => sum + m.costUsd, 0);
      assert.ok(Math.abs(total - s.costUsd) < 1e-9, `${total} vs ${s.costUsd}`);
      assert.ok(s.tokens > 0);
      assert.ok(server.requests.length >= good.pulls + bad.pulls);
    } finally {
      await server.close();
    }
  });

  it('resumes a run after the CLI is killed with SIGKILL mid-run: nothing evaluated is lost or run twice', async () => {
    const ws = workspace();
    const evalLog = join(ws, '..', `${ws.split('/').pop()}-evals.log`);
    dirs.push(evalLog);
    writeFileSync(join(ws, 'slow_eval.py'), [
      'import json, os, re, sys, time',
      'time.sleep(0.25)',
      'src = open(os.environ["GENESIS_CANDIDATE_FILE"]).read()',
      'with open(sys.argv[1], "a") as log: log.write(os.environ["GENESIS_EVALUATION_ID"].rsplit("-", 1)[1] + "\\n")',
      'print(json.dumps({"score": -abs(float(re.findall(r"\\d+\\.\\d+", src)[1]) - 1.0)}))',
    ].join('\n'));
    const command = `python3 slow_eval.py ${evalLog}`;
    const child = spawn(process.execPath, ['--import', tsxLoader, cli, 'evolve', 'approx.py', '--function', 'approx_exp', '--evaluator', command, '--budget', '16', '--no-sandbox', '--json'], { cwd: ws });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    while (!/\[5\/16\]/.test(stderr)) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    await new Promise((r) => setTimeout(r, 600)); // orphaned evaluations (no sandbox) finish writing
    const runId = /run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(stderr)?.[1];
    assert.ok(runId, stderr);
    const listed = genesis(ws, ['runs', 'list']);
    assert.match(listed.stdout, new RegExp(`${runId}\\s+interrupted`));
    const before = JSON.parse(genesis(ws, ['runs', 'show', runId, '--json']).stdout) as { nodes: { id: string; status: string }[] };
    const completed = new Set(before.nodes.filter((n) => n.status === 'done' || n.status === 'failed').map((n) => n.id));
    assert.ok(completed.size >= 5);
    const linesBefore = readFileSync(evalLog, 'utf8').split('\n').filter(Boolean).length;
    // The same evaluator as the run stores: the resume goes on without --yes.
    const resumed = genesis(ws, ['runs', 'resume', runId, '--no-sandbox', '--json', '--evaluator', command]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const s = JSON.parse(resumed.stdout) as Summary;
    assert.equal(s.runId, runId);
    assert.equal(s.status, 'completed');
    assert.equal(s.evaluations, 16);
    const after = readFileSync(evalLog, 'utf8').split('\n').filter(Boolean).slice(linesBefore);
    for (const id of after) assert.ok(!completed.has(id), `node ${id} was evaluated again after resume`);
    const final = JSON.parse(genesis(ws, ['runs', 'show', runId, '--json']).stdout) as { nodes: { id: string; status: string }[]; evaluations: number };
    assert.equal(final.evaluations, 16);
    assert.ok(final.nodes.every((n) => n.status !== 'evaluating' && n.status !== 'generating'));
  });
});
