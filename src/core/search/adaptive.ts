// Adaptive search: a bandit over the other strategies (elitist, best-of-N, beam, MCTS, islands)
// inside one run. Each round it draws which strategy plans each of the round's children, in
// proportion to that strategy's recent improvement per evaluation (per dollar when the children
// cost money), so the run drifts toward whatever is working on this function:
//   - reward of an evaluated child: 1 when it beats the run's best, `parentCredit` when it only
//     beats its parent, else 0; a child that was not evaluated (duplicate, PRM cut) costs a model
//     call but no evaluation;
//   - recent: every evaluation discounts all statistics by `decay`, so a strategy that stopped
//     working loses its share within a few dozen evaluations;
//   - share ∝ prior × (rate + bonus)^sharpness, mixed with a floor so every strategy is still
//     tried now and then; the prior starts the run greedy (literal tuning favours greed);
//   - stagnation: when the best has not moved for `patience` evaluations, the diversity
//     strategies (islands with novelty rejection, MCTS) get `diversityBoost` × their share; the
//     first new best switches back to exploitation.
// Every strategy sees every settled node, so each knows the whole tree whichever one made it.
// The state (statistics, the sub-strategies' states, the random stream) is one small object:
// MCTS's per-node statistics are not saved but rebuilt from the tree on resume.
import type { CandidateNode } from '../types';
import { BeamStrategy } from './beam';
import { BestOfNStrategy } from './bestOfN';
import { ElitistStrategy } from './elitist';
import { IslandsStrategy } from './islands';
import { MctsStrategy } from './mcts';
import { restoreError, savedNumber, savedRandomState, savedRecord, type SavedState } from './savedState';
import type { ChildPlan, SearchStrategy, SearchView, StrategyOptions } from './strategy';
import { numberOption, slotsThisRound } from './strategy';
import { StrategyRandom } from './strategyRandom';

export const ADAPTIVE_ARMS = ['elitist', 'best-of-n', 'beam', 'mcts', 'islands'] as const;
export type AdaptiveArm = (typeof ADAPTIVE_ARMS)[number];

/** The strategies that look away from the current best: favoured while the search stagnates. */
export const DIVERSITY_ARMS: readonly AdaptiveArm[] = ['islands', 'mcts'];

/** Starting preference (normalised): greedy first, as the benchmark ranks them on literal tuning. */
const PRIOR: Readonly<Record<AdaptiveArm, number>> = { elitist: 0.3, beam: 0.3, islands: 0.2, 'best-of-n': 0.1, mcts: 0.1 };

/** Discounted statistics of one arm. */
interface ArmStats {
  /** Discounted reward of its evaluated children. */
  reward: number;
  /** Discounted evaluations of its children. */
  evaluations: number;
  /** Discounted cost (USD) of all its children, evaluated or not. */
  costUsd: number;
  /** Undiscounted totals, for display. */
  children: number;
  evaluated: number;
  newBests: number;
}

/** One entry of the allocation's history: the shares in force from `evaluation` on. */
export interface AllocationPoint {
  evaluation: number;
  stagnant: boolean;
  shares: Record<AdaptiveArm, number>;
}

/** What the panel, the CLI and tests read of the adaptive state. */
export interface AllocationView {
  shares: Record<AdaptiveArm, number>;
  stagnant: boolean;
  evaluationsSinceBest: number;
  arms: Record<AdaptiveArm, { children: number; evaluated: number; newBests: number; rate: number }>;
  history: AllocationPoint[];
}

/** History entries kept: when full, every other one is dropped (the chart needs the shape, not every round). */
const HISTORY_LIMIT = 64;
const SCORE_EPSILON = 1e-12;

export class AdaptiveStrategy implements SearchStrategy {
  readonly name = 'adaptive';
  readonly decay: number;
  readonly patience: number;
  readonly diversityBoost: number;
  readonly floor: number;
  readonly parentCredit: number;
  readonly sharpness: number;
  private readonly arms: Record<AdaptiveArm, SearchStrategy>;
  private readonly stats: Record<AdaptiveArm, ArmStats>;
  private readonly random: StrategyRandom;
  private best: number | null;
  private evaluations: number;
  private lastBestAt: number;
  private stagnant: boolean;
  private history: AllocationPoint[];
  /** Arms of the last planned round, in order: the owner of a node that carries no tag. */
  private lastRoundArms: AdaptiveArm[] = [];
  /** Children counted while set aside by the PRM (not saved: at worst one is counted twice after a resume). */
  private readonly setAside = new Set<string>();
  /** Restored runs rebuild MCTS's statistics from the tree at the first touch. */
  private mctsNeedsReplay: boolean;

