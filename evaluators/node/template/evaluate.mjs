#!/usr/bin/env node
// Genesis evaluator template for JavaScript / TypeScript (contract v1). Copy it into your
// workspace root and edit the marked parts: CANDIDATE_FALLBACK, FUNCTION_FALLBACK, the tests,
// makeArgs() and scoreFrom().
//
// Genesis runs it once per candidate with the command `node evaluate.mjs`, in the root of a
// sandbox copy of your workspace, with:
//   GENESIS_CANDIDATE_FILE  absolute path of the source file with the function replaced
//   GENESIS_FUNCTION        the function's name
//   GENESIS_WORKDIR         root of the workspace copy (also the current directory)
//   GENESIS_RESULT          where to write the result JSON
// What it does:
//   1. imports the candidate (a .ts/.mts/.cts file is stripped of its types with the workspace's
//      esbuild: `npm i -D esbuild`; Node 20 cannot run TypeScript by itself),
//   2. runs your tests: the exported test* functions of MODULE_TEST_FILES (default: checks.mjs),
//      called in-process with the candidate module, and/or NODE_TEST_FILES (default: test/*.test.js)
//      with `node --test` (those import the candidate by its own path, which in the sandbox copy
//      holds the candidate; when run by hand they test your own file),
//   3. times the function in CPU time: warm-up calls, then the median of REPEATS timed batches,
//   4. writes {"score", "correct", "metrics", "feedback"} to GENESIS_RESULT and prints it last.
// Run it by hand too: without the variables it evaluates CANDIDATE_FALLBACK.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const WORKDIR = process.env.GENESIS_WORKDIR || process.cwd();
// ---- EDIT 1: your source file (used when run by hand), the function and the tests ---------------
const CANDIDATE_FALLBACK = join(WORKDIR, 'src', 'myModule.js');
const FUNCTION_FALLBACK = 'myFunction';
/** Files whose exported test* functions take the candidate module: `export function testX(mod)`. */
const MODULE_TEST_FILES = [join(WORKDIR, 'checks.mjs')].filter((f) => existsSync(f));
/** node:test files (`test('...', () => ...)`), run with `node --test`; empty to skip. */
const NODE_TEST_FILES = listFiles(join(WORKDIR, 'test'), /\.test\.m?js$/);
/** Only the node:test tests whose names match one of these regular expressions; empty: all. */
const NODE_TEST_NAME_PATTERNS = [];
/** Another test runner instead (jest, vitest, ...): its argv, run in WORKDIR; exit code 0 = pass. */
const TEST_COMMAND = [];
const WARMUP = 3;
const REPEATS = 9;
/** Shortest timed sample: a fixed call count gives sub-microsecond functions samples so short that
 * one context switch outweighs any change in the code, so the call count grows until it fills this. */
const MIN_SAMPLE_MS = 5;

// ---- EDIT 2: the arguments of one timed call (fixed seed: the same every run) ------------------
function makeArgs() {
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  return [Array.from({ length: 10_000 }, random)];
}

// ---- EDIT 3: the score (higher is better) ------------------------------------------------------
/** Default: faster is better. Prefer a deterministic score (an error, a count) when you have one:
 * timings vary between runs and between machines. */
function scoreFrom(msPerCall) {
  return -msPerCall;
}
// --------------------------------------------------------------------------------------------------

const CANDIDATE_FILE = process.env.GENESIS_CANDIDATE_FILE || CANDIDATE_FALLBACK;
const FUNCTION = process.env.GENESIS_FUNCTION || FUNCTION_FALLBACK;
const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);

function listFiles(dir, pattern) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => pattern.test(n)).sort().map((n) => join(dir, n));
}

