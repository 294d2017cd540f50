// Scoring for the circle-packing task, shared by the in-process benchmark evaluator and the
// standalone evaluate.mjs (contract v1). Runs the candidate file in a node:vm context with a
// time limit (a test harness, not a security boundary) and checks the packing strictly.
'use strict';
const vm = require('node:vm');

const CIRCLES = 26;
const TOLERANCE = 1e-9;
const FUNCTION = 'packCircles';

/** A fresh context; reuse it across candidates (creating one costs about a millisecond). */
function createSandbox() {
  return vm.createContext({});
}

/** Why the packing is invalid, or null; `circles` comes from the candidate (untrusted). */
function packingProblem(circles) {
  if (!Array.isArray(circles)) return `${FUNCTION}() must return an array of [x, y, r]`;
  if (circles.length !== CIRCLES) return `expected ${CIRCLES} circles, got ${circles.length}`;
  for (let i = 0; i < CIRCLES; i++) {
    const c = circles[i];
    if (!Array.isArray(c) || c.length !== 3) return `circle ${i} is not [x, y, r]`;
    const [x, y, r] = c;
    if (![x, y, r].every((v) => typeof v === 'number' && Number.isFinite(v))) return `circle ${i} has a non-finite number`;
    if (r < 0) return `circle ${i} has a negative radius ${r}`;
    if (x - r < -TOLERANCE || x + r > 1 + TOLERANCE || y - r < -TOLERANCE || y + r > 1 + TOLERANCE) {
      return `circle ${i} (${x.toFixed(4)}, ${y.toFixed(4)}, r ${r.toFixed(4)}) leaves the unit square`;
    }
  }
  for (let i = 0; i < CIRCLES; i++) {
    for (let j = i + 1; j < CIRCLES; j++) {
      const [xi, yi, ri] = circles[i];
      const [xj, yj, rj] = circles[j];
      const overlap = ri + rj - Math.hypot(xi - xj, yi - yj);
      if (overlap > TOLERANCE) return `circles ${i} and ${j} overlap by ${overlap.toExponential(2)}`;
    }
  }
  return null;
}

/**
 * Scores the whole candidate file text: {score, correct, metrics, feedback} (contract v1).
 * score = sum of radii; an invalid packing or a crash is incorrect.
 */
function scoreCandidate(fileText, sandbox = createSandbox(), timeoutMs = 1000) {
  let circles;
  try {
    const script = new vm.Script(`(function () {\n${fileText}\n;return ${FUNCTION}();\n})()`, { filename: 'candidate.js' });
    circles = script.runInContext(sandbox, { timeout: timeoutMs });
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { score: null, correct: false, metrics: {}, feedback: `${FUNCTION}() failed: ${message}` };
  }
  const problem = packingProblem(circles);
  if (problem) return { score: null, correct: false, metrics: {}, feedback: problem };
  const sum = circles.reduce((total, c) => total + c[2], 0);
  const smallest = Math.min(...circles.map((c) => c[2]));
  return { score: sum, correct: true, metrics: { sum_of_radii: sum, smallest_radius: smallest }, feedback: `valid packing, sum of radii ${sum.toFixed(6)}` };
}

module.exports = { CIRCLES, TOLERANCE, FUNCTION, createSandbox, packingProblem, scoreCandidate };
