// Evaluation throughput of LocalEvaluator against spawning the same command directly.
// Run: node --import tsx test/bench/eval.bench.ts [--quick]
//
// What is compared, at equal parallelism (P workers pulling from one queue):
//   pool   — LocalEvaluator.evaluate(): the candidate written into a reused work dir (a slot that
//            is checked and repaired in the background after each evaluation), /bin/sh -c with the
//            ulimit line in its own process group, limits armed, the result read (file, else
//            stdout) and validated. The one-off base copy and first slot (prepare) are not timed.
//   direct — child_process.spawn('/bin/sh', ['-c', COMMAND]) in the workspace with the same
//            environment, stdout collected and its last line JSON-parsed and checked. No copy, no
//            limits: the floor. "direct detached" (reference, not in the ratio) adds only the
//            setsid() that the pool's process-group kill needs.
// ratio = pool ÷ direct is the share of the raw spawn rate that LocalEvaluator keeps, with every
// cost of its isolation counted. Each repeat runs pool then direct (so both see the same machine
// load); figures are medians over repeats. The pool starts its processes as it does by default,
// from two evaluation launchers (helper processes; --spawn-from=this-process measures spawning
// from this process instead), with warm starts. The sandbox is off ('none') for pool vs direct;
// bubblewrap is measured on its own: milliseconds added per evaluation (one at a time), and
// throughput at the default parallelism, pool vs the same bwrap command line spawned directly.
// Last, "large host": the same comparison after this process has grown to the size of a VS Code
// extension host, for the pool spawning from here and through the launchers.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bubblewrapArgv, detectBubblewrap } from '../../src/core/evaluate/bubblewrap';
import { LocalEvaluator, type SandboxPreference, type SpawnFrom } from '../../src/core/evaluate/localEvaluator';
import { runCommand } from '../../src/core/evaluate/processRunner';
import { SandboxCopy } from '../../src/core/evaluate/sandboxCopy';
import { WorkSlotPool } from '../../src/core/evaluate/workSlots';
import { bundleLauncher } from './lib/launcherBundle';

const QUICK = process.argv.includes('--quick');
/** Where the pool starts processes: the default (the launchers), or --spawn-from=this-process. */
const SPAWN_FROM = (process.argv.find((a) => a.startsWith('--spawn-from='))?.split('=')[1] ?? 'launcher') as SpawnFrom;
const REPEATS = QUICK ? 5 : 11;
const TRIVIAL = `echo '{"score":1}'`;
const SLEEPY = `sleep 0.05; echo '{"score":1}'`;
const CORES = availableParallelism();
const DEFAULT_PARALLELISM = Math.max(1, CORES - 1);
/** About the resident size of a VS Code extension host with a few extensions loaded. */
const LARGE_HOST_MB = 400;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Rate {
  perSec: number;
  /** CPU time of this (parent) process per job: spawning, I/O, bookkeeping. */
  cpuMs: number;
}

