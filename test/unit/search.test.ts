import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EvolutionRun } from '../../src/core/engine/run';
import { findNumericLiterals, offlineEdit, OfflineMutationSource } from '../../src/core/mutate/offline';
import { HeuristicPrm } from '../../src/core/prm/heuristicPrm';
import { BeamStrategy } from '../../src/core/search/beam';
import { BestOfNStrategy } from '../../src/core/search/bestOfN';
import { createStrategy, DEFAULT_STRATEGY, STRATEGY_NAMES } from '../../src/core/search/index';
import { IslandsStrategy } from '../../src/core/search/islands';
import { MctsStrategy } from '../../src/core/search/mcts';
import { codeSignature, nearDuplicateReason } from '../../src/core/search/novelty';
import type { ChildPlan, SearchStrategy, SearchView, StrategyOptions } from '../../src/core/search/strategy';
import type { CandidateNode, EvaluationRequest, EvaluationResult, Evaluator, RunConfig } from '../../src/core/types';
import { normalizedCodeHash } from '../../src/core/util/codeHash';
import { deriveSeed, seededRandom } from '../../src/core/util/random';
import { TASKS_DIR } from '../bench/lib/task';
import { binPacking, circlePacking } from '../bench/tasks/index';
import { compilerProblem, uncachedMatmulEvaluator } from '../bench/tasks/tiledMatmul';

// The tiny task: get three literals to (2, 1.5, 0.25). Score = −(sum of distances).
const ROOT = 'function f(x) {\n  return 1.0 * x + 0.5 + 3.0 * x * x;\n}';
const FILE = `// tiny\n${ROOT}\n`;

function literalScore(code: string): number {
  const [a, b, c] = findNumericLiterals(code, 'javascript').map((l) => l.value);
  return -(Math.abs(a - 2) + Math.abs(b - 1.5) + Math.abs(c - 0.25));
}

class TinyEvaluator implements Evaluator {
  calls = 0;
  async evaluate(request: EvaluationRequest): Promise<EvaluationResult> {
    this.calls++;
    const score = literalScore(request.candidateFileText);
    return { status: 'ok', score, correct: true, metrics: {}, feedback: '', stdoutTail: '', stderrTail: '', durationMs: 0, sandboxed: false };
  }
}

async function engineRun(strategy: SearchStrategy, budget = 30, concurrency = 1) {
  const evaluator = new TinyEvaluator();
  const config: RunConfig = {
    language: 'javascript', functionName: 'f', filePath: '/ws/f.js', relativePath: 'f.js', workspaceRoot: '/ws',
    evaluatorCommand: 'tiny', models: ['offline'], budget, concurrency, seed: 11, timeoutSec: 5,
  };
  const start = FILE.indexOf(ROOT);
  const run = new EvolutionRun(config, { runId: 'tiny', rootCode: ROOT }, {
    sources: [new OfflineMutationSource()],
    evaluator,
    prm: new HeuristicPrm(),
    strategy,
    candidateFile: (code) => FILE.slice(0, start) + code + FILE.slice(start + ROOT.length),
    syntaxIssues: async () => [],
  });
  const summary = await run.start();
  return { run, summary, evaluator };
}

/**
 * A stand-in for the engine's round loop, small enough to drive a strategy by hand: offline
 * literal edits, exact-duplicate skipping, a deterministic PRM, instant evaluation, and observe()
 * on every settled node in the engine's order. Records every plan and every evaluation.
 */
class ToyRun {
  readonly nodes: CandidateNode[] = [];
  readonly ranked: CandidateNode[] = [];
  readonly childrenOf = new Map<string, CandidateNode[]>();
  readonly log: string[] = [];
  /** Per round: the children admitted (new code) and those the strategy chose to evaluate. */
  readonly rounds: { admitted: CandidateNode[]; chosen: CandidateNode[] }[] = [];
  private readonly seen = new Set<string>();
  evaluations = 0;
  random: () => number;

  constructor(readonly budget: number, seed = 5) {
    this.random = seededRandom(seed);
    const root = this.add(null, ROOT, 'root');
    this.seen.add(normalizedCodeHash(ROOT));
    this.evaluate(root);
  }

