// Typed access to the `genesis.*` settings: the only place that reads them. A value that does
// not fit its setting falls back to the default and says so in `warnings` (logged at run start).
import * as vscode from 'vscode';
import { isAbsolute, join } from 'node:path';
import { parseRunners, parseStages, type RunnersConfig } from '../core/evaluate/runnerConfig';
import type { PriceOverrides, TokenPrice } from '../core/llm/pricing';
import { DEFAULT_MUTATION_MIX, type MutationMix } from '../core/mutate/prompt';
import { DEFAULT_STRATEGY, isStrategyName, STRATEGY_NAMES, type StrategyName } from '../core/search/index';
import type { StageConfig } from '../core/types';

export type SandboxMode = 'auto' | 'none';

export type StrategyOptionValue = number | string | boolean;

/** `genesis.prm.llmJudge`: a chat model that rates each candidate change before it is evaluated. */
export interface LlmJudgeSetting {
  /** A model spec, e.g. openai:gpt-4o-mini or openai-compatible:http://127.0.0.1:8080/v1#qwen. */
  model: string;
  weight: number;
}

/** `genesis.prm.remote`: a reward-model server (OpenR value worker or vLLM pooling endpoint). */
export interface RemotePrmSetting {
  protocol: 'openr' | 'vllm';
  url: string;
  model?: string;
  weight: number;
}

export interface GenesisSettings {
  evaluatorCommand: string;
  models: string[];
  budget: number;
  concurrency: number;
  timeoutSeconds: number;
  seed: number;
  /** Absolute, or empty for `<workspace>/.genesis/runs`. */
  runsDirectory: string;
  sandbox: SandboxMode;
  /** USD per million tokens by model name, name prefix or spec; overrides the default table. */
  prices: PriceOverrides;
  /** Stop a run once this much (USD) went to model calls; 0 = no cost budget. */
  budgetUsd: number;
  /** Stop a run once this many tokens (in + out) were used; 0 = no token budget. */
  budgetTokens: number;
  strategy: StrategyName;
  strategyOptions: Record<string, StrategyOptionValue>;
  /** Weights of the mutation kinds asked of model sources. */
  mutationMix: MutationMix;
  /** One repair attempt for a model-written candidate that fails to compile or its tests. */
  repair: boolean;
  llmJudge?: LlmJudgeSetting;
  remotePrm?: RemotePrmSetting;
  /** `genesis.runners`, checked; empty when none are set. */
  runners: RunnersConfig;
  /** `genesis.stages`, checked against the runners; empty: no cascade. */
  stages: StageConfig[];
  /** Why genesis.runners / genesis.stages cannot be used: runs refuse to start (never a silent fallback to local). */
  runnerError?: string;
  /** Values that were ignored, one line each: what and why. */
  warnings: string[];
}

export const DEFAULT_SETTINGS: GenesisSettings = {
  evaluatorCommand: 'python3 evaluate.py',
  models: ['offline'],
  budget: 40,
  concurrency: 2,
  timeoutSeconds: 60,
  seed: 1,
  runsDirectory: '',
  sandbox: 'auto',
  prices: {},
  budgetUsd: 0,
  budgetTokens: 0,
  strategy: DEFAULT_STRATEGY,
  strategyOptions: {},
  mutationMix: { ...DEFAULT_MUTATION_MIX },
  repair: true,
  runners: {},
  stages: [],
  warnings: [],
};

/** Default weight of an extra PRM scorer against the learned PRM's 1. */
export const DEFAULT_EXTRA_SCORER_WEIGHT = 0.5;

