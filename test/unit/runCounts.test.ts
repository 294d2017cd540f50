// One definition of each count (src/core/runCounts.ts): what a live run reports, a reopened run
// (RunStore.load, `genesis runs show`, the panel's restored view) reports the same.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EvolutionRun, type RunDeps } from '../../src/core/engine/run';
import { OfflineMutationSource, findNumericLiterals } from '../../src/core/mutate/offline';
import { HeuristicPrm } from '../../src/core/prm/heuristicPrm';
import { COUNT_DEFINITIONS, countNodes, isSettledPull, modelUsageOf, type CountedNode } from '../../src/core/runCounts';
import { RunStore } from '../../src/core/store/runStore';
import type { EvaluationRequest, EvaluationResult, Evaluator, MutationSource, RunConfig } from '../../src/core/types';

const ROOT = 'def f(x):\n    return 1.0 * x + 0.5';
const FILE = `import math\n\n${ROOT}\n`;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const config = (overrides: Partial<RunConfig> = {}): RunConfig => ({
  language: 'python', functionName: 'f', filePath: '/ws/f.py', relativePath: 'f.py', workspaceRoot: '/ws',
  evaluatorCommand: 'fake', models: ['offline', 'priced'], budget: 16, concurrency: 2, seed: 5, timeoutSec: 5, ...overrides,
});

const literalEvaluator: Evaluator = {
  async evaluate(request: EvaluationRequest): Promise<EvaluationResult> {
    const lits = findNumericLiterals(request.candidateFileText, 'python').map((l) => l.value);
    const score = -(Math.abs(lits[0]! - 2.0) + Math.abs(lits[1]! - 1.5));
    return { status: 'ok', score, correct: true, metrics: {}, feedback: '', stdoutTail: '', stderrTail: '', durationMs: 1, sandboxed: false };
  },
};

/** A model that costs tokens and money: the offline operator underneath, priced. */
function pricedSource(): MutationSource {
  const offline = new OfflineMutationSource();
  return {
    id: 'priced',
    propose: async (request, signal) => ({ ...(await offline.propose(request, signal)), model: 'priced', tokensIn: 120, tokensOut: 40, costUsd: 0.002 }),
  };
}

function deps(record: RunDeps['record']): RunDeps {
  const start = FILE.indexOf(ROOT);
  return {
    sources: [new OfflineMutationSource(), pricedSource()],
    evaluator: literalEvaluator,
    prm: new HeuristicPrm(),
    candidateFile: (code) => FILE.slice(0, start) + code + FILE.slice(start + ROOT.length),
    syntaxIssues: async () => [],
    ...(record ? { record } : {}),
  };
}

function counted(id: string, parentId: string | null, status: CountedNode['status'], extra: Partial<CountedNode> = {}): CountedNode {
  return { id, parentId, status, score: null, tokensIn: 0, tokensOut: 0, costUsd: 0, ...extra };
}

describe('run counts', () => {
  it('defines candidates, evaluations, model calls once', () => {
    const nodes = [
      counted('0', null, 'done', { score: -1, evaluation: {} }),
      counted('1', '0', 'done', { score: -0.5, evaluation: {}, sourceId: 'm', tokensIn: 10, tokensOut: 5, costUsd: 0.01 }),
      counted('2', '0', 'failed', { reason: 'syntax error at line 2', sourceId: 'm' }),
      counted('3', '0', 'failed', { reason: 'tests failed', evaluation: {}, sourceId: 'm' }),
      counted('4', '0', 'skipped', { reason: 'duplicate of node 1', sourceId: 'm' }),
      counted('5', '0', 'skipped', { skippedByPrm: true, reason: 'PRM score 0.1 below threshold 0.2', sourceId: 'm' }),
      counted('6', '0', 'skipped', { reason: 'run stopped before evaluation', sourceId: 'm' }),
      counted('7', '0', 'generating', { sourceId: 'm' }),
    ];
    assert.deepEqual(countNodes(nodes), { candidates: 7, evaluations: 3, scored: 1, failed: 2, skipped: 3, inFlight: 1, modelCalls: 4, tokens: 15, costUsd: 0.01 });
    assert.deepEqual(nodes.map(isSettledPull), [false, true, true, true, true, false, false, false]);
    const [usage] = modelUsageOf(nodes, ['m']);
    assert.equal(usage!.pulls, 4);
    assert.equal(usage!.meanReward, 0.5 / 4, 'the clipped improvement over the baseline, per pull');
    for (const key of Object.keys(countNodes([])) as (keyof typeof COUNT_DEFINITIONS)[]) assert.ok(COUNT_DEFINITIONS[key].length > 20, `${key} is explained`);
  });

  it('a reopened run reports the models’ pulls, mean reward, tokens and cost the live run reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genesis-counts-'));
    dirs.push(dir);
    const store = new RunStore(dir);
    const recorder = store.openRecorder('20260101-000000-000c');
    const run: EvolutionRun = new EvolutionRun(config(), { runId: '20260101-000000-000c', rootCode: ROOT }, deps((e) => recorder.record(e, run.summary())));
    const live = await run.start();
    recorder.close();
    const liveModels = live.models ?? [];
    assert.equal(liveModels.length, 2);
    assert.ok(liveModels.every((m) => m.pulls > 0), `both models were pulled: ${JSON.stringify(liveModels)}`);
    assert.ok(liveModels.find((m) => m.id === 'priced')!.tokensIn > 0);

    const loaded = await store.load('20260101-000000-000c');
    assert.deepEqual(loaded.summary.models, liveModels, 'RunStore.load (runs show, the reopened panel) = the live run');
    assert.deepEqual(modelUsageOf(run.nodes(), ['offline', 'priced']), liveModels, 'the engine counts by the same definition');
    const counts = countNodes(loaded.nodes);
    assert.equal(counts.evaluations, live.evaluations);
    assert.equal(counts.tokens, live.tokens);
    assert.equal(counts.modelCalls, liveModels.reduce((sum, m) => sum + m.pulls, 0));
    const [listed] = await store.list();
    assert.deepEqual(listed!.models, liveModels, 'summary.json (the sidebar) says the same');

    // Resumed with a raised budget: the engine starts from the same totals and keeps counting.
    const restoredRun = new EvolutionRun(config({ budget: 20 }), { runId: '20260101-000000-000c', rootCode: ROOT, restore: { nodes: loaded.nodes, startedAt: loaded.summary.startedAt, budget: 20 } }, deps(undefined));
    assert.deepEqual(restoredRun.modelUsage(), liveModels);
    const resumed = await restoredRun.start();
    assert.deepEqual(resumed.models, modelUsageOf(restoredRun.nodes(), ['offline', 'priced']));
  });
});
