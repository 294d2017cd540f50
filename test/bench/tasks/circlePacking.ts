// Circle packing, n = 26 in the unit square, maximise the sum of radii (score.js checks the
// packing strictly). The seed is a staggered-rows construction whose constants the offline
// operator tunes.
import { ScoreFunctionEvaluator } from '../lib/scoreEvaluator';
import type { BenchTaskDefinition } from '../lib/task';
import { createSandbox, scoreCandidate } from './circle-packing/score';

export const circlePacking: BenchTaskDefinition = {
  name: 'circle-packing',
  title: 'circle packing, 26 circles in the unit square (sum of radii)',
  language: 'javascript',
  functionName: 'packCircles',
  file: 'packing.js',
  scoreLabel: 'sum of radii',
  budgets: [50, 150, 500],
  seeds: 5,
  createEvaluator() {
    const sandbox = createSandbox();
    return new ScoreFunctionEvaluator((text) => scoreCandidate(text, sandbox, 250));
  },
};
