// The worked examples under evaluators/ evaluate for real through LocalEvaluator: the original
// file passes with a finite score, a broken candidate fails with a clear reason. A language whose
// toolchain is missing here is skipped with a message naming it.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { LocalEvaluator } from '../../src/core/evaluate/localEvaluator';
import type { EvaluationResult, LanguageId } from '../../src/core/types';

const execFileAsync = promisify(execFile);
const EVALUATORS = join(__dirname, '..', '..', 'evaluators');

/** Why a tool cannot be used here, or undefined when `tool args` runs. */
function missing(tool: string, args: string[] = ['--version']): string | undefined {
  const probe = spawnSync(tool, args, { stdio: 'ignore', timeout: 20_000 });
  if (probe.error) return `${tool} is not available here (${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message})`;
  return probe.status === 0 ? undefined : `${tool} ${args.join(' ')} exited with ${probe.status}`;
}

const python = missing('python3');
const evaluators: LocalEvaluator[] = [];
after(async () => {
  await Promise.all(evaluators.map((e) => e.dispose()));
});

interface Example {
  folder: string;
  command: string;
  relativePath: string;
  functionName: string;
  language: LanguageId;
  env?: Record<string, string>;
}

let counter = 0;
async function evaluate(example: Example, candidateText?: string): Promise<EvaluationResult> {
  const workspaceRoot = join(EVALUATORS, example.folder);
  const evaluator = new LocalEvaluator({ workspaceRoot, command: example.command, timeoutSec: 120, env: example.env });
  evaluators.push(evaluator);
  return evaluator.evaluate(
    {
      candidateFileText: candidateText ?? readFileSync(join(workspaceRoot, example.relativePath), 'utf8'),
      relativePath: example.relativePath,
      functionName: example.functionName,
      language: example.language,
      evaluationId: `templates-${++counter}`,
    },
    new AbortController().signal,
  );
}

function original(example: Example): string {
  return readFileSync(join(EVALUATORS, example.folder, example.relativePath), 'utf8');
}

function assertPasses(result: EvaluationResult): void {
  assert.equal(result.status, 'ok', `expected ok, got ${result.status}: ${result.reason}\n${result.feedback}`);
  assert.equal(result.correct, true);
  assert.ok(typeof result.score === 'number' && Number.isFinite(result.score), `score ${result.score}`);
}

function assertFails(result: EvaluationResult, reason: RegExp): void {
  assert.notEqual(result.status, 'ok', `a broken candidate passed: ${result.feedback}`);
  assert.equal(result.correct, false);
  assert.equal(result.score, null);
  assert.match(`${result.reason}\n${result.feedback}`, reason);
}

describe('node template example (approxSin)', () => {
  const example: Example = {
    folder: 'node/example',
    command: 'node evaluate.mjs',
    relativePath: 'approx.js',
    functionName: 'approxSin',
    language: 'javascript',
  };

  it('scores the original by its max error, with the time as a metric', async () => {
    const result = await evaluate(example);
    assertPasses(result);
    assert.ok(result.score! < 0 && result.score! > -0.1, `score ${result.score}`);
    assert.equal(result.metrics.tests_passed, 4);
    assert.ok(result.metrics.ns_per_call > 0);
  });

  it('names the failing test of a worse candidate', async () => {
    const result = await evaluate(example, original(example).replace('0.16', '0.5'));
    assertFails(result, /FAILED testCloseToSinOnInterval: AssertionError: max abs error/);
  });

  it('reports a syntax error', async () => {
    const result = await evaluate(example, original(example).replace('x2 * (0.16', 'x2 *+* (0.16'));
    assertFails(result, /candidate does not load: SyntaxError/);
  });
});

describe('rust template example (isqrt)', { skip: python ?? missing('cargo') }, () => {
  const example: Example = {
    folder: 'rust/example',
    command: 'python3 evaluate.py',
    relativePath: 'src/lib.rs',
    functionName: 'isqrt',
    language: 'rust',
  };

  it('builds with cargo --release, checks and times the original', async () => {
    const result = await evaluate(example);
    assertPasses(result);
    assert.ok(result.metrics.ns_per_call > 0 && Math.abs(result.score! + result.metrics.ns_per_call) < 0.01, JSON.stringify(result));
    assert.ok(result.metrics.cases > 20_000);
    // The build happened in the copy, not in the example folder.
    assert.equal(existsSync(join(EVALUATORS, 'rust/example/target')), false);
  });

  it('reports a compile error with the file and line', async () => {
    const result = await evaluate(example, original(example).replace('let y = (x + n / x) / 2;', 'let y = (x + n / x) / 2 + "a";'));
    assertFails(result, /compile error \(cargo build --release\):\nsrc\/lib\.rs:\d+:\d+: error/);
  });

  it('reports wrong results', async () => {
    const result = await evaluate(example, original(example).replace('return x;', 'return x + (n % 7 == 3) as u64;'));
    assertFails(result, /wrong results \(first \d\):\nisqrt\(3\) returned 2/);
  });
});

