// Monte Carlo tree search over the candidate tree, PUCT-style:
//   select  — from the root, descend to the child maximising Q + c·P·√N(s)/(1 + N(c)), where
//             P is the child's PRM score (normalised over its siblings) and Q its normalised
//             fitness (an evaluated child) or its PRM score (a child the PRM kept from evaluation);
//   widen   — progressive widening: a node with N visits may have ⌊c_pw·N^α⌋ children; below
//             that, the selected node gets a new child instead of descending further;
//   backup  — every settled child counts a visit on its whole path; its score updates the
//             best (or mean) score of each ancestor.
// Fitness is normalised by rank among all evaluated candidates (or min–max), so Q is in [0, 1]
// whatever the evaluator's units.
import type { CandidateNode } from '../types';
import { restoreError, savedRecord } from './savedState';
import type { ChildPlan, SearchStrategy, SearchView, StrategyOptions } from './strategy';
import { byPrmDescending, choiceOption, integerOption, numberOption, prmOf, slotsThisRound } from './strategy';
import { formatWhyScore } from '../util/format';

/** Per-node statistics over the subtree rooted at the node (the node included). */
interface NodeStats {
  /** Settled nodes in the subtree (visits). */
  visits: number;
  /** Of those, evaluated with a score. */
  scored: number;
  sum: number;
  best: number | null;
}

type Backup = 'max' | 'mean';
type Normalisation = 'rank' | 'minmax';

export class MctsStrategy implements SearchStrategy {
  readonly name = 'mcts';
  readonly exploration: number;
  readonly widenConstant: number;
  readonly widenExponent: number;
  readonly backup: Backup;
  readonly normalisation: Normalisation;
  /** Children generated per expansion; the PRM picks `evaluateTop` of them to evaluate. */
  readonly samples: number;
  readonly evaluateTop: number;
  private readonly stats = new Map<string, NodeStats>();

  constructor(options?: StrategyOptions, restored?: unknown) {
    this.exploration = numberOption(options, 'cPuct', 0.2);
    this.widenConstant = numberOption(options, 'widenC', 1, 0.01);
    this.widenExponent = numberOption(options, 'widenAlpha', 0.5);
    this.backup = choiceOption(options, 'backup', ['max', 'mean'] as const, 'max');
    this.normalisation = choiceOption(options, 'normalise', ['rank', 'minmax'] as const, 'rank');
    this.samples = integerOption(options, 'samples', 1);
    this.evaluateTop = Math.min(this.samples, integerOption(options, 'evaluateTop', this.samples));
    this.restore(savedRecord(restored, this.name));
  }

  planRound(view: SearchView): ChildPlan[] {
    // Virtual visits: several expansions in one round spread out instead of piling on one leaf.
    const virtual = new Map<string, number>();
    const plans: ChildPlan[] = [];
    for (let e = slotsThisRound(view); e > 0; e--) {
      const { leaf, path, why } = this.select(view, virtual);
      for (const id of path) virtual.set(id, (virtual.get(id) ?? 0) + 1);
      for (let s = 0; s < this.samples; s++) {
        plans.push({ parentId: leaf.id, why: this.samples > 1 ? `${why}, sample ${s + 1} of ${this.samples}` : why });
      }
    }
    return plans;
  }

  selectForEvaluation(candidates: readonly CandidateNode[]): CandidateNode[] {
    if (this.evaluateTop >= this.samples) return byPrmDescending(candidates);
    const perParent = new Map<string, CandidateNode[]>();
    for (const node of byPrmDescending(candidates)) {
      const key = node.parentId ?? '';
      perParent.set(key, [...(perParent.get(key) ?? []), node]);
    }
    const chosen: CandidateNode[] = [];
    for (const siblings of perParent.values()) {
      siblings.slice(0, this.evaluateTop).forEach((node, i) => {
        node.why = `${node.why ?? ''}; PRM ${prmOf(node)} ranked ${i + 1} of ${siblings.length}, top ${this.evaluateTop} evaluated`;
        chosen.push(node);
      });
    }
    return byPrmDescending(chosen);
  }

  observe(node: CandidateNode, view: SearchView): void {
    const scored = node.status === 'done' && node.score !== null;
    const seenBefore = this.stats.has(node.id);
    // A node seen before was skipped and is now evaluated on demand: add its value, not a visit.
    if (seenBefore && !scored) return;
    for (let id: string | null = node.id; id !== null; id = view.nodes[Number(id)]?.parentId ?? null) {
      const stats = this.statsOf(id);
      if (!seenBefore) stats.visits++;
      if (scored && node.score !== null) {
        stats.scored++;
        stats.sum += node.score;
        stats.best = stats.best === null ? node.score : Math.max(stats.best, node.score);
      }
    }
  }

