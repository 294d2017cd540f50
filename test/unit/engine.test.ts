import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, appendFileSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EvolutionRun, type RunDeps } from '../../src/core/engine/run';
import { OfflineMutationSource, findNumericLiterals } from '../../src/core/mutate/offline';
import { HeuristicPrm } from '../../src/core/prm/heuristicPrm';
import { RunStore, replayEvents } from '../../src/core/store/runStore';
import type { CandidateNode, EvaluationRequest, EvaluationResult, Evaluator, MutationProposal, MutationRequest, MutationSource, RunConfig } from '../../src/core/types';
import type { SearchView } from '../../src/core/search/strategy';

const ROOT = 'def f(x):\n    return 1.0 * x + 0.5';
const FILE = `import math\n\n${ROOT}\n`;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function config(overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    language: 'python', functionName: 'f', filePath: '/ws/f.py', relativePath: 'f.py', workspaceRoot: '/ws',
    evaluatorCommand: 'fake', models: ['offline'], budget: 20, concurrency: 3, seed: 7, timeoutSec: 5, ...overrides,
  };
}

/** Scores a candidate by how close its literals get to (2.0, 1.5): deterministic, in-process. */
class LiteralTargetEvaluator implements Evaluator {
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly delayMs = 1) {}
  async evaluate(request: EvaluationRequest, signal: AbortSignal): Promise<EvaluationResult> {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.delayMs);
        signal.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); }, { once: true });
      });
      const lits = findNumericLiterals(request.candidateFileText, 'python').map((l) => l.value);
      const score = -(Math.abs(lits[0] - 2.0) + Math.abs(lits[1] - 1.5));
      return { status: 'ok', score, correct: true, metrics: {}, feedback: '', stdoutTail: '', stderrTail: '', durationMs: this.delayMs, sandboxed: false };
    } finally {
      this.inFlight--;
    }
  }
}

function deps(evaluator: Evaluator, sources: MutationSource[] = [new OfflineMutationSource()], extra: Partial<RunDeps> = {}): RunDeps {
  const start = FILE.indexOf(ROOT);
  return {
    sources,
    evaluator,
    prm: new HeuristicPrm(),
    candidateFile: (code) => FILE.slice(0, start) + code + FILE.slice(start + ROOT.length),
    // A stand-in syntax check: unbalanced parentheses are errors.
    syntaxIssues: async (text) => ((text.match(/\(/g) ?? []).length !== (text.match(/\)/g) ?? []).length ? [{ line: 2, column: 0, message: 'unbalanced parenthesis' }] : []),
    ...extra,
  };
}

