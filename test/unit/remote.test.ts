// Remote runners against real servers on 127.0.0.1: OpenSSH's sshd and a one-node Slurm cluster,
// started by test/harness/remoteServers.mjs (skipped, with the reason, when their binaries are missing).
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { checkHostKey, hostPatternsMatch, parseKnownHosts } from '../../src/core/evaluate/remote/knownHosts';
import { SlurmEvaluator, type SlurmEvaluatorOptions } from '../../src/core/evaluate/remote/slurmEvaluator';
import { SshConnection, SshConnectionPool } from '../../src/core/evaluate/remote/sshConnection';
import { SshEvaluator, type SshEvaluatorOptions } from '../../src/core/evaluate/remote/sshEvaluator';
import type { EvaluationRequest } from '../../src/core/types';

const run = promisify(execFile);

interface SshdServer {
  host: string;
  port: number;
  user: string;
  privateKeyPath: string;
  knownHostsPath: string;
  hostKeyLine: string;
  dir: string;
  killConnections(): number;
  restart(): Promise<void>;
  stop(): Promise<void>;
}
interface SlurmCluster {
  env: Record<string, string>;
  dir: string;
  stop(): Promise<void>;
}
interface RemoteHarness {
  sshdMissing(): string | undefined;
  slurmMissing(): string | undefined;
  startSshd(): Promise<SshdServer>;
  startSlurm(): Promise<SlurmCluster>;
}

// The harness is plain ESM (no build step); this file compiles to CommonJS, hence import().
const harnessPath = '../harness/remoteServers.mjs';
const loadHarness = () => import(harnessPath) as Promise<RemoteHarness>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The evaluator the tests upload: scores the candidate's `value()`; its mode comes from argv. */
const EVALUATE_PY = `
import json, os, sys, importlib.util
mode = sys.argv[1] if len(sys.argv) > 1 else 'file'
spec = importlib.util.spec_from_file_location('candidate', os.environ['GENESIS_CANDIDATE_FILE'])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
score = float(getattr(module, os.environ['GENESIS_FUNCTION'])())
data = open(os.path.join(os.environ['GENESIS_WORKDIR'], 'data', 'weight.txt')).read().strip()
result = {'score': score * float(data), 'correct': True, 'metrics': {'weight': float(data)},
          'feedback': 'lang=%s id=%s' % (os.environ['GENESIS_LANGUAGE'], os.environ['GENESIS_EVALUATION_ID'])}
if mode == 'stdout':
    print('some log line')
    print(json.dumps(result))
else:
    with open(os.environ['GENESIS_RESULT'], 'w') as f:
        json.dump(result, f)
`;

function makeSetupDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'genesis-remote-setup-'));
  writeFileSync(join(dir, 'evaluate.py'), EVALUATE_PY);
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'weight.txt'), '2\n');
  return dir;
}

let requestCounter = 0;
function request(value = 21): EvaluationRequest {
  requestCounter++;
  return {
    candidateFileText: `def value():\n    return ${value}\n`,
    relativePath: 'src/pkg/candidate.py',
    functionName: 'value',
    language: 'python',
    evaluationId: `node-${requestCounter}`,
  };
}

const never = () => new AbortController().signal;

/** Lines in a marker file that evaluator commands append to (same machine, so readable here). */
function markerLines(path: string): number {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).length : 0;
}

