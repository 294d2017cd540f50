import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DiffPrior } from '../../src/core/prm/diffPrior';
import { LearnedPrm } from '../../src/core/prm/learnedPrm';
import { prmFromPrior, readPrmPrior, shippedPrmPriorFile, trainPrmPrior, type PrmRecord } from '../../src/core/prm/prmPrior';
import { PrmStore } from '../../src/core/prm/prmStore';
import type { PrmInput } from '../../src/core/prm/types';

const PARENT = 'def f(x):\n    a = 1.0 * x\n    b = a + 2.0\n    return b * 3.0\n';
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'genesis-prm-prior-'));
  dirs.push(dir);
  return dir;
}

function input(childCode: string, overrides: Partial<PrmInput> = {}): PrmInput {
  return { language: 'python', parentCode: PARENT, childCode, newSyntaxIssues: 0, mutationKind: 'literal-tune', model: 'offline', parentRank: 0, parentDepth: 1, ...overrides };
}

/** Records where adding a `min(` call always helps and adding a `max(` call never does. */
function separableRecords(task: string): PrmRecord[] {
  const records: PrmRecord[] = [];
  for (let i = 0; i < 60; i++) {
    const good = i % 2 === 0;
    const child = PARENT.replace('return b * 3.0', good ? `return min(b * 3.0, ${i}.5)` : `return max(b * 3.0, ${i}.5)`);
    records.push({ task, input: input(child, { mutationKind: 'search-replace', model: 'stand-in' }), outcome: { improved: good, delta: good ? 0.1 : -0.1 } });
  }
  return records;
}

describe('the PRM prior', () => {
  it('trains on records and ranks what helped elsewhere above what did not, on a child it never saw', async () => {
    const prior = await trainPrmPrior([...separableRecords('a'), ...separableRecords('b')]);
    assert.deepEqual(prior.prior.tasks, ['a', 'b']);
    assert.equal(prior.prior.records, 120);
    const prm = prmFromPrior(prior);
    const helps = await prm.score(input(PARENT.replace('return b * 3.0', 'return min(b * 3.0, 99.25)'), { mutationKind: 'search-replace', model: 'stand-in' }));
    const hurts = await prm.score(input(PARENT.replace('return b * 3.0', 'return max(b * 3.0, 99.25)'), { mutationKind: 'search-replace', model: 'stand-in' }));
    assert.ok(helps > hurts + 0.2, `min ${helps} > max ${hurts}`);
    // A fresh model cannot tell them apart: the difference is what the prior learned.
    const fresh = new LearnedPrm();
    assert.ok(Math.abs((await fresh.score(input(PARENT.replace('return b * 3.0', 'return min(b * 3.0, 99.25)')))) - (await fresh.score(input(PARENT.replace('return b * 3.0', 'return max(b * 3.0, 99.25)'))))) < 0.05);
  });

  it('keeps learning online from the prior (its AdaGrad memory is scaled down)', async () => {
    const prior = await trainPrmPrior(separableRecords('a'));
    const prm = prmFromPrior(prior);
    const child = input(PARENT.replace('return b * 3.0', 'return min(b * 3.0, 7.5)'), { mutationKind: 'search-replace', model: 'stand-in' });
    const before = await prm.score(child);
    for (let i = 0; i < 8; i++) {
      const again = { ...child };
      await prm.score(again);
      prm.learn(again, { improved: false, delta: -1 });
    }
    assert.ok((await prm.score({ ...child })) < before - 0.1, 'the new workspace overrides what the prior believed');
  });

  it('a missing, damaged or foreign prior file falls back to the heuristic prior with a clear warning', async () => {
    const dir = scratch();
    const missing = readPrmPrior(join(dir, 'nope.json'));
    assert.equal(missing.prior, undefined);
    assert.match(missing.warning ?? '', /cannot read the PRM prior .*nope\.json \(ENOENT\); the built-in heuristic prior is used instead/);
    const damaged = join(dir, 'damaged.json');
    writeFileSync(damaged, '{"format": "genesis-learned-prm", "vers');
    assert.match(readPrmPrior(damaged).warning ?? '', /damaged\.json is not valid JSON \(damaged\?\); the built-in heuristic prior is used instead/);
    const foreign = join(dir, 'foreign.json');
    writeFileSync(foreign, JSON.stringify({ format: 'something-else' }));
    assert.match(readPrmPrior(foreign).warning ?? '', /foreign\.json is not usable: not a saved Genesis PRM/);
    assert.match(readPrmPrior(undefined).warning ?? '', /no shipped PRM prior \(prm-prior\.json\) was found/);

    // Through the store, as a run loads it: the heuristic prior, and the warning to log.
    const store = new PrmStore(join(dir, 'prm'), { priorFile: damaged });
    const loaded = await store.load('python3 evaluate.py');
    assert.equal(loaded.fromPrior, false);
    assert.equal(loaded.warm, false);
    assert.match(loaded.warning ?? '', /not valid JSON/);
    const child = input(PARENT.replace('2.0', '2.1'));
    assert.equal(await loaded.prm.score(child), new DiffPrior().score(child), 'no data: the heuristic (DiffPrior) score');
  });

  it('a new workspace starts from the prior; a workspace with a saved model keeps its own', async () => {
    const dir = scratch();
    const priorFile = join(dir, 'prm-prior.json');
    writeFileSync(priorFile, JSON.stringify(await trainPrmPrior(separableRecords('a'))));
    const store = new PrmStore(join(dir, 'prm'), { priorFile });
    const first = await store.load('node evaluate.mjs');
    assert.equal(first.fromPrior, true);
    assert.equal(first.warning, undefined);
    const own = new LearnedPrm();
    const i = input(PARENT.replace('2.0', '2.1'));
    await own.score(i);
    own.learn(i, { improved: true, delta: 1 });
    await store.save('node evaluate.mjs', own);
    const second = await store.load('node evaluate.mjs');
    assert.equal(second.fromPrior, false);
    assert.equal(second.warm, true);
    assert.equal(second.prm.outcomes, 1);
  });

  it('the shipped prior is found from the sources, loads without a warning and is small', () => {
    const file = shippedPrmPriorFile();
    assert.ok(file, 'media/prm-prior.json exists (npm run prm:prior builds it)');
    const loaded = readPrmPrior(file);
    assert.equal(loaded.warning, undefined);
    assert.ok((loaded.prior?.prior.tasks.length ?? 0) >= 5, `trained on several tasks: ${loaded.prior?.prior.tasks}`);
    assert.ok(statSync(file).size < 400 * 1024, `${statSync(file).size} bytes`);
    assert.ok(readFileSync(join(__dirname, '..', '..', '.vscodeignore'), 'utf8').includes('!media/prm-prior.json'), 'packaged in the VSIX');
  });
});