describe('cpp template example (blocked transpose)', { skip: python ?? missing('g++') }, () => {
  const example: Example = {
    folder: 'cpp/example',
    command: 'python3 evaluate.py',
    relativePath: 'transpose.cpp',
    functionName: 'transpose',
    language: 'cpp',
  };

  it('compiles with g++ -O2, checks and times the original', async () => {
    const result = await evaluate(example);
    assertPasses(result);
    assert.ok(result.metrics.median_ms > 0 && result.score === -result.metrics.median_ms, JSON.stringify(result.metrics));
  });

  it('reports a compile error', async () => {
    const result = await evaluate(example, original(example).replace('const int block = 4;', 'const int block = 4'));
    assertFails(result, /compile error \(g\+\+ -O2 \.\.\.\):\n.*transpose\.cpp:\d+:\d+: error/);
  });

  it('catches a write outside the output', async () => {
    const result = await evaluate(example, original(example).replace('out[j * n + i] =', 'out[j * n + i + 1] ='));
    assertFails(result, /wrong results:\nn=1: wrote outside the output/);
  });
});

describe('cuda template example (GPU sum)', { skip: python }, () => {
  const example: Example = {
    folder: 'cuda/example',
    command: 'python3 evaluate.py',
    relativePath: 'reduce.cu',
    functionName: 'gpuSum',
    language: 'cpp',
  };
  const noGpu = missing('nvidia-smi', ['-L']);
  const noNvcc = missing('nvcc');

  it('without a GPU, says so and why', { skip: noGpu ? false : 'a GPU is present here' }, async () => {
    const result = await evaluate(example);
    assertFails(result, /no GPU here: nvidia-smi (not found|-L).*; run this evaluator on a GPU runner \(SSH or Slurm\)/);
    assert.equal(result.status, 'incorrect');
  });

  it('with a GPU, checks and times the original', { skip: noGpu ?? noNvcc ?? false }, async () => {
    const result = await evaluate(example);
    assertPasses(result);
    assert.ok(result.metrics.median_us > 0);
  });

  it('--dry-run prints the nvcc command line', async () => {
    const folder = join(EVALUATORS, example.folder);
    const { stdout } = await execFileAsync('python3', ['evaluate.py', '--dry-run'], {
      cwd: folder,
      env: { ...process.env, GENESIS_CUDA_ARCH: 'sm_90' },
    });
    assert.match(stdout.trim(), /^\S*nvcc -O3 -std=c\+\+17 -arch=sm_90 -I \S+ -o '<build-dir>\/genesis_eval' \S+\/harness\.cu \S+\/reduce\.cu$/);
    const byEnv = await execFileAsync('python3', ['evaluate.py'], { cwd: folder, env: { ...process.env, GENESIS_DRY_RUN: '1' } });
    assert.match(byEnv.stdout, /nvcc .*-arch=sm_\d+ /);
  });

  it('compile-only builds the example with nvcc and reports a compile error', { skip: noNvcc ?? false }, async () => {
    const compileOnly = { ...example, env: { GENESIS_CUDA_COMPILE_ONLY: '1' } };
    const built = await evaluate(compileOnly);
    assertFails(built, /compile-only: nvcc built it in \d+ ms; not run, so no score/);
    const broken = await evaluate(compileOnly, original(example).replace('const int blocks = 64;', 'const int blocks = 64'));
    assertFails(broken, /compile error \(.*-arch=sm_\d+ \.\.\.\):\n.*reduce\.cu\(\d+\): error/);
  });
});

// The examples are their template copied and its marked EDIT block filled in: nothing else may
// drift apart (the harness code is written twice on purpose, so that each folder works alone).
describe('examples match their templates outside the EDIT block', () => {
  /** The file's lines with the `# ---- EDIT ...` block (up to the next `# ----` rule) cut out. */
  const outsideEditBlock = (path: string): string[] => {
    const lines = readFileSync(path, 'utf8').split('\n');
    const start = lines.findIndex((line) => line.startsWith('# ---- EDIT'));
    const end = lines.findIndex((line, i) => i > start && line.startsWith('# ----'));
    assert.ok(start >= 0 && end > start, `${path} has no EDIT block`);
    return [...lines.slice(0, start), ...lines.slice(end + 1)];
  };
  for (const language of ['cpp', 'rust', 'cuda']) {
    it(`${language}/example/evaluate.py`, () => {
      assert.deepEqual(
        outsideEditBlock(join(EVALUATORS, language, 'example', 'evaluate.py')),
        outsideEditBlock(join(EVALUATORS, language, 'template', 'evaluate.py')),
      );
    });
  }
});
