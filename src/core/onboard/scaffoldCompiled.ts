// Generated evaluators for compiled languages (Rust, C++, Go): a Python driver that runs the
// selected tests with the workspace's own runner (correctness), then copies a timing harness
// next to the code in the sandbox copy, builds and runs it, and reads the median nanoseconds it
// prints (speed). Both halves are in clearly marked blocks the user edits.
import { generatedHeader, inputComment } from './scaffoldPython';
import type { GeneratedFile, ScaffoldInput } from './scaffoldTypes';
import type { TestRunnerId } from './testRunners';

export interface CompiledTarget {
  /** Rust: the crate name ('-' as '_') and the module path of the file (`` for the crate root). */
  rustCrate?: string;
  rustModulePath?: string;
  /** C++: a header next to the source that declares the function (workspace-relative). */
  cppHeader?: string;
  /** Go: the package clause of the source file. */
  goPackage?: string;
}

interface DriverParts {
  testCommand: string[];
  harnessName: string;
  /** Where the harness goes in the sandbox copy (workspace-relative). */
  harnessTarget: string;
  timingCommand: string[];
  timingPattern: string;
  harness: string;
}

const py = (value: string) => JSON.stringify(value);
const pyList = (values: readonly string[]) => `[${values.map(py).join(', ')}]`;

function dirOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
}

function rustParts(input: ScaffoldInput, target: CompiledTarget): DriverParts {
  const fn = input.functionName;
  const modulePath = target.rustModulePath ? `${target.rustModulePath}::` : '';
  const harness = [
    generatedHeader(input, '//').trimEnd(),
    `// Timing harness: copied to examples/ in the sandbox copy and run with cargo run --example.`,
    `// ${fn} must be \`pub\` and reachable from the crate root.`,
    'use std::hint::black_box;',
    'use std::time::Instant;',
    `use ${target.rustCrate ?? 'my_crate'}::${modulePath}${fn};`,
    '',
    'const CALLS_PER_SAMPLE: u32 = 100;',
    '',
    'fn main() {',
    '    // ---- GENESIS HARNESS INPUTS: edit freely (one timed call) ----',
    ...inputComment(input, '    //'),
    `    let call = || ${fn}(${input.timedCall?.args ?? '/* write the arguments of one call here */'});`,
    '    // ----------------------------------------------------------------',
    '    for _ in 0..3 {',
    '        black_box(call());',
    '    }',
    '    let mut samples: Vec<f64> = (0..9)',
    '        .map(|_| {',
    '            let start = Instant::now();',
    '            for _ in 0..CALLS_PER_SAMPLE {',
    '                black_box(call());',
    '            }',
    '            start.elapsed().as_nanos() as f64 / CALLS_PER_SAMPLE as f64',
    '        })',
    '        .collect();',
    '    samples.sort_by(|a, b| a.total_cmp(b));',
    '    println!("GENESIS_NS {}", samples[samples.len() / 2]);',
    '}',
    '',
  ].join('\n');
  const example = `genesis_timing_${fn}`;
  return {
    testCommand: input.tests.length > 0 ? ['cargo', 'test', '--release', '--offline', '-q', '--', ...input.tests.map((t) => t.name)] : [],
    harnessName: 'timing.rs',
    harnessTarget: `examples/${example}.rs`,
    timingCommand: ['cargo', 'run', '--release', '--offline', '-q', '--example', example],
    timingPattern: 'GENESIS_NS\\s+([0-9.eE+-]+)',
    harness,
  };
}

/** The function's declaration, from its definition's text up to the body. */
export function cppDeclaration(functionText: string): string {
  const head = functionText.slice(0, functionText.indexOf('{') >= 0 ? functionText.indexOf('{') : undefined);
  return `${head.replace(/\s+/g, ' ').trim()};`;
}