  constructor(options?: StrategyOptions, restored?: unknown) {
    this.decay = Math.min(1, numberOption(options, 'decay', 0.97, 0.5));
    this.patience = numberOption(options, 'patience', 12, 1);
    this.diversityBoost = numberOption(options, 'diversityBoost', 4, 1);
    this.floor = Math.min(0.5, numberOption(options, 'floor', 0.03));
    this.parentCredit = Math.min(1, numberOption(options, 'parentCredit', 0.25));
    this.sharpness = numberOption(options, 'sharpness', 1.5, 0);
    const record = savedRecord(restored, this.name);
    const armStates = this.savedArms(record);
    this.arms = {
      elitist: new ElitistStrategy(undefined, armStates.elitist),
      'best-of-n': new BestOfNStrategy(undefined, armStates['best-of-n']),
      beam: new BeamStrategy(undefined, armStates.beam),
      mcts: new MctsStrategy(),
      islands: new IslandsStrategy(undefined, armStates.islands),
    };
    this.random = new StrategyRandom(savedRandomState(record, this.name));
    this.stats = this.savedStats(record);
    this.best = record?.best === undefined || record.best === null ? null : savedNumber(record, 'best', this.name, 0);
    this.evaluations = savedNumber(record, 'evaluations', this.name, 0);
    this.lastBestAt = savedNumber(record, 'lastBestAt', this.name, 0);
    this.stagnant = record?.stagnant === true;
    this.history = this.savedHistory(record?.history);
    this.mctsNeedsReplay = record !== null;
  }

  planRound(view: SearchView): ChildPlan[] {
    this.catchUp(view);
    const shares = this.shares();
    this.remember(shares);
    // One draw per slot; each drawn strategy plans its slots in one call, in the arms' order.
    const slots = slotsThisRound(view);
    const counts = new Map<AdaptiveArm, number>();
    const weights = ADAPTIVE_ARMS.map((arm) => shares[arm]);
    for (let i = 0; i < slots; i++) {
      const arm = ADAPTIVE_ARMS[this.random.weightedIndex(weights, view)];
      counts.set(arm, (counts.get(arm) ?? 0) + 1);
    }
    const plans: ChildPlan[] = [];
    this.lastRoundArms = [];
    for (const arm of ADAPTIVE_ARMS) {
      const count = counts.get(arm);
      if (count === undefined) continue;
      this.lastRoundArms.push(arm);
      const label = `adaptive → ${arm} (${Math.round(shares[arm] * 100)}%${this.stagnant ? ', stagnating: diversity favoured' : ''})`;
      for (const plan of this.arms[arm].planRound(narrowed(view, count))) {
        plans.push({ ...plan, strategy: arm, why: `${label}: ${plan.why}` });
      }
    }
    return plans;
  }

  selectForEvaluation(candidates: readonly CandidateNode[], view: SearchView): CandidateNode[] {
    const groups = new Map<AdaptiveArm, CandidateNode[]>();
    for (const node of candidates) {
      const arm = this.ownerOf(node) ?? this.lastRoundArms[0] ?? 'elitist';
      groups.set(arm, [...(groups.get(arm) ?? []), node]);
    }
    const chosen: CandidateNode[] = [];
    for (const arm of ADAPTIVE_ARMS) {
      const group = groups.get(arm);
      if (group) chosen.push(...this.arms[arm].selectForEvaluation(group, view));
    }
    return chosen;
  }