/** Runs `count` jobs with `parallelism` workers. */
async function throughput(count: number, parallelism: number, job: () => Promise<void>): Promise<Rate> {
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallelism }, async () => {
      while (next < count) {
        next++;
        await job();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSec: count / seconds, cpuMs: (used.user + used.system) / 1000 / count };
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

/** The floor: spawn argv (by default /bin/sh -c COMMAND), read stdout, parse and check its last line. */
function spawnDirect(argv: string[], cwd: string, env: Record<string, string>, detached = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env, detached, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** The launcher as shipped (bundled once per benchmark run). */
let launcherScript: Promise<string> | undefined;
function bundledLauncher(): Promise<string> {
  launcherScript ??= bundleLauncher(join(mkdtempSync(join(tmpdir(), 'genesis-bench-launcher-')), 'evaluation-launcher.js'));
  return launcherScript;
}

async function makeEvaluator(workspaceRoot: string, command: string, sandbox: SandboxPreference, spawnFrom: SpawnFrom = SPAWN_FROM): Promise<LocalEvaluator> {
  const evaluator = new LocalEvaluator({ workspaceRoot, command, sandbox, timeoutSec: 30, spawnFrom, launcherScript: await bundledLauncher() });
  await evaluator.prepare();
  return evaluator;
}

interface PairFigures {
  parallelism: number;
  evaluations: number;
  poolEvalsPerSec: number;
  directEvalsPerSec: number;
  ratio: number;
  /** Median of the per-repeat ratios (each repeat's pool and direct ran back to back). */
  pairedRatio: number;
  poolCpuMsPerEval: number;
  directCpuMsPerEval: number;
  /**
   * Reference only (not in the ratio): direct spawning with detached: true, the setsid() the pool
   * needs for its process-group kill. With scheduler autogroups on, each new session also gets a
   * task group of its own, which costs the direct spawn about what it costs the pool.
   */
  directDetachedEvalsPerSec?: number;
}

/** Pool vs direct for one job pair and parallelism, repeats interleaved. */
async function comparePair(
  pool: () => Promise<void>,
  direct: () => Promise<void>,
  parallelism: number,
  evaluations: number,
  reference?: () => Promise<void>,
): Promise<PairFigures> {
  // Warm-up: the file system cache, V8's JIT, the slots.
  await throughput(Math.min(evaluations, 20), parallelism, pool);
  await throughput(Math.min(evaluations, 20), parallelism, direct);
  const poolRates: Rate[] = [];
  const directRates: Rate[] = [];
  const referenceRates: Rate[] = [];
  for (let r = 0; r < REPEATS; r++) {
    if (reference) referenceRates.push(await throughput(evaluations, parallelism, reference));
    // Alternate which goes first, so neither always follows the other's background work.
    if (r % 2 === 0) {
      poolRates.push(await throughput(evaluations, parallelism, pool));
      directRates.push(await throughput(evaluations, parallelism, direct));
    } else {
      directRates.push(await throughput(evaluations, parallelism, direct));
      poolRates.push(await throughput(evaluations, parallelism, pool));
    }
  }
  const poolEvalsPerSec = median(poolRates.map((r) => r.perSec));
  const directEvalsPerSec = median(directRates.map((r) => r.perSec));
  return {
    parallelism,
    evaluations,
    poolEvalsPerSec,
    directEvalsPerSec,
    ratio: poolEvalsPerSec / directEvalsPerSec,
    pairedRatio: median(poolRates.map((r, k) => r.perSec / directRates[k].perSec)),
    poolCpuMsPerEval: median(poolRates.map((r) => r.cpuMs)),
    directCpuMsPerEval: median(directRates.map((r) => r.cpuMs)),
    ...(reference ? { directDetachedEvalsPerSec: median(referenceRates.map((r) => r.perSec)) } : {}),
  };
}

let spawnedFromLauncher = false;

async function compareCommand(workspace: string, command: string, parallelism: number, evaluations: number): Promise<PairFigures> {
  const evaluator = await makeEvaluator(workspace, command, 'none');
  spawnedFromLauncher = evaluator.spawnsFromLauncher;
  const env = directEnv();
  const argv = ['/bin/sh', '-c', command];
  try {
    return await comparePair(
      poolJob(evaluator),
      () => spawnDirect(argv, workspace, env),
      parallelism,
      evaluations,
      () => spawnDirect(argv, workspace, env, true),
    );
  } finally {
    await evaluator.dispose();
  }
}

/** Milliseconds per step of one evaluation, one at a time (where the time goes). */
async function breakdown(workspace: string, count: number): Promise<Record<string, number>> {
  const { copy } = await SandboxCopy.create({ workspaceRoot: workspace });
  const slots = new WorkSlotPool(copy.baseDir, join(copy.root, 'slots'));
  await slots.warm();
  const env = directEnv();
  const steps: Record<string, number[]> = {
    slotAcquireAndWriteMs: [],
    runCommandMs: [],
    slotRepairInBackgroundMs: [],
    freshCopyMs: [],
    freshRemoveMs: [],
    directSpawnMs: [],
  };
  const time = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const value = await work();
    steps[step].push(performance.now() - started);
    return value;
  };
  const text = 'def f(x):\n    return x\n';
  for (let k = 0; k < count; k++) {
    const slot = await time('slotAcquireAndWriteMs', async () => {
      const acquired = await slots.acquire();
      await slots.writeCandidate(acquired, 'src/candidate.py', text);
      return acquired;
    });
    await time('runCommandMs', () => runCommand({ command: TRIVIAL, cwd: slot.workDir, env, timeoutMs: 30_000, memoryMb: 2048 }));
    await time('slotRepairInBackgroundMs', async () => {
      slots.release(slot);
      await slots.settled();
    });
    // The fallback for workspaces too large for slots: a fresh `cp -a` copy per evaluation.
    const fresh = await time('freshCopyMs', () => copy.createEvaluationDir(`bd-${k}`, 'src/candidate.py', text));
    await time('freshRemoveMs', () => copy.removeEvaluationDir(fresh));
    await time('directSpawnMs', () => spawnDirect(['/bin/sh', '-c', TRIVIAL], workspace, env));
  }
  await slots.dispose();
  await copy.dispose();
  const result: Record<string, number> = {};
  // The first 3 are warm-up.
  for (const [step, values] of Object.entries(steps)) result[step] = Number(median(values.slice(3)).toFixed(3));
  return result;
}

interface BwrapFigures {
  /** Per evaluation, one at a time. */
  perEvalMsBwrap: number;
  perEvalMsNone: number;
  parallelism: number;
  poolEvalsPerSec: number;
  directEvalsPerSec: number;
  ratio: number;
}

/** What bubblewrap costs: per evaluation, and throughput at the default parallelism. */
async function bwrapFigures(workspace: string, count: number): Promise<BwrapFigures | { skipped: string }> {
  const probe = await detectBubblewrap();
  if (!probe.usable) return { skipped: probe.problem ?? 'bubblewrap is not usable here' };
  const sandboxed = await makeEvaluator(workspace, TRIVIAL, 'bwrap');
  const plain = await makeEvaluator(workspace, TRIVIAL, 'none');
  try {
    if (sandboxed.sandboxMode !== 'bwrap') throw new Error('the bwrap evaluator is not sandboxed');
    const perEval = await comparePair(poolJob(sandboxed), poolJob(plain), 1, count);
    // The same bwrap command line the pool uses, spawned directly in a plain folder.
    const dir = mkdtempSync(join(tmpdir(), 'genesis-bench-bwrap-'));
    const env = directEnv();
    const argv = bubblewrapArgv(['/bin/sh', '-c', TRIVIAL], { writableDirs: [dir], readOnlyDirs: [workspace], cwd: dir });
    try {
      const pair = await comparePair(poolJob(sandboxed), () => spawnDirect(argv, dir, env), DEFAULT_PARALLELISM, count);
      return {
        perEvalMsBwrap: 1000 / perEval.poolEvalsPerSec,
        perEvalMsNone: 1000 / perEval.directEvalsPerSec,
        parallelism: DEFAULT_PARALLELISM,
        poolEvalsPerSec: pair.poolEvalsPerSec,
        directEvalsPerSec: pair.directEvalsPerSec,
        ratio: pair.ratio,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await sandboxed.dispose();
    await plain.dispose();
  }
}

interface LargeHostFigures {
  rssMb: number;
  evaluations: number;
  directEvalsPerSec: number;
  thisProcessEvalsPerSec: number;
  launcherEvalsPerSec: number;
  /** CPU time of the host process per evaluation: what the extension host's thread gives up. */
  hostCpuMsPerEval: { direct: number; thisProcess: number; launcher: number };
}

/**
 * The same comparison in a host the size of a VS Code extension host (a few hundred MB): a fork
 * copies the page tables of the whole process, so spawning gets slower as the host grows, and
 * the launcher (a small helper process that spawns instead) keeps its cost flat. Runs last, as
 * the memory it holds would slow every later measurement.
 */
async function largeHostFigures(workspace: string, count: number, megabytes: number): Promise<LargeHostFigures> {
  const ballast: object[][] = [];
  while (process.memoryUsage.rss() < megabytes * 1048576) ballast.push(Array.from({ length: 16_384 }, (_, k) => ({ k, text: `item ${k}` })));
  const thisProcess = await makeEvaluator(workspace, TRIVIAL, 'none', 'this-process');
  const launcher = await makeEvaluator(workspace, TRIVIAL, 'none', 'launcher');
  const env = directEnv();
  const argv = ['/bin/sh', '-c', TRIVIAL];
  try {
    const viaThisProcess = await comparePair(poolJob(thisProcess), () => spawnDirect(argv, workspace, env), 1, count);
    const viaLauncher = await comparePair(poolJob(launcher), () => spawnDirect(argv, workspace, env), 1, count);
    return {
      rssMb: Math.round(process.memoryUsage.rss() / 1048576),
      evaluations: count,
      directEvalsPerSec: median([viaThisProcess.directEvalsPerSec, viaLauncher.directEvalsPerSec]),
      thisProcessEvalsPerSec: viaThisProcess.poolEvalsPerSec,
      launcherEvalsPerSec: viaLauncher.poolEvalsPerSec,
      hostCpuMsPerEval: {
        direct: median([viaThisProcess.directCpuMsPerEval, viaLauncher.directCpuMsPerEval]),
        thisProcess: viaThisProcess.poolCpuMsPerEval,
        launcher: viaLauncher.poolCpuMsPerEval,
      },
    };
  } finally {
    await Promise.all([thisProcess.dispose(), launcher.dispose()]);
    ballast.length = 0;
  }
}

const fixed = (value: number, digits = 1) => Number(value.toFixed(digits));

function rounded(f: PairFigures, digits: number): PairFigures {
  return {
    ...f,
    poolEvalsPerSec: fixed(f.poolEvalsPerSec, digits),
    directEvalsPerSec: fixed(f.directEvalsPerSec, digits),
    ratio: fixed(f.ratio, 3),
    pairedRatio: fixed(f.pairedRatio, 3),
    poolCpuMsPerEval: fixed(f.poolCpuMsPerEval, 3),
    directCpuMsPerEval: fixed(f.directCpuMsPerEval, 3),
    ...(f.directDetachedEvalsPerSec !== undefined ? { directDetachedEvalsPerSec: fixed(f.directDetachedEvalsPerSec, digits) } : {}),
  };
}

async function main(): Promise<void> {
  const workspace = makeWorkspace();
  const loadBefore = loadavg()[0];
  try {
    const trivialCount = QUICK ? 60 : 150;
    const parallelisms = [...new Set([DEFAULT_PARALLELISM, 2])];
    const trivial: PairFigures[] = [];
    const sleepy: PairFigures[] = [];
    for (const p of parallelisms) trivial.push(await compareCommand(workspace, TRIVIAL, p, trivialCount));
    for (const p of parallelisms) sleepy.push(await compareCommand(workspace, SLEEPY, p, QUICK ? 10 * p : 20 * p));
    const steps = await breakdown(workspace, QUICK ? 20 : 60);
    const bwrap = await bwrapFigures(workspace, QUICK ? 20 : 50);
    const hostRssMb = Math.round(process.memoryUsage.rss() / 1048576);
    const largeHost = await largeHostFigures(workspace, QUICK ? 60 : 150, LARGE_HOST_MB);

    const equal = trivial[0];
    const equalSleepy = sleepy[0];
    const results = {
      machine: { cores: CORES, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform },
      loadAverage: { before: fixed(loadBefore, 2), after: fixed(loadavg()[0], 2) },
      method:
        'pool = LocalEvaluator.evaluate (sandbox none; candidate written into a reused work-dir slot, checked and repaired in the ' +
        `background; /bin/sh -c with ulimit in its own process group, started ${SPAWN_FROM === 'launcher' ? 'by two evaluation launchers (bundled)' : 'by this process'} ` +
        'with warm starts; result read and validated; base copy excluded); direct = child_process.spawn /bin/sh -c in the workspace ' +
        'from this process with stdout parsed, no work dir. Equal parallelism, ' +
        `pool and direct back to back in each of ${REPEATS} repeats (order alternating), medians.`,
      parallelism: equal.parallelism,
      /** Where the pool started evaluator processes. */
      spawnedFrom: spawnedFromLauncher ? 'launcher' : 'this-process',
      benchRssMb: hostRssMb,
      ratio: fixed(equal.ratio, 3),
      poolEvalsPerSec: fixed(equal.poolEvalsPerSec),
      directEvalsPerSec: fixed(equal.directEvalsPerSec),
      directDetachedEvalsPerSec: fixed(equal.directDetachedEvalsPerSec ?? NaN),
      ratioToDetached: fixed(equal.poolEvalsPerSec / (equal.directDetachedEvalsPerSec ?? NaN), 3),
      cpuMsPerEval: { pool: fixed(equal.poolCpuMsPerEval, 3), direct: fixed(equal.directCpuMsPerEval, 3) },
      sleep50ms: {
        parallelism: equalSleepy.parallelism,
        ratio: fixed(equalSleepy.ratio, 3),
        poolEvalsPerSec: fixed(equalSleepy.poolEvalsPerSec, 2),
        directEvalsPerSec: fixed(equalSleepy.directEvalsPerSec, 2),
      },
      byParallelism: {
        trivial: trivial.map((f) => rounded(f, 1)),
        sleep50ms: sleepy.map((f) => rounded(f, 2)),
      },
      /** What bubblewrap adds to an evaluation through the pool (one at a time; warm starts hide part of its start-up). */
      bwrapOverheadMs: 'skipped' in bwrap ? null : fixed(bwrap.perEvalMsBwrap - bwrap.perEvalMsNone, 2),
      /** What bubblewrap adds to spawning the command directly, without warm starts (at the default parallelism). */
      bwrapSpawnedDirectlyOverheadMs:
        'skipped' in bwrap || bwrap.parallelism !== equal.parallelism ? null : fixed(1000 / bwrap.directEvalsPerSec - 1000 / equal.directEvalsPerSec, 2),
      bwrap:
        'skipped' in bwrap
          ? bwrap
          : {
              perEvalMsBwrap: fixed(bwrap.perEvalMsBwrap, 2),
              perEvalMsNone: fixed(bwrap.perEvalMsNone, 2),
              parallelism: bwrap.parallelism,
              poolEvalsPerSec: fixed(bwrap.poolEvalsPerSec),
              directEvalsPerSec: fixed(bwrap.directEvalsPerSec),
              ratio: fixed(bwrap.ratio, 3),
            },
      stepsMs: steps,
      largeHost: {
        ...largeHost,
        directEvalsPerSec: fixed(largeHost.directEvalsPerSec),
        thisProcessEvalsPerSec: fixed(largeHost.thisProcessEvalsPerSec),
        launcherEvalsPerSec: fixed(largeHost.launcherEvalsPerSec),
        launcherRatio: fixed(largeHost.launcherEvalsPerSec / largeHost.directEvalsPerSec, 3),
        thisProcessRatio: fixed(largeHost.thisProcessEvalsPerSec / largeHost.directEvalsPerSec, 3),
        hostCpuMsPerEval: {
          direct: fixed(largeHost.hostCpuMsPerEval.direct, 3),
          thisProcess: fixed(largeHost.hostCpuMsPerEval.thisProcess, 3),
          launcher: fixed(largeHost.hostCpuMsPerEval.launcher, 3),
        },
      },
      targets: {
        ratioAtLeast: 0.9,
        trivialEvalsPerSecAtLeast: 200,
        ratioMet: equal.ratio >= 0.9,
        rateMet: equal.poolEvalsPerSec >= 200,
      },
    };

    const rows: string[][] = [['evaluator', 'parallelism', 'pool evals/s', 'direct evals/s', 'ratio', 'paired', 'cpu ms pool/direct', 'direct detached']];
    for (const [label, figures] of [['trivial', trivial], ['sleep 50 ms', sleepy]] as const) {
      for (const f of figures) {
        rows.push([
          label,
          String(f.parallelism),
          f.poolEvalsPerSec.toFixed(1),
          f.directEvalsPerSec.toFixed(1),
          f.ratio.toFixed(3),
          f.pairedRatio.toFixed(3),
          `${f.poolCpuMsPerEval.toFixed(2)}/${f.directCpuMsPerEval.toFixed(2)}`,
          f.directDetachedEvalsPerSec?.toFixed(1) ?? '',
        ]);
      }
    }
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    console.log(
      `\nLocalEvaluator vs direct spawn (${CORES} cores, medians of ${REPEATS}, load ${results.loadAverage.before} → ${results.loadAverage.after}; ` +
        `bench process ${hostRssMb} MB, evaluators started from ${results.spawnedFrom})`,
    );
    for (const row of rows) console.log(row.map((cell, c) => cell.padStart(widths[c])).join('  '));
    console.log('\nper evaluation, one at a time (ms):', steps);
    console.log(
      'bubblewrap:',
      'skipped' in bwrap
        ? bwrap.skipped
        : `${bwrap.perEvalMsBwrap.toFixed(2)} ms vs ${bwrap.perEvalMsNone.toFixed(2)} ms per evaluation (+${(bwrap.perEvalMsBwrap - bwrap.perEvalMsNone).toFixed(2)} ms); ` +
            `P=${bwrap.parallelism}: pool ${bwrap.poolEvalsPerSec.toFixed(1)} evals/s vs bwrap spawned directly ${bwrap.directEvalsPerSec.toFixed(1)} (ratio ${bwrap.ratio.toFixed(3)})`,
    );
    console.log(
      `host of ${largeHost.rssMb} MB (P=1): direct ${largeHost.directEvalsPerSec.toFixed(1)} evals/s, pool spawning here ` +
        `${largeHost.thisProcessEvalsPerSec.toFixed(1)}, pool through the launcher ${largeHost.launcherEvalsPerSec.toFixed(1)} ` +
        `(ratio ${(largeHost.launcherEvalsPerSec / largeHost.directEvalsPerSec).toFixed(3)}); host CPU ms/eval ` +
        `${largeHost.hostCpuMsPerEval.direct.toFixed(2)} / ${largeHost.hostCpuMsPerEval.thisProcess.toFixed(2)} / ${largeHost.hostCpuMsPerEval.launcher.toFixed(2)}`,
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