  view(concurrency = 1): SearchView {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const toy = this;
    return {
      nodes: this.nodes,
      ranked: this.ranked,
      get random() {
        return toy.random;
      },
      get evaluationsLeft() {
        return Math.max(0, toy.budget - toy.evaluations);
      },
      concurrency,
      children: (id) => this.childrenOf.get(id) ?? [],
    };
  }

  round(strategy: SearchStrategy, concurrency = 1): ChildPlan[] {
    const view = this.view(concurrency);
    const plans = strategy.planRound(view);
    const admitted: CandidateNode[] = [];
    for (const plan of plans) {
      const parent = this.nodes[Number(plan.parentId)];
      assert.ok(parent, `plan names a parent that exists: ${plan.parentId}`);
      const node = this.add(parent, parent.code, plan.why);
      if (plan.island !== undefined) node.island = plan.island;
      const edit = offlineEdit(parent.code, 'javascript', deriveSeed(9, `node:${node.id}`));
      node.code = edit?.code ?? parent.code;
      const hash = normalizedCodeHash(node.code);
      if (this.seen.has(hash)) {
        this.settle(strategy, node, 'skipped');
        continue;
      }
      this.seen.add(hash);
      node.prmScore = (deriveSeed(3, node.code) % 1000) / 1000;
      admitted.push(node);
    }
    const chosen = strategy.selectForEvaluation(admitted, view).slice(0, view.evaluationsLeft);
    for (const node of admitted.filter((n) => !chosen.includes(n))) {
      node.skippedByPrm = true;
      this.settle(strategy, node, 'skipped');
    }
    for (const node of chosen) {
      this.evaluate(node);
      strategy.observe(node, view);
    }
    this.rounds.push({ admitted, chosen });
    this.log.push(plans.map((p) => `${p.parentId}/${p.island ?? ''}`).join(',') + ' → ' + chosen.map((n) => n.id).join(','));
    return plans;
  }

  runRounds(strategy: SearchStrategy, rounds: number): void {
    for (let r = 0; r < rounds && this.evaluations < this.budget; r++) this.round(strategy);
  }

  private add(parent: CandidateNode | null, code: string, why: string): CandidateNode {
    const node: CandidateNode = {
      id: String(this.nodes.length), parentId: parent?.id ?? null, depth: parent ? parent.depth + 1 : 0, status: 'pending', code, diff: '',
      prmScore: null, score: null, why, tokensIn: 0, tokensOut: 0, costUsd: 0, createdAt: 0,
    };
    this.nodes.push(node);
    if (parent) this.childrenOf.set(parent.id, [...(this.childrenOf.get(parent.id) ?? []), node]);
    return node;
  }

  private settle(strategy: SearchStrategy, node: CandidateNode, status: 'skipped'): void {
    node.status = status;
    strategy.observe(node, this.view());
  }

  private evaluate(node: CandidateNode): void {
    this.evaluations++;
    node.score = literalScore(node.code);
    node.status = 'done';
    let at = this.ranked.findIndex((n) => (n.score ?? 0) < (node.score ?? 0));
    if (at < 0) at = this.ranked.length;
    this.ranked.splice(at, 0, node);
  }
}

const OPTIONS: Record<string, StrategyOptions> = {
  'best-of-n': { n: 4, k: 2 },
  beam: { width: 3, m: 2 },
  mcts: { samples: 2, evaluateTop: 1 },
  islands: { islands: 3, migrationInterval: 2, populationSize: 5 },
};

