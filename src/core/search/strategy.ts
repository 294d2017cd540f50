// The search strategy interface: a strategy decides which parents to mutate each round and
// which of the resulting children deserve an evaluation. The engine does everything else
// (model calls, patching, syntax checks, dedupe, PRM, evaluation, persistence).
import type { CandidateNode } from '../types';

/** One child to generate this round. */
export interface ChildPlan {
  parentId: string;
  /** For crossover: a second parent. */
  secondParentId?: string;
  /** Shown in the inspector: why this parent was chosen. */
  why: string;
  island?: number;
  /** The strategy that planned it, when a strategy delegates (adaptive); else the strategy's own name. */
  strategy?: string;
}

/** What a strategy may read of the run; `nodes` is in creation order (ids are indices). */
export interface SearchView {
  readonly nodes: readonly CandidateNode[];
  /** Evaluated, correct nodes (score !== null), best first. Maintained incrementally. */
  readonly ranked: readonly CandidateNode[];
  readonly random: () => number;
  /** Evaluations left in the budget. */
  readonly evaluationsLeft: number;
  /** Evaluations the engine may run at once. */
  readonly concurrency: number;
  children(id: string): readonly CandidateNode[];
}

export interface SearchStrategy {
  readonly name: string;
  /** Children to generate next; the engine asks again after they are settled. */
  planRound(view: SearchView): ChildPlan[];
  /**
   * Of this round's admitted children (syntax-clean, not duplicates), which to evaluate now.
   * The rest become "skipped by PRM" nodes that the user can still evaluate on demand.
   */
  selectForEvaluation(candidates: readonly CandidateNode[], view: SearchView): CandidateNode[];
  /** Called once a node is settled (evaluated, failed or skipped). */
  observe(node: CandidateNode, view: SearchView): void;
  /** Strategy state to persist with the run; restored through the factory. */
  snapshot(): unknown;
}

export interface StrategyOptions {
  [key: string]: number | string | boolean | undefined;
}

/** Plain numeric option with a default and a lower bound. */
export function numberOption(options: StrategyOptions | undefined, name: string, fallback: number, min = 0): number {
  const value = options?.[name];
  return typeof value === 'number' && Number.isFinite(value) && value >= min ? value : fallback;
}

/** A whole-number option (counts, widths, intervals) with a default and a lower bound. */
export function integerOption(options: StrategyOptions | undefined, name: string, fallback: number, min = 1): number {
  const value = numberOption(options, name, fallback, min);
  return Number.isInteger(value) ? value : fallback;
}

/** One of a fixed set of words; anything else falls back to the default. */
export function choiceOption<T extends string>(options: StrategyOptions | undefined, name: string, choices: readonly T[], fallback: T): T {
  const value = options?.[name];
  return typeof value === 'string' && (choices as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** Children a strategy may plan this round: at least one, at most what evaluations are left. */
export function slotsThisRound(view: SearchView): number {
  return Math.max(1, Math.min(view.concurrency, view.evaluationsLeft));
}

/** PRM score for ordering; a node the PRM did not score counts as neutral. */
export function prmOf(node: CandidateNode): number {
  return node.prmScore ?? 0.5;
}

/** Candidates best PRM first; ties keep creation order, so the order is reproducible. */
export function byPrmDescending(candidates: readonly CandidateNode[]): CandidateNode[] {
  return [...candidates].sort((a, b) => prmOf(b) - prmOf(a) || Number(a.id) - Number(b.id));
}

