// `genesis init` and `genesis evolve --apply` as a user runs them: a real CLI process on a copy
// of the pytest fixture workspace (no evaluator until init writes one).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';

const repo = join(__dirname, '..', '..');
const cli = join(repo, 'src', 'cli', 'main.ts');
const tsxLoader = pathToFileURL(join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const EVALUATOR = 'genesis-evaluators/sum_of_squares/evaluate.py';
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'genesis-cli-onboard-'));
  dirs.push(dir);
  cpSync(join(repo, 'test', 'fixtures', 'onboarding', 'python-pytest'), dir, { recursive: true });
  return dir;
}

function genesis(cwd: string, args: string[]) {
  const result = spawnSync(process.execPath, ['--import', tsxLoader, cli, ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('genesis init', () => {
  it('writes an evaluator from the pytest tests, refuses to overwrite it, and --force replaces it', () => {
    const ws = workspace();
    const first = genesis(ws, ['init', '--function', 'sum_of_squares', 'stats.py', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout) as { command: string; runner: string; tests: string[]; timedCall: string; warnings: string[] };
    assert.equal(report.command, `python3 ${EVALUATOR}`);
    assert.equal(report.runner, 'pytest');
    assert.deepEqual(report.tests, ['tests/test_stats.py::test_small', 'tests/test_stats.py::test_empty', 'tests/test_stats.py::test_floats']);
    assert.equal(report.timedCall, '[0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]');
    assert.deepEqual(report.warnings, []);
    assert.ok(existsSync(join(ws, EVALUATOR)));

    writeFileSync(join(ws, EVALUATOR), '# edited by hand\n');
    const again = genesis(ws, ['init', '--function', 'sum_of_squares', 'stats.py']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists/);
    assert.equal(readFileSync(join(ws, EVALUATOR), 'utf8'), '# edited by hand\n');
    assert.equal(genesis(ws, ['init', '--function', 'sum_of_squares', 'stats.py', '--force']).code, 0);
    assert.match(readFileSync(join(ws, EVALUATOR), 'utf8'), /GENESIS HARNESS INPUTS/);
  });

  it('says which functions exist when the name is not found, and writes nothing', () => {
    const ws = workspace();
    const r = genesis(ws, ['init', '--function', 'sum_of_cubes', 'stats.py']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no function "sum_of_cubes" in .*stats\.py \(functions there: sum_of_squares, mean\)/);
    assert.ok(!existsSync(join(ws, 'genesis-evaluators')));
  });

  it('evolve without --evaluator points at init when there is no generated evaluator', () => {
    const ws = workspace();
    const r = genesis(ws, ['evolve', 'stats.py', '--function', 'sum_of_squares']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /genesis init --function NAME stats\.py/);
  });
});

describe('genesis evolve --apply', () => {
  it('uses the generated evaluator, improves sum_of_squares and writes the best candidate into the file', () => {
    const ws = workspace();
    assert.equal(genesis(ws, ['init', '--function', 'sum_of_squares', 'stats.py']).code, 0);
    const before = readFileSync(join(ws, 'stats.py'), 'utf8');
    const r = genesis(ws, ['evolve', 'stats.py', '--function', 'sum_of_squares', '--budget', '12', '--json', '--apply']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /using the generated evaluator: python3 genesis-evaluators\/sum_of_squares\/evaluate\.py/);
    const summary = JSON.parse(r.stdout) as { improved: boolean; bestCode: string; baselineScore: number; bestScore: number };
    assert.ok(summary.improved, `best ${summary.bestScore} beats baseline ${summary.baselineScore}`);
    assert.match(r.stderr, /genesis: applied node \d+ to sum_of_squares/);
    const after = readFileSync(join(ws, 'stats.py'), 'utf8');
    assert.notEqual(after, before);
    assert.ok(after.includes(summary.bestCode), 'the file holds the best candidate');
    assert.ok(after.includes('def mean(values):'), 'the rest of the file is untouched');
  });

  it('refuses, with exit code 3 and a clear message, when the function changed during the run', async () => {
    const ws = workspace();
    // A slow evaluator (time to edit the function during the run) whose score is fewer rounds:
    // deterministic, so the run surely has a better candidate to apply.
    writeFileSync(join(ws, 'rounds.py'), [
      'import json, os, re, time',
      'time.sleep(1)',
      'rounds = int(re.search(r"range\\((\\d+)\\)", open(os.environ["GENESIS_CANDIDATE_FILE"]).read()).group(1))',
      'print(json.dumps({"score": -rounds, "correct": rounds > 0}))',
      '',
    ].join('\n'));
    const child = spawn(process.execPath, [
      '--import', tsxLoader, cli, 'evolve', 'stats.py', '--function', 'sum_of_squares', '--budget', '6', '--apply',
      '--evaluator', 'python3 rounds.py',
    ], { cwd: ws });
    let stderr = '';
    let edited = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!edited && /\[1\/6\]/.test(stderr)) {
        edited = readFileSync(join(ws, 'stats.py'), 'utf8').replace('"""The sum of the squares of values."""', '"""Edited while Genesis ran."""');
        writeFileSync(join(ws, 'stats.py'), edited);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.ok(edited, `the run reported its first evaluation:\n${stderr}`);
    assert.equal(code, 3, stderr);
    assert.match(stderr, /not applied: sum_of_squares in .*stats\.py changed since the run started/);
    assert.equal(readFileSync(join(ws, 'stats.py'), 'utf8'), edited, "the user's edit is kept");
  });
});
