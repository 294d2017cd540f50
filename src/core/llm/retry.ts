// Our own retry policy for model calls. The SDKs run with maxRetries: 0 because they sleep out
// any retry-after however long, and the openai SDK ignores the AbortSignal while sleeping
// (FACTS.md). Here waits are capped, jittered and abortable, and every attempt has a timeout.

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** First backoff for 5xx / network errors; doubles per attempt. */
  baseDelayMs: number;
  /** Upper bound of one backoff wait. */
  maxBackoffMs: number;
  /** Upper bound of a server-requested retry-after wait. */
  retryAfterCapMs: number;
  /** Limit of one attempt, reply stream included. */
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxBackoffMs: 8000,
  retryAfterCapMs: 20_000,
  timeoutMs: 120_000,
};

/** How a failed attempt is handled; `message` is what the user reads if it is the last one. */
export type FailureClass =
  | { retry: 'after'; delayMs: number; message: string }
  | { retry: 'backoff'; message: string }
  | { retry: 'never'; message: string };

export interface RetryEvent {
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  message: string;
}

export interface RetryOptions {
  signal: AbortSignal;
  classify: (error: unknown) => FailureClass;
  policy?: Partial<RetryPolicy>;
  /** Uniform [0, 1) source for jitter; injectable so tests are deterministic. */
  random?: () => number;
  /** Names the other end in timeout messages, e.g. the base URL. */
  label: string;
  onRetry?: (event: RetryEvent) => void;
}

/** A model call that failed for good; the message is safe to show (no secrets). */
export class ModelCallError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'ModelCallError';
  }
}

/**
 * Run `call` until it succeeds, a failure is not retryable, or attempts run out. Each attempt
 * gets a signal that fires on the caller's abort or on the per-attempt timeout. A caller's
 * abort rethrows the signal's reason at once, even in the middle of a wait.
 */
export async function withRetry<T>(call: (signal: AbortSignal, attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const random = options.random ?? Math.random;
  const { signal } = options;
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    // One signal per attempt, aborted by the caller's signal or the attempt's timeout. Not
    // AbortSignal.any: on Node 20 its signals stay reachable from a long-lived parent (the run's),
    // keeping every request of a long run in memory.
    const attemptSignal = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attemptSignal.abort(new Error('attempt timed out'));
    }, policy.timeoutMs);
    const onCallerAbort = () => attemptSignal.abort(signal.reason);
    signal.addEventListener('abort', onCallerAbort, { once: true });
    let failure: FailureClass;
    try {
      return await call(attemptSignal.signal, attempt);
    } catch (error) {
      signal.throwIfAborted();
      if (timedOut) {
        throw new ModelCallError(`no reply from ${options.label} within ${formatSeconds(policy.timeoutMs)} (timeout)`, attempt);
      }
      failure = options.classify(error);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onCallerAbort);
    }
    if (failure.retry === 'never') throw new ModelCallError(failure.message, attempt);
    if (attempt >= policy.maxAttempts) {
      throw new ModelCallError(`${failure.message}; gave up after ${attempt} attempts`, attempt);
    }
    const delayMs =
      failure.retry === 'after'
        ? Math.min(Math.max(0, failure.delayMs), policy.retryAfterCapMs)
        : backoffDelayMs(attempt, policy, random);
    options.onRetry?.({ attempt, delayMs, message: failure.message });
    await abortableSleep(delayMs, signal);
  }
}

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
export function backoffDelayMs(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxBackoffMs'>, random: () => number): number {
  const exponential = Math.min(policy.maxBackoffMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The wait a 429/503 asks for, from `retry-after-ms` (OpenAI) or `retry-after` (seconds or an
 * HTTP date); undefined when absent or unreadable.
 */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  if (Number.isFinite(Number(value))) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
