// Quality and cost of the process reward model, on the search benchmark's tasks with the
// offline operator. Run: npm run bench:prm [-- --quick] [--seeds N] [--tasks a,b]
//
// 1. Ranking quality (AUC) and calibration, with no peeking: elitist runs evaluate every
//    admitted child; each child is scored when it is admitted and the PRM learns from it only
//    after its evaluation (the engine's order), so every prediction is on a child the model has
//    not trained on, in time order. Several PRMs score the same children side by side (shadow
//    scorers): the learned PRM, two ablations (with run memory — momentum and sibling features —
//    and without tree-sitter node types), its prior alone (DiffPrior) and the heuristic PRM. AUC per (task, seed); medians over seeds. "cold": a fresh model every run
//    (the first run with an evaluator). "warm": as the extension runs it — the model is saved per
//    evaluator (PrmStore) and the run with seed s starts from what seeds 1..s−1 taught it; seed 1
//    is cold. Both predict every child before learning from it.
// 2. Evaluations saved: PRM-filtered best-of-N (N mutations of the best per round, the PRM's top K
//    evaluated) against the same search without the filter (K mutations, all evaluated). Target
//    per task = the median best score the unfiltered search reaches after TARGET_AT evaluations;
//    we count evaluations until a run first reaches it (runs that never do count as the cap).
//    saved = 1 − median(filtered) ÷ median(unfiltered), and both final bests at the cap are
//    reported so equal final quality can be checked.
// 3. Scoring time per candidate at 5,000 candidates in one run (tree-sitter node types on).
// 4. The shipped prior, leave one task out: for each task, a prior is trained on the recorded runs
//    of every other task (scripts/prm-prior/recordings, the same training as `npm run prm:prior`)
//    and a cold run starts from it ("prior"): AUC and evaluations saved as in 1 and 2, next to a
//    cold run with no prior and the warm start. Tasks recorded but too slow to run live here
//    (C++, Rust, Python, Node examples) get the AUC of the same replay: their recorded children
//    scored in order, each before the model learns from it (elitist runs never consult the PRM,
//    so the replay is what a live run would have seen).
// 5. Exploration in PRM-filtered best-of-N: runs with and without it; "AUC over the run" ranks
//    every child the filter saw — the ones it skipped are evaluated afterwards, off the books.
// Writes test/bench/results/prm.json. `--timing-only` measures 3. alone (prints it, writes
// test/bench/results/prm-timing.json).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvolutionRun } from '../../src/core/engine/run';
import { devWasmPaths, TreeSitterService } from '../../src/core/lang/treeSitter';
import { offlineEdit, OfflineMutationSource } from '../../src/core/mutate/offline';
import { HeuristicPrm } from '../../src/core/prm/heuristicPrm';
import { DiffPrior } from '../../src/core/prm/diffPrior';
import { LearnedPrm } from '../../src/core/prm/learnedPrm';
import { prmFromPrior, trainPrmPrior, type PrmPriorJson, type PrmRecord } from '../../src/core/prm/prmPrior';
import { PrmStore } from '../../src/core/prm/prmStore';
import type { PrmInput, PrmOutcome, PrmScorer } from '../../src/core/prm/types';
import { BestOfNStrategy } from '../../src/core/search/bestOfN';
import { ElitistStrategy } from '../../src/core/search/elitist';
import type { SearchStrategy, StrategyOptions } from '../../src/core/search/strategy';
import type { CandidateNode, RunConfig } from '../../src/core/types';
import { seededRandom } from '../../src/core/util/random';
import { readAllRecordedRuns, readAllRecordings } from '../../scripts/prm-prior/recordings';
import { loadTask, type LoadedTask } from './lib/task';
import { binPacking, circlePacking } from './tasks/index';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const SEEDS = Number(valueOf('--seeds') ?? (QUICK ? 3 : 5));
const AUC_BUDGET = QUICK ? 80 : 150;
const BEST_OF_CAP = QUICK ? 100 : 200;
const TARGET_AT = QUICK ? 50 : 100;
const N = 8;
const K = 2;
const TIMING_CANDIDATES = 5000;
// tiled-matmul compiles C++ per candidate (about a second each): too slow for seeds × variants here.
const TASKS = [circlePacking, binPacking].filter((t) => !valueOf('--tasks') || (valueOf('--tasks') ?? '').split(',').includes(t.name));
const repo = join(__dirname, '..', '..');

