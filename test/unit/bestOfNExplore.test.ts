import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BestOfNStrategy } from '../../src/core/search/bestOfN';
import { createStrategy } from '../../src/core/search/index';
import type { SearchView } from '../../src/core/search/strategy';
import type { CandidateNode } from '../../src/core/types';
import { seededRandom } from '../../src/core/util/random';

function node(id: number, prmScore: number): CandidateNode {
  return { id: String(id), parentId: '0', depth: 1, status: 'pending', code: `c${id}`, diff: '', prmScore, score: null, why: 'sample', tokensIn: 0, tokensOut: 0, costUsd: 0, createdAt: 0 };
}

function view(seed: number): SearchView {
  return { nodes: [], ranked: [], random: seededRandom(seed), evaluationsLeft: 1000, concurrency: 2, children: () => [] };
}

/** 8 children per round, PRM 0.9 … 0.2: ids 0–1 are the top 2. Returns the chosen ids per round. */
function rounds(strategy: BestOfNStrategy, count: number, seed: number): string[][] {
  const v = view(seed);
  const out: string[][] = [];
  for (let r = 0; r < count; r++) {
    const children = Array.from({ length: 8 }, (_, i) => node(r * 8 + i, 0.9 - i * 0.1));
    out.push(strategy.selectForEvaluation(children, v).map((n) => String(Number(n.id) - r * 8)));
  }
  return out;
}

describe('best-of-n exploration', () => {
  it('evaluates some low-scored children, says so, and the share decays by half every half-life', () => {
    const strategy = new BestOfNStrategy({ n: 8, k: 2, explore: 0.4, exploreHalfLife: 20 });
    assert.equal(strategy.explorationShare(), 0.4);
    const v = view(3);
    const children = Array.from({ length: 8 }, (_, i) => node(i, 0.9 - i * 0.1));
    let explored: CandidateNode[] = [];
    for (let r = 0; r < 10 && explored.length === 0; r++) {
      explored = strategy.selectForEvaluation(children.map((c) => ({ ...c, why: 'sample' })), v).filter((c) => Number(c.id) >= 2);
    }
    assert.ok(explored.length > 0, 'a child below the top 2 was evaluated');
    assert.match(explored[0].why ?? '', /ranked \d of 8, evaluated to explore \(share 0\.\d{3}/);
    const fresh = new BestOfNStrategy({ n: 8, k: 2, explore: 0.4, exploreHalfLife: 20 });
    rounds(fresh, 10, 1); // 20 children let through
    assert.ok(Math.abs(fresh.explorationShare() - 0.2) < 1e-12, `${fresh.explorationShare()}`);
    rounds(fresh, 10, 1);
    assert.ok(Math.abs(fresh.explorationShare() - 0.1) < 1e-12);
  });

  it('explores less and less over a run', () => {
    const chosen = rounds(new BestOfNStrategy({ n: 8, k: 2, explore: 0.5, exploreHalfLife: 30 }), 200, 7);
    const belowTop = (part: string[][]) => part.flat().filter((id) => Number(id) >= 2).length;
    const early = belowTop(chosen.slice(0, 30));
    const late = belowTop(chosen.slice(170));
    assert.ok(early >= 8, `early: ${early} of 60 slots explored`);
    assert.ok(late <= 1, `late: ${late} of 60 slots explored`);
  });

  it('is seeded: the same run seed explores the same children; another seed differs', () => {
    const a = rounds(new BestOfNStrategy({ n: 8, k: 2, explore: 0.5 }), 30, 11);
    const b = rounds(new BestOfNStrategy({ n: 8, k: 2, explore: 0.5 }), 30, 11);
    const c = rounds(new BestOfNStrategy({ n: 8, k: 2, explore: 0.5 }), 30, 12);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('explore 0 is pure top K; a resumed strategy continues the same draws and decay', () => {
    assert.ok(rounds(new BestOfNStrategy({ n: 8, k: 2, explore: 0 }), 50, 5).every((ids) => ids.join() === '0,1'));
    const whole = new BestOfNStrategy({ n: 8, k: 2, explore: 0.5 });
    const v = view(9);
    const run = (s: BestOfNStrategy, from: number, to: number) =>
      Array.from({ length: to - from }, () => s.selectForEvaluation(Array.from({ length: 8 }, (_, i) => node(i, 0.9 - i * 0.1)), v).map((n) => n.id).join());
    const first = run(whole, 0, 10);
    const saved = JSON.parse(JSON.stringify(whole.snapshot())) as unknown;
    const rest = run(whole, 10, 30);
    const resumed = createStrategy('best-of-n', { n: 8, k: 2, explore: 0.5 }, saved) as BestOfNStrategy;
    assert.ok(Math.abs(resumed.explorationShare() - whole.explorationShare() * 2 ** (40 / whole.exploreHalfLife)) < 1e-12, 'the decay clock was restored');
    assert.deepEqual(run(resumed, 10, 30), rest);
    assert.equal(first.length, 10);
    assert.throws(() => createStrategy('best-of-n', {}, { strategy: 'best-of-n', selected: 'many' }), /"selected" is not a number/);
  });
});