function cppParts(input: ScaffoldInput, target: CompiledTarget, runner: TestRunnerId): DriverParts {
  const fn = input.functionName;
  const harness = [
    generatedHeader(input, '//').trimEnd(),
    '// Timing harness: compiled with the candidate source by evaluate.py and run in the sandbox copy.',
    '#include <algorithm>',
    '#include <chrono>',
    '#include <cstdio>',
    '#include <string>',
    '#include <vector>',
    // The harness is built in build-genesis/, one level below the workspace root.
    target.cppHeader ? `#include "../${target.cppHeader}"` : cppDeclaration(input.functionText),
    '',
    '// Keeps a result alive so the optimiser cannot drop the call (GCC and Clang).',
    'template <class T> static void keep(T&& value) { asm volatile("" : : "g"(&value) : "memory"); }',
    '',
    'int main() {',
    '    // ---- GENESIS HARNESS INPUTS: edit freely (one timed call) ----',
    ...inputComment(input, '    //'),
    `    auto call = [] { return ${fn}(${input.timedCall?.args ?? '/* write the arguments of one call here */'}); };`,
    '    // ----------------------------------------------------------------',
    '    const int calls = 100;',
    '    for (int k = 0; k < 3; ++k) keep(call());',
    '    std::vector<double> samples;',
    '    for (int s = 0; s < 9; ++s) {',
    '        auto start = std::chrono::steady_clock::now();',
    '        for (int k = 0; k < calls; ++k) keep(call());',
    '        std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;',
    '        samples.push_back(took.count() / calls);',
    '    }',
    '    std::sort(samples.begin(), samples.end());',
    '    std::printf("GENESIS_NS %f\\n", samples[samples.size() / 2]);',
    '    return 0;',
    '}',
    '',
  ].join('\n');
  const names = input.tests.map((t) => t.name.replace(/[^\w.]/g, ''));
  const build = 'cmake -S . -B build-genesis -DCMAKE_BUILD_TYPE=Release && cmake --build build-genesis -j2';
  const select = runner === 'gtest' || runner === 'ctest' ? ` -R '^(${names.join('|')})$'` : '';
  const sources = /\.(c|cc|cpp|cxx|cu)$/.test(input.sourceFile) ? ` ${input.sourceFile}` : '';
  return {
    testCommand: input.tests.length > 0 ? ['sh', '-c', `${build} && ctest --test-dir build-genesis --output-on-failure${select}`] : [],
    harnessName: 'timing.cpp',
    harnessTarget: `build-genesis/genesis_timing_${fn}.cpp`,
    timingCommand: ['sh', '-c', `g++ -O2 -std=c++17 -o build-genesis/genesis_timing_${fn} build-genesis/genesis_timing_${fn}.cpp${sources} && ./build-genesis/genesis_timing_${fn}`],
    timingPattern: 'GENESIS_NS\\s+([0-9.eE+-]+)',
    harness,
  };
}