function valueOf(flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

// ---- statistics ------------------------------------------------------------------------------

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Probability that a random improving child outranks a random non-improving one (ties: half). */
function auc(scored: readonly { p: number; y: boolean }[]): number {
  const sorted = [...scored].sort((a, b) => a.p - b.p);
  let rankSum = 0;
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j < sorted.length && sorted[j].p === sorted[i].p) j++;
    const midRank = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (sorted[k].y) rankSum += midRank;
    i = j;
  }
  const pos = scored.filter((s) => s.y).length;
  const neg = scored.length - pos;
  return pos === 0 || neg === 0 ? NaN : (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

function calibration(scored: readonly { p: number; y: boolean }[], bins = 10) {
  const table = Array.from({ length: bins }, (_, b) => ({ from: b / bins, to: (b + 1) / bins, count: 0, meanPredicted: 0, observedRate: 0 }));
  let brier = 0;
  for (const { p, y } of scored) {
    const bin = table[Math.min(bins - 1, Math.floor(p * bins))];
    bin.count++;
    bin.meanPredicted += p;
    bin.observedRate += y ? 1 : 0;
    brier += (p - (y ? 1 : 0)) ** 2;
  }
  let ece = 0;
  for (const bin of table) {
    if (bin.count === 0) continue;
    bin.meanPredicted = round(bin.meanPredicted / bin.count, 3);
    bin.observedRate = round(bin.observedRate / bin.count, 3);
    ece += (bin.count / scored.length) * Math.abs(bin.meanPredicted - bin.observedRate);
  }
  const base = scored.filter((s) => s.y).length / scored.length;
  return { brier: round(brier / scored.length, 4), brierOfBaseRate: round(base * (1 - base), 4), ece: round(ece, 4), bins: table.filter((b) => b.count > 0) };
}

function round(x: number, digits = 4): number {
  return Number.isFinite(x) ? Number(x.toFixed(digits)) : x;
}

// ---- runs ------------------------------------------------------------------------------------

/** Scores every child with several PRMs; only the first one's score reaches the engine. */
class ShadowScorer implements PrmScorer {
  readonly name = 'shadow';
  readonly scored = new Map<string, { p: number; y: boolean }[]>();
  private readonly pending = new WeakMap<PrmInput, number[]>();

  constructor(private readonly scorers: { label: string; prm: PrmScorer }[]) {
    for (const s of scorers) this.scored.set(s.label, []);
  }

  async score(input: PrmInput): Promise<number> {
    const values: number[] = [];
    for (const { prm } of this.scorers) values.push(await prm.score(input));
    this.pending.set(input, values);
    return values[0];
  }

  learn(input: PrmInput, outcome: PrmOutcome): void {
    const values = this.pending.get(input);
    this.scorers.forEach(({ label, prm }, i) => {
      if (values) this.scored.get(label)?.push({ p: values[i], y: outcome.improved });
      prm.learn?.(input, outcome);
    });
  }
}

interface RunResult {
  /** Evaluations (root included) until the best first reached the target; null if never. */
  evaluationsToTarget: number | null;
  finalBest: number | null;
  evaluations: number;
  /** Every child the PRM scored, with whether it beat its parent (skipped ones evaluated afterwards). */
  judged?: { p: number; y: boolean }[];
}

async function runTask(task: LoadedTask, seed: number, budget: number, strategy: SearchStrategy, prm: PrmScorer, target?: number, treeSitter?: TreeSitterService, judgeAll = false): Promise<RunResult & { bestAt: (n: number) => number | null }> {
  const config: RunConfig = {
    language: task.language, functionName: task.functionName, filePath: join(task.dir, task.file), relativePath: task.file,
    workspaceRoot: task.dir, evaluatorCommand: `bench:${task.name}`, models: ['offline'], budget, concurrency: K, seed, timeoutSec: 30,
  };
  const run = new EvolutionRun(config, { runId: `prm-bench-${task.name}-${seed}`, rootCode: task.rootCode }, {
    sources: [new OfflineMutationSource()],
    evaluator: task.createEvaluator(),
    prm,
    strategy,
    candidateFile: task.candidateFile,
    syntaxIssues: treeSitter ? (text) => treeSitter.syntaxIssues(text, task.language) : async () => [],
  });
  let evaluations = 0;
  let best = -Infinity;
  let reachedAt: number | null = null;
  const bestAfter: number[] = [];
  run.onEvent((event) => {
    if (event.type !== 'node-updated' || !event.node.evaluation || event.node.status === 'evaluating') return;
    evaluations++;
    if (event.node.score !== null) best = Math.max(best, event.node.score);
    bestAfter[evaluations] = best;
    if (target !== undefined && reachedAt === null && best >= target) reachedAt = evaluations;
  });
  const summary = await run.start();
  const judged = judgeAll ? await judgeEveryChild(task, run.nodes()) : undefined;
  return {
    judged,
    evaluationsToTarget: reachedAt,
    finalBest: summary.bestScore,
    evaluations,
    bestAt: (n) => {
      const v = bestAfter[Math.min(n, bestAfter.length - 1)];
      return v === undefined || v === -Infinity ? null : v;
    },
  };
}

/** Each PRM-scored child with its label; children the filter skipped are evaluated here, outside the run. */
async function judgeEveryChild(task: LoadedTask, nodes: readonly CandidateNode[]): Promise<{ p: number; y: boolean }[]> {
  const evaluator = task.createEvaluator();
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out: { p: number; y: boolean }[] = [];
  for (const node of nodes) {
    const parent = node.parentId === null ? undefined : byId.get(node.parentId);
    if (node.prmScore === null || !parent || parent.score === null) continue;
    let score = node.score;
    if (node.skippedByPrm) {
      const result = await evaluator.evaluate({ candidateFileText: task.candidateFile(node.code), relativePath: task.file, functionName: task.functionName, language: task.language, evaluationId: `judge-${node.id}` }, new AbortController().signal);
      score = result.status === 'ok' ? result.score : null;
    } else if (node.status !== 'done' && node.status !== 'failed') continue;
    out.push({ p: node.prmScore, y: score !== null && score > parent.score });
  }
  await evaluator.dispose?.();
  return out;
}

// ---- the measurements ------------------------------------------------------------------------

async function rankingQuality(task: LoadedTask, treeSitter: TreeSitterService, prior: PrmPriorJson | undefined) {
  const perSeed: Record<string, number[]> = {};
  const pooled: Record<string, { p: number; y: boolean }[]> = {};
  let children = 0;
  let improvedRate = 0;
  const store = new PrmStore(mkdtempSync(join(tmpdir(), 'genesis-prm-bench-')));
  const evaluatorCommand = `bench:${task.name}:ranking`;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const warm = (await store.load(evaluatorCommand, { nodeTypes: treeSitter })).prm;
    const shadow = new ShadowScorer([
      { label: 'learned', prm: new LearnedPrm({ nodeTypes: treeSitter }) },
      { label: 'learned-warm', prm: warm },
      ...(prior ? [{ label: 'learned-prior', prm: prmFromPrior(prior, { nodeTypes: treeSitter }) }] : []),
      { label: 'learned-with-run-memory', prm: new LearnedPrm({ nodeTypes: treeSitter, contextFeatures: true }) },
      { label: 'learned-no-node-types', prm: new LearnedPrm() },
      { label: 'diff-prior', prm: new DiffPrior() },
      { label: 'heuristic', prm: new HeuristicPrm() },
    ]);
    await runTask(task, seed, AUC_BUDGET, new ElitistStrategy(), shadow, undefined, treeSitter);
    await store.save(evaluatorCommand, warm);
    for (const [label, scored] of shadow.scored) {
      (perSeed[label] ??= []).push(auc(scored));
      (pooled[label] ??= []).push(...scored);
    }
    const learned = shadow.scored.get('learned') ?? [];
    children += learned.length;
    improvedRate += learned.filter((s) => s.y).length / learned.length / SEEDS;
  }
  rmSync(store.dir, { recursive: true, force: true });
  const aucs = Object.fromEntries(Object.entries(perSeed).map(([label, v]) => [label, { median: round(median(v.filter(Number.isFinite))), perSeed: v.map((x) => round(x, 3)) }]));
  return {
    childrenPerSeed: children / SEEDS,
    improvedRate: round(improvedRate, 3),
    auc: aucs,
    calibration: calibration(pooled.learned),
    calibrationWarm: calibration(pooled['learned-warm']),
    calibrationHeuristic: calibration(pooled.heuristic),
  };
}

