// Search benchmark: every strategy and the random-search baseline on the benchmark tasks,
// several seeds, fixed evaluation budgets; plus the engine's overhead per candidate.
// Run: npm run bench:search [-- --quick] [--task NAME]... [--strategy LABEL]... [--seeds N]
//      [--no-overhead] [--overhead-only] [--no-plots] [--sweep]
//      [--out NAME.json] [--merge A.json B.json ...]
// --sweep compares the parameter variants in SWEEP_CONFIGS instead (how BENCH_CONFIGS were chosen).
// --out writes the results to test/bench/results/NAME.json instead of search.json, so the tasks can
// run as separate processes (on a machine with spare cores); --merge then joins such files into
// search.json (machine and load of each part are kept under "parts").
// search.json records the machine (CPU model, cores, load average at start and end); the C++
// task re-times a few programs several times to report its timing noise.
//
// Each (task, strategy, seed) is one EvolutionRun to the task's largest budget, in process,
// concurrency 1: the offline literal-tuning operator, HeuristicPrm, tree-sitter syntax checks,
// the task's in-process evaluator. Best score at the smaller budgets is read off the same run
// (anytime performance). Target = random search's median best at the largest budget;
// "evaluations to target" is per seed (∞ when not reached), reported as median and range.
// Writes test/bench/results/search.json, search-<task>.svg, and copies the plots to media/bench/.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNumericLiterals } from '../../src/core/mutate/offline';
import { devWasmPaths, TreeSitterService } from '../../src/core/lang/treeSitter';
import { HeuristicPrm, type PrmScorer } from '../../src/core/prm/heuristicPrm';
import { LearnedPrm } from '../../src/core/prm/learnedPrm';
import { DEFAULT_STRATEGY, DEFAULT_STRATEGY_OPTIONS, type StrategyOptions } from '../../src/core/search/index';
import { runSearch, treeSitterSyntax } from './lib/runSearch';
import { ScoreFunctionEvaluator } from './lib/scoreEvaluator';
import { bestAt, evaluationsToReach, median, quantile, summarize } from './lib/stats';
import { renderPlot } from './lib/svgPlot';
import { loadTask, type LoadedTask } from './lib/task';
import { BENCH_TASKS, circlePacking } from './tasks/index';
import { compilerProblem, matmulCache } from './tasks/tiledMatmul';
import { evaluateCandidate } from './tasks/tiled-matmul/build';

const REPO = join(__dirname, '..', '..');
const RESULTS = join(__dirname, 'results');
const MEDIA = join(REPO, 'media', 'bench');

/** The configurations compared; parameters are the ones the benchmark found best per strategy. */
export const BENCH_CONFIGS: { label: string; strategy: string; options: StrategyOptions }[] = [
  { label: 'random', strategy: 'random', options: {} },
  // The engine's default: a bandit over the fixed strategies below, with their default parameters.
  { label: 'adaptive', strategy: 'adaptive', options: {} },
  // The constructor defaults (exploit 0.85, topK 5).
  { label: 'elitist', strategy: 'elitist', options: {} },
  // Parameter variants (e.g. greedy elitist, exploit 1) live in SWEEP_CONFIGS: the main run
  // stays within 15 minutes on 2 cores with the C++ task's compiles uncached.
  { label: 'best-of-n', strategy: 'best-of-n', options: { n: 4, k: 1 } },
  { label: 'beam', strategy: 'beam', options: { width: 2, m: 2 } },
  { label: 'mcts', strategy: 'mcts', options: { cPuct: 0.2, widenC: 1, widenAlpha: 0.5, backup: 'max', normalise: 'rank' } },
  { label: 'islands', strategy: 'islands', options: { islands: 2, sampling: 'power-law', alpha: 3, migrationInterval: 10, populationSize: 20 } },
];