describe('EvolutionRun', () => {
  it('evaluates the root first, spends exactly the budget, and improves on the baseline', async () => {
    const evaluator = new LiteralTargetEvaluator();
    const run = new EvolutionRun(config(), { runId: 'r1', rootCode: ROOT }, deps(evaluator));
    const summary = await run.start();
    assert.equal(summary.status, 'completed');
    assert.equal(summary.evaluations, 20);
    assert.equal(evaluator.calls, 20);
    assert.equal(run.root().status, 'done');
    assert.equal(summary.baselineScore, -2);
    assert.ok((summary.bestScore ?? -Infinity) > -2, `best ${summary.bestScore}`);
    assert.ok(evaluator.maxInFlight <= 3 && evaluator.maxInFlight >= 2, `concurrency ${evaluator.maxInFlight}`);
    const best = run.best();
    assert.ok(best && best.diff.includes('@@'));
    for (const n of run.nodes().slice(1)) assert.ok(['done', 'failed', 'skipped'].includes(n.status), n.status);
  });

  it('is reproducible for a fixed seed', async () => {
    const codes = async (seed: number) => {
      const run = new EvolutionRun(config({ seed }), { runId: 'r', rootCode: ROOT }, deps(new LiteralTargetEvaluator(Math.random() * 3)));
      await run.start();
      return run.nodes().map((n) => `${n.parentId}:${n.code}`);
    };
    assert.deepEqual(await codes(11), await codes(11));
    assert.notDeepEqual(await codes(11), await codes(12));
  });

  it('turns bad replies, syntax errors and duplicates into failed/skipped nodes with reasons', async () => {
    let call = 0;
    const replies: Partial<MutationProposal>[] = [
      { error: 'SEARCH block 1 of 1 did not match the function' },
      { code: 'def f(x):\n    return (1.0 * x + 0.5' },
      { code: ROOT },
      { code: 'def f(x):\n    return 2.0 * x + 0.5' },
    ];
    const scripted: MutationSource = {
      id: 'scripted',
      propose: async () => ({ kind: 'search-replace', summary: 's', model: 'scripted', tokensIn: 10, tokensOut: 5, costUsd: 0.001, ...replies[call++ % replies.length] }),
    };
    const run = new EvolutionRun(config({ budget: 3, concurrency: 4 }), { runId: 'r2', rootCode: ROOT }, deps(new LiteralTargetEvaluator(), [scripted]));
    const summary = await run.start();
    const [, a, b, c, d] = run.nodes();
    assert.equal(a.status, 'failed');
    assert.match(a.reason ?? '', /SEARCH block 1 of 1/);
    assert.equal(b.status, 'failed');
    assert.match(b.reason ?? '', /syntax error at line 3: unbalanced/);
    assert.equal(c.status, 'skipped');
    assert.match(c.reason ?? '', /duplicate of node 0/);
    assert.equal(d.status, 'done');
    assert.equal(d.score, -1);
    assert.ok(summary.tokens >= 60);
    assert.ok(summary.costUsd > 0);
  });

  it('records a thrown model error as a failed node and keeps going', async () => {
    const failing: MutationSource = { id: 'down', propose: async () => { throw new Error('server not reachable at http://127.0.0.1:9: ECONNREFUSED'); } };
    const run = new EvolutionRun(config({ budget: 4, concurrency: 2 }), { runId: 'r3', rootCode: ROOT }, deps(new LiteralTargetEvaluator(), [failing, new OfflineMutationSource()]));
    const summary = await run.start();
    assert.equal(summary.status, 'completed');
    assert.equal(summary.evaluations, 4);
    assert.ok(run.nodes().some((n) => n.status === 'failed' && /model call failed: server not reachable/.test(n.reason ?? '')));
  });

  it('stops a run whose evaluator keeps erroring, with a clear message', async () => {
    const broken: Evaluator = {
      evaluate: async () => ({ status: 'error', score: null, correct: false, metrics: {}, feedback: '', reason: 'evaluator command not found: nope', stdoutTail: '', stderrTail: '', durationMs: 1, sandboxed: false }),
    };
    const run = new EvolutionRun(config({ budget: 50 }), { runId: 'r4', rootCode: ROOT }, deps(broken));
    const messages: string[] = [];
    run.onEvent((e) => { if (e.type === 'run-status' && e.message) messages.push(e.message); });
    const summary = await run.start();
    assert.equal(summary.status, 'failed');
    assert.ok(summary.evaluations < 10);
    assert.match(messages.join(' '), /failed 6 times in a row; last: evaluator command not found: nope/);
  });

  it('stop() cancels in-flight evaluations and ends as stopped', async () => {
    const evaluator = new LiteralTargetEvaluator(200);
    const run = new EvolutionRun(config({ budget: 100 }), { runId: 'r5', rootCode: ROOT }, deps(evaluator));
    run.start();
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    run.stop();
    const summary = await run.done;
    assert.ok(Date.now() - t0 < 150, 'stops promptly');
    assert.equal(summary.status, 'stopped');
    assert.ok(summary.evaluations < 100);
    assert.ok(run.nodes().some((n) => n.status === 'skipped' && /run stopped/.test(n.reason ?? '')));
    assert.ok(run.nodes().every((n) => n.status !== 'evaluating' && n.status !== 'generating'));
  });
});