async function waitUntil(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('known_hosts', () => {
  const blob = (type: string, body: string) => {
    const t = Buffer.from(type);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(t.length);
    return Buffer.concat([len, t, Buffer.from(body)]);
  };
  const key = blob('ssh-ed25519', 'key-one');
  const other = blob('ssh-ed25519', 'key-two');

  it('matches plain, [host]:port, wildcard, negated and hashed names', () => {
    assert.equal(hostPatternsMatch('example.org,10.0.0.1', 'example.org'), true);
    assert.equal(hostPatternsMatch('[127.0.0.1]:2222', '[127.0.0.1]:2222'), true);
    assert.equal(hostPatternsMatch('127.0.0.1', '[127.0.0.1]:2222'), false);
    assert.equal(hostPatternsMatch('*.cluster.org,!bad.cluster.org', 'login.cluster.org'), true);
    assert.equal(hostPatternsMatch('*.cluster.org,!bad.cluster.org', 'bad.cluster.org'), false);
    // The `ssh-keygen -H` form: |1|base64(salt)|base64(HMAC-SHA1(salt, name)); a real file is checked against sshd below.
    const salt = Buffer.from('0123456789abcdefghij');
    const hash = createHmac('sha1', salt).update('[127.0.0.1]:2222').digest('base64');
    assert.equal(hostPatternsMatch(`|1|${salt.toString('base64')}|${hash}`, '[127.0.0.1]:2222'), true);
    assert.equal(hostPatternsMatch(`|1|${salt.toString('base64')}|${hash}`, '[127.0.0.1]:2223'), false);
  });

  it('says unknown, mismatch or revoked', () => {
    const text = `# comment\n[h]:2222 ssh-ed25519 ${key.toString('base64')}\n@revoked * ssh-ed25519 ${other.toString('base64')}\n`;
    const entries = parseKnownHosts(text);
    assert.equal(entries.length, 2);
    assert.deepEqual(checkHostKey(entries, 'h', 2222, key, 'kh'), { ok: true });
    const unknown = checkHostKey(entries, 'h', 2223, key, 'kh');
    assert.ok(!unknown.ok && unknown.kind === 'unknown' && unknown.message.startsWith('host key for [h]:2223 not in known_hosts'));
    const changed = checkHostKey(parseKnownHosts(`[h]:2222 ssh-ed25519 ${key.toString('base64')}`), 'h', 2222, other, 'kh');
    assert.ok(!changed.ok && changed.kind === 'mismatch' && changed.message.startsWith('HOST KEY MISMATCH for [h]:2222'));
    const revoked = checkHostKey(entries, 'h', 2222, other, 'kh');
    assert.ok(!revoked.ok && revoked.kind === 'revoked');
  });
});

describe('SshEvaluator against a real sshd', async () => {
  const harness = await loadHarness();
  const missing = harness.sshdMissing();
  if (missing) {
    it(`skipped: ${missing}`, { skip: missing }, () => undefined);
    return;
  }
  let sshd: SshdServer;
  let setupDir: string;
  let scratch: string;
  let remoteRoot: string;
  const pool = new SshConnectionPool();
  const evaluators: SshEvaluator[] = [];

  before(async () => {
    sshd = await harness.startSshd();
    setupDir = makeSetupDir();
    scratch = mkdtempSync(join(tmpdir(), 'genesis-remote-scratch-'));
    remoteRoot = join(scratch, 'remote-root');
  });
  after(async () => {
    for (const e of evaluators) await e.dispose().catch(() => undefined);
    await sshd?.stop();
    rmSync(setupDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  const evaluator = (overrides: Partial<SshEvaluatorOptions>) => {
    const e = new SshEvaluator({
      host: sshd.host,
      port: sshd.port,
      user: sshd.user,
      privateKeyPath: sshd.privateKeyPath,
      knownHostsPath: sshd.knownHostsPath,
      remoteWorkRoot: remoteRoot,
      setupDir,
      command: 'python3 evaluate.py',
      timeoutSec: 20,
      pool,
      ...overrides,
    });
    evaluators.push(e);
    return e;
  };

  /** Remote processes whose command line matches `pattern` (pgrep over ssh). */
  const remotePids = async (pattern: string) => {
    const connection = new SshConnection({ host: sshd.host, port: sshd.port, user: sshd.user, privateKeyPath: sshd.privateKeyPath, knownHostsPath: sshd.knownHostsPath });
    try {
      const outcome = await connection.run(`pgrep -f ${JSON.stringify(pattern)} || true`);
      return outcome.stdoutTail.split('\n').filter(Boolean);
    } finally {
      await connection.close();
    }
  };

  it('evaluates a candidate: setup files uploaded once, result file and stdout JSON, work dirs removed', async () => {
    const e = evaluator({});
    const t0 = Date.now();
    const first = await e.evaluate(request(21), never());
    const firstMs = Date.now() - t0;
    assert.equal(first.status, 'ok', first.reason);
    assert.equal(first.score, 42);
    assert.deepEqual(first.metrics, { weight: 2 });
    assert.match(first.feedback, /^lang=python id=node-\d+$/);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = Date.now();
      const again = await e.evaluate(request(5), never());
      times.push(Date.now() - t);
      assert.equal(again.score, 10);
    }
    const viaStdout = await evaluator({ command: 'python3 evaluate.py stdout' }).evaluate(request(1), never());
    assert.equal(viaStdout.status, 'ok', viaStdout.reason);
    assert.equal(viaStdout.score, 2);
    assert.match(viaStdout.stdoutTail, /some log line/);
    // Only the setup dir is left in the session dir: every evaluation dir was removed.
    await e.settled();
    assert.deepEqual(readdirSync(e.sessionDir), ['setup']);
    console.log(`ssh evaluation: first ${firstMs} ms (connect + setup upload), then ${times.join(', ')} ms`);
    await e.dispose();
    assert.equal(existsSync(e.sessionDir), false, 'dispose removes the remote session dir');
  });

  it('reports a failing evaluator with its exit code and stderr tail', async () => {
    const e = evaluator({ command: `python3 -c "import sys; print('assertion failed: value() is wrong', file=sys.stderr); sys.exit(1)"` });
    const result = await e.evaluate(request(), never());
    assert.equal(result.status, 'error');
    assert.equal(result.reason, 'evaluator exited with code 1: assertion failed: value() is wrong');
    assert.match(result.feedback, /--- stderr \(last lines\) ---\nassertion failed/);
    await e.settled();
    assert.deepEqual(readdirSync(e.sessionDir), ['setup']);
  });

  it('validates the result JSON with the contract (correct: false → incorrect)', async () => {
    const e = evaluator({ command: `echo '{"score": 3, "correct": false, "feedback": "test_x failed"}'` });
    const result = await e.evaluate(request(), never());
    assert.equal(result.status, 'incorrect');
    assert.equal(result.reason, 'evaluator reported correct: false — test_x failed');
    assert.equal(result.metrics.reported_score, 3);
  });

  it('times out: the whole remote process group is killed and nothing is left running', async () => {
    const e = evaluator({ command: 'sleep 31.25 & sleep 32.25; echo \'{"score": 1}\'', timeoutSec: 1 });
    const t0 = Date.now();
    const result = await e.evaluate(request(), never());
    const elapsed = Date.now() - t0;
    assert.equal(result.status, 'timeout');
    assert.equal(result.reason, 'evaluator timed out after 1 s');
    assert.ok(elapsed < 5000, `took ${elapsed} ms`);
    assert.deepEqual(await remotePids('sleep 3[12].25'), []);
    await e.settled();
    assert.deepEqual(readdirSync(e.sessionDir), ['setup']);
  });

  it('cancels on abort: remote processes killed, status cancelled', async () => {
    const e = evaluator({ command: 'sleep 33.25 & sleep 34.25' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 700);
    const t0 = Date.now();
    const result = await e.evaluate(request(), controller.signal);
    assert.equal(result.status, 'cancelled');
    assert.ok(Date.now() - t0 < 4000);
    assert.deepEqual(await remotePids('sleep 3[34].25'), []);
  });

  it('kills an evaluator that prints too much', async () => {
    const e = evaluator({ command: 'yes genesis-output-flood', maxOutputBytes: 200_000 });
    const result = await e.evaluate(request(), never());
    assert.equal(result.status, 'error');
    assert.match(result.reason ?? '', /^output limit exceeded/);
    assert.deepEqual(await remotePids('yes genesis-output-floo[d]'), []);
  });

  it('refuses a host whose key is not in known_hosts, or differs from it', async () => {
    const emptyKnownHosts = join(scratch, 'known_hosts_empty');
    writeFileSync(emptyKnownHosts, '');
    const unknown = await evaluator({ knownHostsPath: emptyKnownHosts }).evaluate(request(), never());
    assert.equal(unknown.status, 'error');
    assert.match(unknown.reason ?? '', new RegExp(`^host key for \\[127\\.0\\.0\\.1\\]:${sshd.port} not in known_hosts`));

    const otherKey = join(scratch, 'other_host_key');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const wrongKnownHosts = join(scratch, 'known_hosts_wrong');
    const otherPub = readFileSync(`${otherKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(wrongKnownHosts, `[127.0.0.1]:${sshd.port} ${otherPub}\n`);
    const closedPort = async () => {
      // A port with nothing listening, but known in known_hosts so that the connect is attempted.
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      await new Promise((resolve) => server.close(resolve));
      writeFileSync(sshd.knownHostsPath, `${readFileSync(sshd.knownHostsPath, 'utf8')}[127.0.0.1]:${port} ${sshd.hostKeyLine.split(' ').slice(1).join(' ')}\n`);
      return port;
    };
    const mismatch = await evaluator({ knownHostsPath: wrongKnownHosts }).evaluate(request(), never());
    assert.equal(mismatch.status, 'error');
    assert.match(mismatch.reason ?? '', /^HOST KEY MISMATCH for \[127\.0\.0\.1\]:\d+/);

    const refused = await evaluator({ port: await closedPort() }).evaluate(request(), never());
    assert.equal(refused.status, 'error');
    assert.match(refused.reason ?? '', /^SSH connection to root@127\.0\.0\.1:\d+ failed: .*ECONNREFUSED/);

    // A hashed known_hosts (ssh-keygen -H) is accepted.
    const hashed = join(scratch, 'known_hosts_hashed');
    writeFileSync(hashed, `${sshd.hostKeyLine}\n`);
    spawnSync('ssh-keygen', ['-H', '-f', hashed], { stdio: 'ignore' });
    assert.match(readFileSync(hashed, 'utf8'), /^\|1\|/);
    const ok = await evaluator({ knownHostsPath: hashed }).evaluate(request(), never());
    assert.equal(ok.status, 'ok', ok.reason);
  });

  it('authenticates through ssh-agent', async () => {
    const socket = join(scratch, 'agent.sock');
    const agent = spawnSync('ssh-agent', ['-a', socket], { encoding: 'utf8' });
    const agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent.stdout)?.[1]);
    assert.ok(agentPid > 0, agent.stderr);
    try {
      const added = spawnSync('ssh-add', [sshd.privateKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, encoding: 'utf8' });
      assert.equal(added.status, 0, added.stderr);
      const e = evaluator({ privateKeyPath: undefined, useAgent: true, agentSocket: socket });
      const result = await e.evaluate(request(), never());
      assert.equal(result.status, 'ok', result.reason);
    } finally {
      process.kill(agentPid, 'SIGTERM');
    }
  });

  it('retries once when the connection drops mid-evaluation, and fails clearly when it drops twice', async () => {
    const marker = join(scratch, 'starts-once');
    const logs: string[] = [];
    // The first attempt would sleep long: the retry must kill it (the drop does not).
    const command = `echo start >> ${marker}; if [ $(wc -l < ${marker}) -eq 1 ]; then sleep 30.75; else sleep 0.5; fi; echo '{"score": 7}'`;
    const e = evaluator({ command, log: (_level, message) => logs.push(message), pool: new SshConnectionPool() });
    await e.prepare();
    const pending = e.evaluate(request(), never());
    await waitUntil('the evaluator to start', () => markerLines(marker) === 1);
    assert.ok(sshd.killConnections() > 0);
    const result = await pending;
    assert.equal(result.status, 'ok', result.reason);
    assert.equal(result.score, 7);
    assert.equal(e.retries, 1);
    assert.equal(markerLines(marker), 2);
    assert.match(logs.join('\n'), /dropped during evaluation node-\d+ .*retrying it once/);
    assert.deepEqual(await remotePids('sleep 30[.]75'), [], 'the dropped attempt was killed');

    const marker2 = join(scratch, 'starts-twice');
    const e2 = evaluator({ command: `echo start >> ${marker2}; sleep 31.75; echo '{"score": 7}'`, pool: new SshConnectionPool() });
    const pending2 = e2.evaluate(request(), never());
    await waitUntil('the first attempt', () => markerLines(marker2) === 1);
    sshd.killConnections();
    await waitUntil('the retry', () => markerLines(marker2) === 2);
    sshd.killConnections();
    const twice = await pending2;
    assert.equal(twice.status, 'error');
    assert.match(twice.reason ?? '', /^SSH connection to root@127\.0\.0\.1:\d+ dropped twice: /);
    await e2.dispose();
    assert.equal(existsSync(e2.sessionDir), false, 'dispose removes what the dropped attempts left');
    assert.deepEqual(await remotePids('sleep 31[.]75'), [], 'both dropped attempts were killed');
  });

  it('survives an sshd restart mid-evaluation', async () => {
    const marker = join(scratch, 'starts-restart');
    const e = evaluator({ command: `echo start >> ${marker}; sleep 1; echo '{"score": 8}'`, pool: new SshConnectionPool() });
    const pending = e.evaluate(request(), never());
    await waitUntil('the evaluator to start', () => markerLines(marker) === 1);
    await sshd.restart();
    const result = await pending;
    assert.equal(result.status, 'ok', result.reason);
    assert.equal(e.retries, 1);
  });
});

describe('SlurmEvaluator against a one-node Slurm cluster', async () => {
  const harness = await loadHarness();
  const missing = harness.slurmMissing();
  if (missing) {
    it(`skipped: ${missing}`, { skip: missing }, () => undefined);
    return;
  }
  let slurm: SlurmCluster;
  let setupDir: string;
  let scratch: string;
  const evaluators: SlurmEvaluator[] = [];

  before(async () => {
    slurm = await harness.startSlurm();
    setupDir = makeSetupDir();
    scratch = mkdtempSync(join(tmpdir(), 'genesis-slurm-scratch-'));
  });
  after(async () => {
    for (const e of evaluators) await e.dispose().catch(() => undefined);
    await slurm?.stop();
    rmSync(setupDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  const evaluator = (overrides: Partial<SlurmEvaluatorOptions>) => {
    const e = new SlurmEvaluator({
      command: 'python3 evaluate.py',
      workRoot: join(scratch, 'shared'),
      slurmEnv: slurm.env,
      setupDir,
      partition: 'debug',
      timeoutSec: 30,
      pollIntervalMs: 200,
      ...overrides,
    });
    evaluators.push(e);
    return e;
  };
  const slurmCommand = async (command: string, args: string[]) => (await run(command, args, { env: { ...process.env, ...slurm.env } })).stdout;
  const jobIdOf = (reason: string | undefined) => /Slurm job (\d+)/.exec(reason ?? '')?.[1] ?? '';

  it('runs a passing job and reads its result file', async () => {
    const e = evaluator({});
    const latencies: number[] = [];
    for (let i = 0; i < 2; i++) {
      const t = Date.now();
      const result = await e.evaluate(request(21), never());
      latencies.push(Date.now() - t);
      assert.equal(result.status, 'ok', result.reason);
      assert.equal(result.score, 42);
      assert.match(result.feedback, /^lang=python id=node-\d+$/);
    }
    const viaStdout = await evaluator({ command: 'python3 evaluate.py stdout' }).evaluate(request(3), never());
    assert.equal(viaStdout.score, 6, viaStdout.reason);
    assert.deepEqual(readdirSync(e.sessionDir), ['setup'], 'job dirs are removed');
    console.log(`slurm job round trip: ${latencies.join(', ')} ms`);
  });

  it('reports a failing job with its state, exit code and stderr', async () => {
    const result = await evaluator({ command: 'echo "bad input: x < 0" >&2; exit 3' }).evaluate(request(), never());
    assert.equal(result.status, 'error');
    assert.match(result.reason ?? '', /^Slurm job \d+ FAILED: evaluator exited with code 3: bad input: x < 0$/);
    assert.match(result.stderrTail, /bad input/);
  });

  it('scancels a job that runs past the timeout', async () => {
    const t0 = Date.now();
    const result = await evaluator({ command: 'sleep 35.5', timeoutSec: 2 }).evaluate(request(), never());
    assert.equal(result.status, 'timeout');
    assert.match(result.reason ?? '', /^Slurm job \d+ timed out after 2 s \(cancelled\)$/);
    assert.ok(Date.now() - t0 < 12_000, `took ${Date.now() - t0} ms`);
    assert.equal((await slurmCommand('squeue', ['-h', '-j', jobIdOf(result.reason), '-o', '%T']).catch(() => '')).trim(), '');
    assert.equal(spawnSync('pgrep', ['-f', 'sleep 35[.]5']).status, 1, 'the job\'s process is gone');
  });

  it('scancels the job when the evaluation is cancelled', async () => {
    const marker = join(scratch, 'running-cancel');
    const controller = new AbortController();
    const pending = evaluator({ command: `echo up > ${marker}; sleep 36.5` }).evaluate(request(), controller.signal);
    await waitUntil('the job to run', () => existsSync(marker), 15_000);
    controller.abort();
    const result = await pending;
    assert.equal(result.status, 'cancelled');
    const jobId = jobIdOf(result.reason);
    assert.ok(jobId, result.reason);
    assert.equal((await slurmCommand('squeue', ['-h', '-j', jobId, '-o', '%T']).catch(() => '')).trim(), '');
    assert.match(await slurmCommand('scontrol', ['show', 'job', '-o', jobId]), /JobState=CANCELLED/);
  });

  it('says so when someone else cancels the job', async () => {
    const marker = join(scratch, 'running-external');
    const req = request();
    const pending = evaluator({ command: `echo up > ${marker}; sleep 37.5` }).evaluate(req, never());
    await waitUntil('the job to run', () => existsSync(marker), 15_000);
    const jobId = (await slurmCommand('squeue', ['-h', '-n', `genesis-${req.evaluationId}`, '-o', '%i'])).trim();
    await slurmCommand('scancel', [jobId]);
    const result = await pending;
    assert.equal(result.status, 'error');
    assert.equal(result.reason?.startsWith(`Slurm job ${jobId} was cancelled outside Genesis (state CANCELLED`), true, result.reason);
  });

  it('keeps at most maxJobsInFlight jobs in flight', async () => {
    const log = join(scratch, 'in-flight.log');
    const e = evaluator({
      command: `echo "$GENESIS_EVALUATION_ID start $(date +%s%N)" >> ${log}; sleep 1; echo "$GENESIS_EVALUATION_ID end $(date +%s%N)" >> ${log}; echo '{"score": 1}'`,
      maxJobsInFlight: 2,
    });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, e.jobsInFlight)), 20);
    const results = await Promise.all([1, 2, 3, 4].map(() => e.evaluate(request(), never())));
    clearInterval(sampler);
    assert.deepEqual(results.map((r) => r.status), ['ok', 'ok', 'ok', 'ok']);
    assert.equal(peak, 2);
    // From the jobs' own clocks: never more than two running at once, and two did run side by side.
    const events = readFileSync(log, 'utf8').trim().split('\n').map((line) => {
      const [, kind, ns] = line.split(' ');
      return { at: BigInt(ns), delta: kind === 'start' ? 1 : -1 };
    });
    events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.delta - b.delta));
    let running = 0;
    let most = 0;
    for (const ev of events) most = Math.max(most, (running += ev.delta));
    assert.equal(most, 2);
  });

  it('submits through SSH to a login node', { skip: harness.sshdMissing() }, async () => {
    const sshd = await harness.startSshd();
    try {
      const e = evaluator({
        ssh: { host: sshd.host, port: sshd.port, user: sshd.user, privateKeyPath: sshd.privateKeyPath, knownHostsPath: sshd.knownHostsPath },
        workRoot: join(scratch, 'shared-over-ssh'),
      });
      const result = await e.evaluate(request(4), never());
      assert.equal(result.status, 'ok', result.reason);
      assert.equal(result.score, 8);
      await e.dispose();
      assert.equal(existsSync(e.sessionDir), false);
    } finally {
      await sshd.stop();
    }
  });
});
