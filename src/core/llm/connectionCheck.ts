// "Test Model Connection": one real, tiny exchange with a configured model that says exactly
// what is wrong: bad key, unknown model (and what the server offers instead), server down,
// wrong URL (404 on the endpoint, or a web page where the API should be), or no answer in time.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { redact } from './chatSource';
import { classifyHttpFailure, looksLikeHtml, networkCode } from './httpErrors';
import { OPENAI_BASE_URL, parseModelSpec, type HttpModelSpec } from './modelSpec';

export interface ConnectionCheck {
  ok: boolean;
  /** The model spec as configured. */
  model: string;
  /** One line for the user: what works, or what is wrong and where. */
  message: string;
  latencyMs: number;
}

export interface CheckOptions {
  /** Limit of the whole check (default 20 s). */
  timeoutMs?: number;
}

const DEFAULT_CHECK_TIMEOUT_MS = 20_000;
const PING = 'Reply with the single word OK.';
/** Model names shown when the asked one is not offered. */
const LISTED_NAMES_SHOWN = 8;

/** Thrown inside a check to end it with this message. */
class CheckFailure extends Error {}

export async function checkModel(spec: string, apiKey: string | undefined, signal: AbortSignal, options: CheckOptions = {}): Promise<ConnectionCheck> {
  const started = Date.now();
  const done = (ok: boolean, message: string): ConnectionCheck => ({ ok, model: spec, message: redact(message, apiKey), latencyMs: Date.now() - started });
  let parsed;
  try {
    parsed = parseModelSpec(spec);
  } catch (error) {
    return done(false, error instanceof Error ? error.message : String(error));
  }
  if (parsed.kind === 'offline') return done(true, 'the offline operator needs no connection');
  if (parsed.kind === 'vscode-lm') {
    return done(false, `${spec} is a VS Code language model: only the VS Code extension can check it`);
  }

  const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error('check timed out')), timeoutMs);
  const callSignal = AbortSignal.any([signal, timeout.signal]);
  try {
    const note = parsed.kind === 'anthropic' ? await checkAnthropic(parsed, apiKey, callSignal) : await checkOpenAI(parsed, apiKey, callSignal);
    return done(true, `${parsed.model} at ${parsed.baseURL} answered in ${Date.now() - started} ms${note}`);
  } catch (error) {
    signal.throwIfAborted();
    if (timeout.signal.aborted) return done(false, `no reply from ${parsed.baseURL} within ${seconds(timeoutMs)} (timeout)`);
    if (error instanceof CheckFailure) return done(false, error.message);
    return done(false, describeFailure(error, parsed));
  } finally {
    clearTimeout(timer);
  }
}

/** Lists the models (when the server can), then asks for a few tokens. Returns a note for the ok message. */
async function checkOpenAI(spec: HttpModelSpec, apiKey: string | undefined, signal: AbortSignal): Promise<string> {
  const client = new OpenAI({ baseURL: spec.baseURL, apiKey: apiKey || 'no-key', maxRetries: 0, logLevel: 'off' });
  const listed = await listModels(signal, async () => {
    const { data, response } = await client.models.list({ signal }).withResponse();
    expectJson(response, spec.baseURL, '/models');
    return data.data.map((m) => m.id);
  });
  const tokenLimit = spec.baseURL === OPENAI_BASE_URL ? { max_completion_tokens: 16 } : { max_tokens: 16 };
  try {
    const { data, response } = await client.chat.completions
      .create({ model: spec.model, messages: [{ role: 'user', content: PING }], ...tokenLimit }, { signal })
      .withResponse();
    expectJson(response, spec.baseURL, '/chat/completions');
    if (!Array.isArray((data as { choices?: unknown }).choices)) {
      throw new CheckFailure(`${spec.baseURL}/chat/completions answered, but not with a chat completion: check the base URL`);
    }
  } catch (error) {
    throw unknownModelOr(error, spec, listed);
  }
  return listedNote(spec.model, listed);
}

async function checkAnthropic(spec: HttpModelSpec, apiKey: string | undefined, signal: AbortSignal): Promise<string> {
  const client = new Anthropic({ baseURL: spec.baseURL, apiKey: apiKey || 'no-key', maxRetries: 0, logLevel: 'off' });
  const listed = await listModels(signal, async () => {
    const { data, response } = await client.models.list({}, { signal }).withResponse();
    expectJson(response, spec.baseURL, '/v1/models');
    return data.data.map((m) => m.id);
  });
  try {
    const { data, response } = await client.messages
      .create({ model: spec.model, max_tokens: 1, messages: [{ role: 'user', content: PING }] }, { signal })
      .withResponse();
    expectJson(response, spec.baseURL, '/v1/messages');
    if (!Array.isArray((data as { content?: unknown }).content)) {
      throw new CheckFailure(`${spec.baseURL}/v1/messages answered, but not with a message: check the base URL`);
    }
  } catch (error) {
    throw unknownModelOr(error, spec, listed);
  }
  return listedNote(spec.model, listed);
}

/**
 * The server's model list, or undefined when it has none to give (404, 5xx, odd shape): the
 * completion call then decides. A bad key or an unreachable server ends the check here.
 */
async function listModels(signal: AbortSignal, list: () => Promise<string[]>): Promise<string[] | undefined> {
  try {
    return await list();
  } catch (error) {
    if (signal.aborted || error instanceof CheckFailure) throw error;
    const status = (error as { status?: unknown }).status;
    if (status === 401 || status === 403 || typeof status !== 'number') throw error;
    return undefined;
  }
}

function unknownModelOr(error: unknown, spec: HttpModelSpec, listed: string[] | undefined): unknown {
  const status = (error as { status?: unknown }).status;
  if (status === 404 && listed !== undefined && listed.length > 0 && !listed.includes(spec.model) && !looksLikeHtml(error)) {
    return new CheckFailure(`unknown model ${spec.model} at ${spec.baseURL}; it offers ${namesList(listed)}`);
  }
  return error;
}

function listedNote(model: string, listed: string[] | undefined): string {
  if (listed === undefined || listed.length === 0 || listed.includes(model)) return '';
  return ` (though its model list does not name ${model}: ${namesList(listed)})`;
}

function namesList(names: string[]): string {
  const shown = names.slice(0, LISTED_NAMES_SHOWN).join(', ');
  return names.length > LISTED_NAMES_SHOWN ? `${shown} and ${names.length - LISTED_NAMES_SHOWN} more` : shown;
}

/** A 200 that is not JSON is a web page or something else that is not the model API. */
function expectJson(response: Response, baseURL: string, path: string): void {
  const type = response.headers.get('content-type') ?? '';
  if (!/json/i.test(type)) {
    const what = /html/i.test(type) ? 'a web page' : `"${type || 'no content type'}"`;
    throw new CheckFailure(`${baseURL}${path} answered with ${what}, not JSON: the base URL does not point at the model API`);
  }
}

function describeFailure(error: unknown, spec: HttpModelSpec): string {
  const code = networkCode(error);
  if (code === 'ECONNREFUSED') return `server not reachable at ${spec.baseURL}: ECONNREFUSED (is it running, and on that port?)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `server not reachable at ${spec.baseURL}: ${code} (the host name does not resolve)`;
  return classifyHttpFailure(error, { url: spec.baseURL, model: spec.model }).message;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