describe('search strategies in the engine', () => {
  for (const name of STRATEGY_NAMES) {
    it(`${name}: valid parents, a why on every node, the budget spent, and progress`, async () => {
      const { run, summary, evaluator } = await engineRun(createStrategy(name, OPTIONS[name]), 30, name === 'elitist' ? 2 : 1);
      assert.equal(summary.status, 'completed');
      assert.equal(summary.evaluations, 30);
      assert.equal(evaluator.calls, 30);
      for (const node of run.nodes().slice(1)) {
        assert.ok(node.parentId !== null && Number(node.parentId) < Number(node.id), `node ${node.id} has an earlier parent`);
        assert.ok(node.why && node.why.length > 10, `node ${node.id} says why: ${node.why}`);
      }
      if (name !== 'random') assert.ok((summary.bestScore ?? -Infinity) > (summary.baselineScore ?? 0), `${name} improved: ${summary.bestScore}`);
      if (name === 'islands') assert.ok(run.nodes().slice(1).every((n) => n.island !== undefined && n.island >= 0 && n.island < 3));
    });
  }

  it('random search evaluates every new child and never consults the PRM', async () => {
    const { run } = await engineRun(createStrategy('random'), 40);
    const notEvaluated = run.nodes().filter((n) => n.status === 'skipped' && !(n.reason ?? '').startsWith('duplicate'));
    assert.deepEqual(notEvaluated, []);
    for (const node of run.nodes().slice(1)) assert.match(node.why ?? '', /random: parent #\d+ .* drawn uniformly from \d+ evaluated/);
  });

  it('the factory knows every name, rejects unknown ones and names a default it knows', () => {
    assert.ok((STRATEGY_NAMES as readonly string[]).includes(DEFAULT_STRATEGY));
    for (const name of STRATEGY_NAMES) assert.equal(createStrategy(name).name, name);
    assert.throws(() => createStrategy('annealing'), /unknown search strategy "annealing"/);
    assert.throws(() => createStrategy('mcts', {}, { strategy: 'islands' }), /saved by the islands strategy/);
    assert.throws(() => createStrategy('islands', { islands: 2 }, { populations: [[]] }), /populations/);
  });
});

describe('best-of-n', () => {
  it('plans N children of the best and lets the top K by PRM through', () => {
    const toy = new ToyRun(40);
    const strategy = new BestOfNStrategy({ n: 5, k: 2 });
    toy.runRounds(strategy, 3);
    const view = toy.view();
    const plans = strategy.planRound(view);
    assert.equal(plans.length, 5);
    assert.ok(plans.every((p) => p.parentId === toy.ranked[0].id));
    const candidates = [0.2, 0.9, 0.5, 0.9, 0.1].map((prm, i) => ({ ...toy.nodes[0], id: String(100 + i), prmScore: prm, why: 'x' }));
    const chosen = strategy.selectForEvaluation(candidates);
    assert.deepEqual(chosen.map((n) => n.id), ['101', '103']);
    assert.match(chosen[0].why ?? '', /PRM 0.9 ranked 1 of 5, top 2 evaluated/);
  });

  it('evaluates at most K per round, the best by PRM', () => {
    const toy = new ToyRun(60);
    toy.runRounds(new BestOfNStrategy({ n: 4, k: 1, explore: 0 }), 8);
    assert.equal(toy.rounds.length, 8);
    for (const { admitted, chosen } of toy.rounds) {
      assert.ok(chosen.length <= 1);
      for (const node of chosen) assert.equal(node.prmScore, Math.max(...admitted.map((n) => n.prmScore ?? 0)));
    }
  });
});

describe('beam', () => {
  it('mutates the W best M times each, PRM breaking ties in fitness', () => {
    const toy = new ToyRun(40);
    const strategy = new BeamStrategy({ width: 2, m: 3 });
    toy.runRounds(strategy, 2);
    const plans = strategy.planRound(toy.view());
    assert.equal(plans.length, 6);
    const members = [...new Set(plans.map((p) => p.parentId))];
    assert.deepEqual(members, toy.ranked.slice(0, 2).map((n) => n.id).filter((id) => members.includes(id)));
    // Three nodes tie on score; the two with the higher PRM scores make the beam.
    const tied = [0.3, 0.8, 0.6].map((prm, i) => ({ ...toy.nodes[0], id: String(200 + i), score: 1, prmScore: prm }));
    const view: SearchView = { ...toy.view(), ranked: tied };
    assert.deepEqual(strategy.members(view).map((n) => n.id), ['201', '202']);
  });
});

describe('mcts', () => {
  it('counts a visit on the whole path of every settled node', () => {
    const toy = new ToyRun(40);
    const strategy = new MctsStrategy();
    strategy.observe(toy.nodes[0], toy.view());
    toy.runRounds(strategy, 40);
    for (const node of toy.nodes) {
      const subtree = (id: string): number => 1 + (toy.childrenOf.get(id) ?? []).reduce((sum, c) => sum + subtree(c.id), 0);
      assert.equal(strategy.visits(node.id), subtree(node.id), `visits of #${node.id}`);
    }
  });

  it('widens progressively and uses the PRM as the prior between equal values', () => {
    const toy = new ToyRun(100);
    const strategy = new MctsStrategy({ cPuct: 1 });
    strategy.observe(toy.nodes[0], toy.view());
    toy.runRounds(strategy, 30);
    // The root may have at most ⌊√N⌋ children (+1 for the round that widened it).
    assert.ok((toy.childrenOf.get('0') ?? []).length <= Math.floor(Math.sqrt(strategy.visits('0'))) + 1);
    assert.ok(toy.nodes.some((n) => n.depth >= 3), 'the search went deeper than the root’s children');
    // Two fresh, equally scored children of a new root: the higher-PRM one is chosen.
    const fresh = new ToyRun(10);
    const mcts = new MctsStrategy({ cPuct: 1, widenC: 0.5 });
    mcts.observe(fresh.nodes[0], fresh.view());
    const view = fresh.view();
    const kids = [0.2, 0.7].map((prm) => {
      const kid: CandidateNode = { ...fresh.nodes[0], id: String(fresh.nodes.length), parentId: '0', depth: 1, prmScore: prm, score: literalScore(ROOT), status: 'done' };
      fresh.nodes.push(kid);
      fresh.childrenOf.set('0', [...(fresh.childrenOf.get('0') ?? []), kid]);
      mcts.observe(kid, view);
      return kid;
    });
    const [plan] = mcts.planRound(view);
    assert.equal(plan.parentId, kids[1].id);
    assert.match(plan.why, /mcts: path 0→2; PUCT [\d.]+ at #2 \(Q [\d.]+, P 0\.778, N 1\)/);
  });

  it('with samples > evaluateTop, evaluates the PRM-best sibling and values the rest by the PRM', () => {
    const toy = new ToyRun(30);
    const strategy = new MctsStrategy({ samples: 3, evaluateTop: 1 });
    strategy.observe(toy.nodes[0], toy.view());
    toy.runRounds(strategy, 10);
    assert.ok(toy.nodes.some((n) => n.skippedByPrm), 'some children were kept from evaluation');
    for (const { admitted, chosen } of toy.rounds) {
      assert.ok(chosen.length <= 1);
      for (const node of chosen) assert.equal(node.prmScore, Math.max(...admitted.map((n) => n.prmScore ?? 0)));
    }
  });

  it('values a child the PRM kept from evaluation by its PRM score', () => {
    const toy = new ToyRun(10);
    const mcts = new MctsStrategy({ widenC: 0.5 });
    mcts.observe(toy.nodes[0], toy.view());
    const child = (fields: Partial<CandidateNode>): CandidateNode => {
      const node: CandidateNode = { ...toy.nodes[0], id: String(toy.nodes.length), parentId: '0', depth: 1, ...fields };
      toy.nodes.push(node);
      toy.childrenOf.set('0', [...(toy.childrenOf.get('0') ?? []), node]);
      if (node.status === 'done') toy.ranked.push(node); // worse than the root: ranked last
      mcts.observe(node, toy.view());
      return node;
    };
    child({ status: 'done', score: literalScore(ROOT) - 1, prmScore: 0.2 });
    const promising = child({ status: 'skipped', skippedByPrm: true, score: null, prmScore: 0.95 });
    const [plan] = mcts.planRound(toy.view());
    assert.equal(plan.parentId, promising.id);
    assert.match(plan.why, /Q 0\.950 \(PRM\)/);
  });
});

describe('islands', () => {
  it('assigns islands, migrates the best every G generations and keeps populations bounded', () => {
    const toy = new ToyRun(200);
    const strategy = new IslandsStrategy({ islands: 3, migrationInterval: 3, populationSize: 4, minLiteralChange: 0 });
    strategy.observe(toy.nodes[0], toy.view());
    toy.runRounds(strategy, 2);
    const before = strategy.members().map((m) => [...m]);
    const plans = toy.round(strategy); // generation 3: migration first
    assert.ok(plans.every((p) => p.why.includes('after migrating')), plans[0].why);
    const after = strategy.members();
    for (let i = 0; i < 3; i++) {
      const best = before[i][0];
      assert.ok(after[(i + 1) % 3].includes(best) || before[(i + 1) % 3].includes(best), `island ${i}'s best moved on`);
    }
    toy.runRounds(strategy, 20);
    for (const population of strategy.members()) assert.ok(population.length <= 4);
    assert.deepEqual(toy.nodes.slice(1).map((n) => n.island !== undefined), toy.nodes.slice(1).map(() => true));
  });

  it('rejects near-duplicates of its island before evaluation, and says why', () => {
    const toy = new ToyRun(50);
    const strategy = new IslandsStrategy({ islands: 2, minLiteralChange: 0.001 });
    strategy.observe(toy.nodes[0], toy.view());
    const near: CandidateNode = { ...toy.nodes[0], id: '1', parentId: '0', island: 0, code: ROOT.replace('0.5', '0.50001'), why: 'w' };
    const far: CandidateNode = { ...toy.nodes[0], id: '2', parentId: '0', island: 0, code: ROOT.replace('0.5', '0.55'), why: 'w' };
    const twinOfFar: CandidateNode = { ...far, id: '3', code: ROOT.replace('0.5', '0.550001') };
    toy.nodes.push(near, far, twinOfFar);
    const chosen = strategy.selectForEvaluation([near, far, twinOfFar], toy.view());
    assert.deepEqual(chosen.map((n) => n.id), ['2']);
    assert.match(near.why ?? '', /not evaluated: near-duplicate of #0 \(every literal within/);
    assert.match(twinOfFar.why ?? '', /near-duplicate of #2/);
  });

  it('novelty: literal distance on the same skeleton, token overlap otherwise', () => {
    const t = { minLiteralChange: 0.01, maxTokenJaccard: 0.85 };
    const a = codeSignature('x = 1.0 * y + 2.0');
    assert.match(nearDuplicateReason(codeSignature('x = 1.001 * y + 2.0'), a, t) ?? '', /every literal within 0.1/);
    assert.equal(nearDuplicateReason(codeSignature('x = 1.5 * y + 2.0'), a, t), null);
    assert.match(nearDuplicateReason(codeSignature('x = 1.0 * y + 2.0 ;'), a, t) ?? '', /token overlap 0.875/);
    assert.equal(nearDuplicateReason(codeSignature('return Math.max(a, b)'), a, t), null);
  });
});

describe('snapshot and restore', () => {
  for (const name of STRATEGY_NAMES) {
    it(`${name}: a restored strategy continues exactly as the uninterrupted one`, () => {
      const options = OPTIONS[name];
      const straight = new ToyRun(400);
      const s1 = createStrategy(name, options);
      s1.observe(straight.nodes[0], straight.view());
      straight.runRounds(s1, 24);

      const resumed = new ToyRun(400);
      const s2 = createStrategy(name, options);
      s2.observe(resumed.nodes[0], resumed.view());
      resumed.runRounds(s2, 12);
      const saved = JSON.parse(JSON.stringify(s2.snapshot())) as unknown;
      // A resumed engine's own random stream is not where it was: the strategy must not care.
      resumed.random = seededRandom(987654);
      const s3 = createStrategy(name, options, saved);
      resumed.runRounds(s3, 12);

      assert.deepEqual(resumed.log, straight.log);
      assert.deepEqual(resumed.nodes.map((n) => [n.id, n.why, n.status]), straight.nodes.map((n) => [n.id, n.why, n.status]));
    });
  }
});

describe('benchmark tasks', () => {
  const request = (text: string, file: string): EvaluationRequest => ({ candidateFileText: text, relativePath: file, functionName: 'f', language: 'javascript', evaluationId: 't' });
  const standalone = (dir: string, file: string): Record<string, unknown> => {
    const out = execFileSync(process.execPath, [join(dir, 'evaluate.mjs')], {
      cwd: dir,
      env: { ...process.env, GENESIS_CANDIDATE_FILE: join(dir, file) },
      encoding: 'utf8',
    });
    return JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  };

  for (const task of [circlePacking, binPacking]) {
    it(`${task.name}: the standalone evaluate.mjs and the in-process evaluator agree on the seed`, async () => {
      const dir = join(TASKS_DIR, task.name);
      const text = readFileSync(join(dir, task.file), 'utf8');
      const inProcess = await task.createEvaluator().evaluate(request(text, task.file), new AbortController().signal);
      const cli = standalone(dir, task.file);
      assert.equal(inProcess.status, 'ok');
      assert.equal(cli.correct, true);
      assert.equal(cli.score, inProcess.score);
    });
  }

  it('circle-packing: overlaps, circles outside the square and non-finite numbers are incorrect', async () => {
    const evaluator = circlePacking.createEvaluator();
    const text = readFileSync(join(TASKS_DIR, 'circle-packing', 'packing.js'), 'utf8');
    const signal = new AbortController().signal;
    const broken = [
      text.replace('radii[i] = Math.max(room, 0);', 'radii[i] = Math.max(room, 0) + 0.001;'),
      text.replace('return centers.map(([x, y], i) => [x, y, radii[i]]);', 'return centers.map(([x, y], i) => [x + 0.05, y, radii[i]]);'),
      text.replace('return centers.map(([x, y], i) => [x, y, radii[i]]);', 'return centers.map(([x, y], i) => [x, y, i ? radii[i] : NaN]);'),
      text.replace('const counts = [5, 5, 5, 5];', 'const counts = [5, 5, 5, 5, 1];'),
      text.replace('const centers = [];', 'const centers = []; for (;;) {}'),
    ];
    for (const candidate of broken) {
      const result = await evaluator.evaluate(request(candidate, 'packing.js'), signal);
      assert.equal(result.status, 'incorrect', result.reason);
    }
  });

  it('bin-packing: a priority that returns NaN is incorrect; worst fit scores far below the seed', async () => {
    const evaluator = binPacking.createEvaluator();
    const signal = new AbortController().signal;
    const nan = await evaluator.evaluate(request('function priority() { return NaN; }', 'priority.js'), signal);
    assert.equal(nan.status, 'incorrect');
    const worst = await evaluator.evaluate(request('function priority(item, space) { return space; }', 'priority.js'), signal);
    assert.ok((worst.score ?? 0) < -2, `worst fit ${worst.score}`);
  });

  it('tiled-matmul: the standalone evaluate.mjs and the compiled in-process evaluator agree on the seed', { skip: compilerProblem() ?? false, timeout: 60_000 }, async () => {
    const dir = join(TASKS_DIR, 'tiled-matmul');
    const buildDir = mkdtempSync(join(tmpdir(), 'genesis-matmul-test-'));
    try {
      const text = readFileSync(join(dir, 'matmul.cpp'), 'utf8');
      const evaluator = uncachedMatmulEvaluator(buildDir);
      const signal = new AbortController().signal;
      const inProcess = await evaluator.evaluate({ ...request(text, 'matmul.cpp'), language: 'cpp' }, signal);
      const cli = standalone(dir, 'matmul.cpp');
      assert.equal(inProcess.status, 'ok', inProcess.reason);
      assert.equal(cli.correct, true);
      // Timings differ run to run; both must be real measurements of the same kernel.
      assert.ok(typeof cli.score === 'number' && cli.score < 0 && (inProcess.score ?? 0) < 0);
      const wrong = await evaluator.evaluate({ ...request(text.replace('c[i * n + j] += aik', 'c[i * n + j] -= aik'), 'matmul.cpp'), language: 'cpp' }, signal);
      assert.equal(wrong.status, 'incorrect');
      assert.match(wrong.reason ?? '', /expected/);
    } finally {
      rmSync(buildDir, { recursive: true, force: true });
    }
  });
});
