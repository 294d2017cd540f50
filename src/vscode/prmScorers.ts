// The optional PRM scorers a run mixes with the learned PRM, built from the settings
// `genesis.prm.llmJudge` and `genesis.prm.remote`, with keys from SecretStorage. A scorer that
// cannot be built is left out with a warning: the run goes on with the learned PRM.
import type { WeightedScorer } from '../core/prm/combinedPrm';
import { LlmJudge } from '../core/prm/llmJudge';
import { RemoteRewardModel } from '../core/prm/remoteRewardModel';
import { parseModelSpec } from '../core/llm/modelSpec';
import type { PriceOverrides } from '../core/llm/pricing';
import { sourcePrice } from '../core/llm/sourceFactory';
import type { LlmJudgeSetting, RemotePrmSetting } from './settings';

export interface PrmScorerSettings {
  llmJudge?: LlmJudgeSetting;
  remotePrm?: RemotePrmSetting;
  prices: PriceOverrides;
}

export interface PrmScorerKeys {
  /** The key for a model spec (stored for the spec or its base URL). */
  keyFor(modelSpec: string): Promise<string | undefined>;
  /** The key stored for a URL as written (the reward-model server). */
  keyForTarget(target: string): Promise<string | undefined>;
}

export interface BuiltPrmScorers {
  scorers: WeightedScorer[];
  /** Why a configured scorer was left out, one line each. */
  warnings: string[];
  /** One line per scorer in use, for the log. */
  described: string[];
}

export async function buildExtraPrmScorers(settings: PrmScorerSettings, keys: PrmScorerKeys): Promise<BuiltPrmScorers> {
  const built: BuiltPrmScorers = { scorers: [], warnings: [], described: [] };
  if (settings.llmJudge && settings.llmJudge.weight > 0) {
    const judge = await llmJudgeFor(settings.llmJudge, settings.prices, keys);
    if ('warning' in judge) built.warnings.push(judge.warning);
    else {
      built.scorers.push({ scorer: judge.scorer, weight: settings.llmJudge.weight });
      built.described.push(`PRM: LLM judge ${settings.llmJudge.model} (weight ${settings.llmJudge.weight})`);
    }
  }
  if (settings.remotePrm && settings.remotePrm.weight > 0) {
    const remote = settings.remotePrm;
    try {
      const apiKey = await keys.keyForTarget(remote.url);
      const scorer = new RemoteRewardModel({
        protocol: remote.protocol,
        url: remote.url,
        ...(remote.model ? { model: remote.model } : {}),
        ...(apiKey ? { apiKey } : {}),
      });
      built.scorers.push({ scorer, weight: remote.weight });
      built.described.push(`PRM: reward model (${remote.protocol}) at ${remote.url} (weight ${remote.weight})`);
    } catch (error) {
      built.warnings.push(`genesis.prm.remote left out: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return built;
}

/** The judge speaks OpenAI Chat Completions, so it takes openai: and openai-compatible: models. */
async function llmJudgeFor(setting: LlmJudgeSetting, prices: PriceOverrides, keys: PrmScorerKeys): Promise<{ scorer: LlmJudge } | { warning: string }> {
  let parsed;
  try {
    parsed = parseModelSpec(setting.model);
  } catch (error) {
    return { warning: `genesis.prm.llmJudge left out: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (parsed.kind !== 'openai-compatible') {
    return {
      warning: `genesis.prm.llmJudge left out: the judge needs an OpenAI-compatible model (openai:MODEL or openai-compatible:URL#MODEL), not ${setting.model}`,
    };
  }
  const apiKey = await keys.keyFor(setting.model);
  const price = sourcePrice(setting.model, prices);
  return {
    scorer: new LlmJudge({
      baseURL: parsed.baseURL,
      model: parsed.model,
      ...(apiKey ? { apiKey } : {}),
      pricePerMTokIn: price.input,
      pricePerMTokOut: price.output,
    }),
  };
}
