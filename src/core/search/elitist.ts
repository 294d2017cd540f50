// The foundation's policy: mostly mutate the best candidate, sometimes one of the top few;
// evaluate every admitted child. Simple, and a strong baseline for literal tuning.
import type { CandidateNode } from '../types';
import { pick } from '../util/random';
import type { ChildPlan, SearchStrategy, SearchView, StrategyOptions } from './strategy';
import { numberOption } from './strategy';

export class ElitistStrategy implements SearchStrategy {
  readonly name = 'elitist';
  private readonly exploit: number;
  private readonly topK: number;

  constructor(options?: StrategyOptions) {
    this.exploit = numberOption(options, 'exploit', 0.7);
    this.topK = numberOption(options, 'topK', 5, 1);
  }

  planRound(view: SearchView): ChildPlan[] {
    const slots = Math.max(1, Math.min(view.concurrency, view.evaluationsLeft));
    const plans: ChildPlan[] = [];
    for (let i = 0; i < slots; i++) {
      if (view.ranked.length === 0) {
        plans.push({ parentId: '0', why: 'no evaluated candidate yet: mutate the original' });
      } else if (view.random() < this.exploit) {
        plans.push({ parentId: view.ranked[0].id, why: 'exploit: the best candidate so far' });
      } else {
        const top = view.ranked.slice(0, this.topK);
        const parent = pick(top, view.random);
        plans.push({ parentId: parent.id, why: `explore: rank ${top.indexOf(parent) + 1} of the top ${top.length}` });
      }
    }
    return plans;
  }

  selectForEvaluation(candidates: readonly CandidateNode[]): CandidateNode[] {
    return [...candidates];
  }

  observe(): void {}

  snapshot(): unknown {
    return {};
  }
}