function oneLine(error) {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** Imports the candidate; TypeScript goes through esbuild's transform (types stripped only). */
async function importCandidate(file) {
  if (!TYPESCRIPT.has(extname(file))) return import(pathToFileURL(file).href);
  let esbuild;
  try {
    esbuild = createRequire(join(WORKDIR, 'package.json'))('esbuild');
  } catch {
    throw new Error(`${basename(file)} is TypeScript and Node 20 cannot run it: install esbuild in the workspace (npm i -D esbuild)`);
  }
  const { code } = esbuild.transformSync(readFileSync(file, 'utf8'), {
    loader: extname(file) === '.tsx' ? 'tsx' : 'ts',
    format: 'esm',
    sourcefile: file,
  });
  // Written next to the candidate so its relative imports of .js files still resolve.
  const compiled = join(dirname(file), `.${basename(file)}.genesis-${process.pid}.mjs`);
  writeFileSync(compiled, code);
  try {
    return await import(pathToFileURL(compiled).href);
  } finally {
    rmSync(compiled, { force: true });
  }
}

async function runModuleTests(candidate) {
  let passed = 0;
  const failures = [];
  for (const file of MODULE_TEST_FILES) {
    let tests;
    try {
      tests = await import(pathToFileURL(file).href);
    } catch (error) {
      failures.push(`${basename(file)}: does not load: ${oneLine(error)}`);
      continue;
    }
    for (const [name, test] of Object.entries(tests)) {
      if (!name.startsWith('test') || typeof test !== 'function') continue;
      try {
        await test(candidate);
        passed++;
      } catch (error) {
        failures.push(`${name}: ${oneLine(error)}`);
      }
    }
  }
  return { passed, failures };
}

/** Runs TEST_COMMAND (jest, vitest, ...): passes when it exits with 0. */
function runTestCommand() {
  if (TEST_COMMAND.length === 0) return { passed: 0, failures: [] };
  const [command, ...args] = TEST_COMMAND;
  const child = spawnSync(command, args, { cwd: WORKDIR, encoding: 'utf8', timeout: 120_000 });
  if (child.status === 0) return { passed: 1, failures: [] };
  const output = `${child.stdout ?? ''}\n${child.stderr ?? ''}`.trim();
  const reason = child.error ? oneLine(child.error) : `exited with ${child.status ?? child.signal}`;
  return { passed: 0, failures: [`${TEST_COMMAND.join(' ')} ${reason}: ${output.slice(-600)}`] };
}

/** Runs node:test files in a child process and reads its TAP summary. */
function runNodeTests() {
  if (NODE_TEST_FILES.length === 0) return { passed: 0, failures: [] };
  const namePatterns = NODE_TEST_NAME_PATTERNS.map((pattern) => `--test-name-pattern=${pattern}`);
  // Run under a test runner itself (NODE_TEST_CONTEXT set), node --test would report to it, not to us.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const child = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...namePatterns, ...NODE_TEST_FILES], {
    cwd: WORKDIR,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const out = `${child.stdout ?? ''}`;
  const passed = Number(/^# pass (\d+)/m.exec(out)?.[1] ?? 0);
  const lines = out.split('\n');
  const failures = [];
  lines.forEach((line, k) => {
    const name = /^\s*not ok \d+ - (.+)$/.exec(line)?.[1];
    if (!name) return;
    // The YAML block after a failure holds `error: ...` (inline, or on the lines after `|-`).
    const errorAt = lines.slice(k + 1, k + 30).findIndex((l) => /^\s+error:/.test(l));
    const inline = errorAt >= 0 ? lines[k + 1 + errorAt].replace(/^\s+error:\s*/, '') : '';
    const message = /^[|>]-?$/.test(inline) ? lines[k + 2 + errorAt]?.trim() ?? '' : inline.replace(/^'|'$/g, '');
    failures.push(message ? `${name.trim()}: ${message.slice(0, 300)}` : name.trim());
  });
  if (child.status !== 0 && failures.length === 0) {
    failures.push(`node --test exited with ${child.status ?? child.signal}: ${`${child.stderr}`.trim().slice(-300)}`);
  }
  return { passed, failures };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Milliseconds of CPU time this process spent so far. CPU time, not wall time: on a busy machine
 * the process waits for a core for milliseconds at a time, and wall time would score the machine's
 * load rather than the code.
 */
function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Calls per sample: doubled until one batch takes MIN_SAMPLE_MS of CPU time. The first calls run
 * cold (before the JIT compiles the function) and would end the doubling too early, so calls run
 * untimed for MIN_SAMPLE_MS * 10 first.
 */
function callsPerSample(fn, args) {
  const warmStart = cpuMs();
  while (cpuMs() - warmStart < MIN_SAMPLE_MS * 10) fn(...args);
  for (let calls = 1; ; calls *= 2) {
    const start = cpuMs();
    for (let k = 0; k < calls; k++) fn(...args);
    if (cpuMs() - start >= MIN_SAMPLE_MS || calls >= 2 ** 30) return calls;
  }
}

/** Median and min CPU milliseconds of one call after WARMUP untimed samples. */
function timeCall(fn, args) {
  const calls = callsPerSample(fn, args);
  const sample = () => {
    const start = cpuMs();
    for (let k = 0; k < calls; k++) fn(...args);
    return (cpuMs() - start) / calls;
  };
  for (let k = 0; k < WARMUP; k++) sample();
  const samples = Array.from({ length: REPEATS }, sample);
  return { medianMs: median(samples), minMs: Math.min(...samples), calls };
}

async function evaluate() {
  let candidate;
  try {
    candidate = await importCandidate(CANDIDATE_FILE);
  } catch (error) {
    return { score: null, correct: false, metrics: {}, feedback: `candidate does not load: ${oneLine(error)}` };
  }
  const fn = candidate[FUNCTION] ?? candidate.default?.[FUNCTION];
  if (typeof fn !== 'function') {
    return { score: null, correct: false, metrics: {}, feedback: `${basename(CANDIDATE_FILE)} exports no function ${FUNCTION}` };
  }
  const moduleTests = await runModuleTests(candidate);
  const nodeTests = runNodeTests();
  const commandTests = runTestCommand();
  const passed = moduleTests.passed + nodeTests.passed + commandTests.passed;
  const failures = [...moduleTests.failures, ...nodeTests.failures, ...commandTests.failures];
  const metrics = { tests_passed: passed, tests_failed: failures.length };
  const lines = [`tests: ${passed} passed, ${failures.length} failed`, ...failures.map((f) => `FAILED ${f}`)];
  if (failures.length > 0) return { score: null, correct: false, metrics, feedback: lines.join('\n') };
  let timing;
  try {
    timing = timeCall(fn, makeArgs());
  } catch (error) {
    lines.push(`the timed call crashed: ${oneLine(error)}`);
    return { score: null, correct: false, metrics, feedback: lines.join('\n') };
  }
  Object.assign(metrics, { median_ms: timing.medianMs, min_ms: timing.minMs, calls_per_sample: timing.calls });
  lines.push(`median ${timing.medianMs.toFixed(4)} ms per call (min ${timing.minMs.toFixed(4)} ms, ${REPEATS} samples of ${timing.calls} calls)`);
  const score = scoreFrom(timing.medianMs);
  return { score: Number.isFinite(score) ? score : null, correct: true, metrics, feedback: lines.join('\n') };
}

const result = await evaluate();
const text = JSON.stringify(result);
if (process.env.GENESIS_RESULT) writeFileSync(process.env.GENESIS_RESULT, text);
console.log(text);
