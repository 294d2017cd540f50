// The model strings a user writes in settings and on the CLI, parsed into what they mean.

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export type ModelSpec =
  | { kind: 'offline'; spec: string }
  | { kind: 'openai-compatible'; spec: string; baseURL: string; model: string };

const USAGE =
  'use "offline", "openai:MODEL" (e.g. openai:gpt-4o-mini) or "openai-compatible:URL#MODEL" ' +
  '(e.g. openai-compatible:http://127.0.0.1:8080/v1#llama3)';

/** Parse 'offline' | 'openai:MODEL' | 'openai-compatible:URL#MODEL'; throws with a clear message otherwise. */
export function parseModelSpec(spec: string): ModelSpec {
  const text = spec.trim();
  if (text === 'offline') return { kind: 'offline', spec: text };
  if (text.startsWith('openai:')) {
    const model = text.slice('openai:'.length).trim();
    if (model.length === 0) throw new Error(`model spec "${spec}" names no model: ${USAGE}`);
    return { kind: 'openai-compatible', spec: text, baseURL: OPENAI_BASE_URL, model };
  }
  if (text.startsWith('openai-compatible:')) {
    const rest = text.slice('openai-compatible:'.length);
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
    return { kind: 'openai-compatible', spec: text, baseURL, model };
  }
  throw new Error(`unknown model spec "${spec}": ${USAGE}`);
}
