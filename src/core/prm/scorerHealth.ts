// Health of a scorer that calls a server: counts calls, failures, tokens and cost, and after
// several failures in a row marks it down with a clear message, skipping calls (so a dead
// server costs no time per candidate) until a retry is due.
import { createHash } from 'node:crypto';
import type { LruMap } from './lru';
import type { PrmInput, ScorerStatus } from './types';

export interface ScorerHealthOptions {
  /** Failures in a row before the scorer is down (default 3). */
  failureLimit?: number;
  /** How long a down scorer rests before one probe call (default 60 s). */
  retryAfterMs?: number;
  now?: () => number;
}

export class ScorerHealth {
  private calls = 0;
  private failures = 0;
  private inARow = 0;
  private downUntil: number | undefined;
  private lastError = '';
  private tokens = 0;
  private costUsd = 0;
  private readonly failureLimit: number;
  private readonly retryAfterMs: number;
  private readonly now: () => number;

  constructor(private readonly label: string, options: ScorerHealthOptions = {}) {
    this.failureLimit = Math.max(1, options.failureLimit ?? 3);
    this.retryAfterMs = options.retryAfterMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Throws the down message while resting; lets one probe through when the rest is over. */
  assertAvailable(): void {
    if (this.downUntil !== undefined && this.now() < this.downUntil) throw new Error(this.downMessage());
  }

  started(): void {
    this.calls++;
  }

  succeeded(tokens = 0, costUsd = 0): void {
    this.inARow = 0;
    this.downUntil = undefined;
    this.tokens += tokens;
    this.costUsd += costUsd;
  }

  failed(message: string): void {
    this.failures++;
    this.inARow++;
    this.lastError = message;
    if (this.inARow >= this.failureLimit) this.downUntil = this.now() + this.retryAfterMs;
  }

  status(): ScorerStatus {
    const down = this.downUntil !== undefined;
    const message = down
      ? this.downMessage()
      : this.calls === 0
        ? `${this.label}: not called yet`
        : `${this.label}: ok (${this.calls} calls, ${this.failures} failed${this.lastError && this.inARow > 0 ? `; last: ${this.lastError}` : ''})`;
    return { state: down ? 'down' : 'ok', message, calls: this.calls, failures: this.failures, tokens: this.tokens, costUsd: this.costUsd };
  }

  private downMessage(): string {
    const wait = Math.max(0, Math.ceil(((this.downUntil ?? 0) - this.now()) / 1000));
    return `${this.label} is down after ${this.inARow} failed calls in a row (last: ${this.lastError}); candidates are scored without it, next try in ${wait} s`;
  }
}

/**
 * The score of a change from a remote scorer, cached by the change: a scorer that is down is not
 * called (its error is returned), and failures are not cached so the next candidate asks again.
 */
export function cachedRemoteScore(
  cache: LruMap<string, Promise<number>>,
  health: ScorerHealth,
  input: PrmInput,
  compute: (input: PrmInput) => Promise<number>,
): Promise<number> {
  const key = createHash('sha1').update(`${input.language}\0${input.parentCode}\0${input.childCode}`).digest('hex');
  const cached = cache.get(key);
  if (cached) return cached;
  try {
    health.assertAvailable();
  } catch (error) {
    return Promise.reject(error);
  }
  const value = compute(input);
  cache.set(key, value);
  value.catch(() => cache.delete(key));
  return value;
}
