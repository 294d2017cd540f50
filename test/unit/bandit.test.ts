// The cost-aware UCB1 model bandit: untried first, shifts toward reward per dollar, adapts, saves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { improvementReward, ModelBandit, type BanditOptions } from '../../src/core/llm/bandit';
import { seededRandom } from '../../src/core/util/random';

/** A simulated model: improves with probability `p` by a uniform [0, 1) amount, costs `cost` a call. */
type SimArm = { p: number; cost: number };

function simulate(arms: Record<string, SimArm>, seed: number, pulls = 200, options: BanditOptions = {}) {
  const bandit = new ModelBandit(Object.keys(arms), options, seededRandom(seed));
  const world = seededRandom(seed + 1000);
  const order: string[] = [];
  for (let i = 0; i < pulls; i++) {
    const arm = bandit.choose();
    order.push(arm);
    const { p, cost } = arms[arm];
    bandit.update(arm, world() < p ? world() : 0, cost, 1000, 200);
  }
  const pullsOf = Object.fromEntries(bandit.stats().map((s) => [s.arm, s.pulls]));
  return { bandit, order, pullsOf };
}

/** Mean share of pulls `target` gets over seeds 1..n. */
function meanShare(arms: Record<string, SimArm>, target: string, seeds = 10): number {
  let total = 0;
  for (let seed = 1; seed <= seeds; seed++) total += simulate(arms, seed).pullsOf[target] / 200;
  return total / seeds;
}

