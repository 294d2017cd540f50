// A run folder is data anyone can damage or edit: wrong-shaped log lines are set aside like cut
// ones (never a TypeError), and run ids cannot name a path outside the runs folder.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isRunId, newRunId, replayEvents, RunStore } from '../../src/core/store/runStore';
import { storedNode, writeStoredRun } from './storedRuns';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'genesis-store-safety-'));
  dirs.push(dir);
  return dir;
}

const RUN = '20261204-120000-abcd';

describe('the log loader and wrong-shaped lines', () => {
  const damaged = [
    'null',
    '42',
    '"text"',
    'true',
    '[]',
    '[{"type":"node-added"}]',
    '{}',
    '{"node":null}',
    '{"type":"node-added","node":null}',
    '{"type":"node-updated","node":{"id":7,"status":"done"}}',
    '{"type":"node-updated","node":{"id":"1","parentId":"0","status":"done","code":null}}',
    '{"type":"node-added","node":{"id":"2"}}',
    '{"type":"node-updated","node":{"id":"1","parentId":"0","depth":1,"status":"done","code":"x","diff":"","prmScore":null,"score":"high","tokensIn":0,"tokensOut":0,"costUsd":0,"createdAt":1}}',
    '{"type":"node-updated","node":{"id":"1","parentId":"0","depth":1,"status":"done","code":"x","diff":"","prmScore":null,"score":1,"tokensIn":0,"tokensOut":0,"costUsd":0,"createdAt":1,"mutation":5}}',
    '{"type":"run-status","status":null}',
    '{"type":"run-status","status":"exploded"}',
    '{"type":"budget-changed","budget":"lots"}',
    '{"type":"search-state","strategy":null}',
    '{"type":"run-started","summary":null,"config":null,"root":null}',
  ];

  it('skips every valid-JSON-but-wrong-shaped line, counts it, and keeps the rest of the run', async () => {
    const runsDir = tempDir();
    writeStoredRun(runsDir, RUN, '/ws', { nodes: [storedNode('1'), storedNode('2')], extraLines: damaged });
    const stored = await new RunStore(runsDir).load(RUN);
    assert.deepEqual(stored.nodes.map((n) => n.id), ['0', '1', '2']);
    assert.equal(stored.summary.evaluations, 3);
    assert.equal(stored.summary.status, 'stopped');
    assert.equal(stored.config.models[0], 'offline', 'a wrong-shaped start event does not replace the good one');
    const warning = stored.warnings.join('\n');
    assert.match(warning, new RegExp(`^${damaged.length} event lines are not events of the right shape and were ignored: line \\d+ \\(null, not an event object\\)`, 'm'));
    assert.match(warning, /and \d+ more/);
  });

  it('never throws a TypeError, whatever single line follows a good start', () => {
    const runsDir = tempDir();
    writeStoredRun(runsDir, RUN, '/ws');
    for (const line of damaged) {
      const text = `${JSON.stringify({ type: 'run-started', summary: { runId: RUN, functionName: 'f', filePath: '/f.py', relativePath: 'f.py', startedAt: 1, budget: 2, status: 'running' }, config: { language: 'python', functionName: 'f', filePath: '/f.py', relativePath: 'f.py', workspaceRoot: '/', evaluatorCommand: 'x', models: ['offline'], budget: 2, concurrency: 1, seed: 1, timeoutSec: 1 }, root: storedNode('0') })}\n${line}\n`;
      const stored = replayEvents(text);
      assert.ok(stored, line);
      assert.equal(stored.warnings.length, 1, line);
    }
  });

  it('a log whose only start event is wrong-shaped is refused with the reason, not a stack trace', async () => {
    const runsDir = tempDir();
    mkdirSync(join(runsDir, RUN));
    writeFileSync(join(runsDir, RUN, 'events.jsonl'), '{"type":"run-started","summary":{},"config":{"models":"offline"},"root":{}}\n');
    await assert.rejects(new RunStore(runsDir).load(RUN), (error: Error) => !(error instanceof TypeError) && /has no usable start event .*summary\.runId/.test(error.message));
  });

  it('runs list rebuilds a summary.json of the wrong shape from the log instead of failing', async () => {
    const runsDir = tempDir();
    writeStoredRun(runsDir, RUN, '/ws', { nodes: [storedNode('1')] });
    writeFileSync(join(runsDir, RUN, 'summary.json'), 'null');
    writeStoredRun(runsDir, '20261204-120001-abcd', '/ws');
    writeFileSync(join(runsDir, '20261204-120001-abcd', 'summary.json'), '{"status":5}');
    const list = await new RunStore(runsDir).list();
    assert.deepEqual(list.map((s) => [s.runId, s.status, s.evaluations]), [['20261204-120001-abcd', 'stopped', 1], [RUN, 'stopped', 2]]);
  });
});

describe('run ids', () => {
  it('accepts the generated shape only', () => {
    assert.ok(isRunId(newRunId()));
    assert.ok(isRunId(RUN));
    for (const bad of ['.', '..', '', '/', 'a/b', '../etc', '..\\x', `${RUN}/..`, `${RUN}\n`, ' ' + RUN, 'run-a', '20261204-120000-ABCD', '20261204-120000-abcd.', '.20261204-120000-abcd']) {
      assert.equal(isRunId(bad), false, JSON.stringify(bad));
    }
  });

  it('RunStore.delete(".") and friends cannot touch the runs folder or anything outside it', async () => {
    const root = tempDir();
    const runsDir = join(root, 'runs');
    writeStoredRun(runsDir, RUN, '/ws');
    writeFileSync(join(root, 'precious.txt'), 'keep');
    const store = new RunStore(runsDir);
    for (const bad of ['.', '..', '', '../precious.txt', `${RUN}/..`, '/']) {
      await assert.rejects(store.delete(bad), /invalid run id/, JSON.stringify(bad));
      await assert.rejects(store.load(bad), /invalid run id/, JSON.stringify(bad));
      assert.throws(() => store.openRecorder(bad), /invalid run id/, JSON.stringify(bad));
    }
    assert.ok(existsSync(join(runsDir, RUN, 'events.jsonl')), 'the run is still there');
    assert.ok(existsSync(join(root, 'precious.txt')));
    await store.delete(RUN);
    assert.equal(existsSync(join(runsDir, RUN)), false);
    assert.ok(existsSync(runsDir), 'deleting a run leaves the runs folder');
  });

  it('runs list ignores folders that are not runs (., hidden, other names)', async () => {
    const runsDir = tempDir();
    writeStoredRun(runsDir, RUN, '/ws');
    writeStoredRun(runsDir, 'not-a-run', '/ws');
    writeStoredRun(runsDir, '.hidden', '/ws');
    assert.deepEqual((await new RunStore(runsDir).list()).map((s) => s.runId), [RUN]);
    assert.deepEqual(await new RunStore(runsDir).runIds(), [RUN]);
  });
});