function positiveInt(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** Settings for a resource (folder-level settings win over user settings). */
export function readSettings(scope?: vscode.Uri): GenesisSettings {
  const c = vscode.workspace.getConfiguration('genesis', scope);
  const warnings: string[] = [];
  const models = c.get<unknown>('models');
  const sandbox = c.get<unknown>('sandbox');
  const evaluatorCommand = c.get<unknown>('evaluatorCommand');
  const runsDirectory = c.get<unknown>('runsDirectory');
  const seed = c.get<unknown>('seed');
  const settings: GenesisSettings = {
    evaluatorCommand:
      typeof evaluatorCommand === 'string' && evaluatorCommand.trim() ? evaluatorCommand.trim() : DEFAULT_SETTINGS.evaluatorCommand,
    models:
      Array.isArray(models) && models.length > 0 && models.every((m) => typeof m === 'string' && m.trim())
        ? models.map((m: string) => m.trim())
        : DEFAULT_SETTINGS.models,
    budget: positiveInt(c.get('budget'), DEFAULT_SETTINGS.budget),
    concurrency: positiveInt(c.get('concurrency'), DEFAULT_SETTINGS.concurrency),
    timeoutSeconds: positiveInt(c.get('timeoutSeconds'), DEFAULT_SETTINGS.timeoutSeconds),
    seed: typeof seed === 'number' && Number.isInteger(seed) ? seed : DEFAULT_SETTINGS.seed,
    runsDirectory: typeof runsDirectory === 'string' ? runsDirectory.trim() : '',
    sandbox: sandbox === 'none' ? 'none' : 'auto',
    prices: readPrices(c.get<unknown>('prices'), warnings),
    budgetUsd: readLimit('budgetUsd', c.get<unknown>('budgetUsd'), warnings),
    budgetTokens: Math.floor(readLimit('budgetTokens', c.get<unknown>('budgetTokens'), warnings)),
    strategy: readStrategy(c.get<unknown>('strategy'), warnings),
    strategyOptions: readStrategyOptions(c.get<unknown>('strategyOptions'), warnings),
    mutationMix: readMutationMix(c.get<unknown>('mutationMix'), warnings),
    repair: c.get<unknown>('repair') !== false,
    runners: {},
    stages: [],
    warnings,
  };
  try {
    settings.runners = parseRunners(c.get<unknown>('runners'));
    settings.stages = parseStages(c.get<unknown>('stages'), settings.runners);
  } catch (error) {
    settings.runnerError = error instanceof Error ? error.message : String(error);
  }
  const judge = readLlmJudge(c.get<unknown>('prm.llmJudge'), warnings);
  if (judge) settings.llmJudge = judge;
  const remote = readRemotePrm(c.get<unknown>('prm.remote'), warnings);
  if (remote) settings.remotePrm = remote;
  return settings;
}

/** Where runs of a workspace persist: the setting (relative to the workspace) or `.genesis/runs`. */
export function runsDirFor(workspaceRoot: string, settings: GenesisSettings): string {
  if (!settings.runsDirectory) return join(workspaceRoot, '.genesis', 'runs');
  return isAbsolute(settings.runsDirectory) ? settings.runsDirectory : join(workspaceRoot, settings.runsDirectory);
}

/** `genesis.prices`: { "MODEL": { "input": USD/Mtok, "output": USD/Mtok } }; bad entries are skipped. */
function readPrices(value: unknown, warnings: string[]): PriceOverrides {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    warnings.push('genesis.prices should be an object of MODEL: {"input": USD, "output": USD} per million tokens; ignored');
    return {};
  }
  const prices: PriceOverrides = {};
  for (const [model, price] of Object.entries(value)) {
    if (isRecord(price) && isNonNegative(price.input) && isNonNegative(price.output)) {
      prices[model] = { input: price.input, output: price.output } satisfies TokenPrice;
    } else {
      warnings.push(`genesis.prices["${model}"] should be {"input": USD, "output": USD} per million tokens, both ≥ 0; ignored`);
    }
  }
  return prices;
}

/** A budget where empty, null or 0 mean "none". */
function readLimit(name: string, value: unknown, warnings: string[]): number {
  if (value === undefined || value === null || value === '' || value === 0) return 0;
  if (isNonNegative(value)) return value;
  warnings.push(`genesis.${name} should be a number ≥ 0 (0 or empty: no limit); ignored`);
  return 0;
}

function readStrategy(value: unknown, warnings: string[]): StrategyName {
  if (value === undefined || value === null || value === '') return DEFAULT_STRATEGY;
  if (typeof value === 'string' && isStrategyName(value)) return value;
  warnings.push(`genesis.strategy "${String(value)}" is not one of ${STRATEGY_NAMES.join(', ')}; using ${DEFAULT_STRATEGY}`);
  return DEFAULT_STRATEGY;
}

