// Cascade stages: the ordering and merging rules (with in-memory stage evaluators), two real local
// stages built by the evaluator factory, and a cascade whose second stage runs on the SSH runner
// against a real sshd on 127.0.0.1 (test/harness/remoteServers.mjs; skipped when sshd is missing).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CascadeEvaluator, type CascadeStage } from '../../src/core/evaluate/cascade';
import { createEvaluator, type PreparedEvaluator } from '../../src/core/evaluate/evaluatorFactory';
import type { RunnersConfig } from '../../src/core/evaluate/runnerConfig';
import type { EvaluationRequest, EvaluationResult, Evaluator, RunConfig, StageConfig } from '../../src/core/types';

const never = () => new AbortController().signal;

function request(value: number | string, id = 'node-1'): EvaluationRequest {
  return {
    candidateFileText: `function value() {\n  return ${value};\n}\n`,
    relativePath: 'src/value.js',
    functionName: 'value',
    language: 'javascript',
    evaluationId: id,
  };
}

function okResult(score: number, extra: Partial<EvaluationResult> = {}): EvaluationResult {
  return { status: 'ok', score, correct: true, metrics: {}, feedback: '', stdoutTail: '', stderrTail: '', durationMs: 10, sandboxed: true, ...extra };
}

/** An in-memory stage that records its calls and answers with `answer`. */
class FakeStage implements Evaluator {
  calls = 0;
  disposed = 0;
  constructor(
    private readonly answer: (signal: AbortSignal) => Promise<EvaluationResult> | EvaluationResult,
    private readonly disposeError?: Error,
  ) {}
  async evaluate(_request: EvaluationRequest, signal: AbortSignal): Promise<EvaluationResult> {
    this.calls++;
    return this.answer(signal);
  }
  async dispose(): Promise<void> {
    this.disposed++;
    if (this.disposeError) throw this.disposeError;
  }
}

const stage = (name: string, evaluator: Evaluator, threshold?: number): CascadeStage => ({
  name,
  runner: 'local',
  evaluator,
  ...(threshold !== undefined ? { threshold } : {}),
});

