// Onboarding without an evaluator: runner detection, test selection, harness inputs and the
// generated evaluators, which are run for real (Python and Node always; Rust and C++ when their
// toolchains are on PATH).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isLiteralArgs, literalCallsIn, pickTimedCall } from '../../src/core/onboard/harnessInputs';
import { EVALUATORS_FOLDER, OnboardError, planEvaluator, writeEvaluator, type EvaluatorPlan } from '../../src/core/onboard/index';
import { cppDeclaration } from '../../src/core/onboard/scaffoldCompiled';
import { detectTestRunners } from '../../src/core/onboard/testRunners';
import { testCasesExercising } from '../../src/core/onboard/testSelection';
import { listWorkspaceFiles } from '../../src/core/onboard/workspaceFiles';
import { fillEditBlock, TemplateDriftError } from '../../src/core/onboard/editBlocks';
import { evaluatorScriptMissing, generatedEvaluatorCommand } from '../../src/core/onboard/generatedEvaluator';
import type { LanguageId } from '../../src/core/types';

const repo = join(__dirname, '..', '..');
const TEMPLATES = join(repo, 'evaluators');
const FIXTURES = join(repo, 'test', 'fixtures', 'onboarding');
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A temp workspace with these files (path → content), or a copy of a fixture. */
function workspace(files: Record<string, string> | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'genesis-onboard-'));
  dirs.push(dir);
  if (typeof files === 'string') cpSync(join(FIXTURES, files), dir, { recursive: true });
  else
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
  return dir;
}

async function plan(root: string, file: string, language: LanguageId, functionName: string, functionText = ''): Promise<EvaluatorPlan> {
  return planEvaluator({ workspaceRoot: root, filePath: join(root, file), language, functionName, functionText, templatesDir: TEMPLATES });
}

