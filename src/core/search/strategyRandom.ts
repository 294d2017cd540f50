// A strategy's own random stream. Its state is one 32-bit number, so it goes into the
// strategy's snapshot and a resumed run draws the same numbers it would have drawn.
import type { SearchView } from './strategy';

export class StrategyRandom {
  private state: number | null;

  /** `state` from a snapshot, or null: then the first draw seeds from the engine's random
   *  stream, so the run's seed still decides the search. */
  constructor(state: number | null = null) {
    this.state = state === null ? null : state >>> 0;
  }

  /** Uniform in [0, 1) (mulberry32, the engine's generator). */
  next(view: Pick<SearchView, 'random'>): number {
    if (this.state === null) this.state = Math.floor(view.random() * 4294967296) >>> 0;
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An index in [0, weights.length) drawn in proportion to the (non-negative) weights. */
  weightedIndex(weights: readonly number[], view: Pick<SearchView, 'random'>): number {
    const total = weights.reduce((sum, w) => sum + Math.max(0, w), 0);
    const u = this.next(view);
    if (!(total > 0)) return Math.min(weights.length - 1, Math.floor(u * weights.length));
    let target = u * total;
    for (let i = 0; i < weights.length; i++) {
      target -= Math.max(0, weights[i]);
      if (target < 0) return i;
    }
    return weights.length - 1;
  }

  snapshot(): number | null {
    return this.state;
  }
}
