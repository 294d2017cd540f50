// Best-of-N with rerank: each round, N mutations of the current best; the PRM ranks them and
// only the top K are evaluated. The other N − K stay in the tree, evaluable on demand.
import type { CandidateNode } from '../types';
import { savedRecord } from './savedState';
import type { ChildPlan, SearchStrategy, SearchView, StrategyOptions } from './strategy';
import { byPrmDescending, formatScore, integerOption, prmOf } from './strategy';

export class BestOfNStrategy implements SearchStrategy {
  readonly name = 'best-of-n';
  /** Mutations of the best per round. */
  readonly n: number;
  /** Of those, how many the PRM lets through to evaluation. */
  readonly k: number;

  constructor(options?: StrategyOptions, restored?: unknown) {
    this.n = integerOption(options, 'n', 4);
    this.k = Math.min(this.n, integerOption(options, 'k', 1));
    savedRecord(restored, this.name); // stateless: the tree itself says what the best is
  }

  planRound(view: SearchView): ChildPlan[] {
    const best = view.ranked[0];
    // Near the end of the budget, fewer samples: only ~n/k per evaluation left are useful.
    const samples = Math.max(1, Math.min(this.n, Math.ceil((this.n * view.evaluationsLeft) / this.k)));
    return Array.from({ length: samples }, (_, i) => ({
      parentId: best?.id ?? '0',
      why: best
        ? `best-of-${this.n}: sample ${i + 1} of ${samples} from the best (#${best.id}, score ${formatScore(best.score)})`
        : `best-of-${this.n}: sample ${i + 1} of ${samples} from the original (nothing evaluated yet)`,
    }));
  }

  selectForEvaluation(candidates: readonly CandidateNode[]): CandidateNode[] {
    const ranked = byPrmDescending(candidates);
    const chosen = ranked.slice(0, this.k);
    chosen.forEach((node, i) => {
      node.why = `${node.why ?? ''}; PRM ${prmOf(node)} ranked ${i + 1} of ${ranked.length}, top ${this.k} evaluated`;
    });
    return chosen;
  }

  observe(): void {}

  snapshot(): unknown {
    return { strategy: this.name };
  }
}