function goParts(input: ScaffoldInput, target: CompiledTarget): DriverParts {
  const fn = input.functionName;
  const bench = `BenchmarkGenesis${fn.charAt(0).toUpperCase()}${fn.slice(1)}`;
  const pkgDir = `./${dirOf(input.sourceFile)}`.replace(/^\.\/\.$/, '.');
  const harness = [
    generatedHeader(input, '//').trimEnd(),
    '// Timing harness: copied next to the source in the sandbox copy and run with go test -bench.',
    `package ${target.goPackage ?? 'main'}`,
    '',
    'import "testing"',
    '',
    `func ${bench}(b *testing.B) {`,
    '\t// ---- GENESIS HARNESS INPUTS: edit freely (one timed call) ----',
    ...inputComment(input, '\t//'),
    `\tcall := func() { ${fn}(${input.timedCall?.args ?? '/* write the arguments of one call here */'}) }`,
    '\t// ----------------------------------------------------------------',
    '\tfor i := 0; i < b.N; i++ {',
    '\t\tcall()',
    '\t}',
    '}',
    '',
  ].join('\n');
  return {
    testCommand: input.tests.length > 0 ? ['go', 'test', '-count=1', '-run', `^(${input.tests.map((t) => t.name).join('|')})$`, pkgDir] : [],
    harnessName: 'timing_test.go.txt',
    harnessTarget: `${dirOf(input.sourceFile)}/genesis_timing_${fn}_test.go`.replace(/^\.\//, ''),
    timingCommand: ['go', 'test', '-count=1', '-run', '^$', '-bench', `^${bench}$`, pkgDir],
    timingPattern: '([0-9.]+) ns/op',
    harness,
  };
}

function driver(input: ScaffoldInput, parts: DriverParts): string {
  return `#!/usr/bin/env python3
${generatedHeader(input, '#')}"""Genesis evaluator (contract v1) for ${input.functionName}: runs the existing tests that exercise it with
the workspace's test runner (${input.runnerLabel}), then builds and runs the timing harness next to this file.
score = -(median milliseconds per call) when the tests pass; correct: false when they fail."""
import json
import os
import re
import shutil
import subprocess

WORKDIR = os.environ.get("GENESIS_WORKDIR") or os.getcwd()
HERE = os.path.dirname(os.path.abspath(__file__))
# ---- EDIT 1: the tests, and the timing harness's build-and-run command ------------------------------
${input.tests.length > 0 ? `# The existing tests that exercise ${input.functionName}; add or remove some freely.` : `# No existing test calls ${input.functionName}: add a test command here, or every faster but wrong candidate will win.`}
TEST_COMMAND = ${pyList(parts.testCommand)}
HARNESS = os.path.join(HERE, ${py(parts.harnessName)})
HARNESS_TARGET = os.path.join(WORKDIR, ${py(parts.harnessTarget)})
TIMING_COMMAND = ${pyList(parts.timingCommand)}
TIMING_PATTERN = r"${parts.timingPattern}"
TIMEOUT = 600
# ------------------------------------------------------------------------------------------------------


def tail(text, limit=1500):
    return text if len(text) <= limit else "..." + text[-limit:]


def failure(feedback, metrics=None):
    return {"score": None, "correct": False, "metrics": metrics or {}, "feedback": feedback}


def run(argv):
    try:
        return subprocess.run(argv, cwd=WORKDIR, capture_output=True, text=True, timeout=TIMEOUT), ""
    except FileNotFoundError:
        return None, f"{argv[0]} not found on PATH"
    except subprocess.TimeoutExpired:
        return None, f"{' '.join(argv)} took longer than {TIMEOUT} s"


def evaluate():
    if TEST_COMMAND:
        done, problem = run(TEST_COMMAND)
        if done is None:
            return failure(problem)
        if done.returncode != 0:
            return failure(f"tests failed ({' '.join(TEST_COMMAND)} exited with {done.returncode}):\\n"
                           + tail(done.stdout + done.stderr))
    os.makedirs(os.path.dirname(HARNESS_TARGET), exist_ok=True)
    shutil.copyfile(HARNESS, HARNESS_TARGET)
    done, problem = run(TIMING_COMMAND)
    if done is None:
        return failure(problem)
    found = re.search(TIMING_PATTERN, done.stdout)
    if done.returncode != 0 or not found:
        return failure(f"the timing harness failed (exit {done.returncode}):\\n" + tail(done.stdout + done.stderr))
    median_ms = float(found.group(1)) / 1e6
    return {"score": -median_ms, "correct": True, "metrics": {"median_ms": median_ms},
            "feedback": f"tests passed; median {median_ms:.6f} ms per call"}


def main():
    text = json.dumps(evaluate())
    if os.environ.get("GENESIS_RESULT"):
        with open(os.environ["GENESIS_RESULT"], "w", encoding="utf-8") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
`;
}

/** The driver and the harness for a Rust, C++ or Go function. */
export function compiledEvaluator(input: ScaffoldInput, runner: TestRunnerId, target: CompiledTarget): GeneratedFile[] {
  const parts = runner === 'cargo' ? rustParts(input, target) : runner === 'go' ? goParts(input, target) : cppParts(input, target, runner);
  return [
    { path: `${input.evaluatorDir}/evaluate.py`, content: driver(input, parts) },
    { path: `${input.evaluatorDir}/${parts.harnessName}`, content: parts.harness },
  ];
}
