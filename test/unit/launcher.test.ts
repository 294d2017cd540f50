// The evaluation launcher (a helper Node process that starts evaluator processes) and its client,
// with real processes: limits, cancellation, a launcher that dies, dispose, a parent that dies.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LauncherClient } from '../../src/core/evaluate/launcher/launcherClient';
import { lineSplitter } from '../../src/core/evaluate/launcher/protocol';
import { commandArgv } from '../../src/core/evaluate/processRunner';
import { alive, delay, kill, killAll, processesWith, waitUntil } from './processes';

const repoRoot = resolve(__dirname, '../..');
const tsxLoader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const parentThatDies = join(repoRoot, 'test/fixtures/launcher/parentThatDies.ts');
const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
const cwd = tmpdir();
const clients: LauncherClient[] = [];

function client(baseEnv: Record<string, string> = env): LauncherClient {
  const created = new LauncherClient(baseEnv);
  clients.push(created);
  return created;
}

after(() => {
  for (const c of clients) c.dispose();
});


// Starting a launcher (node over the TypeScript sources) took over 5 s on a 2-core machine
// loaded eight times over: waits for something to start, and each test's limit, allow for that;
// how fast things are killed is still checked tightly.
const START_WAIT_MS = 20_000;
const TEST_LIMIT_MS = 60_000;

describe('launcher protocol', () => {
  it('splits lines across chunks and keeps a multi-byte character split between buffers whole', () => {
    const lines: string[] = [];
    const feed = lineSplitter((line) => lines.push(line));
    feed(Buffer.from('ab'));
    feed(Buffer.from('c\nde'));
    feed(Buffer.from('f\n\ng'));
    assert.deepEqual(lines, ['abc', 'def']);
    feed(Buffer.from('\n'));
    assert.deepEqual(lines, ['abc', 'def', 'g']);

    const euro = Buffer.from('x€y\n'); // € is e2 82 ac
    feed(euro.subarray(0, 2));
    feed(euro.subarray(2));
    const emoji = Buffer.from('{"s":"😀"}\n'); // 4 bytes, cut into three pieces
    feed(emoji.subarray(0, 7));
    feed(emoji.subarray(7, 9));
    feed(emoji.subarray(9));
    assert.deepEqual(lines.slice(3), ['x€y', '{"s":"😀"}']);
  });
});