describe('RunStore', () => {
  it('persists every event and replays the same tree; a torn last line is ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genesis-store-'));
    dirs.push(dir);
    const store = new RunStore(dir);
    const recorder = store.openRecorder('20261204-100000-000a');
    const run = new EvolutionRun(config({ budget: 8 }), { runId: '20261204-100000-000a', rootCode: ROOT }, deps(new LiteralTargetEvaluator(), undefined, { record: (e) => recorder.record(e, run.summary()) }));
    const summary = await run.start();
    recorder.close();
    const loaded = await store.load('20261204-100000-000a');
    assert.equal(loaded.nodes.length, run.nodes().length);
    assert.deepEqual(loaded.nodes.map((n) => [n.id, n.status, n.score, n.code]), run.nodes().map((n) => [n.id, n.status, n.score, n.code]));
    assert.equal(loaded.summary.bestScore, summary.bestScore);
    assert.equal(loaded.summary.evaluations, 8);
    assert.equal(loaded.summary.status, 'completed');
    appendFileSync(join(dir, '20261204-100000-000a', 'events.jsonl'), '{"type":"node-upd');
    const again = await store.load('20261204-100000-000a');
    assert.equal(again.nodes.length, run.nodes().length);
    assert.match(again.warnings.join(), /cut short/);
    const list = await store.list();
    assert.equal(list[0].runId, '20261204-100000-000a');
    assert.equal(list[0].bestScore, summary.bestScore);
  });

  it('a loaded failed run says why it failed; a resumed one forgets the old reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genesis-store-'));
    dirs.push(dir);
    const store = new RunStore(dir);
    const runId = '20261204-100000-00f0';
    const broken: Evaluator = {
      evaluate: async () => ({ status: 'timeout', score: null, correct: false, metrics: {}, feedback: '', reason: 'evaluator timed out after 2 s', stdoutTail: '', stderrTail: '', durationMs: 1, sandboxed: false }),
    };
    const recorder = store.openRecorder(runId);
    const run = new EvolutionRun(config({ budget: 20 }), { runId, rootCode: ROOT }, deps(broken, undefined, { record: (e) => recorder.record(e, run.summary()) }));
    const live = await run.start();
    recorder.close();
    assert.equal(live.status, 'failed');
    assert.match(live.stopReason ?? '', /failed 6 times in a row; last: evaluator timed out after 2 s/);
    const loaded = await store.load(runId);
    assert.equal(loaded.summary.status, 'failed');
    assert.equal(loaded.summary.stopReason, live.stopReason);
    const log = readFileSync(join(dir, runId, 'events.jsonl'), 'utf8') + JSON.stringify({ type: 'run-resumed', at: Date.now(), requeued: [] }) + '\n';
    const resumed = replayEvents(log);
    assert.equal(resumed?.summary.status, 'running');
    assert.equal(resumed?.summary.stopReason, undefined);
  });

  it('a run that failed on an internal error keeps that error as its stop reason', async () => {
    const evaluator = new LiteralTargetEvaluator();
    const run = new EvolutionRun(config({ budget: 4 }), { runId: 'r-internal', rootCode: ROOT }, deps(evaluator, undefined, {
      syntaxIssues: async () => { throw new TypeError('tree-sitter went away'); },
    }));
    const summary = await run.start();
    assert.equal(summary.status, 'failed');
    assert.match(summary.stopReason ?? '', /internal error: tree-sitter went away/);
  });

  it('lists a run whose writer died mid-run as interrupted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genesis-store-'));
    dirs.push(dir);
    const store = new RunStore(dir);
    const recorder = store.openRecorder('20261204-100000-000b');
    const run = new EvolutionRun(config({ budget: 3 }), { runId: '20261204-100000-000b', rootCode: ROOT }, deps(new LiteralTargetEvaluator(), undefined, { record: (e) => recorder.record(e, run.summary()) }));
    await run.start();
    const summaryPath = join(dir, '20261204-100000-000b', 'summary.json');
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
    writeFileSync(summaryPath, JSON.stringify({ ...summary, status: 'running', pid: 2 ** 22 + 12345 }));
    assert.equal((await store.list())[0].status, 'interrupted');
    assert.equal(replayEvents('garbage\n'), undefined);
    await assert.rejects(store.load('20261204-235959-ffff'), /run 20261204-235959-ffff not found/);
    assert.throws(() => store.runDir('../etc'), /invalid run id/);
  });
});