function readStrategyOptions(value: unknown, warnings: string[]): Record<string, StrategyOptionValue> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    warnings.push('genesis.strategyOptions should be an object of option: number | string | boolean; ignored');
    return {};
  }
  const options: Record<string, StrategyOptionValue> = {};
  for (const [key, option] of Object.entries(value)) {
    if (typeof option === 'number' || typeof option === 'string' || typeof option === 'boolean') options[key] = option;
    else warnings.push(`genesis.strategyOptions.${key} should be a number, string or boolean; ignored`);
  }
  return options;
}

function readMutationMix(value: unknown, warnings: string[]): MutationMix {
  const mix: MutationMix = { ...DEFAULT_MUTATION_MIX };
  if (value === undefined || value === null) return mix;
  if (!isRecord(value)) {
    warnings.push('genesis.mutationMix should be {"diff": w, "rewrite": w, "crossover": w}; using the default');
    return mix;
  }
  for (const kind of ['diff', 'rewrite', 'crossover'] as const) {
    const weight = value[kind];
    if (weight === undefined) continue;
    if (isNonNegative(weight)) mix[kind] = weight;
    else warnings.push(`genesis.mutationMix.${kind} should be a weight ≥ 0; using ${DEFAULT_MUTATION_MIX[kind]}`);
  }
  if (mix.diff + mix.rewrite + mix.crossover <= 0) {
    warnings.push('genesis.mutationMix has no positive weight; using the default');
    return { ...DEFAULT_MUTATION_MIX };
  }
  return mix;
}

function readWeight(name: string, value: unknown, warnings: string[]): number {
  if (value === undefined || value === null) return DEFAULT_EXTRA_SCORER_WEIGHT;
  if (isNonNegative(value)) return value;
  warnings.push(`${name}.weight should be a number ≥ 0; using ${DEFAULT_EXTRA_SCORER_WEIGHT}`);
  return DEFAULT_EXTRA_SCORER_WEIGHT;
}

/** An empty object or an empty model means "no judge" (the setting's default). */
function readLlmJudge(value: unknown, warnings: string[]): LlmJudgeSetting | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    warnings.push('genesis.prm.llmJudge should be {"model": SPEC, "weight": w}; ignored');
    return undefined;
  }
  if (value.model === undefined || value.model === '') return undefined;
  if (typeof value.model !== 'string' || !value.model.trim()) {
    warnings.push('genesis.prm.llmJudge.model should be a model spec such as openai:gpt-4o-mini; ignored');
    return undefined;
  }
  return { model: value.model.trim(), weight: readWeight('genesis.prm.llmJudge', value.weight, warnings) };
}

/** An empty object or an empty url means "no remote reward model" (the setting's default). */
function readRemotePrm(value: unknown, warnings: string[]): RemotePrmSetting | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    warnings.push('genesis.prm.remote should be {"protocol": "openr" | "vllm", "url": URL, "model"?: NAME, "weight": w}; ignored');
    return undefined;
  }
  if (value.url === undefined || value.url === '') return undefined;
  if (typeof value.url !== 'string' || !/^https?:\/\//.test(value.url.trim())) {
    warnings.push('genesis.prm.remote.url should be an http(s) URL; ignored');
    return undefined;
  }
  const protocol = value.protocol ?? 'openr';
  if (protocol !== 'openr' && protocol !== 'vllm') {
    warnings.push(`genesis.prm.remote.protocol "${String(protocol)}" should be "openr" or "vllm"; ignored`);
    return undefined;
  }
  const remote: RemotePrmSetting = { protocol, url: value.url.trim(), weight: readWeight('genesis.prm.remote', value.weight, warnings) };
  if (typeof value.model === 'string' && value.model.trim()) remote.model = value.model.trim();
  if (protocol === 'vllm' && !remote.model) {
    warnings.push('genesis.prm.remote needs "model" (the served model name) with protocol "vllm"; ignored');
    return undefined;
  }
  return remote;
}