async function evaluationsSaved(task: LoadedTask, treeSitter: TreeSitterService, prior: PrmPriorJson | undefined) {
  // Target: what the unfiltered search reaches (median over seeds) after TARGET_AT evaluations.
  const plain: Awaited<ReturnType<typeof runTask>>[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) plain.push(await runTask(task, seed, BEST_OF_CAP, new BestOfNStrategy({ n: K, k: K }), new HeuristicPrm()));
  const target = median(plain.map((r) => r.bestAt(TARGET_AT) ?? -Infinity));
  const toTarget = (r: Awaited<ReturnType<typeof runTask>>) => {
    for (let n = 1; n <= r.evaluations; n++) if ((r.bestAt(n) ?? -Infinity) >= target) return n;
    return null;
  };
  const store = new PrmStore(mkdtempSync(join(tmpdir(), 'genesis-prm-bench-')));
  const evaluatorCommand = `bench:${task.name}:best-of-n`;
  // Each makes the PRM for one seed's run and is told when the run is over.
  const variants: Record<string, { make: () => Promise<PrmScorer>; done?: (prm: PrmScorer) => Promise<void>; strategy?: StrategyOptions }> = {
    learned: { make: async () => new LearnedPrm({ nodeTypes: treeSitter }) },
    'learned-no-explore': { make: async () => new LearnedPrm({ nodeTypes: treeSitter }), strategy: { explore: 0 } },
    ...(prior
      ? {
          'learned-prior': { make: async () => prmFromPrior(prior, { nodeTypes: treeSitter }) },
          'learned-prior-no-explore': { make: async () => prmFromPrior(prior, { nodeTypes: treeSitter }), strategy: { explore: 0 } },
        }
      : {}),
    'learned-warm': {
      make: async () => (await store.load(evaluatorCommand, { nodeTypes: treeSitter })).prm,
      done: async (prm) => void (await store.save(evaluatorCommand, prm as LearnedPrm)),
    },
    heuristic: { make: async () => new HeuristicPrm() },
  };
  const results: Record<string, { evaluationsToTarget: (number | null)[]; finalBest: (number | null)[]; runAuc?: number[] }> = {
    'unfiltered': { evaluationsToTarget: plain.map(toTarget), finalBest: plain.map((r) => r.finalBest) },
  };
  for (const [label, variant] of Object.entries(variants)) {
    const runs: Awaited<ReturnType<typeof runTask>>[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const prm = await variant.make();
      runs.push(await runTask(task, seed, BEST_OF_CAP, new BestOfNStrategy({ n: N, k: K, ...variant.strategy }), prm, target, treeSitter, label !== 'heuristic'));
      await variant.done?.(prm);
    }
    results[`best-of-${N}-top-${K}-${label}`] = {
      evaluationsToTarget: runs.map((r) => r.evaluationsToTarget),
      finalBest: runs.map((r) => r.finalBest),
      ...(label !== 'heuristic' ? { runAuc: runs.map((r) => auc(r.judged ?? [])) } : {}),
    };
  }
  rmSync(store.dir, { recursive: true, force: true });
  const summary = Object.fromEntries(
    Object.entries(results).map(([label, r]) => {
      const counts = r.evaluationsToTarget.map((n) => n ?? BEST_OF_CAP);
      return [label, {
        medianEvaluationsToTarget: median(counts),
        reached: `${r.evaluationsToTarget.filter((n) => n !== null).length}/${SEEDS}`,
        evaluationsToTarget: r.evaluationsToTarget,
        medianFinalBest: round(median(r.finalBest.map((b) => b ?? -Infinity)), 6),
        ...(r.runAuc ? { runAuc: round(median(r.runAuc.filter(Number.isFinite))), runAucPerSeed: r.runAuc.map((x) => round(x, 3)) } : {}),
      }];
    }),
  );
  const base = summary.unfiltered.medianEvaluationsToTarget;
  const saved = (label: string) => round(1 - summary[label].medianEvaluationsToTarget / base, 3);
  const baseline = plain[0].bestAt(1);
  return {
    /** False when the unfiltered search never beat the original by TARGET_AT: nothing to reach. */
    improvable: baseline !== null && target > baseline,
    baseline,
    target: round(target, 6),
    targetDefinition: `median best of the unfiltered search after ${TARGET_AT} evaluations`,
    cap: BEST_OF_CAP,
    variants: summary,
    evaluationsSaved: saved(`best-of-${N}-top-${K}-learned`),
    evaluationsSavedWarm: saved(`best-of-${N}-top-${K}-learned-warm`),
    evaluationsSavedHeuristic: saved(`best-of-${N}-top-${K}-heuristic`),
    evaluationsSavedNoExplore: saved(`best-of-${N}-top-${K}-learned-no-explore`),
    ...(prior
      ? { evaluationsSavedPrior: saved(`best-of-${N}-top-${K}-learned-prior`), evaluationsSavedPriorNoExplore: saved(`best-of-${N}-top-${K}-learned-prior-no-explore`) }
      : {}),
  };
}

