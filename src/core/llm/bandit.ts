// Which model writes the next child: a cost-aware UCB1 bandit over model arms, after
// ShinkaEvolve's LLM prioritization. Untried arms go first; then each arm scores
//   normalized mean reward + C·sqrt(ln(1 + N) / n) − costWeight · (mean cost / highest mean cost)
// and, with probability epsilon, a uniformly random arm is taken instead. Rewards are the child's
// improvement over the better of its parent and the baseline, clipped at 0. They are normalized
// at choice time by a running scale: the (decayed) mean size of the positive rewards seen so far,
// over all arms. A normalized mean is then about "the share of pulls that improve, weighted by
// how much", near [0, 1] whatever the score's units, so the exploration bonus and the cost
// penalty act on the same scale.
// Counts, rewards and costs decay exponentially with every update, so the bandit follows arms
// whose usefulness changes as the search moves on (and revisits an arm left alone for long).

export interface BanditOptions {
  /** Weight of the UCB exploration bonus (default 0.5). */
  explorationC?: number;
  /** Penalty for the most expensive arm, relative to normalized rewards in [0, 1] (default 0.3). */
  costWeight?: number;
  /** Chance of a uniformly random arm (default 0.05). */
  epsilon?: number;
  /** Factor applied to every arm's counts and sums at each update (default 0.99; 1 = no decay). */
  decay?: number;
}

export interface ArmStats {
  arm: string;
  /** Completed pulls (updates), not decayed. */
  pulls: number;
  /** Mean raw reward (clipped improvement, in score units) per pull, not decayed. */
  meanReward: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

interface ArmState {
  arm: string;
  /** Decayed pull count, reward sum and cost sum: what the policy uses. */
  n: number;
  rewardSum: number;
  costSum: number;
  /** Plain totals: what the user sees. */
  pulls: number;
  rewardTotal: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  /** Chosen but not yet updated (concurrent calls); not saved. */
  pending: number;
}

export interface BanditState {
  version: 1;
  options: Required<BanditOptions>;
  /** Decayed sum and count of positive rewards: the normalization scale. */
  positiveSum: number;
  positiveCount: number;
  arms: Omit<ArmState, 'pending'>[];
}

const DEFAULTS: Required<BanditOptions> = { explorationC: 0.5, costWeight: 0.3, epsilon: 0.05, decay: 0.99 };

export class ModelBandit {
  private readonly options: Required<BanditOptions>;
  private readonly arms: ArmState[];
  private positiveSum = 0;
  private positiveCount = 0;

  constructor(
    arms: readonly string[],
    options: BanditOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    if (arms.length === 0) throw new Error('the model bandit needs at least one model');
    if (new Set(arms).size !== arms.length) throw new Error(`the same model is listed twice: ${arms.join(', ')}`);
    this.options = validOptions(options);
    this.arms = arms.map((arm) => ({ arm, n: 0, rewardSum: 0, costSum: 0, pulls: 0, rewardTotal: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, pending: 0 }));
  }

  /** The arm for the next call. Counts as pending until `update` or `release` for it. */
  choose(): string {
    const chosen = this.pick();
    chosen.pending++;
    return chosen.arm;
  }

  /**
   * Records the outcome of a call to `arm`: `reward` is the raw improvement (clipped at 0 here
   * too; see `improvementReward`), `costUsd` and tokens what the call cost. Failed calls report 0.
   */
  update(arm: string, reward: number, costUsd: number, tokensIn: number, tokensOut: number): void {
    const target = this.arm(arm);
    const r = Number.isFinite(reward) ? Math.max(0, reward) : 0;
    const cost = Number.isFinite(costUsd) ? Math.max(0, costUsd) : 0;
    for (const a of this.arms) {
      a.n *= this.options.decay;
      a.rewardSum *= this.options.decay;
      a.costSum *= this.options.decay;
    }
    this.positiveSum *= this.options.decay;
    this.positiveCount *= this.options.decay;
    if (r > 0) {
      this.positiveSum += r;
      this.positiveCount += 1;
    }
    target.n += 1;
    target.rewardSum += r;
    target.costSum += cost;
    target.pulls += 1;
    target.rewardTotal += r;
    target.tokensIn += Math.max(0, tokensIn);
    target.tokensOut += Math.max(0, tokensOut);
    target.costUsd += cost;
    if (target.pending > 0) target.pending--;
  }

  /** Forgets a choice that will never be updated (the call was cancelled). */
  release(arm: string): void {
    const target = this.arm(arm);
    if (target.pending > 0) target.pending--;
  }

  stats(): ArmStats[] {
    return this.arms.map((a) => ({
      arm: a.arm,
      pulls: a.pulls,
      meanReward: a.pulls > 0 ? a.rewardTotal / a.pulls : 0,
      tokensIn: a.tokensIn,
      tokensOut: a.tokensOut,
      costUsd: a.costUsd,
    }));
  }

  /** Each arm's current score (Infinity for untried arms): for logs and tests. */
  scores(): Record<string, number> {
    const out: Record<string, number> = {};
    const context = this.context();
    for (const a of this.arms) out[a.arm] = this.untried(a) ? Infinity : this.score(a, context);
    return out;
  }

  toJSON(): BanditState {
    return {
      version: 1,
      options: { ...this.options },
      positiveSum: this.positiveSum,
      positiveCount: this.positiveCount,
      arms: this.arms.map(({ pending: _pending, ...saved }) => saved),
    };
  }

