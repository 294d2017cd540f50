// Wires the parts of a run together: locate the function, build the mutation sources, the
// search strategy, the PRM, the evaluator and the store, then start the engine — for a new run
// (startRun) or a stored one that stopped or crashed (resumeRun). Used by the extension and
// the CLI alike.
import { join, relative } from 'node:path';
import { EvolutionRun, type RestoredRun } from './engine/run';
import { createEvaluator, type PreparedEvaluator } from './evaluate/evaluatorFactory';
import type { RunnersConfig } from './evaluate/runnerConfig';
import { TreeSitterService, wasmPathsIn } from './lang/treeSitter';
import { ProviderLimits } from './llm/concurrency';
import type { PriceOverrides } from './llm/pricing';
import { createMutationSource } from './llm/sourceFactory';
import { CombinedPrm, type WeightedScorer } from './prm/combinedPrm';
import { shippedPrmPriorFile } from './prm/prmPrior';
import { PrmStore } from './prm/prmStore';
import { createStrategy, DEFAULT_STRATEGY, DEFAULT_STRATEGY_OPTIONS } from './search/index';
import type { RunLock } from './store/runLock';
import { newRunId, RunStore } from './store/runStore';
import type { FunctionLocation, LanguageId, MutationSource, RunConfig, RunSource, StageConfig } from './types';

