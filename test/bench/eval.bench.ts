// Evaluation throughput of LocalEvaluator against spawning the same command directly.
// Run: node --import tsx test/bench/eval.bench.ts [--quick]
//
// What is compared, at equal parallelism (P workers pulling from one queue):
//   pool   — LocalEvaluator.evaluate(): per evaluation a full copy of the (tiny) workspace base,
//            the candidate written, /bin/sh -c with the ulimit line through execa in its own process
//            group, the result read from stdout and validated, the copy removed. The one-off base
//            copy (prepare) is done before timing.
//   direct — child_process.spawn('/bin/sh', ['-c', COMMAND]) with the same environment, stdout
//            collected and its last line JSON-parsed. No work dir, no copy, no limits: the floor.
// So ratio = pool ÷ direct is the share of the raw spawn rate that LocalEvaluator keeps, with
// every cost of its isolation counted. Figures are medians over repeats, modes interleaved.
// The sandbox is off ('none') for pool vs direct; bubblewrap is measured on its own (bwrap vs none,
// one evaluation at a time) as milliseconds added per evaluation.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectBubblewrap } from '../../src/core/evaluate/bubblewrap';
import { LocalEvaluator, type SandboxPreference } from '../../src/core/evaluate/localEvaluator';
import { runCommand } from '../../src/core/evaluate/processRunner';
import { SandboxCopy } from '../../src/core/evaluate/sandboxCopy';

const QUICK = process.argv.includes('--quick');
const REPEATS = QUICK ? 3 : 5;
const TRIVIAL = `echo '{"score":1}'`;
const SLEEPY = `sleep 0.05; echo '{"score":1}'`;
const CORES = availableParallelism();
const DEFAULT_PARALLELISM = Math.max(1, CORES - 1);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `count` jobs with `parallelism` workers; returns jobs per second. */
async function throughput(count: number, parallelism: number, job: (k: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallelism }, async () => {
      while (next < count) await job(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

function makeWorkspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'genesis-bench-ws-'));
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'src', 'candidate.py'), 'def f(x):\n    return x + 1\n');
  writeFileSync(join(root, 'README.md'), 'bench workspace\n');
  return root;
}

function directEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  return env;
}

/** The floor: spawn /bin/sh -c COMMAND, read stdout, parse its last line. */
function spawnDirect(command: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      const parsed = JSON.parse(last) as { score?: unknown };
      if (code !== 0 || parsed.score !== 1) reject(new Error(`direct run failed: exit ${code}, ${last}`));
      else resolve();
    });
  });
}

let evaluationCounter = 0;
function poolJob(evaluator: LocalEvaluator): () => Promise<void> {
  return async () => {
    const result = await evaluator.evaluate(
      {
        candidateFileText: 'def f(x):\n    return x + 2\n',
        relativePath: 'src/candidate.py',
        functionName: 'f',
        language: 'python',
        evaluationId: `bench-${++evaluationCounter}`,
      },
      new AbortController().signal,
    );
    if (result.status !== 'ok') throw new Error(`pool evaluation failed: ${result.reason}`);
  };
}

async function makeEvaluator(workspaceRoot: string, command: string, sandbox: SandboxPreference): Promise<LocalEvaluator> {
  const evaluator = new LocalEvaluator({ workspaceRoot, command, sandbox, timeoutSec: 30 });
  await evaluator.prepare();
  return evaluator;
}

interface PairFigures {
  parallelism: number;
  evaluations: number;
  poolEvalsPerSec: number;
  directEvalsPerSec: number;
  ratio: number;
}

