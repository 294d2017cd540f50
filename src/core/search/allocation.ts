// Which strategy produced each candidate, summed over a run: per strategy (children,
// evaluations, new bests) and over the run's course (evaluations per window). Read from the
// nodes alone, so a stored run, the panel and the CLI all tell the same story.
import type { CandidateNode } from '../types';

/** Label for children of runs recorded before nodes carried their strategy. */
export const UNRECORDED_STRATEGY = 'not recorded';

export interface StrategyTally {
  strategy: string;
  children: number;
  evaluated: number;
  /** Evaluations that beat every earlier score of the run. */
  newBests: number;
}

export interface AllocationWindow {
  /** 1-based positions of the first and last evaluated child in the window. */
  from: number;
  to: number;
  /** Evaluated children per strategy in the window. */
  counts: Record<string, number>;
}

function strategyOf(node: Pick<CandidateNode, 'strategy'>): string {
  return node.strategy ?? UNRECORDED_STRATEGY;
}

function isEvaluated(node: Pick<CandidateNode, 'status' | 'score'> & { evaluation?: unknown }): boolean {
  return node.status === 'done' || node.evaluation !== undefined;
}

type NodeFacts = Pick<CandidateNode, 'id' | 'parentId' | 'status' | 'score' | 'strategy'> & { evaluation?: unknown };

/** Children of every strategy, most children first (ties by name); the root is not a child. */
export function strategyTallies(nodes: readonly NodeFacts[]): StrategyTally[] {
  const tallies = new Map<string, StrategyTally>();
  let best = -Infinity;
  for (const node of [...nodes].sort((a, b) => Number(a.id) - Number(b.id))) {
    const score = node.status === 'done' ? node.score : null;
    if (node.parentId === null) {
      if (score !== null) best = Math.max(best, score);
      continue;
    }
    const name = strategyOf(node);
    let tally = tallies.get(name);
    if (!tally) {
      tally = { strategy: name, children: 0, evaluated: 0, newBests: 0 };
      tallies.set(name, tally);
    }
    tally.children++;
    if (isEvaluated(node)) tally.evaluated++;
    if (score !== null && score > best) {
      if (best !== -Infinity) tally.newBests++;
      best = score;
    }
  }
  return [...tallies.values()].sort((a, b) => b.children - a.children || a.strategy.localeCompare(b.strategy));
}

/** Evaluated children in creation order, cut into at most `windows` equal runs of evaluations. */
export function allocationWindows(nodes: readonly NodeFacts[], windows: number): AllocationWindow[] {
  const evaluated = [...nodes].filter((n) => n.parentId !== null && isEvaluated(n)).sort((a, b) => Number(a.id) - Number(b.id));
  const count = Math.max(1, Math.min(Math.floor(windows), evaluated.length));
  const out: AllocationWindow[] = [];
  for (let w = 0; w < count && evaluated.length > 0; w++) {
    const start = Math.floor((w * evaluated.length) / count);
    const end = Math.floor(((w + 1) * evaluated.length) / count);
    const counts: Record<string, number> = {};
    for (const node of evaluated.slice(start, end)) counts[strategyOf(node)] = (counts[strategyOf(node)] ?? 0) + 1;
    out.push({ from: start + 1, to: end, counts });
  }
  return out;
}

/** One line per window: "1–50: elitist 60%, beam 40%". */
export function describeWindows(windows: readonly AllocationWindow[]): string[] {
  return windows.map((w) => {
    const total = w.to - w.from + 1;
    const parts = Object.entries(w.counts)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([name, n]) => `${name} ${Math.round((100 * n) / total)}%`);
    return `${w.from}–${w.to}: ${parts.join(', ')}`;
  });
}
