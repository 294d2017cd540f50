// Bounded concurrency per provider: several arms on one server (or one API key's rate limit)
// share a semaphore, so a run's parallel children do not flood it.
import type { MutationProposal, MutationRequest, MutationSource } from '../types';

export class Semaphore {
  private active = 0;
  private readonly waiting: { resolve: () => void; reject: (reason: unknown) => void; signal: AbortSignal; onAbort: () => void }[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency limit must be a positive integer, got ${limit}`);
  }

  /** Waits for a slot; rejects with the signal's reason if it aborts while waiting. */
  acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const entry = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.waiting.indexOf(entry);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', entry.onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) {
      // The slot passes straight to the next waiter.
      next.signal.removeEventListener('abort', next.onAbort);
      next.resolve();
    } else {
      this.active = Math.max(0, this.active - 1);
    }
  }

  get inUse(): number {
    return this.active;
  }
}

/** `source`, with at most `semaphore.limit` of its (and its siblings') calls in flight. */
export function limitConcurrency(source: MutationSource, semaphore: Semaphore): MutationSource {
  return {
    id: source.id,
    ...(source.supportsModes ? { supportsModes: true } : {}),
    async propose(request: MutationRequest, signal: AbortSignal): Promise<MutationProposal> {
      await semaphore.acquire(signal);
      try {
        return await source.propose(request, signal);
      } finally {
        semaphore.release();
      }
    },
  };
}

/** One semaphore per provider key (e.g. base URL), created on first use. */
export class ProviderLimits {
  private readonly byProvider = new Map<string, Semaphore>();

  constructor(private readonly limitFor: (provider: string) => number) {}

  semaphore(provider: string): Semaphore {
    let found = this.byProvider.get(provider);
    if (!found) {
      found = new Semaphore(this.limitFor(provider));
      this.byProvider.set(provider, found);
    }
    return found;
  }
}