  /**
   * Restores a saved bandit. With `arms`, the result has exactly those arms: saved ones keep
   * their history, new ones start untried, and arms no longer configured are dropped.
   */
  static fromJSON(state: unknown, random: () => number = Math.random, arms?: readonly string[]): ModelBandit {
    const parsed = parseState(state);
    const names = arms ?? parsed.arms.map((a) => a.arm);
    const bandit = new ModelBandit(names, parsed.options, random);
    bandit.positiveSum = parsed.positiveSum;
    bandit.positiveCount = parsed.positiveCount;
    for (const target of bandit.arms) {
      const saved = parsed.arms.find((a) => a.arm === target.arm);
      if (saved) Object.assign(target, saved, { pending: 0 });
    }
    return bandit;
  }

  // ---- policy ----------------------------------------------------------------------------

  private pick(): ArmState {
    const fresh = this.arms.find((a) => this.untried(a));
    if (fresh) return fresh;
    // Always draw, so the sequence of random numbers does not depend on the branch taken.
    const explore = this.random() < this.options.epsilon;
    const uniform = this.random();
    if (explore) return this.arms[Math.min(this.arms.length - 1, Math.floor(uniform * this.arms.length))];
    const context = this.context();
    let best = this.arms[0];
    let bestScore = -Infinity;
    for (const a of this.arms) {
      const s = this.score(a, context);
      if (s > bestScore) {
        best = a;
        bestScore = s;
      }
    }
    return best;
  }

  private untried(a: ArmState): boolean {
    return a.pulls + a.pending === 0;
  }

  private context(): { total: number; rewardScale: number; costScale: number } {
    let total = 0;
    let costScale = 0;
    for (const a of this.arms) {
      total += a.n + a.pending;
      if (a.n > 0) costScale = Math.max(costScale, a.costSum / a.n);
    }
    const rewardScale = this.positiveCount > 0 ? this.positiveSum / this.positiveCount : 0;
    return { total, rewardScale, costScale };
  }

  private score(a: ArmState, context: { total: number; rewardScale: number; costScale: number }): number {
    const { explorationC, costWeight } = this.options;
    const meanReward = a.n > 0 ? a.rewardSum / a.n : 0;
    const meanCost = a.n > 0 ? a.costSum / a.n : 0;
    const normalized = context.rewardScale > 0 ? meanReward / context.rewardScale : 0;
    const count = Math.max(a.n + a.pending, 1e-9);
    const bonus = explorationC * Math.sqrt(Math.log(1 + context.total) / count);
    const penalty = context.costScale > 0 ? costWeight * (meanCost / context.costScale) : 0;
    return normalized + bonus - penalty;
  }

  private arm(name: string): ArmState {
    const found = this.arms.find((a) => a.arm === name);
    if (!found) throw new Error(`unknown model arm "${name}"; arms: ${this.arms.map((a) => a.arm).join(', ')}`);
    return found;
  }
}

/**
 * The bandit reward of a child: how much its score beats the better of its parent's and the
 * baseline's, clipped at 0. A child without a score, or with nothing to compare to, earns 0.
 */
export function improvementReward(childScore: number | null, parentScore: number | null, baselineScore: number | null): number {
  if (childScore === null || !Number.isFinite(childScore)) return 0;
  const references = [parentScore, baselineScore].filter((s): s is number => s !== null && Number.isFinite(s));
  if (references.length === 0) return 0;
  return Math.max(0, childScore - Math.max(...references));
}

function validOptions(options: BanditOptions): Required<BanditOptions> {
  const merged = { ...DEFAULTS, ...definedOnly(options) };
  const check = (name: keyof BanditOptions, ok: boolean) => {
    if (!ok) throw new Error(`bandit option ${name} = ${merged[name]} is out of range`);
  };
  check('explorationC', Number.isFinite(merged.explorationC) && merged.explorationC >= 0);
  check('costWeight', Number.isFinite(merged.costWeight) && merged.costWeight >= 0);
  check('epsilon', merged.epsilon >= 0 && merged.epsilon <= 1);
  check('decay', merged.decay > 0 && merged.decay <= 1);
  return merged;
}

function definedOnly(options: BanditOptions): BanditOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as BanditOptions;
}

function parseState(state: unknown): BanditState {
  const fail = (why: string): never => {
    throw new Error(`saved bandit state is not usable (${why})`);
  };
  if (!isRecord(state) || state.version !== 1) return fail('unknown version');
  if (!isRecord(state.options)) return fail('no options');
  if (!Array.isArray(state.arms)) return fail('no arms');
  const numbers = ['n', 'rewardSum', 'costSum', 'pulls', 'rewardTotal', 'tokensIn', 'tokensOut', 'costUsd'] as const;
  const arms = state.arms.map((raw, i) => {
    if (!isRecord(raw) || typeof raw.arm !== 'string') return fail(`arm ${i} has no name`);
    const arm: Omit<ArmState, 'pending'> = { arm: raw.arm, n: 0, rewardSum: 0, costSum: 0, pulls: 0, rewardTotal: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 };
    for (const key of numbers) {
      const value = raw[key];
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return fail(`arm ${raw.arm} has a bad ${key}`);
      arm[key] = value;
    }
    return arm;
  });
  const options = validOptions(state.options as BanditOptions);
  const scale = (key: 'positiveSum' | 'positiveCount') => {
    const value = state[key];
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fail(`bad ${key}`);
  };
  return { version: 1, options, positiveSum: scale('positiveSum'), positiveCount: scale('positiveCount'), arms };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
