// The foundation's policy: mostly mutate the best candidate, sometimes one of the top few;
// evaluate every admitted child. Simple, and a strong baseline for literal tuning.
import type { CandidateNode } from '../types';
import { savedRandomState, savedRecord } from './savedState';
import type { ChildPlan, SearchStrategy, SearchView, StrategyOptions } from './strategy';
import { integerOption, numberOption, slotsThisRound } from './strategy';
import { formatWhyScore } from '../util/format';
import { StrategyRandom } from './strategyRandom';

export class ElitistStrategy implements SearchStrategy {
  readonly name = 'elitist';
  /** Share of children that mutate the best candidate. */
  private readonly exploit: number;
  /** The other children mutate one of the top `topK`, drawn uniformly. */
  private readonly topK: number;
  private readonly random: StrategyRandom;

  constructor(options?: StrategyOptions, restored?: unknown) {
    this.exploit = Math.min(1, numberOption(options, 'exploit', 0.85));
    this.topK = integerOption(options, 'topK', 5);
    this.random = new StrategyRandom(savedRandomState(savedRecord(restored, this.name), this.name));
  }

  planRound(view: SearchView): ChildPlan[] {
    const plans: ChildPlan[] = [];
    for (let i = slotsThisRound(view); i > 0; i--) {
      if (view.ranked.length === 0) {
        plans.push({ parentId: '0', why: 'elitist: no evaluated candidate yet, mutate the original' });
      } else if (this.random.next(view) < this.exploit) {
        const best = view.ranked[0];
        plans.push({ parentId: best.id, why: `elitist exploit: the best candidate (#${best.id}, score ${formatWhyScore(best.score)})` });
      } else {
        const top = view.ranked.slice(0, this.topK);
        const rank = Math.floor(this.random.next(view) * top.length);
        const parent = top[rank];
        plans.push({ parentId: parent.id, why: `elitist explore: rank ${rank + 1} of the top ${top.length} (#${parent.id}, score ${formatWhyScore(parent.score)})` });
      }
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
