#!/usr/bin/env node
// Genesis evaluator (contract v1) for the tiled-matmul task: compiles the candidate with
// g++ -O2, links it with harness.cpp (built once into a temp folder), checks c += a·b exactly on
// several sizes and times n = 256 (median of 5 runs after a warm-up). score = −median ms.
// Timings vary between runs and machines; the benchmark caches one measurement per program.
// Run by Genesis as `node evaluate.mjs` in a sandbox copy of this folder, or by hand (it then
// evaluates ./matmul.cpp). Writes GENESIS_RESULT when set; prints the JSON as the last line.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { evaluateCandidate } = createRequire(import.meta.url)('./build.js');
const candidateFile = process.env.GENESIS_CANDIDATE_FILE || join(here, 'matmul.cpp');
const buildDir = mkdtempSync(join(tmpdir(), 'genesis-matmul-'));

let result;
try {
  result = await evaluateCandidate(readFileSync(candidateFile, 'utf8'), buildDir);
} finally {
  rmSync(buildDir, { recursive: true, force: true });
}
const json = JSON.stringify(result);
if (process.env.GENESIS_RESULT) writeFileSync(process.env.GENESIS_RESULT, json);
console.log(json);