/** Parameter variants tried with --sweep (random always included as the baseline). */
export const SWEEP_CONFIGS: { label: string; strategy: string; options: StrategyOptions }[] = [
  { label: 'random', strategy: 'random', options: {} },
  { label: 'elitist-0.5/3', strategy: 'elitist', options: { exploit: 0.5, topK: 3 } },
  { label: 'elitist-0.85/5', strategy: 'elitist', options: { exploit: 0.85, topK: 5 } },
  { label: 'elitist-1.0', strategy: 'elitist', options: { exploit: 1 } },
  { label: 'best-of-n-4/1', strategy: 'best-of-n', options: { n: 4, k: 1 } },
  { label: 'best-of-n-2/1', strategy: 'best-of-n', options: { n: 2, k: 1 } },
  { label: 'beam-2x2', strategy: 'beam', options: { width: 2, m: 2 } },
  { label: 'beam-8x1', strategy: 'beam', options: { width: 8, m: 1 } },
  { label: 'mcts-c0.2', strategy: 'mcts', options: { cPuct: 0.2 } },
  { label: 'mcts-c1-w0.3', strategy: 'mcts', options: { cPuct: 1, widenAlpha: 0.3 } },
  { label: 'islands-2-weighted', strategy: 'islands', options: { islands: 2, sampling: 'weighted' } },
  { label: 'islands-2-a3', strategy: 'islands', options: { islands: 2, alpha: 3 } },
];

interface Args {
  sweep: boolean;
  quick: boolean;
  tasks: string[];
  strategies: string[];
  seeds?: number;
  overhead: boolean;
  plots: boolean;
  out?: string;
  merge: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sweep: false, quick: false, tasks: [], strategies: [], overhead: true, plots: true, merge: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--sweep') args.sweep = true;
    else if (a === '--task') args.tasks.push(argv[++i]);
    else if (a === '--strategy') args.strategies.push(argv[++i]);
    else if (a === '--seeds') args.seeds = Number(argv[++i]);
    else if (a === '--no-overhead') args.overhead = false;
    else if (a === '--no-plots') args.plots = false;
    else if (a === '--overhead-only') args.tasks.push('(none)');
    else if (a === '--out') args.out = argv[++i];
    else if (a === '--merge') while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) args.merge.push(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : v > 0 ? '∞' : '—');
const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

interface ConfigResult {
  label: string;
  strategy: string;
  options: StrategyOptions;
  seeds: number[];
  /** Per seed: best score after each evaluation. */
  curves: number[][];
  /** Per seed: the code of the best candidate (for re-timing on timing-based tasks). */
  bestCodes: string[];
  engineMsPerCandidate: number;
  wallMs: number;
}

