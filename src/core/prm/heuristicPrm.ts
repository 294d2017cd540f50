// The first, simple process reward model: a prior that prefers small, syntactically clean
// edits. It orders and filters candidates; it never decides fitness (the evaluator does).
import { diffSize } from '../mutate/functionDiff';
import type { LanguageId, MutationKind } from '../types';

export interface PrmInput {
  language: LanguageId;
  parentCode: string;
  childCode: string;
  /** Syntax issues the child adds over the original file. */
  newSyntaxIssues: number;
  mutationKind: MutationKind;
  model: string;
  /** 0-based rank of the parent among evaluated candidates (-1: not ranked). */
  parentRank: number;
  parentDepth: number;
}

export interface PrmOutcome {
  /** The child's score beat its parent's. */
  improved: boolean;
  /** child score − parent score; null when the child failed. */
  delta: number | null;
}

export interface PrmScorer {
  readonly name: string;
  /** Estimated probability (0..1) that the child beats its parent. Async scorers (LLM judge,
   *  remote reward model) return a promise; the engine awaits it. */
  score(input: PrmInput): number | Promise<number>;
  /** Learns from an evaluated child (online). Optional: heuristic scorers do not learn. */
  learn?(input: PrmInput, outcome: PrmOutcome): void;
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