describe('EvolutionRun: broken model', () => {
  it('fails the run after repeated call failures instead of spending every try', async () => {
    let calls = 0;
    const badKey: MutationSource = {
      id: 'bad-key',
      propose: async () => { calls++; return { kind: 'search-replace', summary: 'model call failed', model: 'm', tokensIn: 0, tokensOut: 0, costUsd: 0, callFailed: true, error: 'bad API key (401) from http://127.0.0.1:1/v1' }; },
    };
    const run = new EvolutionRun(config({ budget: 40, concurrency: 2 }), { runId: 'r6', rootCode: ROOT }, deps(new LiteralTargetEvaluator(), [badKey]));
    const messages: string[] = [];
    run.onEvent((e) => { if (e.type === 'run-status' && e.message) messages.push(e.message); });
    const summary = await run.start();
    assert.equal(summary.status, 'failed');
    assert.ok(calls <= 10, `calls ${calls}`);
    assert.match(messages.join(' '), /the model failed 8 times in a row; last: bad API key \(401\)/);
  });
});

describe('EvolutionRun: controls', () => {
  it('pauses after the current round, resumes, and honours a raised budget', async () => {
    const evaluator = new LiteralTargetEvaluator(20);
    const run = new EvolutionRun(config({ budget: 6, concurrency: 2 }), { runId: 'c1', rootCode: ROOT }, deps(evaluator));
    const statuses: string[] = [];
    run.onEvent((e) => { if (e.type === 'run-status') statuses.push(e.status); });
    run.start();
    await new Promise((r) => setTimeout(r, 30));
    run.pause();
    await new Promise((r) => setTimeout(r, 150));
    const during = evaluator.calls;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(evaluator.calls, during, 'no evaluations while paused');
    assert.equal(run.summary().status, 'paused');
    run.setBudget(10);
    run.resume();
    const summary = await run.done;
    assert.equal(summary.evaluations, 10);
    assert.equal(summary.budget, 10);
    assert.deepEqual(statuses, ['paused', 'running', 'completed']);
  });

  it('keeps PRM-filtered children as skipped nodes that can be evaluated on demand', async () => {
    const picky = {
      name: 'picky',
      planRound: (view: SearchView) => view.evaluationsLeft > 0 ? [{ parentId: '0', why: 'a' }, { parentId: '0', why: 'b' }, { parentId: '0', why: 'c' }] : [],
      selectForEvaluation: (c: readonly CandidateNode[]) => c.slice(0, 1),
      observe: () => undefined,
      snapshot: () => ({}),
    };
    const evaluator = new LiteralTargetEvaluator(60);
    const run = new EvolutionRun(config({ budget: 4, concurrency: 1 }), { runId: 'c2', rootCode: ROOT }, deps(evaluator, undefined, { strategy: picky }));
    run.start();
    let skipped: CandidateNode | undefined;
    while (!skipped) {
      await new Promise((r) => setTimeout(r, 5));
      skipped = run.nodes().find((n) => n.skippedByPrm && n.status === 'skipped');
    }
    assert.match(skipped.reason ?? '', /not evaluated: PRM score/);
    const evaluated = await run.evaluateNow(skipped.id);
    assert.ok(['done', 'failed'].includes(evaluated.status));
    assert.match(evaluated.why ?? '', /evaluated on demand/);
    const summary = await run.done;
    assert.ok(summary.evaluations >= 4);
    await assert.rejects(run.evaluateNow(skipped.id), /not active/);
  });
});