describe('CascadeEvaluator', () => {
  it('runs the stages in order and merges their results', async () => {
    const quick = new FakeStage(() => okResult(0.9, { metrics: { checks: 3 }, feedback: 'compiles', durationMs: 5 }));
    const full = new FakeStage(() => okResult(42, { metrics: { ms: 1.5 }, feedback: 'fast', stdoutTail: 'full out', durationMs: 20, sandboxed: false }));
    const result = await new CascadeEvaluator([stage('quick', quick, 0.5), { ...stage('full', full), runner: 'gpu' }]).evaluate(request(1), never());
    assert.equal(result.status, 'ok');
    assert.equal(result.score, 42);
    assert.equal(result.correct, true);
    assert.equal(result.reason, undefined);
    assert.deepEqual(result.metrics, { 'quick.checks': 3, 'quick.score': 0.9, 'full.ms': 1.5, 'full.score': 42 });
    assert.equal(result.feedback, '[quick] compiles\n[full] fast');
    assert.equal(result.stdoutTail, 'full out');
    assert.equal(result.durationMs, 25);
    assert.equal(result.sandboxed, false, 'sandboxed only when every stage was');
    assert.deepEqual(result.stages, [
      { name: 'quick', runner: 'local', status: 'ok', score: 0.9, durationMs: 5 },
      { name: 'full', runner: 'gpu', status: 'ok', score: 42, durationMs: 20 },
    ]);
  });

  it('stops at the first failing stage: the expensive stage never runs', async () => {
    const quick = new FakeStage(() => ({
      ...okResult(0), status: 'incorrect', score: null, correct: false, reason: 'evaluator reported correct: false — 2 tests failed', feedback: '2 tests failed',
    }));
    const full = new FakeStage(() => okResult(100));
    const result = await new CascadeEvaluator([stage('quick', quick), stage('full', full)]).evaluate(request(1), never());
    assert.equal(full.calls, 0);
    assert.equal(result.status, 'incorrect');
    assert.equal(result.score, null);
    assert.equal(result.reason, 'stage quick failed: evaluator reported correct: false — 2 tests failed');
    assert.equal(result.feedback, '[quick] 2 tests failed');
    assert.equal(result.stages?.length, 1);
    assert.equal(result.stages?.[0].reason, 'evaluator reported correct: false — 2 tests failed');

    const erroring = new FakeStage(() => ({ ...okResult(0), status: 'error', score: null, correct: false, reason: 'evaluator exited with code 1: boom' }));
    const second = await new CascadeEvaluator([stage('quick', erroring), stage('full', full)]).evaluate(request(1), never());
    assert.equal(second.status, 'error');
    assert.equal(second.reason, 'stage quick failed: evaluator exited with code 1: boom');
    assert.equal(full.calls, 0);
  });

  it('stops below a threshold with an incorrect result that keeps the stage score as a metric', async () => {
    const quick = new FakeStage(() => okResult(0.2, { feedback: 'slow-ish' }));
    const full = new FakeStage(() => okResult(100));
    const cascade = new CascadeEvaluator([stage('quick', quick, 0.5), stage('full', full)]);
    const result = await cascade.evaluate(request(1), never());
    assert.equal(full.calls, 0);
    assert.equal(result.status, 'incorrect');
    assert.equal(result.score, null);
    assert.equal(result.correct, false);
    assert.equal(result.reason, 'stage quick score 0.2 below threshold 0.5');
    assert.equal(result.feedback, 'stage quick score 0.2 below threshold 0.5\n[quick] slow-ish');
    assert.deepEqual(result.metrics, { 'quick.score': 0.2 });
    // Exactly at the threshold passes.
    const atThreshold = await new CascadeEvaluator([stage('quick', new FakeStage(() => okResult(0.5)), 0.5), stage('full', full)]).evaluate(request(1), never());
    assert.equal(atThreshold.status, 'ok');
    assert.equal(full.calls, 1);
  });

  it('turns a throwing stage into an error of that stage', async () => {
    const quick = new FakeStage(() => {
      throw new Error('socket closed');
    });
    const result = await new CascadeEvaluator([stage('quick', quick)]).evaluate(request(1), never());
    assert.equal(result.status, 'error');
    assert.equal(result.reason, 'stage quick failed: evaluator failed to run: socket closed');
  });

  it('passes cancellation through and runs no later stage', async () => {
    const controller = new AbortController();
    const quick = new FakeStage(
      (signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => resolve({ ...okResult(0), status: 'cancelled', score: null, correct: false, reason: 'evaluation cancelled' }));
        }),
    );
    const full = new FakeStage(() => okResult(1));
    const pending = new CascadeEvaluator([stage('quick', quick), stage('full', full)]).evaluate(request(1), controller.signal);
    setTimeout(() => controller.abort(), 20);
    const result = await pending;
    assert.equal(result.status, 'cancelled');
    assert.equal(result.reason, 'evaluation cancelled (in stage quick)');
    assert.equal(full.calls, 0);

    // Aborted between stages: the next stage is not started.
    const between = new AbortController();
    const first = new FakeStage(() => {
      between.abort();
      return okResult(1);
    });
    const later = new FakeStage(() => okResult(2));
    const cut = await new CascadeEvaluator([stage('a', first), stage('b', later)]).evaluate(request(1), between.signal);
    assert.equal(cut.status, 'cancelled');
    assert.equal(cut.reason, 'evaluation cancelled (before stage b)');
    assert.equal(later.calls, 0);
  });

  it('disposes every stage, even when one fails to', async () => {
    const a = new FakeStage(() => okResult(1), new Error('host gone'));
    const b = new FakeStage(() => okResult(1));
    await assert.rejects(new CascadeEvaluator([stage('a', a), stage('b', b)]).dispose(), /could not dispose 1 cascade stage\(s\): host gone/);
    assert.equal(a.disposed, 1);
    assert.equal(b.disposed, 1);
  });

  it('refuses an empty cascade and duplicate names', () => {
    assert.throws(() => new CascadeEvaluator([]), /at least one stage/);
    const e = new FakeStage(() => okResult(1));
    assert.throws(() => new CascadeEvaluator([stage('a', e), stage('a', e)]), /two cascade stages are named "a"/);
  });
});

