// What a model call costs: a default price table (USD per million tokens) matched by model name,
// user overrides per model, and zero for models served on this machine.

export interface TokenPrice {
  /** USD per million input (prompt) tokens. */
  input: number;
  /** USD per million output (completion) tokens. */
  output: number;
}

/** User prices from settings / CLI, keyed by model name, model-name prefix or whole model spec. */
export type PriceOverrides = Record<string, TokenPrice>;

export interface ResolvedPrice extends TokenPrice {
  /** Where the price came from; 'unknown' prices are 0 and the UI should say so. */
  source: 'override' | 'default' | 'local' | 'unknown';
  /** The table key that matched (override or default), if any. */
  matched?: string;
}

/**
 * DEFAULT prices in USD per million tokens, as the providers listed them in 2025. They go stale:
 * users override any of them (setting `genesis.prices`, CLI `--price MODEL=IN,OUT`). Keys are
 * model-name prefixes; the longest matching key wins, so `gpt-4o-mini` beats `gpt-4o` and dated
 * names like `claude-sonnet-4-5-20250929` or `gpt-4.1-2025-04-14` match their family.
 */
export const DEFAULT_PRICES: Readonly<Record<string, TokenPrice>> = {
  // OpenAI
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4-turbo': { input: 10, output: 30 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
  o1: { input: 15, output: 60 },
  'o1-mini': { input: 1.1, output: 4.4 },
  o3: { input: 2, output: 8 },
  'o3-mini': { input: 1.1, output: 4.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
  // Anthropic (current names, then the claude-3.x naming)
  'claude-opus-4': { input: 15, output: 75 },
  'claude-opus-4-1': { input: 15, output: 75 },
  'claude-opus-4-5': { input: 5, output: 25 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-haiku-4': { input: 1, output: 5 },
  'claude-3-opus': { input: 15, output: 75 },
  'claude-3-7-sonnet': { input: 3, output: 15 },
  'claude-3-5-sonnet': { input: 3, output: 15 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'claude-3-haiku': { input: 0.25, output: 1.25 },
};

/** Hosts that are this machine or a local model server: their tokens cost nothing. */
export function isLocalEndpoint(baseURL: string | undefined): boolean {
  if (!baseURL) return false;
  let host: string;
  try {
    host = new URL(baseURL).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    host === 'localhost' ||
    host === '::1' ||
    host === '[::1]' ||
    host === '0.0.0.0' ||
    /^127\./.test(host) ||
    host.endsWith('.localhost') ||
    host === 'ollama' ||
    host.startsWith('ollama.') ||
    host.endsWith('.local')
  );
}

/**
 * The price of a model: a user override (exact spec, exact model, then longest prefix), else
 * 0 for a local server, else the default table (longest prefix), else unknown (0).
 * Matching ignores case and a router's "provider/" prefix (OpenRouter's `openai/gpt-4o`).
 */
export function priceOf(model: string, options: { overrides?: PriceOverrides; baseURL?: string; spec?: string } = {}): ResolvedPrice {
  const overrides = options.overrides ?? {};
  const exactKeys = [options.spec, model].filter((k): k is string => typeof k === 'string' && k.length > 0);
  for (const key of exactKeys) {
    const hit = lookupExact(overrides, key);
    if (hit) return { ...hit.price, source: 'override', matched: hit.key };
  }
  const name = bareModelName(model);
  const overridden = longestPrefix(overrides, name);
  if (overridden) return { ...overridden.price, source: 'override', matched: overridden.key };
  if (isLocalEndpoint(options.baseURL)) return { input: 0, output: 0, source: 'local' };
  const known = longestPrefix(DEFAULT_PRICES, name);
  if (known) return { ...known.price, source: 'default', matched: known.key };
  return { input: 0, output: 0, source: 'unknown' };
}

/** USD for one call. */
export function costOf(
  model: string,
  tokensIn: number,
  tokensOut: number,
  overrides: PriceOverrides = {},
  baseURL?: string,
): number {
  const price = priceOf(model, { overrides, baseURL });
  return costFromPrice(price, tokensIn, tokensOut);
}

export function costFromPrice(price: TokenPrice, tokensIn: number, tokensOut: number): number {
  return (Math.max(0, tokensIn) * price.input + Math.max(0, tokensOut) * price.output) / 1_000_000;
}

/** Parses `IN,OUT` (USD per million tokens), as the CLI's `--price MODEL=IN,OUT` gives it. */
export function parsePrice(text: string): TokenPrice {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 2 || parts.some((p) => !Number.isFinite(p) || p < 0)) {
    throw new Error(`price "${text}" should be "INPUT,OUTPUT" in USD per million tokens, e.g. 0.15,0.6`);
  }
  return { input: parts[0], output: parts[1] };
}

function bareModelName(model: string): string {
  const lower = model.trim().toLowerCase();
  const slash = lower.lastIndexOf('/');
  return slash >= 0 ? lower.slice(slash + 1) : lower;
}

function lookupExact(table: PriceOverrides, key: string): { key: string; price: TokenPrice } | undefined {
  const want = key.trim().toLowerCase();
  for (const [k, price] of Object.entries(table)) if (k.trim().toLowerCase() === want) return { key: k, price };
  return undefined;
}

/** The longest key that `name` starts with, at a boundary (end of name, or `-`, `.`, `:`, `@` after it). */
function longestPrefix(table: Readonly<Record<string, TokenPrice>>, name: string): { key: string; price: TokenPrice } | undefined {
  let best: { key: string; price: TokenPrice } | undefined;
  for (const [key, price] of Object.entries(table)) {
    const k = bareModelName(key);
    if (k.length === 0 || !name.startsWith(k)) continue;
    const next = name.charAt(k.length);
    if (next !== '' && !/[-.:@_]/.test(next)) continue;
    if (!best || k.length > bareModelName(best.key).length) best = { key, price };
  }
  return best;
}
