/** A tiny workspace for the Genesis demo: a polynomial approximation worth tuning. */

/** Approximate Math.sin(x) on [-π, π] with an odd polynomial. */
export function approxSin(x) {
  const x2 = x * x;
  return x * (1 - x2 * (0.16 - x2 * 0.006));
}