/** What both a new and a resumed run need from their host (extension or CLI). */
export interface RunEnvironment {
  runsDir: string;
  /** Folder with tree-sitter.wasm and the grammar .wasm files. */
  wasmDir?: string;
  /** An already started tree-sitter service (the extension keeps one). */
  treeSitter?: TreeSitterService;
  apiKeyFor?: (modelSpec: string) => Promise<string | undefined>;
  /** Lets the VS Code layer supply sources the core cannot build (vscode-lm:...); undefined = default. */
  sourceFor?: (modelSpec: string) => Promise<MutationSource> | undefined;
  /** User prices (USD per million tokens) by model name or spec. */
  prices?: PriceOverrides;
  sandbox?: 'auto' | 'none';
  memoryMb?: number;
  /** Named runners (`genesis.runners`, the CLI's --runners-file) that RunConfig.runner and stages refer to. */
  runners?: RunnersConfig;
  /** Optional PRM scorers mixed with the learned one (LLM judge, remote reward model). */
  extraPrmScorers?: WeightedScorer[];
  /** The PRM prior a workspace's first run starts from (default: the one shipped in media/). */
  prmPriorFile?: string;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface StartRunOptions extends RunEnvironment {
  workspaceRoot: string;
  filePath: string;
  fileText: string;
  language: LanguageId;
  functionName: string;
  /** 0-based line hint when several functions share the name. */
  functionStartLine?: number;
  evaluatorCommand: string;
  models: string[];
  budget: number;
  concurrency?: number;
  seed?: number;
  timeoutSec?: number;
  budgetUsd?: number;
  budgetTokens?: number;
  strategy?: string;
  strategyOptions?: Record<string, number | string | boolean>;
  /** A runner name from `runners` for every evaluation (default: this machine). */
  runner?: string;
  /** Cascade stages, cheap first (`genesis.stages`, the CLI's --stage). */
  stages?: StageConfig[];
  mutationMix?: RunConfig['mutationMix'];
  repair?: boolean;
}

export interface ResumeRunOptions extends RunEnvironment {
  runId: string;
  /** Raise the evaluation budget while resuming. */
  budget?: number;
}

export interface StartedRun {
  run: EvolutionRun;
  location: FunctionLocation;
  evaluator: PreparedEvaluator;
}

export async function startRun(options: StartRunOptions): Promise<StartedRun> {
  if (!Number.isInteger(options.budget) || options.budget < 1) throw new Error(`the budget must be a whole number ≥ 1 (got ${options.budget})`);
  if (!options.evaluatorCommand.trim()) throw new Error('no evaluator command: set one (e.g. "python3 evaluate.py")');
  if (options.models.length === 0) throw new Error('no model: use "offline" or "openai-compatible:URL#MODEL"');
  const strategy = options.strategy ?? DEFAULT_STRATEGY;
  createStrategy(strategy, options.strategyOptions); // fails early on an unknown name or bad options

  const treeSitter = treeSitterFor(options);
  const location = await treeSitter.service.findFunctionByName(options.fileText, options.language, options.functionName, options.functionStartLine);
  if (!location) {
    treeSitter.release();
    throw new Error(`function ${options.functionName} not found in ${options.filePath}`);
  }
  const config: RunConfig = {
    language: options.language,
    functionName: location.name,
    filePath: options.filePath,
    relativePath: relative(options.workspaceRoot, options.filePath),
    workspaceRoot: options.workspaceRoot,
    evaluatorCommand: options.evaluatorCommand,
    models: [...options.models],
    budget: options.budget,
    concurrency: options.concurrency ?? 2,
    seed: options.seed ?? 1,
    timeoutSec: options.timeoutSec ?? 60,
    strategy,
    ...(options.budgetUsd !== undefined ? { budgetUsd: options.budgetUsd } : {}),
    ...(options.budgetTokens !== undefined ? { budgetTokens: options.budgetTokens } : {}),
    ...(options.strategyOptions ? { strategyOptions: options.strategyOptions } : {}),
    ...(options.runner ? { runner: options.runner } : {}),
    ...(options.stages && options.stages.length > 0 ? { stages: options.stages } : {}),
    ...(options.mutationMix ? { mutationMix: options.mutationMix } : {}),
    ...(options.repair !== undefined ? { repair: options.repair } : {}),
  };
  if (config.relativePath.startsWith('..')) {
    treeSitter.release();
    throw new Error(`${options.filePath} is outside the workspace ${options.workspaceRoot}`);
  }
  const source: RunSource = { fileText: options.fileText, startIndex: location.startIndex, endIndex: location.endIndex };
  const runId = newRunId();
  let lock: RunLock;
  try {
    lock = new RunStore(options.runsDir).lockForWriting(runId, true);
  } catch (error) {
    treeSitter.release();
    throw error;
  }
  return launch(options, treeSitter, config, source, { runId, rootCode: location.text }, location, lock);
}

/**
 * Continues a stored run (interrupted by a crash or reload, or stopped): completed evaluations
 * are kept, in-flight ones are evaluated again, the strategy and the model bandit continue from
 * their last saved state, and new events are appended to the same log.
 */
export async function resumeRun(options: ResumeRunOptions): Promise<StartedRun> {
  // The lock comes first: the log is read once no one else is writing it, and no second writer starts.
  const lock = new RunStore(options.runsDir).lockForWriting(options.runId, false);
  try {
    return await resumeLocked(options, lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function resumeLocked(options: ResumeRunOptions, lock: RunLock): Promise<StartedRun> {
  const stored = await new RunStore(options.runsDir).load(options.runId);
  for (const warning of stored.warnings) options.log?.('warn', `run ${options.runId}: ${warning}`);
  if (!stored.source) throw new Error(`run ${options.runId} was recorded without its source file and cannot be resumed; start a new run instead`);
  const config: RunConfig = { ...stored.config, strategy: stored.config.strategy ?? stored.searchState?.strategy ?? DEFAULT_STRATEGY };
  const budget = Math.max(options.budget ?? 0, stored.summary.budget);
  const root = stored.nodes[0];
  const { fileText, startIndex, endIndex } = stored.source;
  const location: FunctionLocation = {
    name: config.functionName,
    language: config.language,
    kind: 'function',
    startIndex,
    endIndex,
    startLine: lineAt(fileText, startIndex),
    endLine: lineAt(fileText, endIndex),
    text: root.code,
  };
  const restore: RestoredRun = { nodes: stored.nodes, startedAt: stored.summary.startedAt, budget, banditState: stored.searchState?.bandit };
  const strategyState = stored.searchState && stored.searchState.strategy === config.strategy ? stored.searchState.strategyState : undefined;
  return launch(options, treeSitterFor(options), config, stored.source, { runId: options.runId, rootCode: root.code, restore }, location, lock, strategyState);
}

async function launch(
  env: RunEnvironment,
  treeSitter: { service: TreeSitterService; release(): void },
  config: RunConfig,
  source: RunSource,
  identity: { runId: string; rootCode: string; restore?: RestoredRun },
  location: FunctionLocation,
  lock: RunLock,
  strategyState?: unknown,
): Promise<StartedRun> {
  const log = env.log ?? (() => undefined);
  let evaluator: PreparedEvaluator | undefined;
  try {
    const sources = await Promise.all(config.models.map((spec) => env.sourceFor?.(spec) ?? createSource(spec, env)));
    const strategy = createStrategy(config.strategy ?? DEFAULT_STRATEGY, config.strategyOptions ?? DEFAULT_STRATEGY_OPTIONS, strategyState);
    evaluator = await createEvaluator(config, env);

    // The learned PRM is kept per workspace and per evaluator, so each run starts from the last;
    // the first starts from the shipped prior.
    const prmStore = new PrmStore(join(config.workspaceRoot, '.genesis', 'prm'), { priorFile: env.prmPriorFile ?? shippedPrmPriorFile() });
    const { prm: learned, warning } = await prmStore.load(config.evaluatorCommand, { nodeTypes: treeSitter.service });
    if (warning) log('warn', warning);
    // Extra scorers (LLM judge, remote reward model) are mixed in; the learned model keeps learning.
    const prm = env.extraPrmScorers && env.extraPrmScorers.length > 0 ? new CombinedPrm(learned, env.extraPrmScorers) : learned;
    const { fileText, startIndex, endIndex } = source;
    const candidateFile = (code: string) => fileText.slice(0, startIndex) + code + fileText.slice(endIndex);
    // A log that cannot be written (disk full) ends the run: an evaluation that cannot be
    // recorded would be lost. Free space, then resume.
    const runRef: { current?: EvolutionRun } = {};
    const recorder = new RunStore(env.runsDir).openRecorder(identity.runId, (error) => {
      log('error', error.message);
      runRef.current?.fail(`${error.message}; the run stopped so that no evaluation goes unrecorded: free space, then resume it`);
    });
    const chosenEvaluator = evaluator;
    const run: EvolutionRun = new EvolutionRun(config, identity, {
      sources,
      evaluator: chosenEvaluator.evaluator,
      prm,
      strategy,
      candidateFile,
      source,
      syntaxIssues: (text) => treeSitter.service.syntaxIssues(text, config.language),
      // Events are recorded only after construction (start() emits the first), so `run` is set.
      record: (event) => recorder.record(event, run.summary()),
    });
    runRef.current = run;
    run.onEvent((event) => {
      if (event.type === 'log') log(event.level, event.message);
    });
    void run.done.finally(async () => {
      recorder.close();
      lock.release();
      await prmStore.save(config.evaluatorCommand, learned).catch((error: unknown) => log('warn', `could not save the PRM: ${String(error)}`));
      await chosenEvaluator.dispose().catch(() => undefined);
      treeSitter.release();
    });
    run.start();
    return { run, location, evaluator: chosenEvaluator };
  } catch (error) {
    await evaluator?.dispose().catch(() => undefined);
    treeSitter.release();
    lock.release();
    throw error;
  }
}

/** The host's tree-sitter service, or one of our own that the run disposes when it ends. */
function treeSitterFor(env: RunEnvironment): { service: TreeSitterService; release(): void } {
  if (env.treeSitter) return { service: env.treeSitter, release: () => undefined };
  if (!env.wasmDir) throw new Error('a run needs treeSitter or wasmDir');
  const service = new TreeSitterService(wasmPathsIn(env.wasmDir));
  return { service, release: () => service.dispose() };
}

/** Per-provider (base URL) concurrency: at most 4 calls in flight to one server, across runs. */
const providerLimits = new ProviderLimits(() => 4);

async function createSource(spec: string, env: RunEnvironment): Promise<MutationSource> {
  const apiKey = await env.apiKeyFor?.(spec);
  return createMutationSource(spec, { ...(apiKey ? { apiKey } : {}), ...(env.prices ? { prices: env.prices } : {}), limits: providerLimits });
}

function lineAt(text: string, index: number): number {
  let line = 0;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
