// One writer per run: the lock file, who holds it, stale locks, other hosts, and two resumes of
// one run at once through the session (one is refused, nothing is evaluated twice).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { devWasmPaths, TreeSitterService } from '../../src/core/lang/treeSitter';
import { resumeRun } from '../../src/core/session';
import { acquireRunLock, LOCK_FILE, RunLockedError, runLockHolder } from '../../src/core/store/runLock';
import { RunStore } from '../../src/core/store/runStore';
import { writeStoredRun } from './storedRuns';

const repo = join(__dirname, '..', '..');
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'genesis-lock-'));
  dirs.push(dir);
  return dir;
}

const RUN = '20261204-130000-10c4';

/** /proc/PID/stat field 22, as the lock records it. */
function processStart(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

describe('run writer lock', () => {
  it('is exclusive: a second writer is told which process, host and since when, and the lock file is left alone', () => {
    const dir = tempDir();
    const lock = acquireRunLock(dir, RUN);
    const body = readFileSync(join(dir, LOCK_FILE), 'utf8');
    const holder = JSON.parse(body) as { pid: number; host: string; since: number };
    assert.equal(holder.pid, process.pid);
    assert.equal(holder.host, hostname());
    assert.throws(
      () => acquireRunLock(dir, RUN),
      (error: Error) => error instanceof RunLockedError && new RegExp(`^run ${RUN} is being written by process ${process.pid} \\(host ${hostname()}, since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\)`).test(error.message),
    );
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), body, 'the refused writer changed nothing');
    lock.release();
    assert.equal(existsSync(join(dir, LOCK_FILE)), false);
    lock.release(); // idempotent
    acquireRunLock(dir, RUN).release();
  });

  it('respects a lock held by another live process on this host', async () => {
    const dir = tempDir();
    const sleeper = spawn('sleep', ['30']);
    try {
      await new Promise((resolve) => sleeper.once('spawn', resolve));
      const pid = sleeper.pid as number;
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), since: Date.now(), processStart: processStart(pid) }));
      assert.throws(() => acquireRunLock(dir, RUN), new RegExp(`being written by process ${pid}`));
      assert.equal(runLockHolder(dir)?.pid, pid);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('takes over a stale lock: its holder died, or its pid now belongs to another process', () => {
    const dir = tempDir();
    const dead = spawnSync('true').pid as number;
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), since: Date.now() - 60_000 }));
    assert.equal(runLockHolder(dir), undefined, 'a dead holder does not count');
    const lock = acquireRunLock(dir, RUN);
    assert.equal((JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid: number }).pid, process.pid);
    lock.release();
    // pid 1 lives, but it is not the process that took the lock (another start time).
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: hostname(), since: Date.now(), processStart: '1' }));
    acquireRunLock(dir, RUN).release();
    // A leftover with our own pid that this process never took (a pid reused after a container restart).
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), since: Date.now() - 1 }));
    acquireRunLock(dir, RUN).release();
  });

  it('respects a lock from another host and says how to clear it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 4242, host: 'gpu-node-7', since: Date.now() }));
    assert.throws(() => acquireRunLock(dir, RUN), /being written by process 4242 \(host gpu-node-7, since .*\); that host cannot be checked from here: .*delete .*writer\.lock/);
  });

  it('release never removes a lock that someone else holds now', () => {
    const dir = tempDir();
    const lock = acquireRunLock(dir, RUN);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 4242, host: 'elsewhere', since: Date.now() }));
    lock.release();
    assert.ok(existsSync(join(dir, LOCK_FILE)));
  });

  it('goes with the process when it exits (Ctrl+C, process.exit, an uncaught error)', () => {
    const dir = tempDir();
    const loader = pathToFileURL(join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const script = join(dir, 'holder.ts');
    writeFileSync(
      script,
      `import { acquireRunLock } from ${JSON.stringify(join(repo, 'src', 'core', 'store', 'runLock.ts'))};\n` +
        `acquireRunLock(${JSON.stringify(dir)}, 'r');\nprocess.on('SIGINT', () => process.exit(130));\nprocess.stdout.write('held\\n');\nsetTimeout(() => { throw new Error('boom'); }, 50);\n`,
    );
    const result = spawnSync(process.execPath, ['--import', loader, script], { encoding: 'utf8' });
    assert.match(result.stdout, /held/);
    assert.notEqual(result.status, 0);
    assert.equal(existsSync(join(dir, LOCK_FILE)), false, 'released on exit');
  });

  it('RunStore.delete refuses a run another live process is writing', async () => {
    const runsDir = tempDir();
    writeStoredRun(runsDir, RUN, '/ws');
    writeFileSync(join(runsDir, RUN, LOCK_FILE), JSON.stringify({ pid: 1, host: hostname(), since: Date.now() }));
    await assert.rejects(new RunStore(runsDir).delete(RUN), /being written by process 1/);
    assert.ok(existsSync(join(runsDir, RUN, 'events.jsonl')));
  });
});

describe('two resumes of one run at once', () => {
  it('one is refused before it reads or writes anything; the other finishes; nothing is evaluated twice', async () => {
    const ws = tempDir();
    cpSync(join(repo, 'evaluators', 'python', 'example'), ws, { recursive: true });
    const runsDir = join(ws, '.genesis', 'runs');
    mkdirSync(runsDir, { recursive: true });
    const fileText = readFileSync(join(ws, 'approx.py'), 'utf8');
    const treeSitter = new TreeSitterService(devWasmPaths(repo));
    try {
      const location = await treeSitter.findFunctionByName(fileText, 'python', 'approx_exp');
      assert.ok(location);
      const runId = '20261204-130000-0001';
      writeStoredRun(runsDir, runId, ws, { config: { budget: 3, concurrency: 2 }, fileText: fileText.replace(location.text, 'def approx_exp(x):\n    return 1.0 + 0.9 * x') });
      const options = { runId, runsDir, treeSitter, sandbox: 'none' as const };
      const results = await Promise.allSettled([resumeRun(options), resumeRun(options)]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1, 'exactly one writer');
      assert.equal(refused.length, 1);
      assert.match(String((refused[0].reason as Error).message), new RegExp(`^run ${runId} is being written by process ${process.pid}`));
      const summary = await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof resumeRun>>>).value.run.done;
      assert.equal(summary.status, 'completed');
      assert.equal(summary.evaluations, 3);
      const log = readFileSync(join(runsDir, runId, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; node?: { id: string; status: string } });
      assert.equal(log.filter((e) => e.type === 'run-resumed').length, 1, 'one resume recorded');
      const done = log.filter((e) => e.type === 'node-updated' && e.node?.status === 'done').map((e) => e.node?.id);
      assert.equal(new Set(done).size, done.length, `each node done once: ${done.join(',')}`);
      assert.equal(existsSync(join(runsDir, runId, LOCK_FILE)), false, 'the lock is released when the run ends');
    } finally {
      treeSitter.dispose();
    }
  });
});