describe('ModelBandit', () => {
  it('tries every arm once, in order, before using any score (concurrent choices included)', () => {
    const bandit = new ModelBandit(['a', 'b', 'c'], {}, seededRandom(1));
    assert.deepEqual(bandit.scores(), { a: Infinity, b: Infinity, c: Infinity });
    // Three calls in flight at once still go to three different arms.
    assert.deepEqual([bandit.choose(), bandit.choose(), bandit.choose()], ['a', 'b', 'c']);
    assert.ok(Object.values(bandit.scores()).every(Number.isFinite));
    bandit.update('b', 0.5, 0.01, 100, 10);
    bandit.release('c');
    assert.equal(bandit.choose(), 'c', 'a released arm is untried again');
  });

  it('shifts pulls toward the arm that improves slightly less but costs 100× less', () => {
    const arms = { pricey: { p: 0.5, cost: 0.01 }, cheap: { p: 0.45, cost: 0.0001 } };
    const { pullsOf, order } = simulate(arms, 1);
    assert.ok(pullsOf.cheap > 140, JSON.stringify(pullsOf));
    // The shift grows over the run: the cheap arm's share of the last 100 beats the first 100.
    const share = (slice: string[]) => slice.filter((a) => a === 'cheap').length / slice.length;
    assert.ok(share(order.slice(100)) >= share(order.slice(0, 100)), `${share(order.slice(0, 100))} → ${share(order.slice(100))}`);
    assert.ok(meanShare(arms, 'cheap') > 0.75);
  });

  it('still prefers the pricier arm when the cheap one rarely improves anything', () => {
    const arms = { pricey: { p: 0.5, cost: 0.01 }, cheap: { p: 0.05, cost: 0.0001 } };
    assert.ok(meanShare(arms, 'pricey') > 0.7);
  });

  it('without costs it is UCB1: the better arm wins, the free offline arm does not take over', () => {
    assert.ok(meanShare({ good: { p: 0.5, cost: 0.001 }, bad: { p: 0.2, cost: 0.001 } }, 'good') > 0.85);
    const three = { pricey: { p: 0.5, cost: 0.01 }, cheap: { p: 0.45, cost: 0.0001 }, offline: { p: 0.1, cost: 0 } };
    assert.ok(meanShare(three, 'offline') < 0.1);
    assert.ok(meanShare(three, 'cheap') > 0.65);
  });

  it('is deterministic for a seed', () => {
    const arms = { a: { p: 0.3, cost: 0.002 }, b: { p: 0.4, cost: 0.004 } };
    assert.deepEqual(simulate(arms, 7).order, simulate(arms, 7).order);
    assert.notDeepEqual(simulate(arms, 7).order, simulate(arms, 8).order);
  });

  it('adapts when an arm stops improving (decayed statistics)', () => {
    const bandit = new ModelBandit(['a', 'b'], { epsilon: 0 }, seededRandom(3));
    const world = seededRandom(4);
    const run = (p: Record<string, number>, n: number) => {
      const picks: string[] = [];
      for (let i = 0; i < n; i++) {
        const arm = bandit.choose();
        picks.push(arm);
        bandit.update(arm, world() < p[arm] ? world() : 0, 0.001, 10, 10);
      }
      return picks.filter((x) => x === 'a').length / n;
    };
    const before = run({ a: 0.6, b: 0.1 }, 150);
    const afterSwitch = run({ a: 0.02, b: 0.6 }, 150);
    assert.ok(before > 0.7, `a's share before: ${before}`);
    assert.ok(afterSwitch < 0.5, `a's share after the switch: ${afterSwitch}`);
  });

  it('reports pulls, mean raw reward, tokens and cost per arm', () => {
    const bandit = new ModelBandit(['x', 'y'], {}, seededRandom(1));
    bandit.update('x', 0.2, 0.01, 100, 20);
    bandit.update('x', -3, 0.03, 300, 40); // a regression counts as 0
    bandit.update('y', Number.NaN, 0, 0, 0);
    assert.deepEqual(bandit.stats(), [
      { arm: 'x', pulls: 2, meanReward: 0.1, tokensIn: 400, tokensOut: 60, costUsd: 0.04 },
      { arm: 'y', pulls: 1, meanReward: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 },
    ]);
    assert.throws(() => bandit.update('z', 1, 0, 0, 0), /unknown model arm "z"; arms: x, y/);
  });

  it('round-trips through JSON and continues identically', () => {
    const arms = { a: { p: 0.4, cost: 0.003 }, b: { p: 0.3, cost: 0.0002 } };
    const { bandit } = simulate(arms, 5, 60, { epsilon: 0.1 });
    const saved = JSON.parse(JSON.stringify(bandit.toJSON()));
    assert.equal(saved.version, 1);
    assert.equal(saved.options.epsilon, 0.1);
    const restored = ModelBandit.fromJSON(saved, seededRandom(99));
    const original = ModelBandit.fromJSON(bandit.toJSON(), seededRandom(99));
    assert.deepEqual(restored.stats(), bandit.stats());
    assert.deepEqual(restored.scores(), bandit.scores());
    const next = (b: ModelBandit) => Array.from({ length: 20 }, () => {
      const arm = b.choose();
      b.update(arm, 0.1, 0.001, 1, 1);
      return arm;
    });
    assert.deepEqual(next(restored), next(original));
  });

  it('restores onto a changed arm list: keeps known arms, adds new ones untried, drops removed', () => {
    const bandit = new ModelBandit(['a', 'b'], {}, seededRandom(1));
    bandit.update('a', 0.3, 0.01, 10, 10);
    bandit.update('b', 0.1, 0.01, 10, 10);
    const resumed = ModelBandit.fromJSON(bandit.toJSON(), seededRandom(1), ['b', 'c']);
    assert.deepEqual(resumed.stats().map((s) => [s.arm, s.pulls]), [['b', 1], ['c', 0]]);
    assert.equal(resumed.choose(), 'c');
  });

  it('rejects unusable saved state and bad options clearly', () => {
    assert.throws(() => ModelBandit.fromJSON({ version: 2 }), /saved bandit state is not usable \(unknown version\)/);
    const state = new ModelBandit(['a'], {}).toJSON();
    assert.throws(() => ModelBandit.fromJSON({ ...state, arms: [{ ...state.arms[0], pulls: -1 }] }), /arm a has a bad pulls/);
    assert.throws(() => new ModelBandit([], {}), /at least one model/);
    assert.throws(() => new ModelBandit(['a', 'a'], {}), /listed twice/);
    assert.throws(() => new ModelBandit(['a'], { decay: 0 }), /decay = 0 is out of range/);
  });
});

describe('improvementReward', () => {
  it('is the gain over the better of parent and baseline, clipped at 0', () => {
    assert.equal(improvementReward(5, 3, 4), 1);
    assert.equal(improvementReward(5, 4.5, 2), 0.5);
    assert.equal(improvementReward(3, 4, 2), 0);
    assert.equal(improvementReward(null, 1, 1), 0);
    assert.equal(improvementReward(2, null, 1), 1);
    assert.equal(improvementReward(2, null, null), 0);
  });
});