/** Runs the evaluator command as Genesis would (workspace root, candidate = the file as it is). */
function runEvaluator(root: string, command: string, candidate: string, functionName: string, timeout = 120_000) {
  const r = spawnSync('/bin/sh', ['-c', command], {
    cwd: root, encoding: 'utf8', timeout,
    env: { ...process.env, GENESIS_WORKDIR: root, GENESIS_CANDIDATE_FILE: join(root, candidate), GENESIS_FUNCTION: functionName },
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as { score: number | null; correct: boolean; feedback: string; metrics: Record<string, number> };
  } catch {
    throw new Error(`no result JSON (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
}

describe('test runner detection', () => {
  it('finds several runners in one workspace, each with its evidence', async () => {
    const root = workspace({
      'package.json': JSON.stringify({ devDependencies: { jest: '^29' }, scripts: { test: 'node --test && jest' } }),
      'pytest.ini': '[pytest]\n',
      'Cargo.toml': '[package]\nname = "x"\n',
      'go.mod': 'module x\n',
      'CMakeLists.txt': 'enable_testing()\nfind_package(GTest)\ngtest_discover_tests(t)\n',
    });
    const found = await detectTestRunners(root, await listWorkspaceFiles(root));
    assert.deepEqual(found.map((r) => r.id).sort(), ['cargo', 'ctest', 'go', 'gtest', 'jest', 'node-test', 'pytest']);
    assert.match(found.find((r) => r.id === 'jest')!.evidence, /package\.json/);
  });

  it('finds nothing in an empty workspace and ignores a broken package.json', async () => {
    const root = workspace({ 'package.json': '{ not json', 'README.md': 'hi' });
    assert.deepEqual(await detectTestRunners(root, await listWorkspaceFiles(root)), []);
  });

  it('recognises vitest and node:test from what the test files import, and skips node_modules', async () => {
    const root = workspace({
      'a.test.ts': "import { it } from 'vitest';\n",
      'test/b.test.mjs': "import test from 'node:test';\n",
      'node_modules/x/c.test.js': "import test from 'node:test';\n",
    });
    const files = await listWorkspaceFiles(root);
    assert.ok(!files.some((f) => f.startsWith('node_modules')));
    assert.deepEqual((await detectTestRunners(root, files)).map((r) => r.id).sort(), ['node-test', 'vitest']);
  });
});

describe('test selection', () => {
  it('selects the pytest functions and class methods whose body calls the function, not a longer name', () => {
    const text = [
      'from m import f, f_helper',
      'def test_a():\n    assert f(1) == 2\n',
      'def test_b():\n    assert f_helper(1) == 3\n',
      'class TestF:\n    def test_c(self):\n        assert f(2) == 3\n    def helper(self):\n        pass\n',
      'def other():\n    def test_nested():\n        f(1)\n',
    ].join('\n');
    assert.deepEqual(testCasesExercising('pytest', 't.py', text, 'f').map((c) => c.name), ['test_a', 'TestF::test_c']);
  });

  it('selects JS tests by title, gtest cases as Suite.Name, Go tests and Rust #[test] functions', () => {
    const js = "test('adds', () => { expect(add(1, 2)).toBe(3); });\nit(\"subtracts\", () => sub(1));\n";
    assert.deepEqual(testCasesExercising('jest', 'a.test.js', js, 'add').map((c) => c.name), ['adds']);
    const cpp = 'TEST(Sum, Small) { EXPECT_EQ(sum({1,2}), 3); }\nTEST_F(Fx, Other) { other(); }\n';
    assert.deepEqual(testCasesExercising('gtest', 't_test.cpp', cpp, 'sum').map((c) => c.name), ['Sum.Small']);
    const go = 'func TestSum(t *testing.T) {\n\tif Sum(1, 2) != 3 { t.Fatal() }\n}\nfunc TestX(t *testing.T) {}\n';
    assert.deepEqual(testCasesExercising('go', 's_test.go', go, 'Sum').map((c) => c.name), ['TestSum']);
    const rs = '#[cfg(test)]\nmod tests {\n    #[test]\n    fn sums() { assert_eq!(super::sum(&[1.0]), 1.0); }\n    #[test]\n    fn other() {}\n}\n';
    assert.deepEqual(testCasesExercising('cargo', 'src/lib.rs', rs, 'sum').map((c) => c.name), ['sums']);
  });
});

describe('harness inputs from the tests', () => {
  it('keeps literal-only calls and drops calls with variables, fixtures or keyword arguments', () => {
    const text = 'f([1, 2, 3])\nf(x)\nf(values=[1])\nf([i * 2 for i in range(100)], 3)\nf("a)b")\nobj.f(1)\n';
    const calls = literalCallsIn(text, 't.py', 'f', 'python').map((c) => c.args);
    assert.deepEqual(calls, ['[1, 2, 3]', '[i * 2 for i in range(100)], 3', '"a)b"']);
    assert.equal(pickTimedCall(literalCallsIn(text, 't.py', 'f', 'python'))?.args, '[i * 2 for i in range(100)], 3');
    assert.equal(isLiteralArgs('secret_token()', 'javascript'), false);
    assert.equal(isLiteralArgs('[1e5, -2.5, true]', 'javascript'), true);
    assert.equal(isLiteralArgs('`${process.env.HOME}`', 'javascript'), false);
  });
});

describe('EDIT blocks', () => {
  it('refuses a template whose EDIT block is gone, instead of generating a broken evaluator', () => {
    assert.throws(() => fillEditBlock('# no blocks here\n', 2, 'x'), TemplateDriftError);
  });
});

describe('scaffolding an evaluator', () => {
  it('Python + pytest: selects the three tests of sum_of_squares, times the largest literal call, and the evaluator runs', async () => {
    const root = workspace('python-pytest');
    const p = await plan(root, 'stats.py', 'python', 'sum_of_squares');
    assert.equal(p.runner?.id, 'pytest');
    assert.deepEqual(p.tests.map((t) => `${t.file}::${t.name}`), ['tests/test_stats.py::test_small', 'tests/test_stats.py::test_empty', 'tests/test_stats.py::test_floats']);
    assert.equal(p.command, `python3 ${EVALUATORS_FOLDER}/sum_of_squares/evaluate.py`);
    assert.deepEqual(p.warnings, []);
    const text = p.files[0].content;
    assert.match(text, /GENESIS HARNESS INPUTS/);
    assert.match(text, /return \(\[0\.5, 1\.5, 2\.5, 3\.5, 4\.5, 5\.5, 6\.5, 7\.5\],\)/);
    assert.ok(!text.includes('test_mean'), 'a test that does not call the function is not selected');
    await writeEvaluator(root, p);
    const good = runEvaluator(root, p.command, 'stats.py', 'sum_of_squares');
    assert.equal(good.correct, true, good.feedback);
    assert.ok(typeof good.score === 'number' && good.score < 0);
    assert.match(good.feedback, /tests: 3 passed, 0 failed/);
    // A wrong candidate fails the selected tests.
    writeFileSync(join(root, 'stats.py'), readFileSync(join(root, 'stats.py'), 'utf8').replace('total += v * v', 'total += v'));
    const bad = runEvaluator(root, p.command, 'stats.py', 'sum_of_squares');
    assert.equal(bad.correct, false);
    assert.match(bad.feedback, /test_small/);
  });

  it('Node + node:test: selects tests by title, and the evaluator runs only those', async () => {
    const root = workspace('node-test');
    const p = await plan(root, 'src/stats.js', 'javascript', 'sumOfSquares');
    assert.equal(p.runner?.id, 'node-test');
    assert.deepEqual(p.tests.map((t) => t.name), ['small list', 'empty list', 'floats']);
    assert.equal(p.command, `node ${EVALUATORS_FOLDER}/sumOfSquares/evaluate.mjs`);
    await writeEvaluator(root, p);
    const good = runEvaluator(root, p.command, 'src/stats.js', 'sumOfSquares');
    assert.equal(good.correct, true, good.feedback);
    assert.match(good.feedback, /tests: 3 passed, 0 failed/);
    writeFileSync(join(root, 'src/stats.js'), readFileSync(join(root, 'src/stats.js'), 'utf8').replace('total += v * v', 'total += v'));
    assert.equal(runEvaluator(root, p.command, 'src/stats.js', 'sumOfSquares').correct, false);
  });

  it('Node: a sub-microsecond function is timed in CPU time over samples of milliseconds, so a faster candidate scores higher', async () => {
    // Timing 100 calls (60 µs) of wall time scored the host's load, not the code: on a busy machine
    // candidates with fewer rounds scored up to 10x worse than the original.
    const root = workspace('node-test');
    const p = await plan(root, 'src/stats.js', 'javascript', 'sumOfSquares');
    await writeEvaluator(root, p);
    const source = readFileSync(join(root, 'src/stats.js'), 'utf8');
    writeFileSync(join(root, 'src/fast.js'), source.replace('round < 30', 'round < 3'));
    const original = runEvaluator(root, p.command, 'src/stats.js', 'sumOfSquares');
    const fast = runEvaluator(root, p.command, 'src/fast.js', 'sumOfSquares');
    for (const r of [original, fast]) {
      assert.equal(r.correct, true, r.feedback);
      assert.ok(r.metrics.calls_per_sample * r.metrics.median_ms >= 2, `one sample lasts milliseconds: ${JSON.stringify(r.metrics)}`);
    }
    assert.ok(fast.score! > original.score!, `fast ${fast.score} beats original ${original.score}`);
  });

  it('jest: the evaluator runs jest with the selected titles instead of node --test', async () => {
    const root = workspace({
      'package.json': JSON.stringify({ devDependencies: { jest: '^29' } }),
      'sum.js': 'export function sum(a, b) { return a + b; }\n',
      'sum.test.js': "test('adds', () => { expect(sum(1, 2)).toBe(3); });\n",
    });
    const p = await plan(root, 'sum.js', 'javascript', 'sum');
    assert.equal(p.runner?.id, 'jest');
    assert.match(p.files[0].content, /const TEST_COMMAND = \["npx","--no-install","jest","--ci","-t","\^\(adds\)\$","sum\.test\.js"\];/);
  });

  it('a workspace with no tests still gets an evaluator, with warnings that say what is missing', async () => {
    const root = workspace({ 'm.py': 'def f(x):\n    return x\n' });
    const p = await plan(root, 'm.py', 'python', 'f');
    assert.equal(p.runner, undefined);
    assert.equal(p.tests.length, 0);
    assert.ok(p.warnings.some((w) => /No existing test exercises f/.test(w)));
    assert.ok(p.warnings.some((w) => /GENESIS HARNESS INPUTS/.test(w)));
    await writeEvaluator(root, p);
    const r = runEvaluator(root, p.command, 'm.py', 'f');
    assert.equal(r.correct, false);
    assert.match(r.feedback, /write the arguments of one timed call of f here/);
  });

  it('refuses to overwrite an evaluator the user already has, and writes nothing', async () => {
    const root = workspace('python-pytest');
    const p = await plan(root, 'stats.py', 'python', 'sum_of_squares');
    await writeEvaluator(root, p);
    writeFileSync(join(root, p.evaluatorFile), '# mine\n');
    await assert.rejects(writeEvaluator(root, p), (e: unknown) => e instanceof OnboardError && /already exists/.test(e.message));
    assert.equal(readFileSync(join(root, p.evaluatorFile), 'utf8'), '# mine\n');
  });

  it('refuses a file outside the workspace', async () => {
    const root = workspace({ 'a.py': '' });
    await assert.rejects(planEvaluator({ workspaceRoot: join(root, 'sub'), filePath: join(root, 'a.py'), language: 'python', functionName: 'f', functionText: '', templatesDir: TEMPLATES }), OnboardError);
  });

  it('Go: a go test -run selection and a benchmark harness in the source package', async () => {
    const root = workspace({
      'go.mod': 'module example.com/m\n',
      'mathx/sum.go': 'package mathx\n\nfunc Sum(xs []int) int { t := 0; for _, x := range xs { t += x }; return t }\n',
      'mathx/sum_test.go': 'package mathx\n\nimport "testing"\n\nfunc TestSum(t *testing.T) {\n\tif Sum([]int{1, 2, 3}) != 6 {\n\t\tt.Fatal("bad")\n\t}\n}\n',
    });
    const p = await plan(root, 'mathx/sum.go', 'go', 'Sum');
    assert.equal(p.runner?.id, 'go');
    const driver = p.files[0].content;
    assert.match(driver, /TEST_COMMAND = \["go", "test", "-count=1", "-run", "\^\(TestSum\)\$", "\.\/mathx"\]/);
    assert.match(driver, /HARNESS_TARGET = os\.path\.join\(WORKDIR, "mathx\/genesis_timing_Sum_test\.go"\)/);
    const harness = p.files[1].content;
    assert.match(harness, /^package mathx$/m);
    assert.match(harness, /call := func\(\) \{ Sum\(\[\]int\{1, 2, 3\}\) \}/);
    assert.match(harness, /func BenchmarkGenesisSum\(b \*testing\.B\)/);
  });

  const hasTool = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

  it('Rust + cargo test: selects the #[test] that calls the function, and the evaluator builds, tests and times it', { skip: !hasTool('cargo') && 'cargo is not on PATH' }, async () => {
    const root = workspace({
      'Cargo.toml': '[package]\nname = "sum-sq"\nversion = "0.1.0"\nedition = "2021"\n',
      'src/lib.rs': 'pub fn sum_sq(xs: &[f64]) -> f64 {\n    xs.iter().map(|x| x * x).sum()\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn small() {\n        assert_eq!(sum_sq(&[1.0, 2.0, 3.0]), 14.0);\n    }\n    #[test]\n    fn unrelated() {}\n}\n',
    });
    const p = await plan(root, 'src/lib.rs', 'rust', 'sum_sq');
    assert.equal(p.runner?.id, 'cargo');
    assert.deepEqual(p.tests.map((t) => t.name), ['small']);
    assert.match(p.files[1].content, /use sum_sq::sum_sq;/);
    assert.match(p.files[1].content, /let call = \|\| sum_sq\(&\[1\.0, 2\.0, 3\.0\]\);/);
    await writeEvaluator(root, p);
    const good = runEvaluator(root, p.command, 'src/lib.rs', 'sum_sq', 300_000);
    assert.equal(good.correct, true, good.feedback);
    assert.ok(typeof good.score === 'number' && good.score < 0);
    writeFileSync(join(root, 'src/lib.rs'), readFileSync(join(root, 'src/lib.rs'), 'utf8').replace('x * x', 'x * 2.0'));
    const bad = runEvaluator(root, p.command, 'src/lib.rs', 'sum_sq', 300_000);
    assert.equal(bad.correct, false);
    assert.match(bad.feedback, /tests failed/);
  });

  it('C++: GoogleTest cases become a ctest -R selection; the timing harness builds with the header and runs', { skip: !hasTool('g++') && 'g++ is not on PATH' }, async () => {
    const root = workspace({
      'CMakeLists.txt': 'cmake_minimum_required(VERSION 3.14)\nproject(s CXX)\nenable_testing()\nfind_package(GTest REQUIRED)\nadd_executable(sum_test tests/sum_test.cpp sum.cpp)\ngtest_discover_tests(sum_test)\n',
      'sum.hpp': '#pragma once\n#include <vector>\ndouble sum_sq(const std::vector<double>& xs);\n',
      'sum.cpp': '#include "sum.hpp"\ndouble sum_sq(const std::vector<double>& xs) {\n    double t = 0;\n    for (double x : xs) t += x * x;\n    return t;\n}\n',
      'tests/sum_test.cpp': '#include <gtest/gtest.h>\n#include "../sum.hpp"\nTEST(SumSq, Small) { EXPECT_EQ(sum_sq({1.0, 2.0, 3.0}), 14.0); }\nTEST(Other, Thing) { EXPECT_TRUE(true); }\n',
    });
    const p = await plan(root, 'sum.cpp', 'cpp', 'sum_sq', 'double sum_sq(const std::vector<double>& xs) {\n  return 0;\n}');
    assert.equal(p.runner?.id, 'gtest');
    assert.deepEqual(p.tests.map((t) => t.name), ['SumSq.Small']);
    assert.match(p.files[0].content, /ctest --test-dir build-genesis --output-on-failure -R '\^\(SumSq\.Small\)\$'/);
    assert.match(p.files[1].content, /#include "\.\.\/sum\.hpp"/);
    assert.match(p.files[1].content, /return sum_sq\(\{1\.0, 2\.0, 3\.0\}\);/);
    // No GoogleTest here: run the timing half alone (the test command emptied, as a user may do).
    await writeEvaluator(root, p);
    const driver = join(root, p.evaluatorFile);
    writeFileSync(driver, readFileSync(driver, 'utf8').replace(/^TEST_COMMAND = .*$/m, 'TEST_COMMAND = []'));
    const timed = runEvaluator(root, p.command, 'sum.cpp', 'sum_sq');
    assert.equal(timed.correct, true, timed.feedback);
    assert.ok(typeof timed.score === 'number' && timed.score < 0);
  });

  it('C++: the declaration comes from the definition when there is no header', () => {
    assert.equal(cppDeclaration('double sum(const std::vector<double>& xs) {\n  return 0;\n}'), 'double sum(const std::vector<double>& xs);');
  });
});

describe('is there an evaluator?', () => {
  it('the default command with no evaluate.py is missing; a present script, a script-less command or a generated one is not', async () => {
    const root = workspace({ 'stats.py': '' });
    assert.equal(evaluatorScriptMissing(root, 'python3 evaluate.py'), true);
    assert.equal(evaluatorScriptMissing(root, 'make eval'), false);
    assert.equal(evaluatorScriptMissing(root, 'python3 stats.py'), false);
    assert.equal(generatedEvaluatorCommand(root, 'sum_of_squares'), undefined);
    mkdirSync(join(root, EVALUATORS_FOLDER, 'sum_of_squares'), { recursive: true });
    writeFileSync(join(root, EVALUATORS_FOLDER, 'sum_of_squares', 'evaluate.py'), '');
    assert.equal(generatedEvaluatorCommand(root, 'sum_of_squares'), `python3 ${EVALUATORS_FOLDER}/sum_of_squares/evaluate.py`);
    assert.equal(evaluatorScriptMissing(root, `python3 ${EVALUATORS_FOLDER}/sum_of_squares/evaluate.py`), false);
  });
});
