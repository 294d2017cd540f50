// Compiling and running a tiled-matmul candidate, shared by the in-process benchmark evaluator
// and the standalone evaluate.mjs (contract v1). The harness is compiled once per build folder;
// each candidate is compiled alone (it has no #include, so that takes tens of milliseconds),
// linked with the harness and run under a time limit.
'use strict';
const { execFile } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const HARNESS = join(__dirname, 'harness.cpp');
const CXX = process.env.CXX || 'g++';
const FLAGS = ['-O2', '-std=c++17'];

function run(file, args, options) {
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 1 << 20, ...options }, (error, stdout, stderr) => {
      resolve({ error, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** What identifies a harness build: its source and the flags (for caches keyed on results). */
function harnessFingerprint() {
  return createHash('sha1').update(readFileSync(HARNESS)).update(FLAGS.join(' ')).digest('hex').slice(0, 12);
}

/** Compiles harness.cpp into `buildDir` once; returns the object file. */
async function prepareHarness(buildDir) {
  mkdirSync(buildDir, { recursive: true });
  const object = join(buildDir, `harness-${harnessFingerprint()}.o`);
  if (existsSync(object)) return object;
  const partial = `${object}.${process.pid}.tmp`;
  const { error, stderr } = await run(CXX, [...FLAGS, '-c', HARNESS, '-o', partial]);
  if (error) throw new Error(`could not compile the harness: ${stderr.trim() || error.message}`);
  renameSync(partial, object);
  return object;
}

function incorrect(feedback) {
  return { score: null, correct: false, metrics: {}, feedback };
}

/** Compiles, links and runs one candidate file; returns {score, correct, metrics, feedback}. */
async function evaluateCandidate(candidateText, buildDir, { timeoutMs = 5000, label = 'candidate' } = {}) {
  const harness = await prepareHarness(buildDir);
  const source = join(buildDir, `${label}.cpp`);
  const object = join(buildDir, `${label}.o`);
  const binary = join(buildDir, `${label}.bin`);
  writeFileSync(source, candidateText);
  const compiled = await run(CXX, [...FLAGS, '-c', source, '-o', object], { timeout: 30000 });
  if (compiled.error) return incorrect(`compile error: ${compiled.stderr.trim().split('\n').slice(0, 6).join('\n')}`);
  const linked = await run(CXX, [object, harness, '-o', binary], { timeout: 30000 });
  if (linked.error) return incorrect(`link error: ${linked.stderr.trim().split('\n').slice(0, 6).join('\n')}`);
  const ran = await run(binary, [], { timeout: timeoutMs, killSignal: 'SIGKILL' });
  const line = ran.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) {
    const why = ran.error && ran.error.killed ? `timed out after ${timeoutMs} ms` : `crashed (${ran.error ? ran.error.signal || ran.error.code : 'no output'})`;
    return incorrect(`the harness ${why}`);
  }
  const result = JSON.parse(line);
  return { score: result.score, correct: result.correct, metrics: result.metrics || {}, feedback: result.feedback || '' };
}

module.exports = { HARNESS, CXX, FLAGS, harnessFingerprint, prepareHarness, evaluateCandidate };
