// The first, simple process reward model: a prior that prefers small, syntactically clean
// edits. It orders and filters candidates; it never decides fitness (the evaluator does).
import { diffSize } from '../mutate/functionDiff';

export interface PrmInput {
  parentCode: string;
  childCode: string;
  /** Syntax issues the child adds over its parent's file. */
  newSyntaxIssues: number;
}

export interface PrmScorer {
  readonly name: string;
  /** Estimated probability (0..1) that the child is worth evaluating. */
  score(input: PrmInput): number;
}

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
