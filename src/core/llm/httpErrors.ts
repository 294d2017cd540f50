// Classifies a failed model call into retry / give up, with a message a user can act on.
// Duck-typed on the fields the openai and @anthropic-ai/sdk errors share (status, headers,
// error body, cause), so any provider over HTTP can use it.
import { retryAfterMs, type FailureClass } from './retry';

export interface CallTarget {
  /** Base URL as the user configured it. */
  url: string;
  model: string;
}

/** Error codes of a connection that never got to the server: retrying will not help. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'CERT_HAS_EXPIRED']);

export function classifyHttpFailure(error: unknown, target: CallTarget): FailureClass {
  const status = numberField(error, 'status');
  const { url, model } = target;
  if (status === undefined) return classifyWithoutStatus(error, url);

  if (looksLikeHtml(error)) {
    return {
      retry: status >= 500 ? 'backoff' : 'never',
      message: `${url} answered HTTP ${status} with a web page, not the model API: check the base URL`,
    };
  }
  const detail = serverMessage(error);
  const withDetail = (text: string) => (detail ? `${text}: ${detail}` : text);
  if (status === 429) {
    const wait = retryAfterMs(headersOf(error));
    const message = withDetail(`rate limited (429) by ${url}`);
    return wait === undefined ? { retry: 'backoff', message } : { retry: 'after', delayMs: wait, message };
  }
  if (status === 408 || status === 409 || status >= 500) {
    const wait = status === 503 || status === 529 ? retryAfterMs(headersOf(error)) : undefined;
    const message = withDetail(`server error ${status} from ${url}`);
    return wait === undefined ? { retry: 'backoff', message } : { retry: 'after', delayMs: wait, message };
  }
  // The provider's own 401 text can echo part of the key: never pass it on.
  if (status === 401) return { retry: 'never', message: `bad API key (401) from ${url}` };
  if (status === 403) return { retry: 'never', message: withDetail(`access denied (403) by ${url}`) };
  if (status === 404) {
    if (mentionsModel(error, model)) return { retry: 'never', message: `unknown model ${model} (404) at ${url}` };
    return {
      retry: 'never',
      message: withDetail(`not found (404) at ${url}: check the base URL (it usually ends in /v1) and the model ${model}`),
    };
  }
  if ((status === 400 || status === 413) && isContextTooLong(error)) {
    return { retry: 'never', message: withDetail(`prompt too long for ${model} at ${url}`) };
  }
  if (status === 400 || status === 422) return { retry: 'never', message: withDetail(`request rejected (${status}) by ${url}`) };
  return { retry: 'never', message: withDetail(`unexpected HTTP ${status} from ${url}`) };
}

const CONTEXT_TOO_LONG =
  /context[ _-]?length|context size|context window|prompt is too long|too many tokens|exceed_context|input is too long/i;

/** The server refused the prompt because it does not fit the model's context window. */
export function isContextTooLong(error: unknown): boolean {
  const status = numberField(error, 'status');
  if (status !== 400 && status !== 413) return false;
  const body = error && typeof error === 'object' ? (error as { error?: unknown }).error : undefined;
  const code = stringField(body, 'code') ?? stringField(error, 'code') ?? '';
  const text = `${code} ${serverMessage(error) ?? ''} ${error instanceof Error ? error.message : ''}`;
  return CONTEXT_TOO_LONG.test(text);
}

/** An HTML page where JSON was expected: the base URL points at a web site or UI, not the API. */
export function looksLikeHtml(error: unknown): boolean {
  const body = error && typeof error === 'object' ? (error as { error?: unknown }).error : undefined;
  const texts = [typeof body === 'string' ? body : '', error instanceof Error ? error.message : ''];
  return texts.some((t) => /<(!doctype html|html[\s>]|head[\s>]|body[\s>])/i.test(t));
}

function classifyWithoutStatus(error: unknown, url: string): FailureClass {
  if (error instanceof SyntaxError) return { retry: 'never', message: `malformed reply from ${url}: ${error.message}` };
  const code = networkCode(error);
  if (code && UNREACHABLE_CODES.has(code)) return { retry: 'never', message: `server not reachable at ${url}: ${code}` };
  if (code) return { retry: 'backoff', message: `network error talking to ${url}: ${code}` };
  const name = stringField(error, 'constructor.name') ?? '';
  if (/ConnectionError/.test(name)) return { retry: 'backoff', message: `network error talking to ${url}: ${innermostMessage(error)}` };
  return { retry: 'never', message: `model call to ${url} failed: ${error instanceof Error ? error.message : String(error)}` };
}

/** The first `code` (ECONNREFUSED, UND_ERR_SOCKET, ...) along the cause chain. */
export function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
    const inner = (current as { errors?: unknown }).errors;
    if (Array.isArray(inner) && inner.length > 0) {
      const innerCode = networkCode(inner[0]);
      if (innerCode) return innerCode;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function innermostMessage(error: unknown): string {
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    message = current.message;
    current = current.cause;
  }
  return message;
}

function numberField(value: unknown, key: string): number | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = (value as Record<string, unknown>)[key];
  return typeof v === 'number' ? v : undefined;
}

function stringField(value: unknown, path: string): string | undefined {
  let current: unknown = value;
  for (const key of path.split('.')) {
    if (current === null || current === undefined) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === 'string' ? current : undefined;
}

function headersOf(error: unknown): { get(name: string): string | null } | undefined {
  const headers = error && typeof error === 'object' ? (error as { headers?: unknown }).headers : undefined;
  if (headers && typeof (headers as { get?: unknown }).get === 'function') return headers as { get(name: string): string | null };
  return undefined;
}

/** The error body's message: OpenAI `{error:{message}}` (the SDK unwraps it), Anthropic `{type:'error', error:{message}}`. */
function serverMessage(error: unknown): string | undefined {
  const body = error && typeof error === 'object' ? (error as { error?: unknown }).error : undefined;
  const text =
    stringField(body, 'message') ?? stringField(body, 'error.message') ?? (typeof body === 'string' ? body : undefined);
  if (!text) return undefined;
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? oneLine.slice(0, 197) + '...' : oneLine;
}

function mentionsModel(error: unknown, model: string): boolean {
  const body = error && typeof error === 'object' ? (error as { error?: unknown }).error : undefined;
  const code = stringField(body, 'code') ?? stringField(error, 'code');
  if (code === 'model_not_found') return true;
  const text = (serverMessage(error) ?? '').toLowerCase();
  return text.includes('model') || (model.length > 0 && text.includes(model.toLowerCase()));
}