/**
 * The evaluator the factory tests run (node, so that it works locally, under bubblewrap and over
 * SSH): quick checks that the candidate returns a number ≥ 0 and scores value/10; full scores
 * value*2. Both say which stage they are (GENESIS_STAGE) in their feedback.
 */
const EVALUATE_JS = `
const fs = require('fs');
const stage = process.env.GENESIS_STAGE || 'none';
const text = fs.readFileSync(process.env.GENESIS_CANDIDATE_FILE, 'utf8');
const match = /return (-?[0-9.]+);/.exec(text);
if (process.env.SLEEP_MS) { const until = Date.now() + Number(process.env.SLEEP_MS); while (Date.now() < until); }
if (!match) {
  console.log(JSON.stringify({ correct: false, feedback: 'stage=' + stage + ': value() does not return a number' }));
} else if (stage === 'quick') {
  const value = Number(match[1]);
  console.log(JSON.stringify({ score: value / 10, correct: value >= 0, metrics: { checks: 3 }, feedback: 'stage=' + stage }));
} else {
  console.log(JSON.stringify({ score: Number(match[1]) * 2, metrics: { ms: 1.5 }, feedback: 'stage=' + stage + ' id=' + process.env.GENESIS_EVALUATION_ID }));
}
`;

function makeWorkspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'genesis-cascade-ws-'));
  writeFileSync(join(root, 'evaluate.js'), EVALUATE_JS);
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'src', 'value.js'), 'function value() {\n  return 1;\n}\n');
  return root;
}

function runConfig(workspaceRoot: string, extra: Partial<RunConfig> = {}): RunConfig {
  return {
    language: 'javascript',
    functionName: 'value',
    filePath: join(workspaceRoot, 'src', 'value.js'),
    relativePath: 'src/value.js',
    workspaceRoot,
    evaluatorCommand: 'node evaluate.js',
    models: ['offline'],
    budget: 5,
    concurrency: 1,
    seed: 1,
    timeoutSec: 20,
    ...extra,
  };
}

