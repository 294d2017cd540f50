// One place that turns a model spec into a mutation source, priced from the price table.
import { OfflineMutationSource } from '../mutate/offline';
import type { PromptLimits } from '../mutate/prompt';
import type { MutationSource } from '../types';
import { AnthropicSource } from './anthropic';
import { limitConcurrency, type ProviderLimits } from './concurrency';
import { parseModelSpec } from './modelSpec';
import { OpenAICompatibleSource } from './openaiCompatible';
import { priceOf, type PriceOverrides, type ResolvedPrice } from './pricing';
import type { RetryEvent, RetryPolicy } from './retry';

export interface SourceOptions {
  apiKey?: string;
  /** User prices (USD per million tokens) by model name, prefix or spec; see pricing.ts. */
  prices?: PriceOverrides;
  /** Limit of one call attempt, reply stream included (default 120 s). */
  timeoutMs?: number;
  maxTokens?: number;
  temperature?: number;
  retry?: Partial<Omit<RetryPolicy, 'timeoutMs'>> & { random?: () => number };
  promptLimits?: Partial<PromptLimits>;
  onRetry?: (event: RetryEvent) => void;
  /** Shared per-provider (base URL) concurrency limits; unlimited when unset. */
  limits?: ProviderLimits;
}

/**
 * A mutation source for `spec` whose id is the spec itself (so bandit arms, settings and node
 * records all use the string the user wrote). VS Code models need the extension's layer.
 */
export function createMutationSource(spec: string, options: SourceOptions = {}): MutationSource {
  const parsed = parseModelSpec(spec);
  switch (parsed.kind) {
    case 'offline':
      return new OfflineMutationSource();
    case 'vscode-lm':
      throw new Error(
        `${parsed.spec} is a VS Code language model: it can only be used from the VS Code extension, not from the CLI or the core`,
      );
    case 'openai-compatible':
    case 'anthropic': {
      const price = sourcePrice(spec, options.prices);
      const common = {
        id: parsed.spec,
        model: parsed.model,
        baseURL: parsed.baseURL,
        pricePerMTokIn: price.input,
        pricePerMTokOut: price.output,
        ...(options.apiKey ? { apiKey: options.apiKey } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
        ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.promptLimits ? { promptLimits: options.promptLimits } : {}),
        ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      };
      const source = parsed.kind === 'anthropic' ? new AnthropicSource(common) : new OpenAICompatibleSource(common);
      return options.limits ? limitConcurrency(source, options.limits.semaphore(parsed.baseURL)) : source;
    }
  }
}

/** The price a source for `spec` will charge, with where it came from (for the UI and logs). */
export function sourcePrice(spec: string, overrides: PriceOverrides = {}): ResolvedPrice {
  const parsed = parseModelSpec(spec);
  if (parsed.kind === 'offline') return { input: 0, output: 0, source: 'local' };
  if (parsed.kind === 'vscode-lm') return priceOf(parsed.family, { overrides, spec: parsed.spec });
  return priceOf(parsed.model, { overrides, baseURL: parsed.baseURL, spec: parsed.spec });
}