  observe(node: CandidateNode, view: SearchView): void {
    const replayed = this.catchUp(view, node);
    for (const arm of ADAPTIVE_ARMS) {
      if (arm === 'mcts' && replayed) continue;
      this.arms[arm].observe(node, view);
    }
    const owner = this.ownerOf(node);
    const stats = owner ? this.stats[owner] : undefined;
    // A child the PRM set aside settles again if the user has it evaluated: count the child once.
    if (stats && !this.setAside.delete(node.id)) {
      stats.children++;
      stats.costUsd += node.costUsd;
    }
    if (node.status === 'skipped' && node.skippedByPrm) {
      this.setAside.add(node.id);
      return;
    }
    const evaluated = node.status === 'done' || node.evaluation !== undefined;
    if (!evaluated) return;
    this.evaluations++;
    for (const arm of ADAPTIVE_ARMS) {
      const s = this.stats[arm];
      s.reward *= this.decay;
      s.evaluations *= this.decay;
      s.costUsd *= this.decay;
    }
    const score = node.status === 'done' ? node.score : null;
    let reward = 0;
    if (score !== null) {
      if (this.best === null || score > this.best + SCORE_EPSILON) {
        // The root sets the baseline; only children count as finding a new best.
        if (this.best !== null) reward = 1;
        this.best = score;
        this.lastBestAt = this.evaluations;
      } else {
        const parent = node.parentId !== null ? view.nodes[Number(node.parentId)] : undefined;
        if (parent?.score !== null && parent?.score !== undefined && score > parent.score + SCORE_EPSILON) reward = this.parentCredit;
      }
    }
    if (stats) {
      stats.reward += reward;
      stats.evaluations += 1;
      stats.evaluated++;
      if (reward === 1) stats.newBests++;
    }
    this.stagnant = this.evaluations - this.lastBestAt >= this.patience;
  }

  /** The allocation now and how it moved: for the panel, `genesis runs show` and tests. */
  allocation(): AllocationView {
    const arms = {} as AllocationView['arms'];
    for (const arm of ADAPTIVE_ARMS) {
      const s = this.stats[arm];
      arms[arm] = { children: s.children, evaluated: s.evaluated, newBests: s.newBests, rate: this.rate(arm) };
    }
    return { shares: this.shares(), stagnant: this.stagnant, evaluationsSinceBest: this.evaluations - this.lastBestAt, arms, history: this.history.map((h) => ({ ...h, shares: { ...h.shares } })) };
  }

  snapshot(): unknown {
    const stats = Object.fromEntries(ADAPTIVE_ARMS.map((arm) => {
      const s = this.stats[arm];
      return [arm, [s.reward, s.evaluations, s.costUsd, s.children, s.evaluated, s.newBests]];
    }));
    return {
      strategy: this.name,
      random: this.random.snapshot(),
      best: this.best,
      evaluations: this.evaluations,
      lastBestAt: this.lastBestAt,
      stagnant: this.stagnant,
      stats,
      history: this.history,
      // MCTS is left out: its statistics are a function of the tree and are rebuilt on resume.
      arms: { elitist: this.arms.elitist.snapshot(), 'best-of-n': this.arms['best-of-n'].snapshot(), beam: this.arms.beam.snapshot(), islands: this.arms.islands.snapshot() },
    };
  }

  // ---- allocation ----------------------------------------------------------------------------

  /** Recent improvement per evaluation, shrunk toward the run's average while evidence is thin. */
  private rate(arm: AdaptiveArm): number {
    const s = this.stats[arm];
    const pseudo = 2;
    return (s.reward + this.averageRate() * pseudo) / (s.evaluations + pseudo);
  }

  private averageRate(): number {
    let reward = 0;
    let evaluations = 0;
    for (const arm of ADAPTIVE_ARMS) {
      reward += this.stats[arm].reward;
      evaluations += this.stats[arm].evaluations;
    }
    // Before any evidence: a modest rate, so the prior decides the first rounds.
    return (reward + 0.2) / (evaluations + 1);
  }

  /** Relative cost per evaluation (1 = the average); 1 for every arm while nothing costs money. */
  private relativeCost(arm: AdaptiveArm): number {
    let cost = 0;
    let evaluations = 0;
    for (const a of ADAPTIVE_ARMS) {
      cost += this.stats[a].costUsd;
      evaluations += this.stats[a].evaluations;
    }
    if (!(cost > 0)) return 1;
    const average = cost / Math.max(1e-9, evaluations);
    const s = this.stats[arm];
    const pseudo = 2;
    const mine = (s.costUsd + average * pseudo) / (s.evaluations + pseudo);
    return Math.max(0.05, mine / average);
  }

  private shares(): Record<AdaptiveArm, number> {
    const raw = ADAPTIVE_ARMS.map((arm) => {
      const perDollar = this.rate(arm) / this.relativeCost(arm);
      const boost = this.stagnant && DIVERSITY_ARMS.includes(arm) ? this.diversityBoost : 1;
      return PRIOR[arm] * boost * Math.pow(Math.max(1e-6, perDollar), this.sharpness);
    });
    const total = raw.reduce((sum, w) => sum + w, 0);
    const even = 1 / ADAPTIVE_ARMS.length;
    return Object.fromEntries(ADAPTIVE_ARMS.map((arm, i) => [arm, this.floor * even + (1 - this.floor) * (raw[i] / total)])) as Record<AdaptiveArm, number>;
  }

