// Evaluator contract v1 and the local runner, with real processes.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectBubblewrap } from '../../src/core/evaluate/bubblewrap';
import { LocalEvaluator, type LocalEvaluatorOptions } from '../../src/core/evaluate/localEvaluator';
import { runCommand } from '../../src/core/evaluate/processRunner';
import { findResultInStdout, parseJsonLenient, parseResultFile, validateResult } from '../../src/core/evaluate/resultContract';
import { ownerStamp, SandboxCopy } from '../../src/core/evaluate/sandboxCopy';
import { LastObjectLine } from '../../src/core/evaluate/tailBuffer';
import type { EvaluationRequest } from '../../src/core/types';
import { killAll, processesWith } from './processes';

const repoRoot = resolve(__dirname, '../..');
const fixtures = join(repoRoot, 'test/fixtures/evaluators');
const exampleDir = join(repoRoot, 'evaluators/python/example');
const templateFile = join(repoRoot, 'evaluators/python/template/evaluate.py');
const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
const never = new AbortController().signal;
const tempRoots: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `genesis-test-${prefix}-`));
  tempRoots.push(dir);
  return dir;
}


/** A tiny workspace: target.py plus ignored and nested files. */
function makeWorkspace(): string {
  const ws = tempDir('ws');
  writeFileSync(join(ws, 'target.py'), 'def f(x):\n    return x\n');
  writeFileSync(join(ws, '.gitignore'), 'build/\n*.log\n!keep.log\n');
  mkdirSync(join(ws, 'build'));
  writeFileSync(join(ws, 'build/out.bin'), 'ignored');
  writeFileSync(join(ws, 'debug.log'), 'ignored');
  writeFileSync(join(ws, 'keep.log'), 'kept by negation');
  mkdirSync(join(ws, 'pkg'));
  writeFileSync(join(ws, 'pkg/.gitignore'), 'secret.txt\n');
  writeFileSync(join(ws, 'pkg/secret.txt'), 'ignored by nested .gitignore');
  writeFileSync(join(ws, 'pkg/util.py'), 'X = 1\n');
  mkdirSync(join(ws, '.git'));
  writeFileSync(join(ws, '.git/HEAD'), 'ref: refs/heads/main\n');
  mkdirSync(join(ws, '.genesis/runs'), { recursive: true });
  writeFileSync(join(ws, '.genesis/runs/log.jsonl'), '{}\n');
  return ws;
}

function request(overrides: Partial<EvaluationRequest> = {}): EvaluationRequest {
  return {
    candidateFileText: 'def f(x):\n    return x + 1\n',
    relativePath: 'target.py',
    functionName: 'f',
    language: 'python',
    evaluationId: '7',
    ...overrides,
  };
}

let bwrapProblem: string | undefined;
const evaluators: LocalEvaluator[] = [];

function makeEvaluator(options: Partial<LocalEvaluatorOptions> & { command: string }): LocalEvaluator {
  const created = new LocalEvaluator({ workspaceRoot: makeWorkspace(), sandbox: 'none', timeoutSec: 20, ...options });
  evaluators.push(created);
  return created;
}

const evaluator = makeEvaluator;

before(async () => {
  const probe = await detectBubblewrap();
  bwrapProblem = probe.usable ? undefined : probe.problem ?? 'bubblewrap not usable';
});

after(async () => {
  await Promise.all(evaluators.map((e) => e.dispose()));
  for (const dir of tempRoots) rmSync(dir, { recursive: true, force: true });
});

