// The first, simple process reward model: a prior that prefers small, syntactically clean
// edits. It orders and filters candidates; it never decides fitness (the evaluator does).
import { diffSize } from '../mutate/functionDiff';
import type { PrmInput, PrmScorer } from './types';

export type { PrmInput, PrmOutcome, PrmScorer } from './types';

export class HeuristicPrm implements PrmScorer {
  readonly name = 'heuristic';

  score(input: PrmInput): number {
    if (input.newSyntaxIssues > 0) return 0;
    const size = diffSize(input.parentCode, input.childCode);
    const changed = size.addedLines + size.removedLines;
    // Small focused edits succeed more often; each extra hunk is another chance to break.
    const sizeFactor = Math.exp(-changed / 60);
    const hunkFactor = 1 / (1 + 0.15 * Math.max(0, size.hunks - 1));
    return Math.round((0.1 + 0.9 * sizeFactor * hunkFactor) * 1000) / 1000;
  }
}
