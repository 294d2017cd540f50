// Correctness tests for approxSin. Each exported test* function receives the candidate module
// (so the evaluator can test any candidate file) and throws (node:assert) when it fails.
import assert from 'node:assert/strict';

const POINTS = Array.from({ length: 201 }, (_, i) => -Math.PI + (2 * Math.PI * i) / 200);

export function testCloseToSinOnInterval({ approxSin }) {
  const worst = Math.max(...POINTS.map((x) => Math.abs(approxSin(x) - Math.sin(x))));
  assert.ok(worst < 0.5, `max abs error ${worst.toFixed(4)} on [-π, π] is not below 0.5`);
}

export function testZeroAtZero({ approxSin }) {
  assert.ok(Math.abs(approxSin(0)) < 1e-9, `approxSin(0) = ${approxSin(0)}, expected 0`);
}

export function testOdd({ approxSin }) {
  for (const x of [0.25, 1, 2.5]) {
    assert.ok(Math.abs(approxSin(-x) + approxSin(x)) < 1e-9, `approxSin(-${x}) is not -approxSin(${x})`);
  }
}

export function testReturnsANumber({ approxSin }) {
  assert.equal(typeof approxSin(0.5), 'number', `approxSin(0.5) returned ${typeof approxSin(0.5)}`);
}