/** A held-out task's recorded children replayed in order: each scored before the model learns it. */
async function replayAuc(records: readonly PrmRecord[], make: () => LearnedPrm): Promise<number> {
  const prm = make();
  const scored: { p: number; y: boolean }[] = [];
  for (const record of records) {
    const input = { ...record.input };
    scored.push({ p: await prm.score(input), y: record.outcome.improved });
    prm.learn(input, record.outcome);
  }
  return auc(scored);
}

/** Leave one task out: a prior trained on every recorded task but this one. */
async function priorWithout(task: string, recordings: Map<string, PrmRecord[]>, treeSitter: TreeSitterService): Promise<PrmPriorJson | undefined> {
  const records = [...recordings.entries()].filter(([name]) => name !== task).flatMap(([, r]) => r);
  return records.length === 0 ? undefined : trainPrmPrior(records, { nodeTypes: treeSitter });
}

async function scoringTime(task: LoadedTask, treeSitter: TreeSitterService) {
  const prm = new LearnedPrm({ nodeTypes: treeSitter });
  const random = seededRandom(99);
  const pool = [task.rootCode];
  const scoreMs: number[] = [];
  const learnMs: number[] = [];
  for (let i = 0; i < TIMING_CANDIDATES; i++) {
    const parentIndex = Math.floor(random() * Math.min(pool.length, 50));
    const parentCode = pool[pool.length - 1 - parentIndex];
    const edit = offlineEdit(parentCode, task.language, Math.floor(random() * 2 ** 31));
    if (!edit) continue;
    const input: PrmInput = {
      language: task.language, parentCode, childCode: edit.code, newSyntaxIssues: 0, mutationKind: 'literal-tune', model: 'offline',
      parentRank: parentIndex, parentDepth: Math.floor(i / 20),
    };
    const t0 = performance.now();
    await prm.score(input);
    const t1 = performance.now();
    // Labels do not matter for timing; a fixed share improves, as in a real run.
    const improved = random() < 0.25;
    prm.learn(input, { improved, delta: improved ? random() : -random() });
    const t2 = performance.now();
    scoreMs.push(t1 - t0);
    learnMs.push(t2 - t1);
    if (improved) pool.push(edit.code);
  }
  const sorted = [...scoreMs].sort((a, b) => a - b);
  return {
    candidates: scoreMs.length,
    medianScoreMs: round(median(scoreMs), 4),
    p95ScoreMs: round(sorted[Math.floor(sorted.length * 0.95)], 4),
    medianScoreMsLast500: round(median(scoreMs.slice(-500)), 4),
    medianLearnMs: round(median(learnMs), 4),
    task: task.name,
  };
}