describe('EvolutionRun: models', () => {
  /** A model-like source: records requests; its replies move literals toward the target when `good`. */
  function modelSource(id: string, options: { good: boolean; cost: number; failFirst?: boolean }) {
    const requests: MutationRequest[] = [];
    let calls = 0;
    const source: MutationSource = {
      id,
      supportsModes: true,
      propose: async (request) => {
        requests.push(request);
        calls++;
        const base = { kind: 'search-replace' as const, summary: id, model: id, tokensIn: 100, tokensOut: 20, costUsd: options.cost };
        if (request.mode === 'repair') return { ...base, code: 'def f(x):\n    return 1.9 * x + 1.4' };
        if (options.failFirst && calls === 1) return { ...base, code: 'def f(x):\n    return (1.0 * x + 0.5' };
        const lits = findNumericLiterals(request.parentCode, 'python').map((l) => l.value);
        const step = options.good ? 0.1 : -0.05;
        return { ...base, code: `def f(x):\n    return ${(lits[0] + step + calls * 1e-4).toFixed(4)} * x + ${(lits[1] + step).toFixed(4)}` };
      },
    };
    return { source, requests };
  }

  it('shifts pulls toward the arm that improves more per dollar and reports exact per-model totals', async () => {
    const good = modelSource('good-cheap', { good: true, cost: 0.0001 });
    const bad = modelSource('bad-pricey', { good: false, cost: 0.01 });
    const run = new EvolutionRun(config({ budget: 60, concurrency: 2, mutationMix: { diff: 1, rewrite: 0, crossover: 0 } }), { runId: 'm1', rootCode: ROOT }, deps(new LiteralTargetEvaluator(), [good.source, bad.source]));
    const summary = await run.start();
    const usage = new Map(summary.models?.map((m) => [m.id, m]));
    const g = usage.get('good-cheap');
    const b = usage.get('bad-pricey');
    assert.ok(g && b);
    assert.ok(g.pulls > 2 * b.pulls, `pulls good ${g.pulls} vs bad ${b.pulls}`);
    assert.ok(g.meanReward > b.meanReward);
    const nodeCost = run.nodes().reduce((sum, n) => sum + n.costUsd, 0);
    assert.ok(Math.abs(nodeCost - summary.costUsd) < 1e-12);
    assert.ok(Math.abs(g.costUsd + b.costUsd - summary.costUsd) < 1e-12);
    assert.equal(g.tokensIn + b.tokensIn, run.nodes().reduce((s, n) => s + n.tokensIn, 0));
  });

  it('stops within one call of a USD budget', async () => {
    const pricey = modelSource('pricey', { good: true, cost: 0.01 });
    const run = new EvolutionRun(config({ budget: 100, concurrency: 3, budgetUsd: 0.055 }), { runId: 'm2', rootCode: ROOT }, deps(new LiteralTargetEvaluator(), [pricey.source]));
    const summary = await run.start();
    assert.equal(summary.status, 'completed');
    assert.ok(summary.costUsd >= 0.055 - 1e-9 && summary.costUsd <= 0.055 + 0.01 + 1e-9, `spent ${summary.costUsd}`);
    assert.match(summary.stopReason ?? '', /cost budget reached/);
    assert.ok(summary.evaluations < 100);
  });

  it('asks for rewrites and crossovers per the mix, repairs a failed candidate once, and passes lineage notes', async () => {
    const model = modelSource('m', { good: true, cost: 0, failFirst: true });
    const run = new EvolutionRun(config({ budget: 30, concurrency: 1, mutationMix: { diff: 0.4, rewrite: 0.3, crossover: 0.3 } }), { runId: 'm3', rootCode: ROOT }, deps(new LiteralTargetEvaluator(), [model.source]));
    await run.start();
    const modes = new Set(model.requests.map((r) => r.mode));
    assert.ok(modes.has('diff') && modes.has('rewrite') && modes.has('crossover') && modes.has('repair'), [...modes].join());
    const repair = model.requests.find((r) => r.mode === 'repair');
    assert.ok(repair);
    assert.match(repair.failure ?? '', /syntax error/);
    assert.equal(repair.failedCode, 'def f(x):\n    return (1.0 * x + 0.5');
    assert.equal(repair.parentCode, ROOT);
    assert.equal(model.requests.filter((r) => r.mode === 'repair').length, 1, 'a repair is not repaired again');
    const crossover = model.requests.find((r) => r.mode === 'crossover');
    assert.ok(crossover?.secondParent && crossover.secondParent.code !== crossover.parentCode);
    const repairNode = run.nodes().find((n) => n.mode === 'repair');
    assert.ok(repairNode && /repair attempt for node/.test(repairNode.why ?? ''));
  });

  it('feeds a lineage note (unmatched SEARCH block) to the next prompt of that lineage', async () => {
    let call = 0;
    const requests: MutationRequest[] = [];
    const noted: MutationSource = {
      id: 'noted',
      supportsModes: true,
      propose: async (request) => {
        requests.push(request);
        call++;
        const base = { kind: 'search-replace' as const, summary: 's', model: 'n', tokensIn: 1, tokensOut: 1, costUsd: 0 };
        if (call === 1) return { ...base, code: 'def f(x):\n    return 1.5 * x + 0.5', lineageNote: 'SEARCH block 1 did not match: `return x`' };
        return { ...base, code: `def f(x):\n    return 1.5 * x + ${(0.5 + call / 10).toFixed(2)}` };
      },
    };
    const run = new EvolutionRun(config({ budget: 4, concurrency: 1, repair: false }), { runId: 'm4', rootCode: ROOT }, deps(new LiteralTargetEvaluator(), [noted]));
    await run.start();
    assert.ok(requests.slice(1).some((r) => (r.lineageNotes ?? []).some((n) => /SEARCH block 1 did not match/.test(n))));
  });
});

