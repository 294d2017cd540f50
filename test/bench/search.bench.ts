// Search benchmark: every strategy and the random-search baseline on the benchmark tasks,
// several seeds, fixed evaluation budgets; plus the engine's overhead per candidate.
// Run: npm run bench:search [-- --quick] [--task NAME]... [--strategy LABEL]... [--seeds N]
//      [--no-overhead] [--overhead-only] [--no-plots] [--sweep]
// --sweep compares the parameter variants in SWEEP_CONFIGS instead (how BENCH_CONFIGS were chosen).
//
// Each (task, strategy, seed) is one EvolutionRun to the task's largest budget, in process,
// concurrency 1: the offline literal-tuning operator, HeuristicPrm, tree-sitter syntax checks,
// the task's in-process evaluator. Best score at the smaller budgets is read off the same run
// (anytime performance). Target = random search's median best at the largest budget;
// "evaluations to target" is per seed (∞ when not reached), reported as median and range.
// Writes test/bench/results/search.json, search-<task>.svg, and copies the plots to media/bench/.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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

const REPO = join(__dirname, '..', '..');
const RESULTS = join(__dirname, 'results');
const MEDIA = join(REPO, 'media', 'bench');

/** The configurations compared; parameters are the ones the benchmark found best per strategy. */
export const BENCH_CONFIGS: { label: string; strategy: string; options: StrategyOptions }[] = [
  { label: 'random', strategy: 'random', options: {} },
  // The engine's default: the constructor defaults (exploit 0.85, topK 5).
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
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sweep: false, quick: false, tasks: [], strategies: [], overhead: true, plots: true };
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
    let engineMs = 0;
    let children = 0;
    let wallMs = 0;
    for (const seed of seeds) {
      const trace = await runSearch({ task, seed, budget: maxBudget, syntax, strategy: config.strategy, strategyOptions: config.options, prm: new HeuristicPrm() });
      curves.push(trace.bestSoFar);
      engineMs += trace.engineMs;
      children += trace.children;
      wallMs += trace.wallMs;
    }
    results.push({ label: config.label, strategy: config.strategy, options: config.options, seeds, curves, engineMsPerCandidate: engineMs / Math.max(1, children), wallMs });
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
    return { r, at, toTarget, medianToTarget, ratio: medianToTarget / maxBudget };
  });

  // Table.
  const header = ['strategy', ...budgets.map((b) => `best@${b}`), `evals to random@${maxBudget}`, 'ratio', 'engine ms/cand'];
  const lines = rows.map(({ r, at, toTarget, medianToTarget, ratio }) => [
    r.label === DEFAULT_STRATEGY ? `${r.label} (default)` : r.label,
    ...budgets.map((b) => `${fmt(at[b].median, 6)} [${fmt(at[b].q1, 4)}, ${fmt(at[b].q3, 4)}]`),
    `${fmt(medianToTarget)} [${fmt(Math.min(...toTarget))}–${fmt(Math.max(...toTarget))}]`,
    fmt(ratio, 3),
    fmt(r.engineMsPerCandidate, 3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  process.stdout.write(`\n${task.title}: ${seeds.length} seeds, target = random's median best at ${maxBudget} = ${fmt(target, 6)}\n`);
  process.stdout.write(line(header) + '\n' + lines.map(line).join('\n') + '\n\n');

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
    rows.map(({ r, at, toTarget, medianToTarget, ratio }) => [
      r.label,
      {
        strategy: r.strategy,
        options: r.options,
        bestAt: Object.fromEntries(budgets.map((b) => [b, at[b]])),
        evaluationsToTarget: toTarget.map(finiteOrNull),
        medianEvaluationsToTarget: finiteOrNull(medianToTarget),
        evaluationsRatioVsRandom: finiteOrNull(ratio),
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
    strategies: byStrategy,
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

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  mkdirSync(RESULTS, { recursive: true });
  const treeSitter = new TreeSitterService(devWasmPaths(REPO));
  const output: Record<string, unknown> = {
    generatedAt: new Date().toISOString(),
    machine: { cores: availableParallelism(), node: process.version },
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
  const jsonFile = join(RESULTS, args.sweep ? 'search-sweep.json' : 'search.json');
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
