// Runner faults against real servers on 127.0.0.1 (test/harness/remoteServers.mjs): the SSH
// connection drops while evaluations run, and a Slurm job is cancelled by someone else. The
// remote runners have no CLI switch, so these runs go through the core (same engine and store).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SshConnectionPool } from '../../../src/core/evaluate/remote/sshConnection';
import { SshEvaluator } from '../../../src/core/evaluate/remote/sshEvaluator';
import { SlurmEvaluator } from '../../../src/core/evaluate/remote/slurmEvaluator';
import { account, coreRun, ledgerStarts, loadRun, makeWorkspace, sleep, type FaultOutcome, type FaultScenario } from '../lib';

interface SshdServer {
  host: string;
  port: number;
  user: string;
  privateKeyPath: string;
  knownHostsPath: string;
  killConnections(): number;
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
// Plain ESM harness; a variable path keeps TypeScript from resolving it.
const harnessPath = '../../harness/remoteServers.mjs';
const loadHarness = () => import(harnessPath) as Promise<RemoteHarness>;

const stable = (text: string) => text.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT').replace(/node-?\d+|\d{8}-\d{6}-[0-9a-f]{4}-\d+/g, 'ID');

async function waitForStarts(ledger: string, count: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (ledgerStarts(ledger) < count) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

const sshDrop: FaultScenario = {
  name: 'runner: SSH connection drops mid-evaluation',
  category: 'runner',
  async run(): Promise<FaultOutcome> {
    const harness = await loadHarness();
    const missing = harness.sshdMissing();
    if (missing) return { seen: '', survived: false, lost: 0, evaluated: 0, skipped: missing };
    const sshd = await harness.startSshd();
    const ws = makeWorkspace('ssh');
    const logs: string[] = [];
    const evaluator = new SshEvaluator({
      host: sshd.host,
      port: sshd.port,
      user: sshd.user,
      privateKeyPath: sshd.privateKeyPath,
      knownHostsPath: sshd.knownHostsPath,
      remoteWorkRoot: join(ws.dir, '..', 'remote'),
      setupDir: ws.dir,
      command: ws.evaluator('none', { delaySec: 1 }),
      timeoutSec: 30,
      pool: new SshConnectionPool(),
      log: (level, message) => logs.push(`${level}: ${message}`),
    });
    try {
      const budget = 6;
      const running = coreRun({ workspace: ws, evaluator, budget, concurrency: 2 });
      // Drop every connection once two evaluations are under way.
      const dropped = (await waitForStarts(ws.ledger, 3, 30_000)) ? sshd.killConnections() : 0;
      const { summary, runId, logs: runLogs } = await running;
      const stored = await loadRun(ws.runsDir, runId);
      const books = account(ws.ledger, stored);
      const told = logs.find((l) => /dropped/.test(l)) ?? runLogs.find((l) => /dropped/.test(l));
      const problems = [
        dropped > 0 ? undefined : 'no connection was dropped',
        summary.status !== 'completed' ? `run ${summary.status}: ${summary.stopReason ?? ''}` : undefined,
        summary.evaluations !== budget ? `${summary.evaluations}/${budget} evaluations` : undefined,
        told ? undefined : 'nothing told the user about the drop',
      ].filter(Boolean);
      return {
        seen: stable(told ?? '(nothing)'),
        survived: problems.length === 0,
        lost: books.lost.length,
        evaluated: books.evaluated,
        ...(problems.length ? { detail: problems.join('; ') } : {}),
      };
    } finally {
      await evaluator.dispose().catch(() => undefined);
      await sshd.stop();
    }
  },
};

const slurmKilled: FaultScenario = {
  name: 'runner: Slurm job cancelled (scancel) mid-run',
  category: 'runner',
  async run(): Promise<FaultOutcome> {
    const harness = await loadHarness();
    const missing = harness.slurmMissing();
    if (missing) return { seen: '', survived: false, lost: 0, evaluated: 0, skipped: missing };
    const slurm = await harness.startSlurm();
    const ws = makeWorkspace('slurm');
    const shared = join(ws.dir, '..', 'shared');
    mkdirSync(shared);
    const evaluator = new SlurmEvaluator({
      command: ws.evaluator('none', { delaySec: 2 }),
      workRoot: shared,
      slurmEnv: slurm.env,
      setupDir: ws.dir,
      partition: 'debug',
      timeoutSec: 60,
      pollIntervalMs: 200,
      maxJobsInFlight: 3,
    });
    try {
      const budget = 6;
      const running = coreRun({ workspace: ws, evaluator, budget, concurrency: 3 });
      let cancelled = '';
      if (await waitForStarts(ws.ledger, 2, 60_000)) {
        const env = { ...process.env, ...slurm.env };
        const jobs = spawnSync('squeue', ['-h', '-t', 'RUNNING', '-o', '%i'], { env, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
        if (jobs.length > 0) {
          cancelled = jobs[jobs.length - 1];
          spawnSync('scancel', [cancelled], { env });
        }
      }
      const { summary, runId } = await running;
      const stored = await loadRun(ws.runsDir, runId);
      const books = account(ws.ledger, stored);
      const reason = stored.nodes.map((n) => n.reason ?? '').find((r) => /cancelled outside Genesis/.test(r));
      const problems = [
        cancelled ? undefined : 'no running job to cancel',
        summary.status !== 'completed' ? `run ${summary.status}: ${summary.stopReason ?? ''}` : undefined,
        summary.evaluations !== budget ? `${summary.evaluations}/${budget} evaluations` : undefined,
        reason ? undefined : 'no evaluation says its job was cancelled',
      ].filter(Boolean);
      return {
        seen: (reason ?? '(nothing)').replace(/Slurm job \d+/, 'Slurm job N'),
        survived: problems.length === 0,
        lost: books.lost.length,
        evaluated: books.evaluated,
        ...(problems.length ? { detail: problems.join('; ') } : {}),
      };
    } finally {
      await evaluator.dispose().catch(() => undefined);
      await slurm.stop();
    }
  },
};

export const runnerScenarios: FaultScenario[] = [sshDrop, slurmKilled];
