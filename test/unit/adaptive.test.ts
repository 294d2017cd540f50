import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EvolutionRun } from '../../src/core/engine/run';
import { findNumericLiterals, OfflineMutationSource } from '../../src/core/mutate/offline';
import { HeuristicPrm } from '../../src/core/prm/heuristicPrm';
import { ADAPTIVE_ARMS, AdaptiveStrategy, DIVERSITY_ARMS, type AdaptiveArm } from '../../src/core/search/adaptive';
import { allocationWindows, describeWindows, strategyTallies } from '../../src/core/search/allocation';
import { createStrategy, DEFAULT_STRATEGY } from '../../src/core/search/index';
import type { SearchView } from '../../src/core/search/strategy';
import { RunStore } from '../../src/core/store/runStore';
import type { CandidateNode, EvaluationRequest, EvaluationResult, Evaluator, RunConfig, RunEvent } from '../../src/core/types';
import { seededRandom } from '../../src/core/util/random';

// ---- synthetic observations -----------------------------------------------------------------

function makeNode(id: number, parentId: number | null, strategy: string | undefined, score: number | null, extra: Partial<CandidateNode> = {}): CandidateNode {
  return {
    id: String(id), parentId: parentId === null ? null : String(parentId), depth: parentId === null ? 0 : 1, status: score === null ? 'failed' : 'done', code: `c${id}`, diff: '',
    prmScore: 0.5, score, tokensIn: 0, tokensOut: 0, costUsd: 0, createdAt: 0, ...(strategy ? { strategy } : {}), ...extra,
  };
}

/** Feeds an adaptive strategy settled nodes by hand, as the engine would. */
class Feed {
  readonly nodes: CandidateNode[] = [];
  readonly view: SearchView;
  constructor(readonly strategy: AdaptiveStrategy) {
    const nodes = this.nodes;
    const random = seededRandom(3);
    this.view = { nodes, ranked: [], random, evaluationsLeft: 1000, concurrency: 1, children: () => [] };
    this.add(null, undefined, 0);
  }
  add(parent: number | null, strategy: string | undefined, score: number | null, extra: Partial<CandidateNode> = {}): CandidateNode {
    const node = makeNode(this.nodes.length, parent, strategy, score, extra);
    this.nodes.push(node);
    this.strategy.observe(node, this.view);
    return node;
  }
}

const diversityShare = (shares: Record<AdaptiveArm, number>) => DIVERSITY_ARMS.reduce((sum, arm) => sum + shares[arm], 0);