describe('EvolutionRun: resume', () => {
  it('continues a run killed mid-evaluation: completed evaluations kept once, in-flight re-queued, budget finished', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genesis-resume-'));
    dirs.push(dir);
    const store = new RunStore(dir);
    const recorder = store.openRecorder('20261204-100000-000c');
    const slow = new LiteralTargetEvaluator(40);
    const first = new EvolutionRun(config({ budget: 14, concurrency: 2 }), { runId: '20261204-100000-000c', rootCode: ROOT }, deps(slow, undefined, { record: (e) => recorder.record(e, first.summary()) }));
    first.start();
    // Simulate a crash: stop recording while evaluations are in flight (the process "dies").
    while (first.summary().evaluations < 5 || !first.nodes().some((n) => n.status === 'evaluating')) await new Promise((r) => setTimeout(r, 2));
    recorder.close();
    first.stop();
    await first.done;
    const stored = await store.load('20261204-100000-000c');
    const inFlight = stored.nodes.filter((n) => n.status === 'evaluating').map((n) => n.id);
    assert.ok(inFlight.length > 0, 'the log ends with evaluations in flight');
    const evaluatedBefore = stored.nodes.filter((n) => n.evaluation).map((n) => [n.id, n.score]);

    const evaluator = new LiteralTargetEvaluator(1);
    const seen: string[] = [];
    const counting: Evaluator = { evaluate: (req, signal) => { seen.push(req.evaluationId.split('-').pop() ?? ''); return evaluator.evaluate(req, signal); } };
    const recorder2 = store.openRecorder('20261204-100000-000c');
    const resumed = new EvolutionRun(
      config({ budget: 14, concurrency: 2 }),
      { runId: '20261204-100000-000c', rootCode: ROOT, restore: { nodes: stored.nodes, startedAt: stored.summary.startedAt, budget: 14 } },
      deps(counting, undefined, { record: (e) => recorder2.record(e, resumed.summary()) }),
    );
    const summary = await resumed.start();
    recorder2.close();
    assert.equal(summary.status, 'completed');
    assert.equal(summary.evaluations, 14);
    for (const id of inFlight) assert.ok(seen.includes(id), `in-flight node ${id} evaluated again`);
    for (const [id] of evaluatedBefore) assert.ok(!seen.includes(String(id)), `node ${id} not evaluated twice`);
    const reloaded = await store.load('20261204-100000-000c');
    assert.equal(reloaded.summary.evaluations, 14);
    assert.equal(reloaded.nodes.filter((n) => n.evaluation).length, 14);
    for (const [id, score] of evaluatedBefore) assert.equal(reloaded.nodes[Number(id)].score, score);
    assert.equal(reloaded.summary.status, 'completed');
  });
});

describe('EvolutionRun: mutate from here', () => {
  it('generates a child of the requested node in the next round', async () => {
    const run = new EvolutionRun(config({ budget: 12, concurrency: 1 }), { runId: 'u1', rootCode: ROOT }, deps(new LiteralTargetEvaluator(15)));
    run.start();
    while (run.summary().evaluations < 3) await new Promise((r) => setTimeout(r, 2));
    const target = run.nodes().find((n) => n.status === 'done' && n.id !== run.best()?.id) ?? run.root();
    run.mutateFrom(target.id);
    await run.done;
    const child = run.nodes().find((n) => n.parentId === target.id && /requested by the user/.test(n.why ?? ''));
    assert.ok(child, 'a child with the user reason exists');
    assert.throws(() => run.mutateFrom(target.id), /not active/);
  });
});