describe('launcher client', () => {
  const shared = client();

  it('runs through the launcher: exit code, tails, base environment plus the run’s own', { timeout: TEST_LIMIT_MS }, async () => {
    const base = client({ PATH: env.PATH ?? '/usr/bin:/bin', GENESIS_BASE: 'base', GENESIS_SHARED: 'from-base' });
    const printed = await base.run(['/usr/bin/env'], { cwd, env: { GENESIS_SHARED: 'from-run', GENESIS_OWN: 'own' }, timeoutMs: 10_000 });
    assert.equal(printed.spawnError, undefined);
    assert.equal(printed.exitCode, 0);
    const seen = Object.fromEntries(printed.stdoutTail.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    // Exactly base + own: nothing of the launcher's own environment (ELECTRON_RUN_AS_NODE) leaks in.
    assert.deepEqual(seen, { PATH: env.PATH ?? '/usr/bin:/bin', GENESIS_BASE: 'base', GENESIS_SHARED: 'from-run', GENESIS_OWN: 'own' });

    const pid = base.launcherPid;
    assert.ok(pid !== undefined && pid !== process.pid, `launcher pid ${pid}`);
    assert.equal(base.usesLauncher, true);

    const outcome = await base.run(['/bin/sh', '-c', 'printf abcdefghijklmnop; printf "err\\n" >&2; exit 3'], { cwd, env: {}, timeoutMs: 10_000, tailBytes: 8 });
    assert.equal(outcome.exitCode, 3);
    assert.equal(outcome.signal, null);
    assert.equal(outcome.timedOut, false);
    assert.equal(outcome.cancelled, false);
    assert.equal(outcome.spawnError, undefined);
    assert.equal(outcome.stdoutTail, 'ijklmnop');
    assert.equal(outcome.stdoutBytes, 16);
    assert.equal(outcome.stderrTail, 'err\n');
    assert.equal(outcome.stderrBytes, 4);
    // The same long-lived launcher served both runs.
    assert.equal(base.launcherPid, pid);
  });

  it('kills the whole process group on timeout and settles fast', { timeout: TEST_LIMIT_MS }, async () => {
    const marker = 'sleep 1000.611';
    try {
      const outcome = await shared.run(['/bin/sh', '-c', `${marker} & ${marker}`], { cwd, env: {}, timeoutMs: 800 });
      assert.equal(outcome.timedOut, true);
      assert.equal(outcome.cancelled, false);
      assert.equal(outcome.spawnError, undefined);
      // From the spawn, not the wall clock: the first run also waits for the launcher to start.
      assert.ok(outcome.durationMs < 3000, `settled after ${outcome.durationMs} ms`);
      assert.ok(await waitUntil(() => processesWith(marker).length === 0, 1000), `left: ${processesWith(marker).join(' ')}`);
    } finally {
      killAll(marker);
    }
  });

  it('cancels through the AbortSignal', { timeout: TEST_LIMIT_MS }, async () => {
    const marker = 'sleep 1000.613';
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const outcome = await shared.run(marker.split(' '), { cwd, env: {}, timeoutMs: 30_000, signal: controller.signal });
      assert.equal(outcome.cancelled, true);
      assert.equal(outcome.timedOut, false);
      assert.ok(outcome.durationMs < 2000, `settled after ${outcome.durationMs} ms`);
      assert.ok(await waitUntil(() => processesWith(marker).length === 0, 1000), `left: ${processesWith(marker).join(' ')}`);

      const already = new AbortController();
      already.abort();
      const early = await shared.run(marker.split(' '), { cwd, env: {}, timeoutMs: 30_000, signal: already.signal });
      assert.equal(early.cancelled, true);
      assert.ok(await waitUntil(() => processesWith(marker).length === 0, 1000), `left: ${processesWith(marker).join(' ')}`);
    } finally {
      killAll(marker);
    }
  });

  it('a launcher killed mid-run fails that run, its process dies, the next run gets a new launcher', { timeout: TEST_LIMIT_MS }, async () => {
    const marker = 'sleep 1000.617';
    const c = client();
    try {
      const pending = c.run(marker.split(' '), { cwd, env: {}, timeoutMs: 30_000 });
      assert.ok(await waitUntil(() => processesWith(marker).length > 0, START_WAIT_MS), 'the sleep never started');
      // Let the client read the launcher's `started` reply (the pid it kills if the launcher dies).
      await delay(100);
      const first = c.launcherPid;
      assert.ok(first !== undefined);
      process.kill(first, 'SIGKILL');
      const outcome = await pending;
      assert.match(outcome.interrupted ?? '', /evaluation launcher exited/);
      assert.equal(outcome.exitCode, null);
      assert.ok(await waitUntil(() => processesWith(marker).length === 0, 2000), `left: ${processesWith(marker).join(' ')}`);

      const again = await c.run(['/bin/sh', '-c', 'echo again'], { cwd, env: {}, timeoutMs: 10_000 });
      assert.equal(again.spawnError, undefined);
      assert.equal(again.exitCode, 0);
      assert.equal(again.stdoutTail, 'again\n');
      assert.equal(c.usesLauncher, true);
      assert.ok(c.launcherPid !== undefined && c.launcherPid !== first, `new launcher ${c.launcherPid}, old ${first}`);
    } finally {
      killAll(marker);
    }
  });

  it('dispose ends a run in flight, stops the launcher, and later runs spawn in this process', { timeout: TEST_LIMIT_MS }, async () => {
    const marker = 'sleep 1000.619';
    const c = client({ ...env, GENESIS_BASE: 'base' });
    let launcherPid: number | undefined;
    try {
      const pending = c.run(marker.split(' '), { cwd, env: {}, timeoutMs: 30_000 });
      assert.ok(await waitUntil(() => processesWith(marker).length > 0, START_WAIT_MS), 'the sleep never started');
      await delay(100);
      launcherPid = c.launcherPid;
      assert.ok(launcherPid !== undefined);
      c.dispose();
      const outcome = await pending;
      assert.ok(outcome.interrupted, JSON.stringify(outcome));
      assert.ok(await waitUntil(() => processesWith(marker).length === 0, 2000), `left: ${processesWith(marker).join(' ')}`);
      const gone = launcherPid;
      assert.ok(await waitUntil(() => !alive(gone), 2000), 'the launcher still runs after dispose');
      assert.equal(c.usesLauncher, false);
      assert.equal(c.launcherPid, undefined);

      const later = await c.run(['/bin/sh', '-c', 'echo "$GENESIS_BASE $GENESIS_OWN"'], { cwd, env: { GENESIS_OWN: 'own' }, timeoutMs: 10_000 });
      assert.equal(later.spawnError, undefined);
      assert.equal(later.exitCode, 0);
      assert.equal(later.stdoutTail, 'base own\n');
      assert.equal(c.launcherPid, undefined);
    } finally {
      killAll(marker);
      kill(launcherPid);
    }
  });

  it('a launcher slow to start (a loaded machine) does not turn a short run into a timeout', { timeout: TEST_LIMIT_MS }, async () => {
    // Starts the real launcher 11 s late: past a 300 ms run's limit, kill grace and the 10 s margin
    // for a launcher that stopped answering, which used to count from the request, not the start.
    const dir = mkdtempSync(join(tmpdir(), 'genesis-slow-launcher-'));
    const slow = join(dir, 'slowLauncher.mjs');
    writeFileSync(slow, `await new Promise((r) => setTimeout(r, 11_000));\nawait import(${JSON.stringify(pathToFileURL(join(repoRoot, 'src/core/evaluate/launcher/launcherProcess.ts')).href)});\n`);
    try {
      const late = new LauncherClient(env, { args: ['--import', tsxLoader, slow], cwd: repoRoot });
      clients.push(late);
      const outcome = await late.run(['/bin/sh', '-c', 'echo ran'], { cwd, env: {}, timeoutMs: 300, killGraceMs: 100 });
      assert.equal(outcome.timedOut, false, outcome.spawnError);
      assert.equal(outcome.exitCode, 0);
      assert.equal(outcome.stdoutTail, 'ran\n');
      assert.equal(late.usesLauncher, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a launcher that cannot start loses no run: its runs are run in this process, then it is not tried again', { timeout: TEST_LIMIT_MS }, async () => {
    const broken = new LauncherClient({ ...env, GENESIS_BASE: 'base' }, { args: [join(repoRoot, 'no-such-launcher.js')], cwd });
    clients.push(broken);
    const outcomes = await Promise.all(
      ['1', '2', '3'].map((n) => broken.run(['/bin/sh', '-c', 'echo "$GENESIS_BASE $N"'], { cwd, env: { N: n }, timeoutMs: 10_000 })),
    );
    assert.deepEqual(
      outcomes.map((o) => [o.spawnError, o.exitCode, o.stdoutTail]),
      [
        [undefined, 0, 'base 1\n'],
        [undefined, 0, 'base 2\n'],
        [undefined, 0, 'base 3\n'],
      ],
    );
    const again = await broken.run(['/bin/sh', '-c', 'echo "$GENESIS_BASE"'], { cwd, env: {}, timeoutMs: 10_000 });
    assert.equal(again.stdoutTail, 'base\n');
    assert.equal(broken.usesLauncher, false, 'a second broken start should turn the launcher off');
    assert.equal(broken.launcherPid, undefined);
  });

  it('warm starts: a waiting process gets its id on go, a discarded or orphaned one dies', { timeout: TEST_LIMIT_MS }, async () => {
    const c = client();
    const argv = commandArgv({ command: 'echo "id=$GENESIS_EVALUATION_ID stdin=$(cat | wc -c)"', waitForEvaluationId: true });
    const warm = c.startWarm(argv, { cwd, env: {} });
    const outcome = await warm.go('abc 1', { timeoutMs: 10_000 });
    assert.equal(outcome?.exitCode, 0);
    assert.equal(outcome?.stdoutTail, 'id=abc 1 stdin=0\n');

    const marker = 'sleep 1000.631';
    const waitingArgv = commandArgv({ command: marker, waitForEvaluationId: true });
    const waitingShells = () => execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(marker));
    const discarded = c.startWarm(waitingArgv, { cwd, env: {} });
    assert.ok(await waitUntil(() => waitingShells().length === 1, START_WAIT_MS), 'the warm start never appeared');
    discarded.discard();
    assert.ok(await waitUntil(() => waitingShells().length === 0, 2000), 'a discarded warm start still waits');
    assert.equal(await discarded.go('late', { timeoutMs: 1000 }), undefined);

    const orphaned = c.startWarm(waitingArgv, { cwd, env: {} });
    assert.ok(await waitUntil(() => waitingShells().length === 1, START_WAIT_MS), 'the warm start never appeared');
    await delay(100);
    kill(c.launcherPid);
    assert.ok(await waitUntil(() => waitingShells().length === 0, 2000), 'a warm start outlived its launcher');
    assert.ok(await waitUntil(() => c.launcherPid === undefined, 2000), 'the launcher’s exit was not noticed');
    assert.equal(await orphaned.go('late', { timeoutMs: 1000 }), undefined);
    const fresh = await c.run(['/bin/sh', '-c', 'echo fresh'], { cwd, env: {}, timeoutMs: 10_000 });
    assert.equal(fresh.stdoutTail, 'fresh\n');
  });

  it('nothing outlives a parent that is SIGKILLed: the launcher kills its runs and exits', { timeout: TEST_LIMIT_MS }, async () => {
    const marker = 'sleep 1000.623';
    const parent = spawn(process.execPath, ['--import', tsxLoader, parentThatDies, marker.split(' ')[1]], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    parent.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((done) => parent.once('exit', () => done()));
    let launcherPid: number | undefined;
    try {
      launcherPid = await new Promise<number>((done, fail) => {
        parent.stdout.on(
          'data',
          lineSplitter((line) => {
            const match = /^started (\d+)$/.exec(line);
            if (match) done(Number(match[1]));
          }),
        );
        parent.once('exit', (code, signal) => fail(new Error(`fixture exited (${signal ?? code}) before it started: ${stderr}`)));
      });
      assert.ok(launcherPid !== parent.pid && alive(launcherPid), `launcher ${launcherPid}`);
      assert.notDeepEqual(processesWith(marker), [], 'the sleep is not running');

      parent.kill('SIGKILL');
      await exited;
      const launcher = launcherPid;
      const clean = await waitUntil(() => processesWith(marker).length === 0 && !alive(launcher), 3000);
      assert.ok(clean, `left: sleep ${processesWith(marker).join(' ')}, launcher alive: ${alive(launcher)}`);
    } finally {
      parent.kill('SIGKILL');
      killAll(marker);
      kill(launcherPid);
    }
  });
});