describe('result contract', () => {
  it('accepts the NaN / Infinity tokens Python writes, outside strings only', () => {
    const value = parseJsonLenient('{"score": NaN, "a": Infinity, "b": -Infinity, "s": "NaN and \\"Infinity\\""}') as Record<string, unknown>;
    assert.ok(Number.isNaN(value.score));
    assert.equal(value.a, Infinity);
    assert.equal(value.b, -Infinity);
    assert.equal(value.s, 'NaN and "Infinity"');
  });

  it('takes the last stdout line that is a JSON object', () => {
    const found = findResultInStdout('{"score": 1}\nprogress 50%\n{"score": 2, "correct": true}\n[1, 2]\ndone\n\n');
    assert.deepEqual(found, { value: { score: 2, correct: true } });
  });

  it('says when there is no result or it is garbage', () => {
    assert.deepEqual(findResultInStdout('hello\nworld\n'), { error: 'evaluator printed no result JSON (last line: world)' });
    assert.deepEqual(findResultInStdout(''), { error: 'evaluator printed no result JSON (last line: <empty output>)' });
    const garbage = findResultInStdout('{"score": 1,,}\n');
    assert.ok('error' in garbage && garbage.error.startsWith('evaluator printed invalid result JSON'), JSON.stringify(garbage));
    const file = parseResultFile('{"score": ');
    assert.ok('error' in file && file.error.startsWith('result file is not valid JSON'), JSON.stringify(file));
    assert.deepEqual(parseResultFile('[1]'), { error: 'result file does not hold a JSON object (got [1])' });
  });

  it('validates score and correct', () => {
    const ok = validateResult({ score: 1.5, metrics: { ms: 2, flag: true, name: 'x' }, feedback: 'fine' });
    assert.equal(ok.status, 'ok');
    assert.equal(ok.score, 1.5);
    assert.equal(ok.correct, true);
    assert.deepEqual(ok.metrics, { ms: 2, flag: 1 });
    assert.match(ok.feedback, /^fine\n\(non-numeric metrics ignored: name\)$/);

    const cases: [Record<string, unknown>, string][] = [
      [{ score: NaN }, 'score is NaN'],
      [{ score: Infinity }, 'score is Infinity'],
      [{ score: -Infinity }, 'score is -Infinity'],
      [{}, 'result has no score'],
      [{ score: null }, 'result has no score'],
      [{ score: '1.2' }, 'score is not a number (got "1.2")'],
      [{ score: 1, correct: 'yes' }, '"correct" must be true or false (got "yes")'],
      [{ score: 3, correct: false, feedback: '\n2 tests failed\nmore' }, 'evaluator reported correct: false — 2 tests failed'],
    ];
    for (const [value, reason] of cases) {
      const verdict = validateResult(value);
      assert.equal(verdict.status, 'incorrect', reason);
      assert.equal(verdict.score, null);
      assert.equal(verdict.correct, false);
      assert.equal(verdict.reason, reason);
    }
    assert.equal(validateResult({ score: 3, correct: false }).metrics.reported_score, 3);
  });
});

describe('last object line', () => {
  it('keeps the last line that starts with {, across chunks, and only when the tail cannot hold it', () => {
    const lines = new LastObjectLine(1000);
    lines.push(Buffer.from('noise\n  {"a": 1}\n{"b":'));
    lines.push(Buffer.from(' 2, "pad": "' + 'p'.repeat(100) + '"}\nafter\n'));
    const text = lines.lineOutside(10);
    assert.ok(text?.startsWith('{"b": 2, "pad": "ppp'));
    assert.equal(JSON.parse(text ?? '').b, 2);
    assert.equal(lines.lineOutside(1000), undefined, 'a tail of 1000 bytes holds it whole');
    const unterminated = new LastObjectLine(1000);
    unterminated.push(Buffer.from('{"c": 3}'));
    assert.equal(unterminated.lineOutside(2), '{"c": 3}');
    const tooLong = new LastObjectLine(8);
    tooLong.push(Buffer.from('{"d": 4}\n{"e": 55555}\n'));
    assert.equal(tooLong.lineOutside(1), '{"d": 4}', 'a line over the capacity is not kept');
  });
});

