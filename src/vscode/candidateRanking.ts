// Which candidates the editor and the sidebar offer, in what order. Pure (no 'vscode'), so unit
// tests cover it.
import type { CandidateNode } from '../core/types';

/** Scored candidates of a run that can be accepted, best first (ties: older first). */
export function acceptableCandidates(nodes: readonly CandidateNode[]): CandidateNode[] {
  return nodes
    .filter((n) => n.parentId !== null && n.status === 'done' && n.score !== null)
    .sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || Number(a.id) - Number(b.id));
}

/** The candidate after `nodeId` in the ranking, skipping rejected ones; wraps around. */
export function nextCandidate(ranked: readonly CandidateNode[], nodeId: string | undefined, rejected: ReadonlySet<string>): CandidateNode | undefined {
  const open = ranked.filter((n) => !rejected.has(n.id) || n.id === nodeId);
  if (open.length === 0) return undefined;
  const at = open.findIndex((n) => n.id === nodeId);
  const next = open[(at + 1) % open.length];
  return next && next.id === nodeId && rejected.has(nodeId) ? undefined : next;
}

/** The candidate before `nodeId` in the ranking, skipping rejected ones; wraps around. */
export function previousCandidate(ranked: readonly CandidateNode[], nodeId: string | undefined, rejected: ReadonlySet<string>): CandidateNode | undefined {
  return nextCandidate([...ranked].reverse(), nodeId, rejected);
}