type TaskResult = Awaited<ReturnType<typeof rankingQuality>> & { bestOfN: Awaited<ReturnType<typeof evaluationsSaved>>; cold: ColdFigures };

/** What issue #15 asks per task: AUC and evaluations saved on a first run, with and without the prior, next to warm. */
interface ColdFigures {
  auc: number;
  evaluationsSaved: number | null;
  noPrior: { auc: number; evaluationsSaved: number | null };
  warm: { auc: number; evaluationsSaved: number | null };
  /** Replay only (no live runs of this task here). */
  replay?: boolean;
}

async function main(): Promise<void> {
  const started = performance.now();
  const treeSitter = new TreeSitterService(devWasmPaths(repo));
  if (args.includes('--timing-only')) {
    const timing = await scoringTime(await loadTask(TASKS[0]!, treeSitter), treeSitter);
    treeSitter.dispose();
    const loadAverage = loadavg().map((v) => round(v, 2));
    process.stdout.write(`prm bench: scoring ${timing.medianScoreMs} ms median per candidate (p95 ${timing.p95ScoreMs}, last 500 ${timing.medianScoreMsLast500}) at ${timing.candidates} candidates; load average ${loadAverage.join(' ')}\n`);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'prm-timing.json'), JSON.stringify({ benchmark: 'prm-timing', generatedAt: new Date().toISOString(), loadAverage, timing }, null, 2) + '\n');
    return;
  }
  const tasks: Record<string, TaskResult> = {};
  const excluded: Record<string, string> = {};
  let timing: Awaited<ReturnType<typeof scoringTime>> | undefined;
  const recordings = readAllRecordings();
  const replayed: Record<string, ColdFigures & { runs: number; children: number; improved: number }> = {};
  for (const [name, runs] of readAllRecordedRuns()) {
    if (TASKS.some((t) => t.name === name)) continue;
    const prior = await priorWithout(name, recordings, treeSitter);
    // Each recorded run replayed from a fresh model (cold), as a first run would be; median over runs.
    const withPrior: number[] = [];
    const cold: number[] = [];
    for (const run of runs) {
      if (prior) withPrior.push(await replayAuc(run, () => prmFromPrior(prior, { nodeTypes: treeSitter })));
      cold.push(await replayAuc(run, () => new LearnedPrm({ nodeTypes: treeSitter })));
    }
    const children = runs.reduce((n, r) => n + r.length, 0);
    const improved = runs.reduce((n, r) => n + r.filter((x) => x.outcome.improved).length, 0);
    const finite = (v: number[]) => round(median(v.filter(Number.isFinite)));
    replayed[name] = { auc: finite(withPrior), evaluationsSaved: null, noPrior: { auc: finite(cold), evaluationsSaved: null }, warm: { auc: NaN, evaluationsSaved: null }, replay: true, runs: runs.length, children, improved };
    process.stderr.write(`prm bench: ${name} (replay of ${runs.length} recorded run(s), ${children} children, ${improved} improved): AUC ${finite(withPrior)} with the prior, ${finite(cold)} without\n`);
  }
  for (const definition of TASKS) {
    const task = await loadTask(definition, treeSitter);
    const prior = await priorWithout(task.name, recordings, treeSitter);
    if (!prior) process.stderr.write(`prm bench: no recordings in scripts/prm-prior/recordings: run npm run prm:prior; the prior is left out\n`);
    process.stderr.write(`prm bench: ${task.name}: ranking quality (${SEEDS} seeds × ${AUC_BUDGET} evaluations)…\n`);
    const quality = await rankingQuality(task, treeSitter, prior);
    process.stderr.write(`prm bench: ${task.name}: AUC ${JSON.stringify(Object.fromEntries(Object.entries(quality.auc).map(([k, v]) => [k, v.median])))}\n`);
    process.stderr.write(`prm bench: ${task.name}: evaluations to target (best-of-${N}, top ${K})…\n`);
    const savings = await evaluationsSaved(task, treeSitter, prior);
    process.stderr.write(`prm bench: ${task.name}: saved ${savings.evaluationsSavedPrior} cold with the prior, ${savings.evaluationsSaved} cold without, ${savings.evaluationsSavedWarm} warm (heuristic filter: ${savings.evaluationsSavedHeuristic})\n`);
    const cold: ColdFigures = {
      auc: quality.auc['learned-prior']?.median ?? NaN,
      evaluationsSaved: savings.evaluationsSavedPrior ?? null,
      noPrior: { auc: quality.auc.learned.median, evaluationsSaved: savings.evaluationsSaved },
      warm: { auc: quality.auc['learned-warm'].median, evaluationsSaved: savings.evaluationsSavedWarm },
    };
    tasks[task.name] = { ...quality, bestOfN: savings, cold };
    if (quality.improvedRate === 0 || !savings.improvable) {
      excluded[task.name] = `no child beat its parent with the offline operator (${quality.childrenPerSeed} children per seed): AUC is undefined and there is no target to reach`;
    }
    if (!timing) timing = await scoringTime(task, treeSitter);
  }
  treeSitter.dispose();
  const counted = Object.entries(tasks).filter(([name]) => !(name in excluded)).map(([, t]) => t);
  const perSeed = (label: string) => counted.flatMap((t) => t.auc[label].perSeed).filter(Number.isFinite);
  const result = {
    benchmark: 'prm',
    generatedAt: new Date().toISOString(),
    quick: QUICK,
    machine: { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', node: process.version },
    settings: { seeds: SEEDS, aucBudget: AUC_BUDGET, bestOfN: { n: N, k: K, cap: BEST_OF_CAP, targetAt: TARGET_AT }, operator: 'offline', tasks: TASKS.map((t) => t.name) },
    auc: round(median(perSeed('learned')), 4),
    aucWarm: round(median(perSeed('learned-warm')), 4),
    aucHeuristic: round(median(perSeed('heuristic')), 4),
    aucPrior: round(median(perSeed('learned-prior')), 4),
    evaluationsSavedPrior: round(median(counted.map((t) => t.bestOfN.evaluationsSavedPrior ?? NaN)), 3),
    priorDefinition: 'leave one task out: the prior of each task is trained on the recorded runs of every other task (scripts/prm-prior/recordings), then a cold run starts from it',
    cold: Object.fromEntries<ColdFigures>([...Object.entries(tasks).map(([name, t]): [string, ColdFigures] => [name, t.cold]), ...Object.entries(replayed)]),
    exploration: Object.fromEntries(Object.entries(tasks).map(([name, t]) => {
      const v = t.bestOfN.variants;
      const pick = (label: string) => v[`best-of-${N}-top-${K}-${label}`];
      return [name, {
        runAucWith: pick('learned')?.runAuc, runAucWithout: pick('learned-no-explore')?.runAuc,
        runAucWithPrior: pick('learned-prior')?.runAuc, runAucWithoutPrior: pick('learned-prior-no-explore')?.runAuc,
        savedWith: t.bestOfN.evaluationsSaved, savedWithout: t.bestOfN.evaluationsSavedNoExplore,
        savedWithPrior: t.bestOfN.evaluationsSavedPrior, savedWithoutPrior: t.bestOfN.evaluationsSavedPriorNoExplore,
      }];
    })),
    explorationDefinition: 'runAuc: AUC of the PRM scores of every child a PRM-filtered best-of-N run scored (skipped ones evaluated afterwards, outside the run), median over seeds; with = the default exploration share (BestOfNStrategy explore, decaying), without = explore 0',
    aucDefinition: 'median over (task, seed) of the AUC of P(child beats parent), each child predicted before the model learned from it; auc: a fresh model per run; aucWarm: saved per evaluator and warm-started from the earlier seeds',
    brier: round(median(counted.map((t) => t.calibration.brier)), 4),
    brierWarm: round(median(counted.map((t) => t.calibrationWarm.brier)), 4),
    evaluationsSaved: round(median(counted.map((t) => t.bestOfN.evaluationsSaved)), 3),
    evaluationsSavedWarm: round(median(counted.map((t) => t.bestOfN.evaluationsSavedWarm)), 3),
    evaluationsSavedHeuristic: round(median(counted.map((t) => t.bestOfN.evaluationsSavedHeuristic)), 3),
    evaluationsSavedDefinition: `median over tasks of 1 − median evaluations to target with PRM-filtered best-of-${N} (top ${K}) ÷ without the filter (${K} mutations, all evaluated)`,
    scoring: timing,
    targets: { auc: 0.7, aucCold: 0.72, evaluationsSaved: 0.3, scoringMs: 1 },
    excluded,
    tasks,
    seconds: round((performance.now() - started) / 1000, 1),
  };
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'prm.json'), JSON.stringify(result, null, 2) + '\n');
  const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(40)} ${value}\n`);
  line('AUC, median (target ≥ 0.70)', `${result.auc} cold, ${result.aucWarm} warm-started (heuristic ${result.aucHeuristic})`);
  for (const [name, t] of Object.entries(tasks)) {
    line(`  ${name}`, Object.entries(t.auc).map(([k, v]) => `${k} ${v.median}`).join(', '));
    line(`  ${name} calibration`, `Brier ${t.calibration.brier} cold / ${t.calibrationWarm.brier} warm (base rate alone ${t.calibration.brierOfBaseRate}), ECE ${t.calibration.ece} / ${t.calibrationWarm.ece}`);
    for (const [label, v] of Object.entries(t.bestOfN.variants)) line(`  ${name} ${label}`, `median ${v.medianEvaluationsToTarget} evaluations to target (reached ${v.reached}), final best ${v.medianFinalBest}`);
    if (excluded[name]) line(`  ${name} EXCLUDED`, excluded[name]);
  }
  line('cold with the prior (leave one task out)', `AUC ${result.aucPrior} (target ≥ 0.72), evaluations saved ${result.evaluationsSavedPrior} (target ≥ 0.30)`);
  for (const [name, c] of Object.entries(result.cold)) {
    line(`  ${name}${c.replay ? ' (replay)' : ''}`, `AUC ${c.auc} prior / ${c.noPrior.auc} no prior / ${c.warm.auc} warm; saved ${c.evaluationsSaved} / ${c.noPrior.evaluationsSaved} / ${c.warm.evaluationsSaved}`);
  }
  for (const [name, e] of Object.entries(result.exploration)) {
    line(`  ${name} exploration`, `run AUC ${e.runAucWith} with / ${e.runAucWithout} without (prior: ${e.runAucWithPrior} / ${e.runAucWithoutPrior}); saved ${e.savedWith} / ${e.savedWithout} (prior: ${e.savedWithPrior} / ${e.savedWithoutPrior})`);
  }
  line('evaluations saved, median (target ≥ 0.30)', `${result.evaluationsSaved} cold, ${result.evaluationsSavedWarm} warm-started (heuristic filter ${result.evaluationsSavedHeuristic})`);
  line('scoring per candidate, median', `${timing?.medianScoreMs} ms at ${timing?.candidates} candidates (last 500: ${timing?.medianScoreMsLast500} ms; p95 ${timing?.p95ScoreMs} ms; learn ${timing?.medianLearnMs} ms)`);
  line('written', join(dir, 'prm.json'));
}

main().catch((error: unknown) => {
  process.stderr.write(`prm bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
