// The model strings a user writes in settings and on the CLI, parsed into what they mean.

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

export type ModelSpec =
  | { kind: 'offline'; spec: string }
  | { kind: 'openai-compatible'; spec: string; baseURL: string; model: string }
  /** Anthropic Messages API; `baseURL` is the server root (the SDK adds /v1/messages). */
  | { kind: 'anthropic'; spec: string; baseURL: string; model: string }
  /** A model of VS Code's Language Model API (e.g. Copilot), served by the VS Code layer. */
  | { kind: 'vscode-lm'; spec: string; vendor: string; family: string };

/** Spec kinds that talk HTTP to a base URL (and so may need an API key). */
export type HttpModelSpec = Extract<ModelSpec, { baseURL: string }>;

const USAGE =
  'use "offline", "openai:MODEL" (e.g. openai:gpt-4o-mini), "openai-compatible:URL#MODEL" ' +
  '(e.g. openai-compatible:http://127.0.0.1:8080/v1#llama3), "anthropic:MODEL" (e.g. anthropic:claude-sonnet-4-5), ' +
  '"anthropic-compatible:URL#MODEL" or "vscode-lm:VENDOR/FAMILY" (e.g. vscode-lm:copilot/gpt-4o)';

/**
 * Parse 'offline' | 'openai:MODEL' | 'openai-compatible:URL#MODEL' | 'anthropic:MODEL' |
 * 'anthropic-compatible:URL#MODEL' | 'vscode-lm:VENDOR/FAMILY'; throws with a clear message otherwise.
 */
export function parseModelSpec(spec: string): ModelSpec {
  const text = spec.trim();
  if (text === 'offline') return { kind: 'offline', spec: text };
  if (text.startsWith('openai:')) {
    return { kind: 'openai-compatible', spec: text, baseURL: OPENAI_BASE_URL, model: modelAfter(text, 'openai:', spec) };
  }
  if (text.startsWith('openai-compatible:')) {
    const { baseURL, model } = urlAndModel(text.slice('openai-compatible:'.length), spec);
    return { kind: 'openai-compatible', spec: text, baseURL, model };
  }
  if (text.startsWith('anthropic:')) {
    return { kind: 'anthropic', spec: text, baseURL: ANTHROPIC_BASE_URL, model: modelAfter(text, 'anthropic:', spec) };
  }
  if (text.startsWith('anthropic-compatible:')) {
    const { baseURL, model } = urlAndModel(text.slice('anthropic-compatible:'.length), spec);
    // The SDK appends /v1/messages itself; a URL copied with /v1 would double it.
    return { kind: 'anthropic', spec: text, baseURL: baseURL.replace(/\/v1$/, ''), model };
  }
  if (text.startsWith('vscode-lm:')) {
    const rest = text.slice('vscode-lm:'.length).trim();
    const slash = rest.indexOf('/');
    const vendor = slash < 0 ? rest : rest.slice(0, slash).trim();
    const family = slash < 0 ? '' : rest.slice(slash + 1).trim();
    if (vendor.length === 0 || family.length === 0) {
      throw new Error(`model spec "${spec}" needs a vendor and a model family, as in vscode-lm:copilot/gpt-4o: ${USAGE}`);
    }
    return { kind: 'vscode-lm', spec: text, vendor, family };
  }
  throw new Error(`unknown model spec "${spec}": ${USAGE}`);
}

/** The base URL a spec talks to, or undefined (offline, VS Code models). */
export function baseUrlOf(spec: ModelSpec): string | undefined {
  return 'baseURL' in spec ? spec.baseURL : undefined;
}

/** The model name a spec asks for ('offline' for the offline operator, the family for VS Code models). */
export function modelNameOf(spec: ModelSpec): string {
  if (spec.kind === 'offline') return 'offline';
  if (spec.kind === 'vscode-lm') return spec.family;
  return spec.model;
}

function modelAfter(text: string, prefix: string, spec: string): string {
  const model = text.slice(prefix.length).trim();
  if (model.length === 0) throw new Error(`model spec "${spec}" names no model: ${USAGE}`);
  return model;
}

function urlAndModel(rest: string, spec: string): { baseURL: string; model: string } {
  const hash = rest.lastIndexOf('#');
  if (hash < 0) throw new Error(`model spec "${spec}" has no "#MODEL" after the URL: ${USAGE}`);
  const baseURL = rest.slice(0, hash).trim().replace(/\/+$/, '');
  const model = rest.slice(hash + 1).trim();
  if (model.length === 0) throw new Error(`model spec "${spec}" names no model after "#": ${USAGE}`);
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw new Error(`model spec "${spec}" has an invalid URL "${baseURL}": ${USAGE}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`model spec "${spec}" needs an http(s) URL, not "${url.protocol}": ${USAGE}`);
  }
  return { baseURL, model };
}
