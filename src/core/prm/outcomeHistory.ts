// What the PRM remembers of the outcomes it has seen in this run, turned into features of the
// next candidate: how the parent itself was made (momentum), how its other children fared
// (siblings), and the recent rate of improvement. Only outcomes learned before a candidate is
// scored are used, so there is no peeking.
import type { CandidateFeatures, LiteralChange } from './features';
import { logit } from './hashedLinear';
import { LruMap } from './lru';
import type { PrmInput, PrmOutcome } from './types';

interface MoveStats {
  tries: number;
  wins: number;
}

export interface ContextFeatures {
  global: Map<string, number>;
  /** One map per hunk of the candidate. */
  hunks: Map<string, number>[];
}

/** Weight of the newest outcome in the running improvement rate. */
const RATE_DECAY = 0.05;

export class OutcomeHistory {
  /** Child code → the literal changes that made it, for children that beat their parent. */
  private readonly winningMoves = new LruMap<string, LiteralChange[]>(4096);
  /** Parent code → `index:direction` → how such children fared. */
  private readonly movesFrom = new LruMap<string, Map<string, MoveStats>>(4096);
  private readonly childrenOf = new LruMap<string, MoveStats>(4096);
  private rate: number;

  constructor(initialRate = 0.3) {
    this.rate = initialRate;
  }

  get recentRate(): number {
    return this.rate;
  }

  context(input: PrmInput, features: CandidateFeatures): ContextFeatures {
    const global = new Map<string, number>();
    global.set('ctx:recent-rate', logit(Math.min(0.95, Math.max(0.02, this.rate))));
    const totals = this.childrenOf.get(input.parentCode);
    global.set(`ctx:parent-tries:${bucket(totals?.tries ?? 0)}`, 1);
    global.set(`ctx:parent-wins:${Math.min(totals?.wins ?? 0, 2)}`, 1);
    const made = this.winningMoves.get(input.parentCode);
    const moves = this.movesFrom.get(input.parentCode);
    const hunks = features.hunks.map((hunk) => {
      const out = new Map<string, number>();
      for (const change of hunk.literalChanges) {
        const dir = direction(change);
        // Momentum: the parent won by moving a literal; moving it again the same way often wins again.
        if (!made) out.set('ctx:mom:unknown', 1);
        else {
          const same = made.find((m) => m.index === change.index);
          out.set(same ? (direction(same) === dir ? 'ctx:mom:same-dir' : 'ctx:mom:reverse') : 'ctx:mom:other-literal', 1);
        }
        // Siblings: children of this parent that already moved this literal this way (or back).
        const sameWay = moves?.get(`${change.index}:${dir}`);
        const otherWay = moves?.get(`${change.index}:${dir === 'up' ? 'down' : 'up'}`);
        out.set(sameWay ? (sameWay.wins > 0 ? 'ctx:sib:same:won' : `ctx:sib:same:failed:${Math.min(sameWay.tries, 3)}`) : 'ctx:sib:same:untried', 1);
        if (otherWay) out.set(otherWay.wins > 0 ? 'ctx:sib:reverse:won' : `ctx:sib:reverse:failed:${Math.min(otherWay.tries, 3)}`, 1);
      }
      return out;
    });
    return { global, hunks };
  }

  record(input: PrmInput, features: CandidateFeatures, outcome: PrmOutcome): void {
    const won = outcome.improved ? 1 : 0;
    this.rate = (1 - RATE_DECAY) * this.rate + RATE_DECAY * won;
    const totals = this.childrenOf.get(input.parentCode) ?? { tries: 0, wins: 0 };
    this.childrenOf.set(input.parentCode, { tries: totals.tries + 1, wins: totals.wins + won });
    const changes = features.hunks.flatMap((h) => h.literalChanges);
    if (changes.length === 0) return;
    if (outcome.improved) this.winningMoves.set(input.childCode, changes);
    const moves = this.movesFrom.get(input.parentCode) ?? new Map<string, MoveStats>();
    for (const change of changes) {
      const key = `${change.index}:${direction(change)}`;
      const stats = moves.get(key) ?? { tries: 0, wins: 0 };
      moves.set(key, { tries: stats.tries + 1, wins: stats.wins + won });
    }
    this.movesFrom.set(input.parentCode, moves);
  }
}

function direction(change: LiteralChange): 'up' | 'down' {
  return change.to > change.from ? 'up' : 'down';
}

function bucket(n: number): string {
  if (n <= 2) return String(n);
  if (n <= 5) return '3-5';
  return n <= 10 ? '6-10' : '11+';
}
