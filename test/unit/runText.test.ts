// How the sidebar and the "run finished" notification describe a run (src/vscode/runText.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunSummary } from '../../src/core/types';
import { formatElapsed, formatWhen, modelCalls, notifiesWhenEnded, runDuration, runFinishedMessage, runRowDescription, runTooltipLines } from '../../src/vscode/runText';

const start = new Date(2026, 11, 4, 16, 5, 0).getTime();
const summary: RunSummary = {
  runId: '20261204-160500-ab12', functionName: 'approx_exp', filePath: '/w/approx.py', relativePath: 'approx.py', language: 'python', status: 'completed',
  startedAt: start, updatedAt: start + 125_000, evaluations: 40, budget: 40, baselineScore: -0.32, bestScore: -0.04, bestNodeId: '27', tokens: 1200, costUsd: 0.0123,
  models: [{ id: 'a', pulls: 30, meanReward: 0.01, tokensIn: 900, tokensOut: 300, costUsd: 0.0123 }, { id: 'offline', pulls: 9, meanReward: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 }],
};

describe('run descriptions', () => {
  it('gives the sidebar row a start time and a duration, short', () => {
    assert.equal(runRowDescription(summary, start + 3_600_000), '16:05 · 2m 5s');
    assert.equal(runRowDescription(summary, new Date(2026, 11, 6).getTime()), 'Dec 4 16:05 · 2m 5s');
    assert.equal(formatWhen(start, new Date(2027, 0, 2).getTime()), 'Dec 4 2026 16:05');
    assert.ok(runRowDescription(summary, start).length <= 24, 'fits a sidebar row');
  });

  it('counts a running run up to now, a finished one to its last update', () => {
    assert.equal(runDuration({ ...summary, status: 'running' }, start + 600_000), 600_000);
    assert.equal(runDuration(summary, start + 600_000), 125_000);
    assert.deepEqual([45_000, 125_000, 3_780_000].map(formatElapsed), ['45s', '2m 5s', '1h 3m']);
  });

  it('puts the scores and the counts in the hover, worded as everywhere else', () => {
    const text = runTooltipLines(summary, start).join('\n');
    assert.match(text, /baseline -0\.32, best -0\.04/);
    assert.match(text, /40 \/ 40 evaluations, 39 model calls, 1200 tokens, \$0\.0123/);
    assert.equal(modelCalls(summary), 39);
  });

  it('words the notification of a finished run', () => {
    assert.equal(runFinishedMessage(summary), 'Genesis: approx_exp completed: best -0.04 from -0.32, 40 evaluations.');
    assert.equal(runFinishedMessage({ ...summary, bestScore: -0.32 }), 'Genesis: approx_exp completed: nothing beat the baseline -0.32, 40 evaluations.');
    assert.equal(runFinishedMessage({ ...summary, status: 'failed', bestScore: null, baselineScore: null, stopReason: 'the evaluator failed 6 times in a row' }), 'Genesis: approx_exp failed (the evaluator failed 6 times in a row): no candidate scored, 40 evaluations.');
    assert.deepEqual((['completed', 'failed', 'stopped', 'running'] as const).map(notifiesWhenEnded), [true, true, false, false]);
  });
});
