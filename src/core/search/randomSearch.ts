// The baseline every strategy is measured against: mutate an evaluated candidate drawn
// uniformly at random, and evaluate every child. No ranking pressure, no PRM.
import type { CandidateNode } from '../types';
import { savedRandomState, savedRecord } from './savedState';
import type { ChildPlan, SearchStrategy, SearchView } from './strategy';
import { slotsThisRound } from './strategy';
import { formatWhyScore } from '../util/format';
import { StrategyRandom } from './strategyRandom';

export class RandomSearchStrategy implements SearchStrategy {
  readonly name = 'random';
  private readonly random: StrategyRandom;

  constructor(restored?: unknown) {
    this.random = new StrategyRandom(savedRandomState(savedRecord(restored, this.name), this.name));
  }

  planRound(view: SearchView): ChildPlan[] {
    const plans: ChildPlan[] = [];
    for (let i = slotsThisRound(view); i > 0; i--) {
      const pool = view.ranked;
      if (pool.length === 0) {
        plans.push({ parentId: '0', why: 'random: no evaluated candidate yet, mutate the original' });
        continue;
      }
      const parent = pool[Math.floor(this.random.next(view) * pool.length)];
      plans.push({ parentId: parent.id, why: `random: parent #${parent.id} (score ${formatWhyScore(parent.score)}) drawn uniformly from ${pool.length} evaluated` });
    }
    return plans;
  }

  selectForEvaluation(candidates: readonly CandidateNode[]): CandidateNode[] {
    return [...candidates];
  }

  observe(): void {}

  snapshot(): unknown {
    return { strategy: this.name, random: this.random.snapshot() };
  }
}