describe('createEvaluator: local stages', () => {
  let workspace: string;
  const prepared: PreparedEvaluator[] = [];
  before(() => {
    workspace = makeWorkspace();
  });
  after(async () => {
    for (const p of prepared) await p.dispose();
    rmSync(workspace, { recursive: true, force: true });
  });
  const make = async (config: RunConfig, runners?: RunnersConfig) => {
    const p = await createEvaluator(config, { ...(runners ? { runners } : {}) });
    prepared.push(p);
    return p;
  };

  it('keeps today\'s local runner when the run names no runner and no stages', async () => {
    const p = await make(runConfig(workspace));
    assert.match(p.description, /^local, (sandboxed \(bubblewrap: read-only system, no network\)|UNSANDBOXED)$/);
    const result = await p.evaluator.evaluate(request(5), never());
    assert.equal(result.status, 'ok');
    assert.equal(result.score, 10, 'no GENESIS_STAGE outside a cascade: the evaluator runs its "full" branch');
    assert.equal(result.stages, undefined);
    assert.equal(result.feedback, 'stage=none id=node-1');
  });

  it('runs a cheap stage, then the expensive one, with GENESIS_STAGE set and metrics merged', async () => {
    const stages: StageConfig[] = [{ name: 'quick', threshold: 0.5 }, { name: 'full', runner: 'cpu' }];
    const p = await make(runConfig(workspace, { stages }), { cpu: { type: 'local', env: { EXTRA: '1' } } });
    assert.match(p.description, /^cascade: quick on local \((sandboxed|UNSANDBOXED)\) \(pass ≥ 0\.5\) → full on local:cpu \((sandboxed|UNSANDBOXED)\)$/);

    const good = await p.evaluator.evaluate(request(7), never());
    assert.equal(good.status, 'ok', good.reason);
    assert.equal(good.score, 14);
    assert.deepEqual(good.metrics, { 'quick.checks': 3, 'quick.score': 0.7, 'full.ms': 1.5, 'full.score': 14 });
    assert.equal(good.feedback, '[quick] stage=quick\n[full] stage=full id=node-1');
    assert.deepEqual(good.stages?.map((s) => [s.name, s.runner, s.status, s.score]), [['quick', 'local', 'ok', 0.7], ['full', 'cpu', 'ok', 14]]);
    assert.equal(good.sandboxed, p.sandboxed);
  });

  it('rejects a bad candidate in the cheap stage: the expensive stage never runs', async () => {
    const p = await make(runConfig(workspace, { stages: [{ name: 'quick' }, { name: 'full' }] }));
    const bad = await p.evaluator.evaluate(request(-3), never());
    assert.equal(bad.status, 'incorrect');
    assert.equal(bad.score, null);
    assert.equal(bad.reason, 'stage quick failed: evaluator reported correct: false — stage=quick');
    assert.deepEqual(bad.stages?.map((s) => s.name), ['quick']);
    assert.doesNotMatch(bad.feedback, /\[full\]/);

    const broken = await p.evaluator.evaluate(request('"seven"'), never());
    assert.equal(broken.status, 'incorrect');
    assert.match(broken.reason ?? '', /^stage quick failed: evaluator reported correct: false — stage=quick: value\(\) does not return a number/);
  });

  it('stops below the threshold', async () => {
    const p = await make(runConfig(workspace, { stages: [{ name: 'quick', threshold: 0.5 }, { name: 'full' }] }));
    const weak = await p.evaluator.evaluate(request(2), never());
    assert.equal(weak.status, 'incorrect');
    assert.equal(weak.reason, 'stage quick score 0.2 below threshold 0.5');
    assert.deepEqual(weak.stages?.map((s) => [s.name, s.score, s.reason]), [['quick', 0.2, 'stage quick score 0.2 below threshold 0.5']]);
  });

  it('a stage may override the command and the time limit; cancellation reaches the running stage', async () => {
    const stages: StageConfig[] = [{ name: 'quick', command: 'SLEEP_MS=5000 node evaluate.js', timeoutSec: 30 }, { name: 'full' }];
    const p = await make(runConfig(workspace, { stages }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const result = await p.evaluator.evaluate(request(7), controller.signal);
    assert.equal(result.status, 'cancelled');
    assert.equal(result.reason, 'evaluation cancelled (in stage quick)');
    // The stage's own run time, not the wall clock (which on a loaded machine includes starting the
    // launcher): a stage that was not cancelled would have run its 5 s loop to the end.
    assert.ok(result.durationMs < 4000, `cancelled promptly (the stage ran ${result.durationMs} ms)`);

    const timed = await make(runConfig(workspace, { stages: [{ name: 'quick', command: 'SLEEP_MS=5000 node evaluate.js', timeoutSec: 1 }, { name: 'full' }] }));
    const late = await timed.evaluator.evaluate(request(7), never());
    assert.equal(late.status, 'timeout');
    assert.equal(late.reason, 'stage quick failed: evaluator timed out after 1 s');
  });

  it('a single named runner (--runner) runs with its own command and time limit', async () => {
    const runners: RunnersConfig = { slow: { type: 'local', command: 'SLEEP_MS=5000 node evaluate.js', timeoutSec: 1 } };
    const p = await make(runConfig(workspace, { runner: 'slow' }), runners);
    const late = await p.evaluator.evaluate(request(7), never());
    // Under the run's 20 s the 5 s loop would have finished with a score: a timeout is the runner's limit.
    assert.equal(late.status, 'timeout', late.reason);
    assert.equal(late.reason, 'evaluator timed out after 1 s');
    assert.ok(late.durationMs < 4000, `the runner's 1 s limit applied, not the run's 20 s (the evaluator ran ${late.durationMs} ms)`);

    const own = await make(runConfig(workspace, { runner: 'own' }), { own: { type: 'local', command: 'GENESIS_STAGE=quick node evaluate.js' } });
    const result = await own.evaluator.evaluate(request(7), never());
    assert.equal(result.feedback, 'stage=quick', 'the runner\'s command ran, not the run\'s evaluator command');
  });

  it('refuses unknown runners and bad stages before anything runs', async () => {
    await assert.rejects(createEvaluator(runConfig(workspace, { runner: 'gpu' }), {}), /unknown runner "gpu" \(defined: local\)/);
    await assert.rejects(
      createEvaluator(runConfig(workspace, { stages: [{ name: 'quick' }, { name: 'quick' }] }), {}),
      /stage quick: the name is used by an earlier stage/,
    );
    await assert.rejects(createEvaluator(runConfig(workspace), { runners: { gpu: { type: 'ssh' } as never } }), /runner gpu: ssh needs host and user/);
    await assert.rejects(
      createEvaluator(runConfig(workspace, { runner: 'gpu' }), { runners: { gpu: { type: 'ssh', host: '127.0.0.1', user: 'u', setupDir: 'missing' } } }),
      /runner gpu on ssh:gpu \(u@127\.0\.0\.1\): setupDir .*missing does not exist/,
    );
  });
});

interface SshdServer {
  host: string;
  port: number;
  user: string;
  privateKeyPath: string;
  knownHostsPath: string;
  stop(): Promise<void>;
}
interface SlurmCluster {
  env: Record<string, string>;
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

describe('createEvaluator: a cascade whose second stage runs over SSH', async () => {
  const harness = await loadHarness();
  const missing = harness.sshdMissing();
  if (missing) {
    it(`skipped: ${missing}`, { skip: missing }, () => undefined);
    return;
  }
  let sshd: SshdServer;
  let workspace: string;
  let scratch: string;
  let remoteRoot: string;
  let runners: RunnersConfig;
  before(async () => {
    sshd = await harness.startSshd();
    workspace = makeWorkspace();
    scratch = mkdtempSync(join(tmpdir(), 'genesis-cascade-remote-'));
    remoteRoot = join(scratch, 'remote-root');
    runners = {
      gpu: {
        type: 'ssh', host: sshd.host, port: sshd.port, user: sshd.user, privateKeyPath: sshd.privateKeyPath, knownHostsPath: sshd.knownHostsPath,
        remoteWorkRoot: remoteRoot, setupDir: '.',
      },
    };
  });
  after(async () => {
    await sshd?.stop();
    rmSync(workspace, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('runs quick locally, full on the SSH runner, and cleans the remote dir up', async () => {
    const p = await createEvaluator(runConfig(workspace, { stages: [{ name: 'quick', threshold: 0.5 }, { name: 'full', runner: 'gpu' }] }), { runners });
    try {
      assert.match(p.description, new RegExp(`^cascade: quick on local \\((sandboxed|UNSANDBOXED)\\) \\(pass ≥ 0\\.5\\) → full on ssh:gpu \\(root@127\\.0\\.0\\.1:${sshd.port}\\)$`));
      assert.equal(p.sandboxed, false, 'a remote stage is not sandboxed by Genesis');

      const good = await p.evaluator.evaluate(request(9, 'node-9'), never());
      assert.equal(good.status, 'ok', good.reason);
      assert.equal(good.score, 18);
      assert.equal(good.feedback, '[quick] stage=quick\n[full] stage=full id=node-9', 'GENESIS_STAGE reaches the remote evaluator');
      assert.deepEqual(good.stages?.map((s) => [s.name, s.runner, s.status]), [['quick', 'local', 'ok'], ['full', 'gpu', 'ok']]);
      assert.equal(good.sandboxed, false);

      const bad = await p.evaluator.evaluate(request(-1, 'node-10'), never());
      assert.equal(bad.status, 'incorrect');
      assert.deepEqual(bad.stages?.map((s) => s.name), ['quick'], 'the remote stage never runs for a rejected candidate');

      const many = await Promise.all([11, 12, 13, 14].map((v) => p.evaluator.evaluate(request(v, `node-${v}`), never())));
      assert.deepEqual(many.map((r) => r.score), [22, 24, 26, 28]);
    } finally {
      await p.dispose();
    }
    assert.deepEqual(existsSync(remoteRoot) ? readdirSync(remoteRoot) : [], [], 'the remote session dir is removed');
  });

  it('fails the start clearly when the host key is unknown', async () => {
    const emptyKnownHosts = join(scratch, 'known_hosts_empty');
    writeFileSync(emptyKnownHosts, '');
    const strangers: RunnersConfig = { gpu: { ...runners.gpu, knownHostsPath: emptyKnownHosts } as RunnersConfig[string] };
    await assert.rejects(
      createEvaluator(runConfig(workspace, { stages: [{ name: 'quick' }, { name: 'full', runner: 'gpu' }] }), { runners: strangers }),
      (error: Error) => {
        assert.match(error.message, new RegExp(`^stage full on ssh:gpu \\(root@127\\.0\\.0\\.1:${sshd.port}\\): .*not in known_hosts`));
        return true;
      },
    );
  });
});

describe('createEvaluator: a cascade whose second stage is a Slurm job', async () => {
  const harness = await loadHarness();
  const missing = harness.slurmMissing();
  if (missing) {
    it(`skipped: ${missing}`, { skip: missing }, () => undefined);
    return;
  }
  let slurm: SlurmCluster;
  let workspace: string;
  let scratch: string;
  before(async () => {
    slurm = await harness.startSlurm();
    workspace = makeWorkspace();
    scratch = mkdtempSync(join(tmpdir(), 'genesis-cascade-slurm-'));
  });
  after(async () => {
    await slurm?.stop();
    rmSync(workspace, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('submits the full stage with the runner\'s options and GENESIS_STAGE exported', async () => {
    const workRoot = join(scratch, 'work-root');
    const runners: RunnersConfig = {
      cluster: { type: 'slurm', workRoot, partition: 'debug', slurmEnv: slurm.env, pollIntervalMs: 200, setupDir: workspace, maxJobsInFlight: 2 },
    };
    const p = await createEvaluator(runConfig(workspace, { stages: [{ name: 'quick' }, { name: 'full', runner: 'cluster', timeoutSec: 30 }] }), { runners });
    try {
      assert.match(p.description, /→ full on slurm:cluster partition debug \(sbatch on this machine\)$/);
      const results = await Promise.all([3, -3, 4].map((v) => p.evaluator.evaluate(request(v, `job-${v + 10}`), never())));
      assert.deepEqual(results.map((r) => [r.status, r.score]), [['ok', 6], ['incorrect', null], ['ok', 8]]);
      assert.equal(results[0].feedback, '[quick] stage=quick\n[full] stage=full id=job-13');
      assert.deepEqual(results[1].stages?.map((s) => s.name), ['quick']);
      assert.deepEqual(results[2].stages?.map((s) => s.runner), ['local', 'cluster']);
    } finally {
      await p.dispose();
    }
    assert.deepEqual(existsSync(workRoot) ? readdirSync(workRoot) : [], [], 'the run dir under workRoot is removed');
  });
});
