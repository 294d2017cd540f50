#!/usr/bin/env node
// Genesis evaluator (contract v1) for the circle-packing task (sum of radii of 26 circles in the unit square).
// Run by Genesis as `node evaluate.mjs` in a sandbox copy of this folder, or by hand (it then
// scores ./packing.js). Reads GENESIS_CANDIDATE_FILE, scores it with score.js (the same code the
// in-process benchmark evaluator uses), writes the result JSON to GENESIS_RESULT when set and
// prints it as the last line of stdout.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { scoreCandidate } = createRequire(import.meta.url)('./score.js');
const candidateFile = process.env.GENESIS_CANDIDATE_FILE || join(here, 'packing.js');

const result = scoreCandidate(readFileSync(candidateFile, 'utf8'));
const json = JSON.stringify(result);
if (process.env.GENESIS_RESULT) writeFileSync(process.env.GENESIS_RESULT, json);
console.log(json);
