// One JSON POST with a time limit and error messages a user can act on (refused connection,
// timeout, HTTP status with the server's own message). Keys never appear in messages.

export interface PostJsonOptions {
  url: string;
  body: unknown;
  timeoutMs: number;
  apiKey?: string;
  signal?: AbortSignal;
}

export async function postJson(options: PostJsonOptions): Promise<unknown> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const redact = (text: string) => (options.apiKey ? text.split(options.apiKey).join('***') : text);
  let response: Response;
  let text: string;
  try {
    response = await fetch(options.url, { method: 'POST', headers, body: JSON.stringify(options.body), signal });
    text = await response.text();
  } catch (error) {
    if (timeout.aborted) throw new Error(`no answer from ${options.url} within ${options.timeoutMs} ms (timeout)`);
    if (options.signal?.aborted) throw new Error('cancelled');
    throw new Error(redact(`cannot reach ${options.url}: ${networkReason(error)}`));
  }
  if (!response.ok) {
    throw new Error(redact(`${options.url} answered HTTP ${response.status}${serverMessage(text)}`));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${options.url} answered with a body that is not JSON: ${JSON.stringify(text.slice(0, 120))}`);
  }
}

function networkReason(error: unknown): string {
  const cause = error instanceof Error ? (error as Error & { cause?: { code?: string; message?: string } }).cause : undefined;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused (is the server running?)';
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  if (cause?.message) return `${error instanceof Error ? error.message : 'failed'} (${cause.message})`;
  return error instanceof Error ? error.message : String(error);
}

function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const message = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message ?? body.detail);
    if (typeof message === 'string' && message) return `: ${message.slice(0, 200)}`;
  } catch {
    // not JSON: show the start of the text
  }
  return text.trim() ? `: ${text.trim().slice(0, 200)}` : '';
}
