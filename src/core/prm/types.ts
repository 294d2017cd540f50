// The process reward model's vocabulary: what a scorer sees of a candidate, what it learns
// from, and the detailed score the UI can show (one score per hunk, combined by min).
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

/** One diff hunk (a run of changed lines) scored as one step. Lines are 0-based, end exclusive. */
export interface HunkScore {
  index: number;
  parentLines: [number, number];
  childLines: [number, number];
  /** P(this step is good). */
  probability: number;
}

/** A score with its parts, for the inspector: hunk scores, how they combined, and where from. */
export interface PrmScoreDetail {
  /** P(child beats parent): the minimum over hunk scores (after the prior blend). */
  probability: number;
  /** Expected child − parent score, in the evaluator's units; null until an outcome was seen. */
  expectedDelta: number | null;
  hunks: HunkScore[];
  combination: 'min';
  /** 'prior': no data yet (heuristic); 'blend': few outcomes, mixed with the heuristic. */
  source: 'prior' | 'blend' | 'learned';
  /** Outcomes the model was trained on. */
  trainedOn: number;
  /** Parts of a combined score, by scorer name (extra scorers that failed are absent). */
  parts?: Record<string, number>;
}

/** A scorer that can explain its score (hunks, source); the engine may show it. */
export interface DetailedPrmScorer extends PrmScorer {
  scoreDetailed(input: PrmInput): Promise<PrmScoreDetail>;
}

/** Health of a scorer that calls out (LLM judge, remote reward model). */
export interface ScorerStatus {
  state: 'ok' | 'down';
  /** One line: what is wrong and what to check, or a short "ok" note. */
  message: string;
  calls: number;
  failures: number;
  tokens: number;
  costUsd: number;
}

export interface RemoteScorer extends PrmScorer {
  status(): ScorerStatus;
}