/** Pool vs direct for one command and parallelism, repeats interleaved. */
async function comparePair(workspace: string, command: string, parallelism: number, evaluations: number): Promise<PairFigures> {
  const evaluator = await makeEvaluator(workspace, command, 'none');
  const env = directEnv();
  const pool = poolJob(evaluator);
  const direct = () => spawnDirect(command, env);
  // Warm-up: execa's import, the file system cache, V8's JIT.
  await throughput(Math.min(evaluations, 10), parallelism, pool);
  await throughput(Math.min(evaluations, 10), parallelism, direct);
  const poolRates: number[] = [];
  const directRates: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    poolRates.push(await throughput(evaluations, parallelism, pool));
    directRates.push(await throughput(evaluations, parallelism, direct));
  }
  await evaluator.dispose();
  const poolEvalsPerSec = median(poolRates);
  const directEvalsPerSec = median(directRates);
  return { parallelism, evaluations, poolEvalsPerSec, directEvalsPerSec, ratio: poolEvalsPerSec / directEvalsPerSec };
}

/** Milliseconds per step of one LocalEvaluator evaluation, measured one at a time (where the time goes). */
async function breakdown(workspace: string, count: number): Promise<Record<string, number>> {
  const { copy } = await SandboxCopy.create({ workspaceRoot: workspace });
  const env = directEnv();
  const copyMs: number[] = [];
  const removeMs: number[] = [];
  const runMs: number[] = [];
  const runNoUlimitMs: number[] = [];
  const directMs: number[] = [];
  for (let k = 0; k < count; k++) {
    let t = performance.now();
    const dir = await copy.createEvaluationDir(`bd-${k}`, 'src/candidate.py', 'def f(x):\n    return x\n');
    copyMs.push(performance.now() - t);
    t = performance.now();
    await runCommand({ command: TRIVIAL, cwd: dir.workDir, env, timeoutMs: 30_000, memoryMb: 2048 });
    runMs.push(performance.now() - t);
    t = performance.now();
    await runCommand({ command: TRIVIAL, cwd: dir.workDir, env, timeoutMs: 30_000, memoryMb: 0 });
    runNoUlimitMs.push(performance.now() - t);
    t = performance.now();
    await copy.removeEvaluationDir(dir);
    removeMs.push(performance.now() - t);
    t = performance.now();
    await spawnDirect(TRIVIAL, env);
    directMs.push(performance.now() - t);
  }
  await copy.dispose();
  const round = (values: number[]) => Number(median(values.slice(3)).toFixed(3)); // first 3: warm-up
  return {
    workDirCopyMs: round(copyMs),
    workDirRemoveMs: round(removeMs),
    runCommandMs: round(runMs),
    runCommandNoUlimitMs: round(runNoUlimitMs),
    directSpawnMs: round(directMs),
  };
}

/** Milliseconds bubblewrap adds to one evaluation (trivial evaluator, one at a time). */
async function bwrapOverhead(workspace: string, count: number): Promise<{ bwrapMs: number; noneMs: number } | { skipped: string }> {
  const probe = await detectBubblewrap();
  if (!probe.usable) return { skipped: probe.problem ?? 'bubblewrap is not usable here' };
  const sandboxed = await makeEvaluator(workspace, TRIVIAL, 'bwrap');
  const plain = await makeEvaluator(workspace, TRIVIAL, 'none');
  if (sandboxed.sandboxMode !== 'bwrap') throw new Error('the bwrap evaluator is not sandboxed');
  const bwrapRates: number[] = [];
  const noneRates: number[] = [];
  await throughput(5, 1, poolJob(sandboxed));
  await throughput(5, 1, poolJob(plain));
  for (let r = 0; r < REPEATS; r++) {
    bwrapRates.push(await throughput(count, 1, poolJob(sandboxed)));
    noneRates.push(await throughput(count, 1, poolJob(plain)));
  }
  await sandboxed.dispose();
  await plain.dispose();
  return { bwrapMs: 1000 / median(bwrapRates), noneMs: 1000 / median(noneRates) };
}

const fixed = (value: number, digits = 1) => Number(value.toFixed(digits));