describe('process runner', () => {
  it('kills the whole process group on timeout and settles fast', async () => {
    const marker = '1000.271';
    const outcome = await runCommand({ command: `sleep ${marker} & sleep ${marker}`, cwd: tmpdir(), env, timeoutMs: 1000 });
    assert.equal(outcome.timedOut, true);
    assert.ok(outcome.durationMs < 3000, `settled after ${outcome.durationMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(processesWith(`sleep ${marker}`), []);
  });

  it('settles when a process that left the group still holds the pipes', async () => {
    const marker = '1000.313';
    const started = Date.now();
    const outcome = await runCommand({ command: `setsid sleep ${marker} & echo started`, cwd: tmpdir(), env, timeoutMs: 10_000 });
    try {
      assert.equal(outcome.exitCode, 0);
      assert.equal(outcome.stdoutTail, 'started\n');
      assert.ok(Date.now() - started < 2000, `settled after ${Date.now() - started} ms`);
    } finally {
      for (const pid of processesWith(`sleep ${marker}`)) process.kill(pid, 'SIGKILL');
    }
  });

  it('stops a flood of output at the cap and keeps only tails in memory', async () => {
    const rssBefore = process.memoryUsage().rss;
    const outcome = await runCommand({ command: `python3 ${join(fixtures, 'flood.py')}`, cwd: tmpdir(), env, timeoutMs: 20_000, tailBytes: 4096 });
    assert.equal(outcome.outputLimited, true);
    assert.ok(outcome.stdoutBytes < 100_000_000, `read ${outcome.stdoutBytes} bytes`);
    assert.ok(outcome.stdoutTail.length <= 4096);
    const grownMb = (process.memoryUsage().rss - rssBefore) / 1048576;
    assert.ok(grownMb < 64, `rss grew by ${grownMb.toFixed(1)} MiB`);
  });

  it('stops an allocation loop at the memory limit', async () => {
    const outcome = await runCommand({ command: `python3 ${join(fixtures, 'memory_hog.py')}`, cwd: tmpdir(), env, timeoutMs: 20_000, memoryMb: 300 });
    assert.notEqual(outcome.exitCode, 0);
    assert.equal(outcome.timedOut, false);
    assert.match(outcome.stderrTail, /MemoryError/);
  });

  it('cancels through the AbortSignal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const outcome = await runCommand({ command: 'sleep 1000.357', cwd: tmpdir(), env, timeoutMs: 30_000, signal: controller.signal });
    assert.equal(outcome.cancelled, true);
    assert.ok(outcome.durationMs < 2000, `settled after ${outcome.durationMs} ms`);
    assert.deepEqual(processesWith('sleep 1000.357'), []);
  });
});

describe('sandbox copy', () => {
  it('respects .gitignore files, skips .git and .genesis, links ignored node_modules', async () => {
    const ws = makeWorkspace();
    mkdirSync(join(ws, 'node_modules/dep'), { recursive: true });
    writeFileSync(join(ws, 'node_modules/dep/index.js'), 'module.exports = 1;');
    writeFileSync(join(ws, '.gitignore'), 'build/\n*.log\n!keep.log\nnode_modules/\n');
    const { copy, stats } = await SandboxCopy.create({ workspaceRoot: ws });
    try {
      const base = copy.baseDir;
      for (const kept of ['target.py', 'keep.log', 'pkg/util.py', '.gitignore', 'pkg/.gitignore']) assert.ok(existsSync(join(base, kept)), kept);
      for (const dropped of ['build', 'debug.log', 'pkg/secret.txt', '.git', '.genesis']) assert.ok(!existsSync(join(base, dropped)), dropped);
      assert.ok(lstatSync(join(base, 'node_modules')).isSymbolicLink());
      assert.equal(readlinkSync(join(base, 'node_modules')), join(ws, 'node_modules'));
      assert.deepEqual(stats.linkedDirs, ['node_modules']);
      assert.equal(stats.files, 5);
    } finally {
      await copy.dispose();
    }
    assert.ok(!existsSync(copy.root));
  });

  it('writes the candidate into a fresh copy and never touches the workspace', async () => {
    const ws = makeWorkspace();
    const original = readFileSync(join(ws, 'target.py'), 'utf8');
    symlinkSync(join(ws, 'target.py'), join(ws, 'alias.py'));
    const { copy } = await SandboxCopy.create({ workspaceRoot: ws });
    try {
      const first = await copy.createEvaluationDir('n/1', 'target.py', 'CANDIDATE = 1\n');
      const second = await copy.createEvaluationDir('n/1', 'alias.py', 'CANDIDATE = 2\n');
      assert.notEqual(first.workDir, second.workDir);
      assert.equal(readFileSync(first.candidateFile, 'utf8'), 'CANDIDATE = 1\n');
      assert.equal(readFileSync(join(second.workDir, 'target.py'), 'utf8'), original);
      // alias.py was a link to the user's file: the candidate replaces the link, not the file.
      assert.equal(readFileSync(second.candidateFile, 'utf8'), 'CANDIDATE = 2\n');
      assert.equal(readFileSync(join(ws, 'target.py'), 'utf8'), original);
      assert.equal(readFileSync(join(copy.baseDir, 'target.py'), 'utf8'), original);
      await assert.rejects(copy.createEvaluationDir('x', '../escape.py', ''), /escapes the workspace/);
      await copy.removeEvaluationDir(first);
      assert.ok(!existsSync(first.dir));
    } finally {
      await copy.dispose();
    }
  });

  it('refuses a workspace larger than the copy limit', async () => {
    const ws = makeWorkspace();
    writeFileSync(join(ws, 'big.dat'), Buffer.alloc(200_000));
    await assert.rejects(SandboxCopy.create({ workspaceRoot: ws, maxCopyBytes: 100_000 }), /exceeds 0.1 MiB; add large files to .gitignore/);
  });
});

// Every contract case once with evaluator processes started here and once through the launcher.
for (const spawnFrom of ['this-process', 'launcher'] as const) describe(`local evaluator (spawned from ${spawnFrom})`, () => {
  const evaluator = (options: Partial<LocalEvaluatorOptions> & { command: string }) => makeEvaluator({ spawnFrom, ...options });

  it('passes the contract environment and reads the result from stdout', async () => {
    const ev = evaluator({ command: `python3 ${join(fixtures, 'report_env.py')} stdout` });
    const result = await ev.evaluate(request(), never);
    assert.equal(result.status, 'ok', result.reason);
    assert.equal(result.score, 1);
    assert.equal(result.correct, true);
    assert.deepEqual(result.metrics, { ms: 4.1 });
    assert.equal(result.sandboxed, false);
    assert.equal(ev.sandboxMode, 'none');
    assert.equal(ev.spawnsFromLauncher, spawnFrom === 'launcher');
    const seen = JSON.parse(result.feedback) as Record<string, string>;
    assert.equal(seen.GENESIS_FUNCTION, 'f');
    assert.equal(seen.GENESIS_LANGUAGE, 'python');
    assert.equal(seen.GENESIS_EVALUATION_ID, '7');
    assert.equal(seen.candidate_text, request().candidateFileText);
    assert.equal(seen.GENESIS_CANDIDATE_FILE, join(seen.GENESIS_WORKDIR, 'target.py'));
    assert.equal(seen.cwd, seen.GENESIS_WORKDIR);
    assert.match(result.stdoutTail, /some noise before the result/);
    // The work dir is the evaluator's own copy, removed with it.
    await ev.dispose();
    assert.ok(!existsSync(seen.GENESIS_WORKDIR));
  });

  it('prefers the result file over stdout', async () => {
    const result = await evaluator({ command: `python3 ${join(fixtures, 'report_env.py')} both` }).evaluate(request(), never);
    assert.equal(result.status, 'ok', result.reason);
    assert.equal(result.score, 2);
    assert.deepEqual(result.metrics, { ms: 1.5 });
  });

  it('marks NaN scores and correct:false incorrect, with reasons and stderr in feedback', async () => {
    const nan = await evaluator({ command: `python3 -c 'import json; print(json.dumps({"score": float("nan")}))'` }).evaluate(request(), never);
    assert.equal(nan.status, 'incorrect');
    assert.equal(nan.reason, 'score is NaN');
    assert.equal(nan.score, null);

    const wrong = await evaluator({ command: `echo oops >&2; echo '{"score": 5, "correct": false, "feedback": "test_x failed"}'` }).evaluate(request(), never);
    assert.equal(wrong.status, 'incorrect');
    assert.equal(wrong.reason, 'evaluator reported correct: false — test_x failed');
    assert.match(wrong.feedback, /test_x failed[\s\S]*--- stderr \(last lines\) ---\noops/);
  });

  it('finds a result line longer than the 256 KB tail, anywhere within the output cap', async () => {
    // A 1 MB feedback on one line, then a little noise after it (#13 item 8).
    const script = `import json, sys; print(json.dumps({"score": 3, "feedback": "x" * 1000000})); print("done", file=sys.stdout)`;
    const long = await evaluator({ command: `python3 -c '${script}'` }).evaluate(request(), never);
    assert.equal(long.status, 'ok', long.reason);
    assert.equal(long.score, 3);
    assert.equal(long.feedback.length, 1000000);
    // Beyond the cap, the reason names the cap, not a missing result.
    const huge = await evaluator({ command: `python3 -c 'print("{\\"score\\": 1, \\"f\\": \\"" + "y" * 2000000 + "\\"}")'`, maxOutputBytes: 1024 * 1024 }).evaluate(request(), never);
    assert.equal(huge.reason, 'output limit exceeded (1 MiB)');
  });

  it('reports garbage output, crashes and a missing command clearly', async () => {
    const garbage = await evaluator({ command: 'echo "all good, score=3"' }).evaluate(request(), never);
    assert.equal(garbage.status, 'error');
    assert.equal(garbage.reason, 'evaluator printed no result JSON (last line: all good, score=3)');

    const crash = await evaluator({ command: `python3 -c 'raise ValueError("boom")'` }).evaluate(request(), never);
    assert.equal(crash.status, 'error');
    assert.equal(crash.reason, 'evaluator exited with code 1: ValueError: boom');
    assert.match(crash.feedback, /Traceback/);

    const missing = await evaluator({ command: 'genesis-no-such-evaluator --flag' }).evaluate(request(), never);
    assert.equal(missing.status, 'error');
    assert.equal(missing.reason, 'evaluator command not found: genesis-no-such-evaluator');
  });

  it('unsandboxed, kills processes that left the group (setsid nohup): at the end of the evaluation, or at the latest with the evaluator', async () => {
    const marker = `sleep 1000.${spawnFrom === 'launcher' ? 5311 : 5312}`;
    try {
      // Holding the pipes: found as the evaluation ends.
      const ev = evaluator({ command: `setsid nohup ${marker} & echo '{"score": 1}'` });
      const held = await ev.evaluate(request(), never);
      assert.equal(held.status, 'ok', held.reason);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(processesWith(marker), [], 'the escaped sleep was killed when the evaluation ended');
      // Pipes closed, quick: found when the evaluator is disposed (the end of the run).
      const quiet = evaluator({ command: `setsid nohup ${marker} >/dev/null 2>&1 </dev/null & echo '{"score": 1}'` });
      assert.equal((await quiet.evaluate(request(), never)).status, 'ok');
      await quiet.dispose();
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(processesWith(marker), [], 'the escaped sleep was killed with the evaluator');
    } finally {
      killAll(marker);
    }
  });

  it('caps what an evaluation writes: one huge file, or many, stop with "disk limit exceeded"', async () => {
    const one = await evaluator({ command: `head -c 30000000 /dev/zero > big.bin; echo '{"score": 1}'`, diskMb: 8 }).evaluate(request(), never);
    assert.equal(one.status, 'error');
    assert.match(one.reason ?? '', /^disk limit exceeded \(8 MiB\)/);
    const many = await evaluator({
      command: `python3 -c 'import time\nfor k in range(300):\n    open("f%d.bin" % k, "wb").write(bytes(1048576)); time.sleep(0.02)\nprint("{\\"score\\": 1}")'`,
      diskMb: 8,
    }).evaluate(request(), never);
    assert.equal(many.status, 'error', many.reason);
    // Had it not been stopped, it would have finished and reported its score.
    assert.equal(many.reason, 'disk limit exceeded (8 MiB)');
  });

  it('times out, caps output, limits memory and cancels', async () => {
    const hang = await evaluator({ command: 'sleep 1000.419 & sleep 1000.419', timeoutSec: 1 }).evaluate(request(), never);
    assert.equal(hang.status, 'timeout');
    assert.equal(hang.reason, 'evaluator timed out after 1 s');
    assert.ok(hang.durationMs < 3000);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(processesWith('sleep 1000.419'), []);

    const flood = await evaluator({ command: `python3 ${join(fixtures, 'flood.py')}` }).evaluate(request(), never);
    assert.equal(flood.status, 'error');
    assert.equal(flood.reason, 'output limit exceeded (8 MiB)');

    const hog = await evaluator({ command: `python3 ${join(fixtures, 'memory_hog.py')}`, memoryMb: 300 }).evaluate(request(), never);
    assert.equal(hog.status, 'error');
    assert.equal(hog.reason, 'memory limit exceeded? (limit 300 MiB) evaluator exited with code 1: MemoryError');

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const cancelled = await evaluator({ command: 'sleep 1000.421' }).evaluate(request(), controller.signal);
    assert.equal(cancelled.status, 'cancelled');
    assert.ok(cancelled.durationMs < 2000);
  });

  it('keeps the work dir of a failed evaluation only when asked', async () => {
    const ev = evaluator({ command: 'echo "$GENESIS_WORKDIR"; exit 3', keepFailedWorkDirs: true });
    const result = await ev.evaluate(request(), never);
    assert.equal(result.status, 'error');
    const workDir = result.stdoutTail.trim();
    assert.ok(existsSync(join(workDir, 'target.py')), workDir);
    await ev.dispose();
    assert.ok(!existsSync(workDir));
    const after = await ev.evaluate(request(), never);
    assert.equal(after.status, 'error');
    assert.match(after.reason ?? '', /disposed/);
  });
});

for (const spawnFrom of ['this-process', 'launcher'] as const) describe(`warm starts (spawned from ${spawnFrom})`, () => {
  const evaluator = (options: Partial<LocalEvaluatorOptions> & { command: string }) => makeEvaluator({ spawnFrom, ...options });
  const report = `echo "{\\"score\\": 1, \\"feedback\\": \\"$(printf %s "$GENESIS_EVALUATION_ID" | tr '\\n' /)|$GENESIS_FUNCTION|$(cat target.py | tr -d '\\n')|$(cat | wc -c)\\"}"`;

  it('start the next evaluation’s process while one runs, and keep the contract: id, candidate, stdin', async () => {
    const ev = evaluator({ command: report });
    const seen: string[] = [];
    for (let k = 1; k <= 6; k++) {
      const result = await ev.evaluate(request({ evaluationId: `id ${k}`, candidateFileText: `x = ${k}\n` }), never);
      assert.equal(result.status, 'ok', result.reason);
      seen.push(result.feedback);
    }
    // Each evaluation sees its own id and candidate, and an empty stdin (cat does not wait).
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6].map((k) => `id ${k}|f|x = ${k}|0`));
    assert.ok(ev.warmStarts >= 4, `${ev.warmStarts} warm starts`);
  });

  it('are not used when the variables changed or the id has a line break, and die with the evaluator', async () => {
    const marker = 'sleep 0.0313';
    const ev = evaluator({ command: `${marker}; ${report}` });
    assert.equal((await ev.evaluate(request({ evaluationId: 'a' }), never)).status, 'ok');
    assert.equal((await ev.evaluate(request({ evaluationId: 'b' }), never)).status, 'ok');
    const before = ev.warmStarts;
    const renamed = await ev.evaluate(request({ evaluationId: 'c', functionName: 'g' }), never);
    assert.equal(renamed.feedback, 'c|g|def f(x):    return x + 1|0');
    const twoLines = await ev.evaluate(request({ evaluationId: 'd\ne', functionName: 'g' }), never);
    assert.equal(twoLines.feedback, 'd/e|g|def f(x):    return x + 1|0');
    assert.equal(ev.warmStarts, before, 'neither may use a warm start');
    await new Promise((r) => setTimeout(r, 200));
    const waiting = () => execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(marker));
    assert.ok(waiting().length > 0, 'a warm start should be waiting');
    await ev.dispose();
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(waiting(), []);
  });

  it('count the time limit from the evaluation, not from the start of the waiting process', async () => {
    const ev = evaluator({ command: `sleep 0.6; echo '{"score": 1}'`, timeoutSec: 1 });
    assert.equal((await ev.evaluate(request(), never)).status, 'ok');
    await new Promise((r) => setTimeout(r, 1200));
    const later = await ev.evaluate(request(), never);
    assert.equal(later.status, 'ok', later.reason);
    assert.ok(later.durationMs < 1000, `${later.durationMs} ms`);
    assert.equal(ev.warmStarts, 1);
  });

  it('are cancelled like any evaluation', async () => {
    const ev = evaluator({ command: `sleep 1000.447; echo '{"score": 1}'`, timeoutSec: 1 });
    assert.equal((await ev.evaluate(request(), never)).status, 'timeout');
    await new Promise((r) => setTimeout(r, 300));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const cancelled = await ev.evaluate(request(), controller.signal);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(ev.warmStarts, 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(processesWith('sleep 1000.447'), []);
  });
});

describe('reused work dirs', () => {
  // Prints every entry of the evaluation's folder (work dir and result-file folder) with type,
  // mode, size, link target and a content hash: two equal listings mean two equal work dirs.
  const LISTING =
    `cd "$GENESIS_WORKDIR/.." && find . -mindepth 1 -printf '%p %y %m %s %l\\n' | sort && ` +
    `find . -type f -exec md5sum {} + | sort`;
  // Changes that a stat of size and mtime alone would miss are included: same size, mtime put back.
  const MESS =
    `cp -p keep.log ../ref && printf 'KEPT BY NEGATIO!' > keep.log && touch -r ../ref keep.log && ` +
    `echo more >> pkg/util.py && chmod 600 .gitignore && rm pkg/.gitignore && ` +
    `mkdir -p new/deep && echo x > new/deep/f && echo y > new.txt && ln -s / escape && ` +
    `ln target.py hardlink.py && rm -rf pkg && echo file > pkg && echo stray > ../stray.txt && chmod 700 . && ` +
    `rm target.py && ln -s "$VICTIM" target.py`;
  const pause = () => new Promise((r) => setTimeout(r, 150));

  // Small slots are checked with synchronous reads, larger ones through the thread pool.
  for (const extraFiles of [0, 300]) {
  it(`a candidate cannot change what the next evaluation sees (${extraFiles} extra files)`, async () => {
    const victim = join(tempDir('victim'), 'victim.txt');
    writeFileSync(victim, 'untouched');
    const ws = makeWorkspace();
    if (extraFiles > 0) mkdirSync(join(ws, 'many'));
    for (let k = 0; k < extraFiles; k++) writeFileSync(join(ws, 'many', `f${k}.txt`), `${k}`);
    // Listings go to files outside the slot (the stdout tail is only 4 KB).
    const listings = tempDir('listings');
    const ev = evaluator({
      command:
        `if [ "$GENESIS_EVALUATION_ID" = mess ]; then ${MESS}; fi; ` +
        `{ ${LISTING}; } > "$LISTINGS/$GENESIS_EVALUATION_ID"; echo "$GENESIS_WORKDIR"; echo '{"score": 1}'`,
      env: { VICTIM: victim, LISTINGS: listings },
      workspaceRoot: ws,
    });
    const run = async (id: string) => {
      const result = await ev.evaluate(request({ evaluationId: id }), never);
      assert.equal(result.status, 'ok', result.reason);
      return { workDir: result.stdoutTail.split('\n')[0], listing: readFileSync(join(listings, id), 'utf8') };
    };
    const first = await run('look');
    assert.match(first.listing, /\.\/ws\/target\.py f 644/);
    assert.equal(first.listing.includes('./ws/many/f299.txt'), extraFiles === 300);
    // Once more, so the slot's files are old enough for their ctime to be trusted (not "racy").
    await ev.settled();
    await pause();
    await run('look-again');
    await ev.settled();
    await pause();
    const messy = await run('mess');
    assert.notEqual(messy.listing, first.listing);
    // The slot just used is repaired and handed out next: the same folder, back to the base. (A
    // fixed pause was not enough on a loaded machine: a new slot was cloned while it was repaired.)
    for (let k = 0; k < 3; k++) {
      await ev.settled();
      await pause();
      const next = await run(`look-${k}`);
      if (k === 0) assert.equal(next.workDir, messy.workDir, 'the test should reuse the messed-up slot');
      assert.equal(next.listing, first.listing);
    }
    assert.equal(readFileSync(victim, 'utf8'), 'untouched');
  });
  }

  it('gives each concurrent evaluation its own work dir and candidate', async () => {
    const ev = evaluator({ command: `sleep 0.05; cat target.py | tr -d '\\n'; echo; echo '{"score": 1}'` });
    const texts = Array.from({ length: 6 }, (_, k) => `V = ${k}\n`);
    const results = await Promise.all(texts.map((text, k) => ev.evaluate(request({ candidateFileText: text, evaluationId: `c${k}` }), never)));
    results.forEach((result, k) => {
      assert.equal(result.status, 'ok', result.reason);
      assert.equal(result.stdoutTail.split('\n')[0], `V = ${k}`);
    });
  });

  it('writes a candidate at a new path and removes it afterwards', async () => {
    const ev = evaluator({ command: `ls new/dir; cat target.py; echo '{"score": 1}'` });
    const created = await ev.evaluate(request({ relativePath: 'new/dir/made.py', candidateFileText: 'M = 1\n' }), never);
    assert.equal(created.status, 'ok', created.reason);
    assert.match(created.stdoutTail, /^made\.py\ndef f\(x\):\n {4}return x\n/);
    await pause();
    const plain = await ev.evaluate(request(), never);
    assert.match(plain.stderrTail, /No such file or directory/);
    assert.match(plain.stdoutTail, /^def f\(x\):\n {4}return x \+ 1\n/);
  });

  it('copies a large workspace afresh for every evaluation', async () => {
    const ws = makeWorkspace();
    mkdirSync(join(ws, 'many'));
    for (let k = 0; k < 2000; k++) writeFileSync(join(ws, 'many', `f${k}.txt`), '');
    const ev = evaluator({ command: `echo "$GENESIS_WORKDIR"; echo '{"score": 1}'`, workspaceRoot: ws });
    const first = await ev.evaluate(request(), never);
    const second = await ev.evaluate(request(), never);
    const dirs = [first, second].map((r) => r.stdoutTail.split('\n')[0]);
    assert.notEqual(dirs[0], dirs[1]);
    await ev.dispose();
    for (const dir of dirs) assert.ok(!existsSync(dir), dir);
  });
});

describe('local evaluator under bubblewrap', () => {
  const skip = () => (bwrapProblem ? `bubblewrap unavailable: ${bwrapProblem}` : false);

  it('refuses writes outside the work dir (read-only file system)', async (t) => {
    if (skip()) return t.skip(String(skip()));
    const ev = evaluator({ command: 'echo ok > inside.txt && echo \'{"score": 1}\'', sandbox: 'bwrap' });
    // One victim in the user's workspace, one outside /tmp (which is a fresh tmpfs in the sandbox).
    const workspace = makeWorkspace();
    const workspaceFile = join(workspace, 'target.py');
    // Not under /tmp (the sandbox's fresh tmpfs would swallow the write) nor the repo, which CI
    // may clone under /tmp.
    const outsideDir = '/var/tmp/genesis-tests';
    mkdirSync(outsideDir, { recursive: true });
    const outsideFile = join(mkdtempSync(join(outsideDir, 'victim-')), 'victim.txt');
    tempRoots.push(join(outsideFile, '..'));
    writeFileSync(outsideFile, 'original');
    const workspaceText = readFileSync(workspaceFile, 'utf8');
    const attacker = evaluator({
      command: `echo hacked >> ${workspaceFile}; echo hacked >> ${outsideFile}; echo '{"score": 1}'`,
      workspaceRoot: workspace,
      sandbox: 'bwrap',
    });
    const result = await attacker.evaluate(request(), never);
    assert.equal(result.sandboxed, true);
    assert.equal(attacker.sandboxMode, 'bwrap');
    assert.equal(result.stderrTail.match(/Read-only file system/g)?.length, 2, result.stderrTail);
    assert.equal(readFileSync(outsideFile, 'utf8'), 'original');
    assert.equal(readFileSync(workspaceFile, 'utf8'), workspaceText);
    // Writing inside the work dir works.
    const inside = await ev.evaluate(request(), never);
    assert.equal(inside.status, 'ok', inside.reason);
  });

  it('has no network unless allowed', async (t) => {
    if (skip()) return t.skip(String(skip()));
    const server: Server = createServer((socket) => socket.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      // The script is copied into the workspace: paths under /tmp outside it are hidden in the sandbox.
      const workspace = makeWorkspace();
      copyFileSync(join(fixtures, 'connect.py'), join(workspace, 'connect.py'));
      const command = `python3 connect.py ${port}`;
      const blocked = await evaluator({ command, sandbox: 'bwrap', workspaceRoot: workspace }).evaluate(request(), never);
      assert.equal(blocked.status, 'error');
      assert.match(blocked.reason ?? '', /ConnectionRefusedError|Network is unreachable/);
      const allowed = await evaluator({ command, sandbox: 'bwrap', allowNetwork: true, workspaceRoot: workspace }).evaluate(request(), never);
      assert.equal(allowed.status, 'ok', allowed.reason);
    } finally {
      server.close();
    }
  });
});

describe('python example and template', () => {
  const exampleText = readFileSync(join(exampleDir, 'approx.py'), 'utf8');
  const exampleRequest = (text: string): EvaluationRequest =>
    request({ candidateFileText: text, relativePath: 'approx.py', functionName: 'approx_exp' });
  const exampleEvaluator = () => {
    const created = new LocalEvaluator({ workspaceRoot: exampleDir, command: 'python3 evaluate.py', timeoutSec: 30 });
    evaluators.push(created);
    return created;
  };

  it('scores the baseline deterministically', async () => {
    const ev = exampleEvaluator();
    const first = await ev.evaluate(exampleRequest(exampleText), never);
    assert.equal(first.status, 'ok', first.reason);
    assert.equal(first.sandboxed, !bwrapProblem);
    assert.equal(first.score, -(Math.E - 2.4));
    assert.ok(Math.abs((first.score ?? 0) + 0.3182818) < 1e-6);
    assert.equal(first.metrics.tests_passed, 3);
    assert.ok(first.metrics.us_per_call > 0);
    assert.match(first.feedback, /max abs error 0\.318282 at x=\+1\.000/);
    const better = await ev.evaluate(exampleRequest(exampleText.replace('0.9 * x', '1.0 * x')), never);
    assert.equal(better.status, 'ok', better.reason);
    assert.ok((better.score ?? -Infinity) > (first.score ?? 0));
    const again = await ev.evaluate(exampleRequest(exampleText), never);
    assert.equal(again.score, first.score);
  });

  it('gives a clear reason for a candidate with a syntax error or failing tests', async () => {
    const ev = exampleEvaluator();
    const broken = await ev.evaluate(exampleRequest(exampleText.replace('0.9 * x', '0.9 * * x')), never);
    assert.equal(broken.status, 'incorrect');
    assert.match(broken.reason ?? '', /^evaluator reported correct: false — candidate does not import: .*SyntaxError: invalid syntax/);
    const far = await ev.evaluate(exampleRequest(exampleText.replace('return 1.0 +', 'return 3.0 +')), never);
    assert.equal(far.status, 'incorrect');
    assert.match(far.feedback, /FAILED test_close_to_exp_on_interval: AssertionError: max abs error/);
  });

  it('the template evaluates a workspace that copies it', async () => {
    const ws = tempDir('template');
    execFileSync('cp', ['-a', `${join(fixtures, 'template-workspace')}/.`, ws]);
    writeFileSync(join(ws, 'evaluate.py'), readFileSync(templateFile));
    const ev = new LocalEvaluator({ workspaceRoot: ws, command: 'python3 evaluate.py', timeoutSec: 30 });
    evaluators.push(ev);
    const text = readFileSync(join(ws, 'stats.py'), 'utf8');
    const req = request({ relativePath: 'stats.py', functionName: 'total' });
    const ok = await ev.evaluate({ ...req, candidateFileText: text }, never);
    assert.equal(ok.status, 'ok', ok.reason);
    assert.ok((ok.score ?? 0) < 0 && ok.metrics.median_ms > 0);
    assert.equal(ok.metrics.tests_passed, 2);
    const wrong = await ev.evaluate({ ...req, candidateFileText: text.replace('s += x', 's += x + 1') }, never);
    assert.equal(wrong.status, 'incorrect');
    assert.match(wrong.reason ?? '', /tests: 1 passed, 1 failed/);
  });
});

describe('copies left by crashed runs', () => {
  it('are removed at the next start when their owner process is dead; live owners\' and unowned ones stay', async () => {
    const parent = tempDir('stale');
    const dead = spawnSync('true').pid ?? 999999;
    mkdirSync(join(parent, 'genesis-eval-dead'));
    writeFileSync(join(parent, 'genesis-eval-dead', 'owner'), `${dead} 1`);
    mkdirSync(join(parent, 'genesis-eval-reused'));
    // A live pid with another start time: the pid was reused, the owner is gone.
    writeFileSync(join(parent, 'genesis-eval-reused', 'owner'), `${process.pid} 1`);
    mkdirSync(join(parent, 'genesis-eval-live'));
    writeFileSync(join(parent, 'genesis-eval-live', 'owner'), ownerStamp(process.pid) ?? '');
    mkdirSync(join(parent, 'genesis-eval-unowned'));
    const { copy } = await SandboxCopy.create({ workspaceRoot: makeWorkspace(), tempParent: parent });
    try {
      assert.ok(!existsSync(join(parent, 'genesis-eval-dead')));
      assert.ok(!existsSync(join(parent, 'genesis-eval-reused')));
      assert.ok(existsSync(join(parent, 'genesis-eval-live')));
      assert.ok(existsSync(join(parent, 'genesis-eval-unowned')));
      assert.equal(readFileSync(join(copy.root, 'owner'), 'utf8'), ownerStamp(process.pid));
    } finally {
      await copy.dispose();
    }
  });
});
