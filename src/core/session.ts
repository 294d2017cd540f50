// Wires the parts of a run together: locate the function, build the mutation sources, the PRM,
// the evaluator and the store, then start the engine. Used by the extension and the CLI alike.
import { relative } from 'node:path';
import { EvolutionRun } from './engine/run';
import { LocalEvaluator } from './evaluate/localEvaluator';
import { TreeSitterService, wasmPathsIn } from './lang/treeSitter';
import { ProviderLimits } from './llm/concurrency';
import type { PriceOverrides } from './llm/pricing';
import { createMutationSource } from './llm/sourceFactory';
import { HeuristicPrm } from './prm/heuristicPrm';
import { newRunId, RunStore } from './store/runStore';
import type { FunctionLocation, LanguageId, MutationSource, RunConfig } from './types';

export interface StartRunOptions {
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
  budgetUsd?: number;
  budgetTokens?: number;
  strategy?: string;
  strategyOptions?: Record<string, number | string | boolean>;
  sandbox?: 'auto' | 'none';
  memoryMb?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface StartedRun {
  run: EvolutionRun;
  location: FunctionLocation;
  evaluator: LocalEvaluator;
}

export async function startRun(options: StartRunOptions): Promise<StartedRun> {
  const log = options.log ?? (() => undefined);
  if (!Number.isInteger(options.budget) || options.budget < 1) throw new Error(`the budget must be a whole number ≥ 1 (got ${options.budget})`);
  if (!options.evaluatorCommand.trim()) throw new Error('no evaluator command: set one (e.g. "python3 evaluate.py")');
  if (options.models.length === 0) throw new Error('no model: use "offline" or "openai-compatible:URL#MODEL"');

  const ownTreeSitter = !options.treeSitter;
  if (!options.treeSitter && !options.wasmDir) throw new Error('startRun needs treeSitter or wasmDir');
  const treeSitter = options.treeSitter ?? new TreeSitterService(wasmPathsIn(options.wasmDir as string));
  const location = await treeSitter.findFunctionByName(options.fileText, options.language, options.functionName, options.functionStartLine);
  if (!location) throw new Error(`function ${options.functionName} not found in ${options.filePath}`);

  const sources = await Promise.all(options.models.map((spec) => (options.sourceFor?.(spec) ?? createSource(spec, options))));
  const config: RunConfig = {
    language: options.language,
    functionName: location.name,
    filePath: options.filePath,
    relativePath: relative(options.workspaceRoot, options.filePath),
    workspaceRoot: options.workspaceRoot,
    evaluatorCommand: options.evaluatorCommand,
    models: sources.map((s) => s.id),
    budget: options.budget,
    concurrency: options.concurrency ?? 2,
    seed: options.seed ?? 1,
    timeoutSec: options.timeoutSec ?? 60,
    ...(options.budgetUsd !== undefined ? { budgetUsd: options.budgetUsd } : {}),
    ...(options.budgetTokens !== undefined ? { budgetTokens: options.budgetTokens } : {}),
    ...(options.strategy ? { strategy: options.strategy } : {}),
    ...(options.strategyOptions ? { strategyOptions: options.strategyOptions } : {}),
  };
  if (config.relativePath.startsWith('..')) throw new Error(`${options.filePath} is outside the workspace ${options.workspaceRoot}`);

  const evaluator = new LocalEvaluator({
    workspaceRoot: options.workspaceRoot,
    command: options.evaluatorCommand,
    timeoutSec: config.timeoutSec,
    sandbox: options.sandbox === 'none' ? 'none' : 'auto',
    ...(options.memoryMb ? { memoryMb: options.memoryMb } : {}),
  });
  await evaluator.prepare();
  if (evaluator.sandboxMode === 'none') log('warn', 'evaluations run unsandboxed (bubblewrap is not available or is turned off)');

  const fileText = options.fileText;
  const candidateFile = (code: string) => fileText.slice(0, location.startIndex) + code + fileText.slice(location.endIndex);
  const store = new RunStore(options.runsDir);
  const runId = newRunId();
  const recorder = store.openRecorder(runId, (error) => log('error', error.message));
  const run: EvolutionRun = new EvolutionRun(
    config,
    { runId, rootCode: location.text },
    {
      sources,
      evaluator,
      prm: new HeuristicPrm(),
      candidateFile,
      syntaxIssues: (text) => treeSitter.syntaxIssues(text, options.language),
      // Events are recorded only after construction (start() emits the first), so `run` is set.
      record: (event) => recorder.record(event, run.summary()),
    },
  );
  run.onEvent((event) => {
    if (event.type === 'log') log(event.level, event.message);
  });
  void run.done.finally(async () => {
    recorder.close();
    await evaluator.dispose().catch(() => undefined);
    if (ownTreeSitter) treeSitter.dispose();
  });
  run.start();
  return { run, location, evaluator };
}

/** Per-provider (base URL) concurrency: at most 4 calls in flight to one server, across runs. */
const providerLimits = new ProviderLimits(() => 4);

async function createSource(spec: string, options: StartRunOptions): Promise<MutationSource> {
  const apiKey = await options.apiKeyFor?.(spec);
  return createMutationSource(spec, { ...(apiKey ? { apiKey } : {}), ...(options.prices ? { prices: options.prices } : {}), limits: providerLimits });
}
