// Scoring for the online bin-packing task, shared by the in-process benchmark evaluator and the
// standalone evaluate.mjs (contract v1). Instances come from a fixed seed, so the score depends
// on the code only. The packing loop runs inside a node:vm context with the candidate, so the
// time limit covers every call of priority() (a test harness, not a security boundary).
'use strict';
const vm = require('node:vm');

const FUNCTION = 'priority';
const CAPACITY = 100;
const INSTANCES = 4;
const ITEMS = 500;
const SEED = 20240611;

/** mulberry32, as in the engine. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Item sizes from a Weibull(k = 3, λ = 45) distribution, rounded and clipped to [1, capacity]. */
function makeInstances(seed = SEED, instances = INSTANCES, items = ITEMS, capacity = CAPACITY) {
  const random = seededRandom(seed);
  return Array.from({ length: instances }, () =>
    Array.from({ length: items }, () => {
      const u = Math.max(random(), 1e-12);
      const size = Math.round(45 * Math.pow(-Math.log(u), 1 / 3));
      return Math.min(capacity, Math.max(1, size));
    }),
  );
}

/** L1 lower bound: no packing can use fewer bins than ceil(total size / capacity). */
function lowerBound(items, capacity = CAPACITY) {
  return Math.ceil(items.reduce((a, b) => a + b, 0) / capacity);
}

// Runs inside the sandbox, next to the candidate: packs every instance, returns bins used per
// instance, or a string saying what went wrong. Kept free of outside references (it is
// stringified into the sandbox). Bins too full for every item still to come are closed now and
// then (order kept, so ties go the same way): that changes no decision and saves most calls.
function packAll(priority, instances, capacity) {
  const used = [];
  for (const items of instances) {
    const smallestFrom = items.slice();
    for (let t = items.length - 2; t >= 0; t--) smallestFrom[t] = Math.min(items[t], smallestFrom[t + 1]);
    let spaces = [];
    let closed = 0;
    for (let t = 0; t < items.length; t++) {
      const item = items[t];
      if (t % 32 === 0) {
        const open = spaces.filter((space) => space >= smallestFrom[t]);
        closed += spaces.length - open.length;
        spaces = open;
      }
      let bestBin = -1;
      let best = priority(item, capacity, capacity);
      if (typeof best !== 'number' || best !== best) return 'priority() returned ' + String(best) + ' for an empty bin';
      for (let b = 0; b < spaces.length; b++) {
        if (spaces[b] < item) continue;
        const p = priority(item, spaces[b], capacity);
        if (typeof p !== 'number' || p !== p) return 'priority() returned ' + String(p) + ' for item ' + item + ' in space ' + spaces[b];
        if (p > best) {
          best = p;
          bestBin = b;
        }
      }
      if (bestBin < 0) spaces.push(capacity - item);
      else spaces[bestBin] -= item;
    }
    used.push(closed + spaces.length);
  }
  return used;
}

/** A context holding the instances; reuse it across candidates. */
function createSandbox() {
  const sandbox = vm.createContext({ __instances: makeInstances(), __capacity: CAPACITY });
  new vm.Script(`var __packAll = ${packAll.toString()};`).runInContext(sandbox);
  return sandbox;
}

/**
 * Scores the whole candidate file text: {score, correct, metrics, feedback} (contract v1).
 * score = −(bins used ÷ L1 lower bound), averaged over the instances (−1 would be perfect).
 */
function scoreCandidate(fileText, sandbox = createSandbox(), timeoutMs = 2000) {
  let used;
  try {
    const script = new vm.Script(`(function () {\n${fileText}\n;return __packAll(${FUNCTION}, __instances, __capacity);\n})()`, { filename: 'candidate.js' });
    used = script.runInContext(sandbox, { timeout: timeoutMs });
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { score: null, correct: false, metrics: {}, feedback: `packing with ${FUNCTION}() failed: ${message}` };
  }
  if (typeof used === 'string') return { score: null, correct: false, metrics: {}, feedback: used };
  const instances = makeInstancesCached();
  const ratios = instances.map((items, k) => used[k] / lowerBound(items));
  const ratio = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  const bins = used.reduce((a, b) => a + b, 0);
  return {
    score: -ratio,
    correct: true,
    metrics: { bins, excess_percent: (ratio - 1) * 100 },
    feedback: `${bins} bins over ${instances.length} instances, ${((ratio - 1) * 100).toFixed(2)}% above the L1 lower bound`,
  };
}

let cachedInstances;
function makeInstancesCached() {
  cachedInstances ??= makeInstances();
  return cachedInstances;
}

module.exports = { FUNCTION, CAPACITY, INSTANCES, ITEMS, SEED, makeInstances, lowerBound, createSandbox, scoreCandidate };
