// Where a score sits among the run's scores, for colouring: by rank, not by value, so one
// outlier (a candidate scoring −96672 among scores near −0.3) cannot squash every other colour
// into one end of the scale. Pure: runs under node:test.

export class RankScale {
  private readonly sorted: Float64Array;

  constructor(scores: Iterable<number>) {
    const finite: number[] = [];
    for (const s of scores) if (Number.isFinite(s)) finite.push(s);
    this.sorted = Float64Array.from(finite).sort();
  }

  get size(): number {
    return this.sorted.length;
  }

  /** 0 for the worst score of the run, 1 for the best; ties share the middle of their ranks. */
  position(score: number): number {
    const n = this.sorted.length;
    if (n <= 1 || !Number.isFinite(score)) return n === 1 ? 1 : 0.5;
    const below = lowerBound(this.sorted, score);
    const upTo = upperBound(this.sorted, score);
    const rank = upTo > below ? (below + upTo - 1) / 2 : below - 0.5;
    return Math.min(1, Math.max(0, rank / (n - 1)));
  }

  /** "3 of 120" (1 = best) for hover texts. */
  rankOf(score: number): { rank: number; of: number } {
    return { rank: this.sorted.length - upperBound(this.sorted, score) + 1, of: this.sorted.length };
  }
}

function lowerBound(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