async function benchTask(task: LoadedTask, args: Args, syntax: ReturnType<typeof treeSitterSyntax>): Promise<Record<string, unknown>> {
  const budgets = args.quick ? task.budgets.map((b) => Math.ceil(b / 2)) : task.budgets;
  const maxBudget = Math.max(...budgets);
  const seedCount = args.seeds ?? (args.quick ? Math.min(2, task.seeds) : task.seeds);
  const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);
  const configs = (args.sweep ? SWEEP_CONFIGS : BENCH_CONFIGS).filter((c) => args.strategies.length === 0 || c.label === 'random' || args.strategies.includes(c.label));
  const results: ConfigResult[] = [];
  for (const config of configs) {
    const curves: number[][] = [];
    const bestCodes: string[] = [];
    let engineMs = 0;
    let children = 0;
    let wallMs = 0;
    for (const seed of seeds) {
      const trace = await runSearch({ task, seed, budget: maxBudget, syntax, strategy: config.strategy, strategyOptions: config.options, prm: new HeuristicPrm() });
      curves.push(trace.bestSoFar);
      bestCodes.push(trace.run.best()?.code ?? task.rootCode);
      engineMs += trace.engineMs;
      children += trace.children;
      wallMs += trace.wallMs;
    }
    results.push({ label: config.label, strategy: config.strategy, options: config.options, seeds, curves, bestCodes, engineMsPerCandidate: engineMs / Math.max(1, children), wallMs });
    const finals = curves.map((c) => bestAt(c, maxBudget));
    process.stdout.write(`  ${task.name} ${config.label.padEnd(10)} best@${maxBudget} median ${fmt(median(finals), 6)}  (${(wallMs / 1000).toFixed(1)} s)\n`);
  }

  const random = results.find((r) => r.label === 'random');
  if (!random) throw new Error('the random baseline is missing');
  const target = median(random.curves.map((c) => bestAt(c, maxBudget)));
  const rows = results.map((r) => {
    const at = Object.fromEntries(budgets.map((b) => [b, summarize(r.curves.map((c) => bestAt(c, b)))]));
    const toTarget = r.curves.map((c) => evaluationsToReach(c, target));
    const medianToTarget = median(toTarget);
    // Per-seed ratios (∞ where a seed never reached the target) and their spread.
    const ratios = toTarget.map((n) => n / maxBudget);
    return { r, at, toTarget, medianToTarget, ratio: medianToTarget / maxBudget, ratioSpread: summarize(ratios) };
  });
  const fixed = rows.filter(({ r }) => r.label !== 'random' && r.label !== 'adaptive');
  const bestFixed = fixed.reduce<(typeof rows)[number] | undefined>((best, row) => (!best || row.ratio < best.ratio ? row : best), undefined);
  const adaptiveRow = rows.find(({ r }) => r.label === 'adaptive');

  // Table.
  const header = ['strategy', ...budgets.map((b) => `best@${b} [IQR]`), `evals to random@${maxBudget} [min–max]`, 'ratio [IQR]', 'engine ms/cand'];
  const lines = rows.map(({ r, at, toTarget, medianToTarget, ratio, ratioSpread }) => [
    r.label === DEFAULT_STRATEGY ? `${r.label} (default)` : r.label,
    ...budgets.map((b) => `${fmt(at[b].median, 6)} [${fmt(at[b].q1, 4)}, ${fmt(at[b].q3, 4)}]`),
    `${fmt(medianToTarget)} [${fmt(Math.min(...toTarget))}–${fmt(Math.max(...toTarget))}]`,
    `${fmt(ratio, 3)} [${fmt(ratioSpread.q1, 3)}, ${fmt(ratioSpread.q3, 3)}]`,
    fmt(r.engineMsPerCandidate, 3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  process.stdout.write(`\n${task.title}: ${seeds.length} seeds, target = random's median best at ${maxBudget} = ${fmt(target, 6)}\n`);
  process.stdout.write(line(header) + '\n' + lines.map(line).join('\n') + '\n');
  if (adaptiveRow && bestFixed) {
    process.stdout.write(
      `adaptive ratio ${fmt(adaptiveRow.ratio, 3)} vs best fixed (${bestFixed.r.label}) ${fmt(bestFixed.ratio, 3)}: ` +
        `${adaptiveRow.ratio <= 0.25 ? '≤ 0.25' : '> 0.25'}, ${adaptiveRow.ratio <= bestFixed.ratio + 0.05 ? 'within' : 'NOT within'} 0.05 of the best fixed\n`,
    );
  }
  process.stdout.write('\n');

  if (args.plots) {
    const svg = renderPlot({
      title: `${task.title}: median best of ${seeds.length} seeds (band: IQR)`,
      yLabel: task.scoreLabel,
      reference: { y: target, label: `random search, median best at ${maxBudget}` },
      series: results.map((r) => {
        const at = (q: number) => Array.from({ length: maxBudget }, (_, i) => quantile(r.curves.map((c) => bestAt(c, i + 1)), q));
        return { label: r.label === DEFAULT_STRATEGY ? `${r.label} (default)` : r.label, median: at(0.5), q1: at(0.25), q3: at(0.75), emphasis: r.label === DEFAULT_STRATEGY };
      }),
    });
    writeFileSync(join(RESULTS, `search-${task.name}${args.sweep ? '-sweep' : ''}.svg`), svg);
  }

  const byStrategy = Object.fromEntries(
    rows.map(({ r, at, toTarget, medianToTarget, ratio, ratioSpread }) => [
      r.label,
      {
        strategy: r.strategy,
        options: r.options,
        bestAt: Object.fromEntries(budgets.map((b) => [b, at[b]])),
        evaluationsToTarget: toTarget.map(finiteOrNull),
        medianEvaluationsToTarget: finiteOrNull(medianToTarget),
        evaluationsRatioVsRandom: finiteOrNull(ratio),
        evaluationsRatioBySeed: toTarget.map((n) => finiteOrNull(n / maxBudget)),
        evaluationsRatioSpread: { q1: finiteOrNull(ratioSpread.q1), q3: finiteOrNull(ratioSpread.q3), min: finiteOrNull(ratioSpread.min), max: finiteOrNull(ratioSpread.max) },
        engineMsPerCandidate: r.engineMsPerCandidate,
        wallMs: r.wallMs,
      },
    ]),
  );
  const defaultRow = rows.find((row) => row.r.label === DEFAULT_STRATEGY);
  return {
    title: task.title,
    seeds: seeds.length,
    budgets,
    target,
    targetDefinition: `random search's median best score at ${maxBudget} evaluations`,
    defaultStrategy: DEFAULT_STRATEGY,
    // The default strategy's median evaluations to reach the target ÷ the largest budget; null
    // when its median run did not reach it.
    evaluationsRatioVsRandom: defaultRow ? finiteOrNull(defaultRow.ratio) : null,
    bestFixedStrategy: bestFixed ? { label: bestFixed.r.label, evaluationsRatioVsRandom: finiteOrNull(bestFixed.ratio) } : null,
    adaptiveVsBestFixed: adaptiveRow && bestFixed ? finiteOrNull(adaptiveRow.ratio - bestFixed.ratio) : null,
    strategies: byStrategy,
    ...(task.name === 'tiled-matmul' ? { timingNoise: await timingNoise(task, results, target) } : {}),
  };
}

/** Repeat timings of one program: each is a fresh compile and run of the harness (median of its own runs). */
const NOISE_REPEATS = 5;

/**
 * How much a timing moves between measurements on this machine: the original, random search's
 * target program and the best program found are each timed NOISE_REPEATS times, uncached.
 * Every cached score is one such measurement, so a strategy whose best differs from the target
 * by less than this spread could land on the other side of it on another machine.
 */
async function timingNoise(task: LoadedTask, results: ConfigResult[], target: number): Promise<Record<string, unknown>> {
  const buildDir = join(tmpdir(), `genesis-bench-noise-${process.pid}`);
  const random = results.find((r) => r.label === 'random');
  const targetCode = random?.bestCodes[random.curves.findIndex((c) => Math.abs(bestAt(c, c.length) - target) < 1e-9)];
  let bestCode = task.rootCode;
  let bestScore = -Infinity;
  for (const r of results) {
    r.curves.forEach((c, i) => {
      if (bestAt(c, c.length) > bestScore) {
        bestScore = bestAt(c, c.length);
        bestCode = r.bestCodes[i];
      }
    });
  }
  const programs: [string, string | undefined][] = [['original', task.rootCode], ['random search target', targetCode], ['best found', bestCode]];
  const measured: Record<string, unknown>[] = [];
  for (const [label, code] of programs) {
    if (code === undefined) continue;
    const repeats: number[] = [];
    for (let i = 0; i < NOISE_REPEATS; i++) {
      const result = await evaluateCandidate(task.candidateFile(code), buildDir, { label: `noise-${i}` });
      if (result.score !== null) repeats.push(-result.score);
    }
    const s = summarize(repeats);
    measured.push({ label, repeatsMs: repeats, medianMs: s.median, minMs: s.min, maxMs: s.max, relativeSpread: (s.max - s.min) / s.median });
    process.stdout.write(`  timing noise, ${label}: median ${fmt(s.median, 4)} ms over ${repeats.length} timings (range ${fmt(s.min, 4)}–${fmt(s.max, 4)}, ±${fmt((50 * (s.max - s.min)) / s.median, 2)}%)\n`);
  }
  const spreads = measured.map((m) => m.relativeSpread as number);
  const relativeSpread = median(spreads);
  // Strategies whose median best lies within the noise of the target: their ratio may flip.
  const withinNoise = results
    .filter((r) => r.label !== 'random')
    .filter((r) => {
      const best = median(r.curves.map((c) => bestAt(c, c.length)));
      return Math.abs(best - target) <= relativeSpread * Math.abs(target);
    })
    .map((r) => r.label);
  process.stdout.write(`  median spread ±${fmt(relativeSpread * 50, 2)}%; median best within that of the target: ${withinNoise.join(', ') || 'none'}\n`);
  return {
    repeats: NOISE_REPEATS,
    definition: 'each program compiled and timed afresh NOISE_REPEATS times (each timing is the harness median of its own runs); relativeSpread = (max − min) / median',
    programs: measured,
    medianRelativeSpread: relativeSpread,
    strategiesWithinNoiseOfTarget: withinNoise,
  };
}

/** Engine time per candidate on a long run with an instant evaluator (the score is a literal sum). */
async function overhead(task: LoadedTask, syntax: ReturnType<typeof treeSitterSyntax>, strategy: string, options: StrategyOptions, budget: number, prm?: PrmScorer) {
  const evaluator = new ScoreFunctionEvaluator((text) => {
    const score = -findNumericLiterals(text, task.language).reduce((sum, l) => sum + Math.abs(l.value - 0.37), 0);
    return { score, correct: true, metrics: {}, feedback: '' };
  });
  const trace = await runSearch({ task, seed: 1, budget, syntax, strategy, strategyOptions: options, evaluator, ...(prm ? { prm } : {}) });
  const candidates = Math.max(1, trace.children);
  return {
    candidates: trace.children,
    evaluations: trace.evaluations,
    engineMs: trace.engineMs,
    msPerCandidate: trace.engineMs / candidates,
    engineCpuMs: trace.engineCpuMs,
    cpuMsPerCandidate: trace.engineCpuMs / candidates,
  };
}

interface TaskOutput {
  target: number;
  seeds: number;
  strategies: Record<string, { evaluationsRatioVsRandom: number | null }>;
  [key: string]: unknown;
}

/** Adaptive against the best fixed strategy, from a task's table (null ratio: target not reached). */
function comparison(strategies: TaskOutput['strategies']): Record<string, unknown> {
  const ratio = (label: string) => strategies[label]?.evaluationsRatioVsRandom ?? Infinity;
  const fixed = Object.keys(strategies).filter((label) => label !== 'random' && label !== 'adaptive');
  const bestFixed = fixed.reduce<string | undefined>((best, label) => (best === undefined || ratio(label) < ratio(best) ? label : best), undefined);
  return {
    evaluationsRatioVsRandom: strategies[DEFAULT_STRATEGY] ? finiteOrNull(ratio(DEFAULT_STRATEGY)) : null,
    bestFixedStrategy: bestFixed ? { label: bestFixed, evaluationsRatioVsRandom: finiteOrNull(ratio(bestFixed)) } : null,
    adaptiveVsBestFixed: bestFixed && strategies.adaptive ? finiteOrNull(ratio('adaptive') - ratio(bestFixed)) : null,
  };
}

/** Joins the outputs of separate --out runs into search.json. */
function mergeParts(files: readonly string[]): void {
  const parts = files.map((file) => ({ file, data: JSON.parse(readFileSync(join(RESULTS, file), 'utf8')) as Record<string, unknown> }));
  if (parts.length === 0) throw new Error('--merge needs the result files to join');
  const merged: Record<string, unknown> = { ...parts[0].data, tasks: {}, parts: [] };
  const tasks = merged.tasks as Record<string, TaskOutput>;
  for (const { file, data } of parts) {
    // The same task split by strategy (--strategy X keeps random): the strategies are joined.
    for (const [name, task] of Object.entries((data.tasks as Record<string, TaskOutput>) ?? {})) {
      const known = tasks[name];
      if (!known) tasks[name] = { ...task, strategies: { ...task.strategies } };
      else {
        if (known.target !== task.target || known.seeds !== task.seeds) throw new Error(`${file}: ${name} was run with another target or seed count than an earlier part`);
        Object.assign(known.strategies, task.strategies);
      }
    }
    (merged.parts as unknown[]).push({ file, generatedAt: data.generatedAt, machine: data.machine, tasks: Object.keys((data.tasks as Record<string, unknown>) ?? {}), wallSeconds: data.wallSeconds });
    for (const key of ['overhead', 'overheadMsPerCandidate', 'overheadMsPerCandidateWithLearnedPrm']) if (data[key] !== undefined) merged[key] = data[key];
  }
  for (const task of Object.values(tasks)) Object.assign(task, comparison(task.strategies));
  merged.wallSeconds = Math.max(...parts.map(({ data }) => Number(data.wallSeconds) || 0));
  writeFileSync(join(RESULTS, 'search.json'), JSON.stringify(merged, null, 2) + '\n');
  process.stdout.write(`merged ${files.join(', ')} into ${join(RESULTS, 'search.json')}\n`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.merge.length > 0) {
    mergeParts(args.merge);
    return;
  }
  const started = performance.now();
  const [load1] = loadavg();
  process.stdout.write(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, load average ${load1.toFixed(2)} at start\n`);
  mkdirSync(RESULTS, { recursive: true });
  const treeSitter = new TreeSitterService(devWasmPaths(REPO));
  const output: Record<string, unknown> = {
    generatedAt: new Date().toISOString(),
    // What the figures depend on: another machine (or the same one under load) moves timings.
    machine: { cpuModel: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100), node: process.version, platform: `${process.platform} ${process.arch}` },
    defaultStrategy: { name: DEFAULT_STRATEGY, options: DEFAULT_STRATEGY_OPTIONS },
    method:
      'in-process EvolutionRun, concurrency 1, OfflineMutationSource, HeuristicPrm, tree-sitter syntax checks; one run per (task, strategy, seed) to the largest budget, smaller budgets read off the same run',
    tasks: {} as Record<string, unknown>,
  };
  const tasks = output.tasks as Record<string, unknown>;
  for (const definition of BENCH_TASKS) {
    if (args.tasks.length > 0 && !args.tasks.includes(definition.name)) continue;
    const problem = definition.name === 'tiled-matmul' ? compilerProblem() : null;
    if (problem) {
      process.stdout.write(`skipping ${definition.name}: ${problem}\n`);
      continue;
    }
    const task = await loadTask(definition, treeSitter);
    tasks[task.name] = await benchTask(task, args, treeSitterSyntax(treeSitter, task));
    if (task.name === 'tiled-matmul') {
      const cache = matmulCache();
      (tasks[task.name] as Record<string, unknown>).measurementCache = { measuredThisRun: cache.measured, reusedThisRun: cache.reused };
    }
  }

  if (args.overhead) {
    const task = await loadTask(circlePacking, treeSitter);
    const syntax = treeSitterSyntax(treeSitter, task);
    const small = await overhead(task, syntax, DEFAULT_STRATEGY, DEFAULT_STRATEGY_OPTIONS, 1000);
    const large = await overhead(task, syntax, DEFAULT_STRATEGY, DEFAULT_STRATEGY_OPTIONS, 5000);
    const perStrategy: Record<string, unknown> = {};
    for (const config of BENCH_CONFIGS) {
      if (args.strategies.length > 0 && !args.strategies.includes(config.label)) continue;
      const measured = await overhead(task, syntax, config.strategy, config.options, args.quick ? 1000 : 5000);
      perStrategy[config.label] = { msPerCandidate: measured.msPerCandidate, cpuMsPerCandidate: measured.cpuMsPerCandidate };
    }
    // What a run in the extension or the CLI pays: the learned PRM (with tree-sitter node types).
    const learned = await overhead(task, syntax, DEFAULT_STRATEGY, DEFAULT_STRATEGY_OPTIONS, 5000, new LearnedPrm({ nodeTypes: treeSitter }));
    output.overheadMsPerCandidate = large.msPerCandidate;
    output.overheadMsPerCandidateWithLearnedPrm = learned.msPerCandidate;
    output.overhead = {
      withLearnedPrmAt5000: learned,
      definition:
        'engine wall time minus time inside the mutation source and the evaluator, ÷ candidates (children made), with an instant evaluator on the circle-packing file; cpuMsPerCandidate is the same split in process CPU time',
      at1000: small,
      at5000: large,
      msPerCandidateByStrategyAt5000: perStrategy,
    };
    process.stdout.write(
      `engine overhead (${DEFAULT_STRATEGY}): ${fmt(small.msPerCandidate, 3)} ms/candidate at ${small.candidates} candidates, ${fmt(large.msPerCandidate, 3)} at ${large.candidates}\n` +
        `  (CPU: ${fmt(small.cpuMsPerCandidate, 3)} and ${fmt(large.cpuMsPerCandidate, 3)} ms/candidate)\n` +
        `  with the learned PRM: ${fmt(learned.msPerCandidate, 3)} ms/candidate at ${learned.candidates} (CPU ${fmt(learned.cpuMsPerCandidate, 3)})\n` +
        `  by strategy (wall / CPU ms per candidate): ${Object.entries(perStrategy)
          .map(([k, v]) => `${k} ${fmt((v as { msPerCandidate: number }).msPerCandidate, 3)} / ${fmt((v as { cpuMsPerCandidate: number }).cpuMsPerCandidate, 3)}`)
          .join(', ')}\n`,
    );
  }
  treeSitter.dispose();
  output.wallSeconds = (performance.now() - started) / 1000;
  (output.machine as Record<string, unknown>).loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  const jsonFile = join(RESULTS, args.out ?? (args.sweep ? 'search-sweep.json' : 'search.json'));
  // --overhead-only keeps the task results of the last full run.
  if (Object.keys(tasks).length === 0 && existsSync(jsonFile)) {
    const previous = JSON.parse(readFileSync(jsonFile, 'utf8')) as Record<string, unknown>;
    output.tasks = previous.tasks;
  }
  writeFileSync(jsonFile, JSON.stringify(output, null, 2) + '\n');
  if (args.plots && !args.quick && !args.sweep && Object.keys(tasks).length > 0) {
    mkdirSync(MEDIA, { recursive: true });
    for (const name of Object.keys(tasks)) copyFileSync(join(RESULTS, `search-${name}.svg`), join(MEDIA, `search-${name}.svg`));
  }
  process.stdout.write(`wrote ${jsonFile} in ${fmt(output.wallSeconds as number, 3)} s\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
