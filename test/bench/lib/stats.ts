// Small statistics for benchmark tables: medians and spreads over seeds.

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  if (lo === hi || sorted[lo] === sorted[hi]) return sorted[lo];
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Median with the interquartile range, the spread the tables print. */
export function summarize(values: readonly number[]): { median: number; q1: number; q3: number; min: number; max: number } {
  return { median: median(values), q1: quantile(values, 0.25), q3: quantile(values, 0.75), min: Math.min(...values), max: Math.max(...values) };
}

/** Evaluations (1-based) until bestSoFar first reaches `target`; Infinity when it never does. */
export function evaluationsToReach(bestSoFar: readonly number[], target: number): number {
  const index = bestSoFar.findIndex((score) => score >= target - 1e-12);
  return index < 0 ? Infinity : index + 1;
}

/** Best so far after `evaluations` (the curve is flat after its end). */
export function bestAt(bestSoFar: readonly number[], evaluations: number): number {
  if (bestSoFar.length === 0) return -Infinity;
  return bestSoFar[Math.min(evaluations, bestSoFar.length) - 1];
}
