// Best-of-N with rerank: each round, N mutations of the current best; the PRM ranks them and
// only the top K are evaluated. The other N − K stay in the tree, evaluable on demand.
// Exploration: the PRM learns only from what it lets through, so a child it scores low is never
// corrected. A small, decaying share of the K slots goes to a child drawn from below the top K
// (seeded), which keeps the filter learning where it is wrong early and costs little later.
import type { CandidateNode } from '../types';
import { savedNumber, savedRandomState, savedRecord } from './savedState';
import type { ChildPlan, SearchStrategy, SearchView, StrategyOptions } from './strategy';
import { byPrmDescending, integerOption, numberOption, prmOf } from './strategy';
import { formatWhyScore } from '../util/format';
import { StrategyRandom } from './strategyRandom';

export class BestOfNStrategy implements SearchStrategy {
  readonly name = 'best-of-n';
  /** Mutations of the best per round. */
  readonly n: number;
  /** Of those, how many the PRM lets through to evaluation. */
  readonly k: number;
  /** Share of the K slots given to a low-scored child at the start of a run (0: pure top K). */
  readonly explore: number;
  /** Evaluations after which the exploration share has halved. */
  readonly exploreHalfLife: number;
  private readonly random: StrategyRandom;
  /** Children let through so far: the clock of the decay. */
  private selected: number;

  constructor(options?: StrategyOptions, restored?: unknown) {
    this.n = integerOption(options, 'n', 4);
    this.k = Math.min(this.n, integerOption(options, 'k', 1));
    this.explore = Math.min(1, numberOption(options, 'explore', DEFAULT_EXPLORE));
    this.exploreHalfLife = numberOption(options, 'exploreHalfLife', DEFAULT_EXPLORE_HALF_LIFE, 1e-9);
    const record = savedRecord(restored, this.name);
    this.random = new StrategyRandom(savedRandomState(record, this.name));
    this.selected = savedNumber(record, 'selected', this.name, 0);
  }

  /** The exploration share now: explore × ½^(selected ÷ half-life). */
  explorationShare(): number {
    return this.explore * 0.5 ** (this.selected / this.exploreHalfLife);
  }

  planRound(view: SearchView): ChildPlan[] {
    const best = view.ranked[0];
    // Near the end of the budget, fewer samples: only ~n/k per evaluation left are useful.
    const samples = Math.max(1, Math.min(this.n, Math.ceil((this.n * view.evaluationsLeft) / this.k)));
    return Array.from({ length: samples }, (_, i) => ({
      parentId: best?.id ?? '0',
      why: best
        ? `best-of-${this.n}: sample ${i + 1} of ${samples} from the best (#${best.id}, score ${formatWhyScore(best.score)})`
        : `best-of-${this.n}: sample ${i + 1} of ${samples} from the original (nothing evaluated yet)`,
    }));
  }

  selectForEvaluation(candidates: readonly CandidateNode[], view?: SearchView): CandidateNode[] {
    const ranked = byPrmDescending(candidates);
    const chosen = ranked.slice(0, this.k);
    const below = ranked.slice(this.k);
    const share = this.explorationShare();
    const explored = new Set<CandidateNode>();
    if (view && share > 0) {
      // The weakest top slot first: exploring replaces the child the filter was least sure of.
      for (let slot = chosen.length - 1; slot >= 0 && below.length > 0; slot--) {
        if (this.random.next(view) >= share) continue;
        const [picked] = below.splice(Math.floor(this.random.next(view) * below.length), 1);
        explored.add(picked);
        chosen[slot] = picked;
      }
    }
    for (const node of chosen) {
      const rank = ranked.indexOf(node) + 1;
      node.why = explored.has(node)
        ? `${node.why ?? ''}; PRM ${prmOf(node)} ranked ${rank} of ${ranked.length}, evaluated to explore (share ${share.toFixed(3)}: the PRM learns only from what it lets through)`
        : `${node.why ?? ''}; PRM ${prmOf(node)} ranked ${rank} of ${ranked.length}, top ${this.k} evaluated`;
    }
    this.selected += chosen.length;
    return chosen;
  }

  observe(): void {}

  snapshot(): unknown {
    return { strategy: this.name, random: this.random.snapshot(), selected: this.selected };
  }
}

/** Defaults measured in bench:prm (exploration on vs off); see test/bench/results/prm.json. */
export const DEFAULT_EXPLORE = 0.15;
export const DEFAULT_EXPLORE_HALF_LIFE = 40;
