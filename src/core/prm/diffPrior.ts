// The learned PRM's prior (its score before it has data, and its partner while data is thin):
// the heuristic's preference for small, focused edits, sharpened for literal tuning by what
// holds for most tuned programs — a small relative step of a fractional constant is the most
// likely to help; a big jump, a change of an integer (a count, a loop bound, an index) or a
// constant leaving zero most often breaks the program or makes it worse.
import { candidateFeatures, type CandidateFeatures } from './features';
import { HeuristicPrm } from './heuristicPrm';
import type { PrmInput, PrmScorer } from './types';

export class DiffPrior implements PrmScorer {
  readonly name = 'diff-prior';
  private readonly heuristic = new HeuristicPrm();

  score(input: PrmInput, features: CandidateFeatures = candidateFeatures(input)): number {
    let p = this.heuristic.score(input);
    for (const change of features.hunks.flatMap((h) => h.literalChanges)) {
      const relative = Math.abs(change.to - change.from) / Math.max(Math.abs(change.from), 1e-9);
      // Steps up to 1/16 of the value are free; each doubling beyond costs a third in log space.
      p *= Math.exp(-Math.max(0, Math.log2(relative) + 4) / 3);
      if (Number.isInteger(change.from) && Number.isInteger(change.to)) p *= 0.6;
      if (change.from === 0) p *= 0.5;
    }
    return Math.round(p * 1000) / 1000;
  }
}