  /** Visits of a node (0 when never settled). */
  visits(id: string): number {
    return this.stats.get(id)?.visits ?? 0;
  }

  snapshot(): unknown {
    const stats = [...this.stats].map(([id, s]) => [id, s.visits, s.scored, s.sum, s.best]);
    return { strategy: this.name, stats };
  }

  // ---- selection -----------------------------------------------------------------------------

  private select(view: SearchView, virtual: ReadonlyMap<string, number>): { leaf: CandidateNode; path: string[]; why: string } {
    let node = view.nodes[0];
    const path = [node.id];
    let step = '';
    for (;;) {
      const visits = this.visits(node.id) + (virtual.get(node.id) ?? 0);
      const children = view.children(node.id);
      const allowed = Math.max(1, Math.floor(this.widenConstant * Math.pow(Math.max(1, visits), this.widenExponent)));
      // Children worth descending into: evaluated ones, and ones the PRM kept from evaluation.
      const open = children.filter((c) => (c.status === 'done' && c.score !== null) || (c.status === 'skipped' && c.skippedByPrm === true));
      if (children.length < allowed || open.length === 0) {
        const where = `widen #${node.id} (score ${formatWhyScore(node.score)}, N ${visits}, ${children.length} of ${allowed} children allowed)`;
        return { leaf: node, path, why: `mcts: path ${path.join('→')}; ${step}${where}` };
      }
      const priorTotal = open.reduce((sum, c) => sum + prmOf(c), 0) || 1;
      let best: CandidateNode | undefined;
      let bestValue = -Infinity;
      let bestParts = '';
      for (const child of open) {
        const q = this.value(child, view);
        const p = prmOf(child) / priorTotal;
        const n = this.visits(child.id) + (virtual.get(child.id) ?? 0);
        const u = (this.exploration * p * Math.sqrt(visits)) / (1 + n);
        if (q + u > bestValue) {
          bestValue = q + u;
          best = child;
          bestParts = `Q ${q.toFixed(3)}${child.status === 'done' ? '' : ' (PRM)'}, P ${p.toFixed(3)}, N ${n}`;
        }
      }
      if (!best) throw new Error('mcts: no child to descend into');
      node = best;
      path.push(node.id);
      step = `PUCT ${bestValue.toFixed(3)} at #${node.id} (${bestParts}); `;
    }
  }

  /** Q in [0, 1]: normalised best (or mean) fitness of the subtree; the PRM score when unevaluated. */
  private value(node: CandidateNode, view: SearchView): number {
    const stats = this.stats.get(node.id);
    if (!stats || stats.scored === 0) return node.status === 'done' ? 0 : prmOf(node);
    if (this.backup === 'max') return this.normalise(stats.best ?? 0, view);
    return this.normalise(stats.sum / stats.scored, view) * (stats.scored / Math.max(1, stats.visits));
  }

  private normalise(score: number, view: SearchView): number {
    const ranked = view.ranked;
    if (ranked.length <= 1) return 1;
    if (this.normalisation === 'minmax') {
      const top = ranked[0].score ?? score;
      const bottom = ranked[ranked.length - 1].score ?? score;
      return top > bottom ? Math.min(1, Math.max(0, (score - bottom) / (top - bottom))) : 1;
    }
    // Rank: share of evaluated candidates scoring strictly below. `ranked` is best first.
    let lo = 0;
    let hi = ranked.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((ranked[mid].score ?? -Infinity) >= score) lo = mid + 1;
      else hi = mid;
    }
    return (ranked.length - lo) / (ranked.length - 1);
  }

  private statsOf(id: string): NodeStats {
    let stats = this.stats.get(id);
    if (!stats) {
      stats = { visits: 0, scored: 0, sum: 0, best: null };
      this.stats.set(id, stats);
    }
    return stats;
  }

  private restore(record: ReturnType<typeof savedRecord>): void {
    if (!record || record.stats === undefined) return;
    if (!Array.isArray(record.stats)) throw restoreError(this.name, '"stats" is not a list');
    for (const entry of record.stats as unknown[]) {
      const ok =
        Array.isArray(entry) &&
        entry.length === 5 &&
        typeof entry[0] === 'string' &&
        [entry[1], entry[2], entry[3]].every((v) => typeof v === 'number' && Number.isFinite(v)) &&
        (entry[4] === null || (typeof entry[4] === 'number' && Number.isFinite(entry[4])));
      if (!ok) throw restoreError(this.name, `bad node statistics ${JSON.stringify(entry)}`);
      const [id, visits, scored, sum, best] = entry as [string, number, number, number, number | null];
      this.stats.set(id, { visits, scored, sum, best });
    }
  }
}
