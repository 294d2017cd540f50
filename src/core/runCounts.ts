// The one definition of each count a user sees about a run (candidates, evaluations, model calls,
// per-model pulls, tokens, cost), computed from the run's nodes. The engine keeps the same numbers
// incrementally while it runs; the store, the CLI, the panel and the sidebar read them from here,
// so a live run, a reopened run and `genesis runs show` say the same thing.
import { improvementReward } from './llm/bandit';
import type { CandidateNode, ModelUsage } from './types';

/** What the counts need of a node (a CandidateNode, or the panel's NodeView). */
export type CountedNode = Pick<CandidateNode, 'id' | 'parentId' | 'status' | 'score' | 'reason' | 'skippedByPrm' | 'sourceId' | 'tokensIn' | 'tokensOut' | 'costUsd'> & {
  evaluation?: unknown;
};

export interface RunCounts {
  /** Children the search made (every node but the original function), whatever became of them. */
  candidates: number;
  /** Evaluator runs that gave a result, the original function's included: what the budget counts. */
  evaluations: number;
  /** Candidates evaluated as correct, with a score (the original function not included). */
  scored: number;
  /** Candidates that failed: the model call or the patch failed, a syntax error, an incorrect or crashed evaluation. */
  failed: number;
  /** Candidates not evaluated: duplicates, PRM-filtered, or cut short by a stop. */
  skipped: number;
  /** Candidates still waiting for the model or the evaluator. */
  inFlight: number;
  /** Model calls that settled (every model's pulls together). */
  modelCalls: number;
  /** Tokens in + out over all model calls. */
  tokens: number;
  costUsd: number;
}

/** One line per count: the hover text wherever the count is shown. */
export const COUNT_DEFINITIONS: Readonly<Record<keyof RunCounts, string>> = {
  candidates: 'Candidates: children the search made from a parent (the original function not included), whatever became of them.',
  evaluations: 'Evaluations: evaluator runs that gave a result, the original function included. The budget counts these.',
  scored: 'Scored: candidates the evaluator found correct and gave a score.',
  failed: 'Failed: the model call or its patch failed, a syntax error, or the evaluator found the candidate incorrect or crashed.',
  skipped: 'Skipped: not evaluated: a duplicate, filtered by the PRM, or cut short by a stop.',
  inFlight: 'In flight: waiting for the model or the evaluator.',
  modelCalls: 'Model calls (pulls): model replies that settled into a candidate, whatever became of it; calls cut short by a stop are not counted.',
  tokens: 'Tokens: input + output tokens of every model call.',
  costUsd: 'Cost: what the model calls cost, from the provider prices (the offline operator costs nothing).',
};

/**
 * True when the node's model call counts as a pull of its source: its reply settled the node
 * (scored, failed, or skipped as a duplicate). PRM-skipped nodes count once evaluated on demand;
 * a call cut short by a stop or a crash is released, not pulled.
 */
export function isSettledPull(node: CountedNode): boolean {
  if (!node.sourceId || node.parentId === null) return false;
  if (node.status === 'done' || node.status === 'failed') return true;
  if (node.status !== 'skipped' || node.skippedByPrm) return false;
  const reason = node.reason ?? '';
  return !reason.startsWith('run stopped') && !reason.startsWith('interrupted');
}

export function countNodes(nodes: Iterable<CountedNode>): RunCounts {
  const counts: RunCounts = { candidates: 0, evaluations: 0, scored: 0, failed: 0, skipped: 0, inFlight: 0, modelCalls: 0, tokens: 0, costUsd: 0 };
  for (const node of nodes) {
    counts.tokens += node.tokensIn + node.tokensOut;
    counts.costUsd += node.costUsd;
    if (node.evaluation !== undefined) counts.evaluations++;
    if (isSettledPull(node)) counts.modelCalls++;
    if (node.parentId === null) continue;
    counts.candidates++;
    if (node.status === 'done') counts.scored++;
    else if (node.status === 'failed') counts.failed++;
    else if (node.status === 'skipped') counts.skipped++;
    else counts.inFlight++;
  }
  return counts;
}

/** Per-model totals with the reward sum the mean is made of (the engine continues from these). */
export interface UsageTotals extends ModelUsage {
  rewardTotal: number;
}

/**
 * Pulls, mean reward, tokens and cost per model, from the nodes: `ids` first in their order (the
 * run's models), then any other model that wrote a node (a run resumed with other models).
 */
export function usageTotals(nodes: readonly CountedNode[], ids: readonly string[]): UsageTotals[] {
  const byId = new Map<string, UsageTotals>();
  const entry = (id: string): UsageTotals => {
    let usage = byId.get(id);
    if (!usage) {
      usage = { id, pulls: 0, meanReward: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, rewardTotal: 0 };
      byId.set(id, usage);
    }
    return usage;
  };
  for (const id of ids) entry(id);
  const scoreOf = new Map<string, number | null>();
  // As the engine rewards: against the parent's score and the baseline's, when the child settled.
  for (const node of nodes) scoreOf.set(node.id, node.score);
  const root = nodes.find((n) => n.parentId === null);
  const baseline = root && root.status === 'done' ? root.score : null;
  for (const node of nodes) {
    if (!node.sourceId) continue;
    const usage = entry(node.sourceId);
    usage.tokensIn += node.tokensIn;
    usage.tokensOut += node.tokensOut;
    usage.costUsd += node.costUsd;
    if (!isSettledPull(node)) continue;
    usage.pulls++;
    const parentScore = node.parentId !== null ? (scoreOf.get(node.parentId) ?? null) : null;
    if (node.status === 'done') usage.rewardTotal += improvementReward(node.score, parentScore, baseline);
  }
  for (const usage of byId.values()) usage.meanReward = usage.pulls > 0 ? usage.rewardTotal / usage.pulls : 0;
  return [...byId.values()];
}

/** What `RunSummary.models` holds: usageTotals without the reward sum. */
export function modelUsageOf(nodes: readonly CountedNode[], ids: readonly string[]): ModelUsage[] {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  return usageTotals(nodes, ids).map(({ rewardTotal, ...usage }) => usage);
}