describe('adaptive: allocation', () => {
  it('shifts the allocation toward the strategy that improves', () => {
    const feed = new Feed(new AdaptiveStrategy());
    const before = feed.strategy.allocation().shares;
    let best = 0;
    for (let i = 0; i < 40; i++) {
      const arm = ADAPTIVE_ARMS[i % ADAPTIVE_ARMS.length];
      // Only MCTS (a low prior) finds better programs; the others produce worse ones.
      if (arm === 'mcts') feed.add(0, arm, ++best);
      else feed.add(0, arm, -1);
    }
    const after = feed.strategy.allocation();
    assert.ok(after.shares.mcts > before.mcts * 2, `mcts share grew: ${before.mcts} → ${after.shares.mcts}`);
    for (const arm of ADAPTIVE_ARMS) if (arm !== 'mcts') assert.ok(after.shares.mcts > after.shares[arm], `mcts ahead of ${arm}`);
    assert.equal(after.arms.mcts.newBests, 8);
    assert.equal(after.arms.elitist.newBests, 0);
  });

  it('recent results count most: a strategy that stops improving loses its lead', () => {
    const feed = new Feed(new AdaptiveStrategy({ patience: 1000 }));
    let best = 0;
    for (let i = 0; i < 30; i++) feed.add(0, i % 2 === 0 ? 'beam' : 'elitist', i % 2 === 0 ? ++best : -1);
    assert.ok(feed.strategy.allocation().shares.beam > feed.strategy.allocation().shares.elitist);
    for (let i = 0; i < 60; i++) feed.add(0, i % 2 === 0 ? 'beam' : 'elitist', i % 2 === 0 ? -1 : ++best);
    assert.ok(feed.strategy.allocation().shares.elitist > feed.strategy.allocation().shares.beam, 'elitist took over');
  });

  it('per dollar: of two equally good strategies, the one whose children cost more gets less', () => {
    const feed = new Feed(new AdaptiveStrategy({ patience: 1000 }));
    let best = 0;
    for (let i = 0; i < 40; i++) {
      const arm = i % 2 === 0 ? 'elitist' : 'beam';
      feed.add(0, arm, i % 4 < 2 ? ++best : -1, { costUsd: arm === 'beam' ? 0.04 : 0.01 });
    }
    const { shares } = feed.strategy.allocation();
    assert.ok(shares.elitist > shares.beam * 1.5, `elitist ${shares.elitist} vs beam ${shares.beam}`);
  });

  it('stagnation shifts toward diversity, and a new best shifts back', () => {
    const feed = new Feed(new AdaptiveStrategy({ patience: 6 }));
    let best = 0;
    for (let i = 0; i < 10; i++) feed.add(0, i % 2 === 0 ? 'elitist' : 'beam', ++best);
    const moving = feed.strategy.allocation();
    assert.equal(moving.stagnant, false);
    for (let i = 0; i < 5; i++) feed.add(0, 'elitist', -1);
    const almost = feed.strategy.allocation();
    assert.equal(almost.stagnant, false, 'five evaluations without a new best: patience 6 not yet spent');
    feed.add(0, 'elitist', -1);
    const stuck = feed.strategy.allocation();
    assert.equal(stuck.stagnant, true);
    assert.equal(stuck.evaluationsSinceBest, 6);
    assert.ok(diversityShare(stuck.shares) > 2 * diversityShare(almost.shares), `diversity ${diversityShare(almost.shares)} → ${diversityShare(stuck.shares)}`);
    // The plans now say so.
    const plans = feed.strategy.planRound(feed.view);
    assert.match(plans[0].why, /stagnating: diversity favoured/);
    feed.add(0, 'elitist', ++best);
    const again = feed.strategy.allocation();
    assert.equal(again.stagnant, false);
    assert.ok(diversityShare(again.shares) < diversityShare(stuck.shares) / 2, `back to exploitation: ${diversityShare(stuck.shares)} → ${diversityShare(again.shares)}`);
    // The history recorded both switches.
    const flags = again.history.map((h) => h.stagnant);
    assert.ok(flags.includes(true));
  });

  it('every plan names the strategy that made it, and the round draws from the shares', () => {
    const feed = new Feed(new AdaptiveStrategy());
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      for (const plan of feed.strategy.planRound({ ...feed.view, concurrency: 2 })) {
        assert.ok(plan.strategy && (ADAPTIVE_ARMS as readonly string[]).includes(plan.strategy), `plan strategy ${plan.strategy}`);
        assert.match(plan.why, new RegExp(`^adaptive → ${plan.strategy} \\(\\d+%`));
        seen.add(plan.strategy);
      }
    }
    assert.deepEqual([...seen].sort(), [...ADAPTIVE_ARMS].sort(), 'the floor lets every strategy plan now and then');
  });
});