async function main(): Promise<void> {
  const workspace = makeWorkspace();
  try {
    const trivialCount = QUICK ? 60 : 200;
    const parallelisms = [...new Set([DEFAULT_PARALLELISM, 2])];
    const trivial: PairFigures[] = [];
    const sleepy: PairFigures[] = [];
    for (const p of parallelisms) trivial.push(await comparePair(workspace, TRIVIAL, p, trivialCount));
    for (const p of parallelisms) sleepy.push(await comparePair(workspace, SLEEPY, p, QUICK ? 10 * p : 20 * p));
    const steps = await breakdown(workspace, QUICK ? 20 : 60);
    const bwrap = await bwrapOverhead(workspace, QUICK ? 20 : 50);

    const equal = trivial[0];
    const equalSleepy = sleepy[0];
    const results = {
      machine: { cores: CORES, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform },
      method:
        'pool = LocalEvaluator.evaluate (sandbox none; per-evaluation work-dir copy + execa + ulimit + result parse + cleanup, ' +
        'base copy excluded); direct = child_process.spawn /bin/sh -c with stdout parsed, no work dir. ' +
        `Equal parallelism, medians of ${REPEATS} interleaved repeats.`,
      parallelism: equal.parallelism,
      ratio: fixed(equal.ratio, 3),
      poolEvalsPerSec: fixed(equal.poolEvalsPerSec),
      directEvalsPerSec: fixed(equal.directEvalsPerSec),
      sleep50ms: {
        parallelism: equalSleepy.parallelism,
        ratio: fixed(equalSleepy.ratio, 3),
        poolEvalsPerSec: fixed(equalSleepy.poolEvalsPerSec, 2),
        directEvalsPerSec: fixed(equalSleepy.directEvalsPerSec, 2),
      },
      byParallelism: {
        trivial: trivial.map((f) => ({ ...f, poolEvalsPerSec: fixed(f.poolEvalsPerSec), directEvalsPerSec: fixed(f.directEvalsPerSec), ratio: fixed(f.ratio, 3) })),
        sleep50ms: sleepy.map((f) => ({ ...f, poolEvalsPerSec: fixed(f.poolEvalsPerSec, 2), directEvalsPerSec: fixed(f.directEvalsPerSec, 2), ratio: fixed(f.ratio, 3) })),
      },
      bwrapOverheadMs: 'skipped' in bwrap ? null : fixed(bwrap.bwrapMs - bwrap.noneMs, 2),
      bwrap: 'skipped' in bwrap ? bwrap : { perEvalMsBwrap: fixed(bwrap.bwrapMs, 2), perEvalMsNone: fixed(bwrap.noneMs, 2) },
      stepsMs: steps,
      targets: {
        ratioAtLeast: 0.9,
        trivialEvalsPerSecAtLeast: 200,
        ratioMet: equal.ratio >= 0.9,
        rateMet: equal.poolEvalsPerSec >= 200,
      },
    };

    const rows: [string, string, string, string, string][] = [['evaluator', 'parallelism', 'pool evals/s', 'direct evals/s', 'ratio']];
    for (const [label, figures] of [['trivial', trivial], ['sleep 50 ms', sleepy]] as const) {
      for (const f of figures) {
        rows.push([label, String(f.parallelism), f.poolEvalsPerSec.toFixed(1), f.directEvalsPerSec.toFixed(1), f.ratio.toFixed(3)]);
      }
    }
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    console.log(`\nLocalEvaluator vs direct spawn (${CORES} cores, medians of ${REPEATS})`);
    for (const row of rows) console.log(row.map((cell, c) => cell.padStart(widths[c])).join('  '));
    console.log('\nper evaluation, one at a time (ms):', steps);
    console.log(
      'bubblewrap:',
      'skipped' in bwrap ? bwrap.skipped : `${bwrap.bwrapMs.toFixed(2)} ms vs ${bwrap.noneMs.toFixed(2)} ms per evaluation (+${(bwrap.bwrapMs - bwrap.noneMs).toFixed(2)} ms)`,
    );
    console.log(
      `targets: ratio ${results.ratio} (≥ 0.9: ${results.targets.ratioMet ? 'met' : 'NOT met'}), ` +
        `${results.poolEvalsPerSec} trivial evals/s (≥ 200: ${results.targets.rateMet ? 'met' : 'NOT met'})`,
    );
    const outDir = join(__dirname, 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'eval.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`wrote ${join(outDir, 'eval.json')}`);
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