describe('EvolutionRun: memory', () => {
  it('drops prompt and reply from memory once recorded; the log keeps them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genesis-mem-'));
    dirs.push(dir);
    const store = new RunStore(dir);
    const recorder = store.openRecorder('20261204-100000-000d');
    let calls = 0;
    const talky: MutationSource = {
      id: 'talky',
      propose: async () => ({ kind: 'search-replace', summary: 's', model: 'talky', tokensIn: 1, tokensOut: 1, costUsd: 0, prompt: 'P'.repeat(5000), reply: `R${++calls}`, code: `def f(x):\n    return ${(1 + calls / 10).toFixed(2)} * x + 0.5` }),
    };
    const run = new EvolutionRun(config({ budget: 5, concurrency: 1 }), { runId: '20261204-100000-000d', rootCode: ROOT }, deps(new LiteralTargetEvaluator(), [talky], { record: (e) => recorder.record(e, run.summary()) }));
    await run.start();
    recorder.close();
    assert.ok(run.nodes().slice(1).every((n) => n.mutation?.prompt === undefined && n.mutation?.reply === undefined));
    const stored = await store.load('20261204-100000-000d');
    assert.equal(stored.nodes[1].mutation?.reply, 'R1');
    assert.equal(stored.nodes[1].mutation?.prompt?.length, 5000);
    const log = readFileSync(join(dir, '20261204-100000-000d', 'events.jsonl'), 'utf8');
    assert.equal(log.split('P'.repeat(5000)).length - 1, 4, 'each prompt is written once');
  });

  it('writes the code and diff of a big rewrite once per node, not in every event; the log loads them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genesis-big-'));
    dirs.push(dir);
    const store = new RunStore(dir);
    const recorder = store.openRecorder('20260101-000000-000b');
    let calls = 0;
    const padding = 'pad '.repeat(50_000); // a 200 KB comment in the rewritten function
    const big: MutationSource = {
      id: 'big',
      propose: async () => {
        calls++;
        const code = `def f(x):\n    # big-${calls} ${padding}\n    return ${(1 + calls / 10).toFixed(2)} * x + 0.5`;
        return { kind: 'full-rewrite', summary: 's', model: 'big', tokensIn: 1, tokensOut: 1, costUsd: 0, prompt: 'p', reply: '```python\n' + code + '\n```', code };
      },
    };
    const fullEvents: string[] = []; // the log as earlier versions wrote it: every event complete
    const run = new EvolutionRun(config({ budget: 5, concurrency: 1 }), { runId: '20260101-000000-000b', rootCode: ROOT }, deps(new LiteralTargetEvaluator(), [big], {
      record: (e) => {
        fullEvents.push(JSON.stringify(e));
        recorder.record(e, run.summary());
      },
    }));
    await run.start();
    recorder.close();
    const log = readFileSync(join(dir, '20260101-000000-000b', 'events.jsonl'), 'utf8');
    for (let n = 1; n <= 4; n++) {
      // Once in the reply, once in the code, once in the diff: not again in each status change.
      assert.equal(log.split(`big-${n} `).length - 1, 3, `node ${n}'s text is written 3 times`);
    }
    assert.ok(log.length < 4 * 3 * padding.length * 1.1, `log of ${log.length} bytes`);
    const stored = await store.load('20260101-000000-000b');
    const live = new Map(run.nodes().map((n) => [n.id, n]));
    for (const node of stored.nodes) {
      assert.equal(node.code, live.get(node.id)?.code, `code of node ${node.id}`);
      assert.equal(node.diff, live.get(node.id)?.diff, `diff of node ${node.id}`);
    }
    assert.equal(stored.summary.evaluations, 5);
    const old = replayEvents(fullEvents.join('\n') + '\n');
    assert.deepEqual(old?.nodes.map((n) => [n.id, n.code, n.diff]), stored.nodes.map((n) => [n.id, n.code, n.diff]), 'an old, complete log loads the same');
    // A resumed run appends to the same log: its first event of a node is complete again.
    const again = store.openRecorder('20260101-000000-000b');
    const resumedNode = { ...live.get('2')!, status: 'done' as const };
    again.record({ type: 'node-updated', node: resumedNode }, run.summary());
    again.close();
    assert.equal((await store.load('20260101-000000-000b')).nodes.find((n) => n.id === '2')?.code, resumedNode.code);
    const lastLine = readFileSync(join(dir, '20260101-000000-000b', 'events.jsonl'), 'utf8').trimEnd().split('\n').pop() ?? '';
    assert.ok(lastLine.includes('big-2 '), 'the first event after reopening carries the code');
  });
});
