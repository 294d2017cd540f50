// The in-process run harness: one EvolutionRun on a benchmark task, exactly as the product
// runs it (the real engine, the offline operator, a PRM, tree-sitter syntax checks), but with
// the task's in-process evaluator and concurrency 1, so a fixed seed gives the same run.
//
// Reused by the PRM benchmark: pass `prm` (a fresh scorer per run, it may learn online),
// `strategy`/`strategyOptions`, or your own `evaluator`. What comes back is the score of every
// evaluation in order, the best-so-far curve, and where the time went (model = the mutation
// source, evaluator, and everything else = engine overhead).
import { EvolutionRun } from '../../../src/core/engine/run';
import type { TreeSitterService } from '../../../src/core/lang/treeSitter';
import { OfflineMutationSource } from '../../../src/core/mutate/offline';
import { HeuristicPrm, type PrmScorer } from '../../../src/core/prm/heuristicPrm';
import { createStrategy, DEFAULT_STRATEGY, type StrategyOptions } from '../../../src/core/search/index';
import type { EvaluationRequest, EvaluationResult, Evaluator, MutationProposal, MutationRequest, MutationSource, RunConfig, SyntaxIssue } from '../../../src/core/types';
import type { LoadedTask } from './task';

export type SyntaxCheck = (fileText: string) => Promise<SyntaxIssue[]>;

/** tree-sitter's syntax issues for a whole candidate file of the task's language. */
export function treeSitterSyntax(treeSitter: TreeSitterService, task: Pick<LoadedTask, 'language'>): SyntaxCheck {
  return (text) => treeSitter.syntaxIssues(text, task.language);
}

export interface SearchRunOptions {
  task: LoadedTask;
  seed: number;
  /** Evaluations, the baseline (root) included. */
  budget: number;
  syntax: SyntaxCheck;
  /** Default: the engine's default strategy. */
  strategy?: string;
  strategyOptions?: StrategyOptions;
  /** A fresh scorer for this run; default HeuristicPrm. */
  prm?: PrmScorer;
  prmThreshold?: number;
  /** Default: the task's in-process evaluator. */
  evaluator?: Evaluator;
  /** Default: the offline literal-tuning operator. */
  source?: MutationSource;
  /** Default 1 (reproducible). */
  concurrency?: number;
}

export interface SearchTrace {
  task: string;
  strategy: string;
  seed: number;
  budget: number;
  /** Score of each evaluation in the order they finished (null: failed); [0] is the root. */
  scores: (number | null)[];
  /** bestSoFar[k] = best score among the first k + 1 evaluations (-Infinity before any). */
  bestSoFar: number[];
  children: number;
  evaluations: number;
  wallMs: number;
  modelMs: number;
  evaluatorMs: number;
  /** Everything else: strategy, patching, dedupe, syntax, PRM, store, events. */
  engineMs: number;
  /** The same split in CPU time of this process (robust when other processes share the cores). */
  cpuMs: number;
  modelCpuMs: number;
  evaluatorCpuMs: number;
  engineCpuMs: number;
  run: EvolutionRun;
}

/** CPU milliseconds (user + system) this process has used. */
function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

class TimedSource implements MutationSource {
  ms = 0;
  cpuMs = 0;
  constructor(private readonly inner: MutationSource) {}
  get id(): string {
    return this.inner.id;
  }
  async propose(request: MutationRequest, signal: AbortSignal): Promise<MutationProposal> {
    const started = performance.now();
    const cpu = cpuNow();
    try {
      return await this.inner.propose(request, signal);
    } finally {
      this.ms += performance.now() - started;
      this.cpuMs += cpuNow() - cpu;
    }
  }
}

class RecordingEvaluator implements Evaluator {
  ms = 0;
  cpuMs = 0;
  readonly scores: (number | null)[] = [];
  constructor(private readonly inner: Evaluator) {}
  async evaluate(request: EvaluationRequest, signal: AbortSignal): Promise<EvaluationResult> {
    const started = performance.now();
    const cpu = cpuNow();
    try {
      const result = await this.inner.evaluate(request, signal);
      if (result.status !== 'cancelled') this.scores.push(result.status === 'ok' ? result.score : null);
      return result;
    } finally {
      this.ms += performance.now() - started;
      this.cpuMs += cpuNow() - cpu;
    }
  }
}

export function bestSoFar(scores: readonly (number | null)[]): number[] {
  let best = -Infinity;
  return scores.map((score) => (best = score !== null && score > best ? score : best));
}

export async function runSearch(options: SearchRunOptions): Promise<SearchTrace> {
  const { task, seed, budget } = options;
  const strategyName = options.strategy ?? DEFAULT_STRATEGY;
  const source = new TimedSource(options.source ?? new OfflineMutationSource());
  const evaluator = new RecordingEvaluator(options.evaluator ?? task.createEvaluator());
  const config: RunConfig = {
    language: task.language,
    functionName: task.functionName,
    filePath: `${task.dir}/${task.file}`,
    relativePath: task.file,
    workspaceRoot: task.dir,
    evaluatorCommand: 'in-process',
    models: [source.id],
    budget,
    concurrency: options.concurrency ?? 1,
    seed,
    timeoutSec: 60,
  };
  const run = new EvolutionRun(config, { runId: `${task.name}-${strategyName}-${seed}`, rootCode: task.rootCode }, {
    sources: [source],
    evaluator,
    syntaxIssues: options.syntax,
    candidateFile: (code) => task.candidateFile(code),
    prm: options.prm ?? new HeuristicPrm(),
    strategy: createStrategy(strategyName, options.strategyOptions),
    ...(options.prmThreshold !== undefined ? { prmThreshold: options.prmThreshold } : {}),
  });
  const started = performance.now();
  const cpuStarted = cpuNow();
  const summary = await run.start();
  const wallMs = performance.now() - started;
  const cpuMs = cpuNow() - cpuStarted;
  if (summary.status !== 'completed') throw new Error(`${run.runId} ended ${summary.status}`);
  return {
    task: task.name,
    strategy: strategyName,
    seed,
    budget,
    scores: evaluator.scores,
    bestSoFar: bestSoFar(evaluator.scores),
    children: run.nodes().length - 1,
    evaluations: summary.evaluations,
    wallMs,
    modelMs: source.ms,
    evaluatorMs: evaluator.ms,
    engineMs: wallMs - source.ms - evaluator.ms,
    cpuMs,
    modelCpuMs: source.cpuMs,
    evaluatorCpuMs: evaluator.cpuMs,
    engineCpuMs: cpuMs - source.cpuMs - evaluator.cpuMs,
    run,
  };
}