describe('adaptive: state', () => {
  it('snapshot → JSON → restore gives the same allocation and the same next plans', () => {
    const a = new Feed(new AdaptiveStrategy({ patience: 5 }));
    let best = 0;
    for (let i = 0; i < 25; i++) a.add(i % 3 === 0 ? 0 : a.nodes.length - 1, ADAPTIVE_ARMS[i % 5], i % 4 === 0 ? ++best : best - 2);
    a.strategy.planRound(a.view);
    const saved = JSON.parse(JSON.stringify(a.strategy.snapshot())) as unknown;
    const restored = new AdaptiveStrategy({ patience: 5 }, saved);
    assert.deepEqual(restored.allocation(), a.strategy.allocation());
    const view = (random: () => number): SearchView => ({ ...a.view, random });
    for (let r = 0; r < 10; r++) {
      // The strategies' own random streams are saved: the engine's stream must not matter.
      assert.deepEqual(restored.planRound(view(seededRandom(100 + r))), a.strategy.planRound(view(seededRandom(r))));
    }
  });

  it('a state that does not fit is an error, never a silent fresh start', () => {
    assert.throws(() => createStrategy('adaptive', {}, { strategy: 'adaptive', stats: { elitist: [1, 2] } }), /statistics of elitist/);
    assert.throws(() => createStrategy('adaptive', {}, { strategy: 'adaptive', history: [{ evaluation: 'x' }] }), /history/);
    assert.throws(() => createStrategy('adaptive', {}, { strategy: 'adaptive', arms: { islands: { strategy: 'islands', populations: 3 } } }), /islands search state/);
    assert.throws(() => createStrategy('adaptive', {}, { strategy: 'beam' }), /saved by the beam strategy/);
  });

  it('is the default strategy', () => {
    assert.equal(DEFAULT_STRATEGY, 'adaptive');
  });
});

// ---- in the engine --------------------------------------------------------------------------

const ROOT = 'function f(x) {\n  return 1.0 * x + 0.5 + 3.0 * x * x;\n}';
const FILE = `// tiny\n${ROOT}\n`;

class TinyEvaluator implements Evaluator {
  async evaluate(request: EvaluationRequest): Promise<EvaluationResult> {
    const [a, b, c] = findNumericLiterals(request.candidateFileText, 'javascript').map((l) => l.value);
    const score = -(Math.abs(a - 2) + Math.abs(b - 1.5) + Math.abs(c - 0.25));
    return { status: 'ok', score, correct: true, metrics: {}, feedback: '', stdoutTail: '', stderrTail: '', durationMs: 0, sandboxed: false };
  }
}

function config(budget: number, seed: number): RunConfig {
  return { language: 'javascript', functionName: 'f', filePath: '/ws/f.js', relativePath: 'f.js', workspaceRoot: '/ws', evaluatorCommand: 'tiny', models: ['offline'], budget, concurrency: 1, seed, timeoutSec: 5, strategy: 'adaptive' };
}

function newRun(budget: number, seed: number, strategyState?: unknown, restore?: { nodes: readonly CandidateNode[]; startedAt: number; budget: number }, record?: (e: RunEvent) => void) {
  const start = FILE.indexOf(ROOT);
  return new EvolutionRun(config(budget, seed), { runId: `a${seed}`, rootCode: ROOT, ...(restore ? { restore } : {}) }, {
    sources: [new OfflineMutationSource()],
    evaluator: new TinyEvaluator(),
    prm: new HeuristicPrm(),
    strategy: createStrategy('adaptive', {}, strategyState),
    candidateFile: (code) => FILE.slice(0, start) + code + FILE.slice(start + ROOT.length),
    syntaxIssues: async () => [],
    ...(record ? { record } : {}),
    now: () => 0,
  });
}

const fingerprint = (run: EvolutionRun) => run.nodes().map((n) => [n.id, n.parentId, n.strategy, n.status, n.score, n.code]);

