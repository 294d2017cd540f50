// Online bin packing (FunSearch-style): evolve the priority function that picks a bin for
// each item; scored on seeded Weibull instances against the L1 lower bound.
import { ScoreFunctionEvaluator } from '../lib/scoreEvaluator';
import type { BenchTaskDefinition } from '../lib/task';
import { createSandbox, scoreCandidate } from './bin-packing/score';

export const binPacking: BenchTaskDefinition = {
  name: 'bin-packing',
  title: 'online bin packing, Weibull items (−bins ÷ L1 bound)',
  language: 'javascript',
  functionName: 'priority',
  file: 'priority.js',
  scoreLabel: '−(bins ÷ L1 lower bound)',
  budgets: [50, 150, 500],
  seeds: 5,
  createEvaluator() {
    const sandbox = createSandbox();
    return new ScoreFunctionEvaluator((text) => scoreCandidate(text, sandbox, 500));
  },
};