  /** Keeps the shares when they moved noticeably (or stagnation flipped), thinning when full. */
  private remember(shares: Record<AdaptiveArm, number>): void {
    const last = this.history[this.history.length - 1];
    const moved = !last || last.stagnant !== this.stagnant || ADAPTIVE_ARMS.some((arm) => Math.abs(last.shares[arm] - shares[arm]) >= 0.05);
    if (!moved) return;
    const rounded = Object.fromEntries(ADAPTIVE_ARMS.map((arm) => [arm, Math.round(shares[arm] * 1000) / 1000])) as Record<AdaptiveArm, number>;
    this.history.push({ evaluation: this.evaluations, stagnant: this.stagnant, shares: rounded });
    if (this.history.length > HISTORY_LIMIT) this.history = this.history.filter((_, i) => i % 2 === 0 || i === this.history.length - 1);
  }

  private ownerOf(node: CandidateNode): AdaptiveArm | undefined {
    return (ADAPTIVE_ARMS as readonly string[]).includes(node.strategy ?? '') ? (node.strategy as AdaptiveArm) : undefined;
  }

  /**
   * After a resume, feeds MCTS every node settled so far, once. Returns true when `current` was
   * among them (it must not be observed twice).
   */
  private catchUp(view: SearchView, current?: CandidateNode): boolean {
    if (!this.mctsNeedsReplay) return false;
    this.mctsNeedsReplay = false;
    let included = false;
    for (const node of view.nodes) {
      if (node.status !== 'done' && node.status !== 'failed' && node.status !== 'skipped') continue;
      this.arms.mcts.observe(node, view);
      if (node === current) included = true;
    }
    return included;
  }

  // ---- restore -------------------------------------------------------------------------------

  private savedArms(record: SavedState | null): Partial<Record<AdaptiveArm, unknown>> {
    const arms = record?.arms;
    if (arms === undefined) return {};
    if (typeof arms !== 'object' || arms === null || Array.isArray(arms)) throw restoreError(this.name, '"arms" is not an object');
    return arms as Partial<Record<AdaptiveArm, unknown>>;
  }

  private savedStats(record: SavedState | null): Record<AdaptiveArm, ArmStats> {
    const saved = record?.stats as Record<string, unknown> | undefined;
    const out = {} as Record<AdaptiveArm, ArmStats>;
    for (const arm of ADAPTIVE_ARMS) {
      const entry = saved?.[arm];
      if (entry === undefined) {
        out[arm] = { reward: 0, evaluations: 0, costUsd: 0, children: 0, evaluated: 0, newBests: 0 };
        continue;
      }
      if (!Array.isArray(entry) || entry.length !== 6 || !entry.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
        throw restoreError(this.name, `the statistics of ${arm} are not six non-negative numbers`);
      }
      const [reward, evaluations, costUsd, children, evaluated, newBests] = entry as number[];
      out[arm] = { reward, evaluations, costUsd, children, evaluated, newBests };
    }
    return out;
  }

  private savedHistory(saved: unknown): AllocationPoint[] {
    if (saved === undefined) return [];
    const valid =
      Array.isArray(saved) &&
      saved.every(
        (p: unknown) =>
          typeof p === 'object' &&
          p !== null &&
          typeof (p as AllocationPoint).evaluation === 'number' &&
          typeof (p as AllocationPoint).stagnant === 'boolean' &&
          typeof (p as AllocationPoint).shares === 'object' &&
          (p as AllocationPoint).shares !== null &&
          ADAPTIVE_ARMS.every((arm) => typeof (p as AllocationPoint).shares[arm] === 'number'),
      );
    if (!valid) throw restoreError(this.name, '"history" is not a list of allocation points');
    return (saved as AllocationPoint[]).map((p) => ({ evaluation: p.evaluation, stagnant: p.stagnant, shares: { ...p.shares } }));
  }
}

/** The view a sub-strategy sees: only its own slots of this round. */
function narrowed(view: SearchView, slots: number): SearchView {
  return {
    get nodes() {
      return view.nodes;
    },
    get ranked() {
      return view.ranked;
    },
    random: view.random,
    evaluationsLeft: Math.min(view.evaluationsLeft, slots),
    concurrency: slots,
    children: (id) => view.children(id),
  };
}
