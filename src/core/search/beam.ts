// Beam search: the W best evaluated candidates (fitness first, PRM breaking ties) each get M
// mutations per round; every child is evaluated, best PRM first when the budget runs short.
// Parents stay in the pool ("plus" selection), so the beam is the W best of everything so far.
import type { CandidateNode } from '../types';
import { savedRecord } from './savedState';
import type { ChildPlan, SearchStrategy, SearchView, StrategyOptions } from './strategy';
import { byPrmDescending, integerOption, prmOf } from './strategy';
import { formatWhyScore } from '../util/format';

export class BeamStrategy implements SearchStrategy {
  readonly name = 'beam';
  readonly width: number;
  readonly mutationsPerMember: number;

  constructor(options?: StrategyOptions, restored?: unknown) {
    this.width = integerOption(options, 'width', 2);
    this.mutationsPerMember = integerOption(options, 'm', 2);
    savedRecord(restored, this.name); // stateless: the beam is recomputed from the ranking
  }

  /** The beam: top `width` by score; equal scores ordered by PRM, then age. */
  members(view: SearchView): CandidateNode[] {
    const ranked = view.ranked;
    if (ranked.length === 0) return [];
    // Extend the cut past the width while scores tie, so the PRM decides between equals.
    let end = Math.min(this.width, ranked.length);
    while (end < ranked.length && ranked[end].score === ranked[end - 1].score) end++;
    return ranked
      .slice(0, end)
      .sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || prmOf(b) - prmOf(a) || Number(a.id) - Number(b.id))
      .slice(0, this.width);
  }

  planRound(view: SearchView): ChildPlan[] {
    const members = this.members(view);
    if (members.length === 0) return [{ parentId: '0', why: 'beam: nothing evaluated yet, mutate the original' }];
    const plans: ChildPlan[] = [];
    members.forEach((member, rank) => {
      for (let j = 0; j < this.mutationsPerMember; j++) {
        plans.push({
          parentId: member.id,
          why: `beam: member ${rank + 1} of ${members.length} (#${member.id}, score ${formatWhyScore(member.score)}), mutation ${j + 1} of ${this.mutationsPerMember}`,
        });
      }
    });
    return plans;
  }

  selectForEvaluation(candidates: readonly CandidateNode[]): CandidateNode[] {
    return byPrmDescending(candidates);
  }

  observe(): void {}

  snapshot(): unknown {
    return { strategy: this.name };
  }
}