describe('adaptive: in the engine', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('a run completes, improves, and records the strategy of every candidate', async () => {
    const events: RunEvent[] = [];
    const run = newRun(60, 7, undefined, undefined, (e) => events.push(e));
    const summary = await run.start();
    assert.equal(summary.status, 'completed');
    assert.equal(summary.evaluations, 60);
    assert.ok((summary.bestScore ?? -Infinity) > (summary.baselineScore ?? 0));
    const children = run.nodes().slice(1);
    for (const node of children) assert.ok((ADAPTIVE_ARMS as readonly string[]).includes(node.strategy ?? ''), `node ${node.id} strategy ${node.strategy}`);
    assert.equal(run.root().strategy, undefined);
    // The tag reaches the log (the panel and `runs show` read it there).
    const added = events.filter((e): e is Extract<RunEvent, { type: 'node-added' }> => e.type === 'node-added');
    assert.ok(added.length > 0 && added.every((e) => e.node.strategy !== undefined));
    const states = events.filter((e): e is Extract<RunEvent, { type: 'search-state' }> => e.type === 'search-state');
    assert.equal(states.at(-1)?.strategy, 'adaptive');
    const last = states.at(-1)?.strategyState as { evaluations: number; history: unknown[] };
    assert.equal(last.evaluations, 60, 'the saved state counted every evaluation (the root included)');
    // The tallies agree with the nodes.
    const tallies = strategyTallies(run.nodes());
    assert.equal(tallies.reduce((sum, t) => sum + t.children, 0), children.length);
    assert.equal(tallies.reduce((sum, t) => sum + t.evaluated, 0), 59);
    assert.ok(strategyTallies(run.nodes()).length >= 2, 'more than one strategy planned children');
  });

  it('a seeded run is reproducible; another seed runs differently', async () => {
    const one = newRun(40, 21);
    const two = newRun(40, 21);
    const other = newRun(40, 22);
    await Promise.all([one.start(), two.start(), other.start()]);
    assert.deepEqual(fingerprint(one), fingerprint(two));
    assert.notDeepEqual(fingerprint(one), fingerprint(other));
  });

  it('state is saved with the run and restored on resume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genesis-adaptive-'));
    dirs.push(dir);
    const store = new RunStore(dir);
    const recorder = store.openRecorder('20260101-000000-00a5');
    const first = newRun(25, 5, undefined, undefined, (e) => recorder.record(e, first.summary()));
    await first.start();
    recorder.close();
    const stored = await store.load('20260101-000000-00a5');
    assert.equal(stored.searchState?.strategy, 'adaptive');
    const savedState = stored.searchState?.strategyState as { evaluations: number; stats: Record<string, number[]> };
    assert.equal(savedState.evaluations, 25);
    const evaluatedBefore = Object.values(savedState.stats).reduce((sum, s) => sum + s[4], 0);
    assert.equal(evaluatedBefore, 24);
    // Resume with a larger budget: the bandit continues from its saved statistics.
    const resumed = newRun(45, 5, stored.searchState?.strategyState, { nodes: stored.nodes, startedAt: 0, budget: 45 });
    const strategy = (resumed as unknown as { strategy: AdaptiveStrategy }).strategy;
    const restoredAllocation = strategy.allocation();
    assert.equal(restoredAllocation.arms.elitist.evaluated + restoredAllocation.arms.beam.evaluated + restoredAllocation.arms.islands.evaluated + restoredAllocation.arms.mcts.evaluated + restoredAllocation.arms['best-of-n'].evaluated, 24);
    const summary = await resumed.start();
    assert.equal(summary.status, 'completed');
    assert.equal(summary.evaluations, 45);
    const after = strategy.allocation();
    assert.equal(ADAPTIVE_ARMS.reduce((sum, arm) => sum + after.arms[arm].evaluated, 0), 44);
    for (const node of resumed.nodes().slice(1)) assert.ok(node.strategy, `node ${node.id} has a strategy`);
  });

  it('allocation windows and their description follow the nodes', () => {
    const nodes = [makeNode(0, null, undefined, 0), makeNode(1, 0, 'elitist', 1), makeNode(2, 0, 'elitist', 0.5), makeNode(3, 0, 'islands', 2), makeNode(4, 0, 'islands', 1)];
    const windows = allocationWindows(nodes, 2);
    assert.deepEqual(windows, [
      { from: 1, to: 2, counts: { elitist: 2 } },
      { from: 3, to: 4, counts: { islands: 2 } },
    ]);
    assert.deepEqual(describeWindows(windows), ['1–2: elitist 100%', '3–4: islands 100%']);
    assert.deepEqual(strategyTallies(nodes), [
      { strategy: 'elitist', children: 2, evaluated: 2, newBests: 1 },
      { strategy: 'islands', children: 2, evaluated: 2, newBests: 1 },
    ]);
    assert.deepEqual(strategyTallies([makeNode(0, null, undefined, 0), makeNode(1, 0, undefined, 1)])[0].strategy, 'not recorded');
  });
});
