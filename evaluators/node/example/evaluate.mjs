#!/usr/bin/env node
// Genesis evaluator (contract v1) for approxSin in approx.js.
//
// Run by Genesis as `node evaluate.mjs` in the root of a sandbox copy of this folder, or by hand
// (it then evaluates ./approx.js). It:
//   1. imports the candidate from GENESIS_CANDIDATE_FILE,
//   2. runs the test* functions of approx.test.mjs against it (node:assert),
//   3. measures the error against Math.sin on 1001 points of [-π, π] and the time per call
//      (warm-up, then the median of timed batches),
//   4. writes {"score", "correct", "metrics", "feedback"} to GENESIS_RESULT and prints it as the
//      last line of stdout.
//
// score = -(max abs error): higher is better and it depends on the code only, never on timing,
// so a run is reproducible. The time per call is reported as a metric.
import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const FUNCTION = process.env.GENESIS_FUNCTION || 'approxSin';
const CANDIDATE_FILE = process.env.GENESIS_CANDIDATE_FILE || join(HERE, 'approx.js');
const TEST_FILE = join(HERE, 'approx.test.mjs');
const POINTS = Array.from({ length: 1001 }, (_, i) => -Math.PI + (2 * Math.PI * i) / 1000);

function oneLine(error) {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

async function runTests(candidate) {
  const tests = await import(pathToFileURL(TEST_FILE).href);
  let passed = 0;
  const failures = [];
  for (const [name, test] of Object.entries(tests)) {
    if (!name.startsWith('test') || typeof test !== 'function') continue;
    try {
      await test(candidate);
      passed++;
    } catch (error) {
      failures.push(`${name}: ${oneLine(error)}`);
    }
  }
  return { passed, failures };
}

/** Max and mean abs error against Math.sin, and where the error is largest (NaN counts as worst). */
function measureError(fn) {
  let worst = -1;
  let worstX = 0;
  let sum = 0;
  for (const x of POINTS) {
    const value = Number(fn(x));
    const error = Number.isFinite(value) ? Math.abs(value - Math.sin(x)) : Infinity;
    sum += error;
    if (error > worst) [worst, worstX] = [error, x];
  }
  return { worst, worstX, mean: sum / POINTS.length };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median over `repeats` timed batches (after warm-up batches) of one call, in ns. */
function nsPerCall(fn, repeats = 9, passes = 20) {
  let sink = 0;
  const batch = () => {
    const start = performance.now();
    for (let p = 0; p < passes; p++) for (const x of POINTS) sink += fn(x);
    return ((performance.now() - start) * 1e6) / (passes * POINTS.length);
  };
  for (let k = 0; k < 3; k++) batch();
  const samples = Array.from({ length: repeats }, batch);
  if (Number.isNaN(sink)) samples.push(0); // keeps `sink` alive so the calls are not optimised away
  return median(samples);
}

async function evaluate() {
  let candidate;
  try {
    candidate = await import(pathToFileURL(CANDIDATE_FILE).href);
  } catch (error) {
    return { score: null, correct: false, metrics: {}, feedback: `candidate does not load: ${oneLine(error)}` };
  }
  const fn = candidate[FUNCTION];
  if (typeof fn !== 'function') {
    return { score: null, correct: false, metrics: {}, feedback: `${basename(CANDIDATE_FILE)} exports no function ${FUNCTION}` };
  }
  const { passed, failures } = await runTests(candidate);
  let error;
  let perCall;
  try {
    error = measureError(fn);
    perCall = nsPerCall(fn);
  } catch (crash) {
    failures.push(`evaluation crashed: ${oneLine(crash)}`);
    return { score: null, correct: false, metrics: { tests_passed: passed }, feedback: failures.join('\n') };
  }
  const finite = Number.isFinite(error.worst);
  const lines = [`tests: ${passed} passed, ${failures.length} failed`, ...failures.map((f) => `FAILED ${f}`)];
  if (finite) {
    const x = error.worstX;
    lines.push(
      `max abs error ${error.worst.toFixed(6)} at x=${x.toFixed(3)} (got ${Number(fn(x)).toFixed(6)}, ` +
        `sin x = ${Math.sin(x).toFixed(6)}); mean abs error ${error.mean.toFixed(6)}`,
    );
  } else {
    lines.push(`the function returns a non-finite value at x=${error.worstX.toFixed(3)}`);
  }
  const metrics = { ns_per_call: Number(perCall.toFixed(3)), tests_passed: passed, tests_failed: failures.length };
  if (finite) Object.assign(metrics, { max_error: error.worst, mean_error: error.mean });
  return {
    score: finite ? -error.worst : null,
    correct: failures.length === 0 && finite,
    metrics,
    feedback: lines.join('\n'),
  };
}

const result = await evaluate();
const text = JSON.stringify(result);
if (process.env.GENESIS_RESULT) writeFileSync(process.env.GENESIS_RESULT, text);
console.log(text);
