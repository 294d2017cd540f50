// Runs each evaluation as a Slurm batch job (contract v1), submitted on this machine or on a login
// node over SSH: the work dir (setup copy + candidate) lives on a filesystem shared with the compute
// nodes, the batch script exports the contract env vars and runs the command, and the job is
// followed with squeue/scontrol (sacct is not required). Timeouts and cancellation scancel the job.
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { EvaluationRequest, EvaluationResult, Evaluator } from '../../types';
import { explainExit, MAX_RESULT_BYTES, notOkResult, READ_TAIL_BYTES, resultFromOutput, type EvaluatorOutput } from '../evaluationResult';
import { Semaphore } from './semaphore';
import { contractEnv, evaluationLayout, exportLine, prepareWorkDirCommand, safeName, safeRelativePath, shellQuote, type RemoteEvaluationLayout } from './shell';
import { cancelJob, finalJobState, parseSbatchOutput, SqueueBatcher, TERMINAL_STATES, type FinalJobState } from './slurmJobs';
import { SshConnectionPool, type SshHostConfig } from './sshConnection';
import type { RemoteLogger, SetupFile } from './sshEvaluator';
import { LocalSubmitHost, SshSubmitHost, type SubmitHost } from './submitHost';
import { errorText } from '../../util/errorText';

export interface SlurmEvaluatorOptions {
  /** Shell command the job runs in the work dir (a copy of the setup files with the candidate in place). */
  command: string;
  /** Absolute dir on a filesystem that the submit host and the compute nodes share. */
  workRoot: string;
  /** Submit through this login node; default: sbatch/squeue on this machine. */
  ssh?: SshHostConfig;
  /** Share SSH connections with other evaluators. */
  pool?: SshConnectionPool;
  /** Environment for the Slurm commands themselves (e.g. SLURM_CONF). */
  slurmEnv?: Record<string, string>;
  setupDir?: string;
  setupFiles?: SetupFile[];
  partition?: string;
  /** e.g. "gpu:1". */
  gres?: string;
  cpusPerTask?: number;
  /** e.g. "4G". */
  memory?: string;
  /** Slurm's own limit (--time), e.g. "00:10:00"; default: timeoutSec plus a minute, in whole minutes. */
  timeLimit?: string;
  /** More sbatch arguments, e.g. ["--account=proj", "--qos=short"]. */
  extraArgs?: string[];
  /** Run time allowed, counted from when the job is first seen running; default 600. */
  timeoutSec?: number;
  /** Time a job may wait in the queue before it is cancelled; default: no limit. */
  queueTimeoutSec?: number;
  /** Jobs submitted and not yet finished, at most; default 8. */
  maxJobsInFlight?: number;
  /** Default 2000 ms. */
  pollIntervalMs?: number;
  /** Extra environment variables for the evaluator (exported by the batch script). */
  env?: Record<string, string>;
  /** Debugging: keep the work dir of a job that did not end 'ok'. */
  keepFailedWorkDirs?: boolean;
  log?: RemoteLogger;
}

/** Consecutive time squeue may fail before the jobs it follows are given up. */
const SQUEUE_FAILURE_LIMIT_MS = 120_000;

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

type JobEnd =
  | { kind: 'left-queue' }
  | { kind: 'timeout' | 'queue-timeout' | 'cancelled' }
  | { kind: 'lost'; message: string };

export class SlurmEvaluator implements Evaluator {
  private readonly options: SlurmEvaluatorOptions;
  private readonly host: SubmitHost;
  private readonly jobs: Semaphore;
  private readonly squeue: SqueueBatcher;
  readonly sessionDir: string;
  private readonly setupDir: string;
  private preparing: Promise<void> | undefined;
  private disposed = false;
  /** Job ids submitted and not yet finished (cancelled by dispose()). */
  private readonly active = new Set<string>();
  private sequence = 0;

  constructor(options: SlurmEvaluatorOptions) {
    if (!posix.isAbsolute(options.workRoot)) throw new Error(`workRoot must be an absolute path (got ${options.workRoot})`);
    this.options = options;
    if (options.ssh) {
      const pool = options.pool ?? new SshConnectionPool();
      this.host = new SshSubmitHost(pool.acquire(options.ssh), pool, options.slurmEnv);
    } else {
      this.host = new LocalSubmitHost(options.slurmEnv);
    }
    this.jobs = new Semaphore(options.maxJobsInFlight ?? 8);
    this.squeue = new SqueueBatcher(this.host);
    this.sessionDir = posix.join(options.workRoot, `session-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
    this.setupDir = posix.join(this.sessionDir, 'setup');
  }

  /** Jobs submitted and not yet finished. */
  get jobsInFlight(): number {
    return this.active.size;
  }

  /** Copies the setup files to the shared work root (once). Called by evaluate() if not called before. */
  prepare(): Promise<void> {
    this.preparing ??= (async () => {
      if (this.disposed) throw new Error('evaluator is disposed');
      const files = (this.options.setupFiles ?? []).map((f) => ({ localPath: f.localPath, targetPath: posix.join(this.setupDir, safeRelativePath(f.remotePath)) }));
      const count = await this.host.copySetup(this.options.setupDir, this.setupDir, files);
      this.options.log?.('info', `copied ${count} setup file(s) to ${this.host.label}:${this.setupDir}`);
    })().catch((error: unknown) => {
      this.preparing = undefined;
      throw error;
    });
    return this.preparing;
  }

  private sbatchArgs(request: EvaluationRequest, layout: RemoteEvaluationLayout): string[] {
    const o = this.options;
    const minutes = Math.max(1, Math.ceil(((o.timeoutSec ?? 600) + 60) / 60));
    const args = [
      '--parsable',
      `--job-name=genesis-${safeName(request.evaluationId)}`,
      `--output=${layout.stdoutFile}`,
      `--error=${layout.stderrFile}`,
      `--chdir=${layout.workDir}`,
      `--time=${o.timeLimit ?? String(minutes)}`,
    ];
    if (o.partition) args.push(`--partition=${o.partition}`);
    if (o.gres) args.push(`--gres=${o.gres}`);
    if (o.cpusPerTask) args.push(`--cpus-per-task=${o.cpusPerTask}`);
    if (o.memory) args.push(`--mem=${o.memory}`);
    args.push(...(o.extraArgs ?? []));
    return args;
  }

  private batchScript(request: EvaluationRequest, layout: RemoteEvaluationLayout): string {
    const env = { ...this.options.env, ...contractEnv(request, layout) };
    return [
      '#!/bin/sh',
      `# Genesis evaluation ${request.evaluationId} (evaluator contract v1)`,
      `${exportLine(env)}`,
      `cd ${shellQuote(layout.workDir)} || exit 97`,
      `exec /bin/sh -c ${shellQuote(this.options.command)}`,
      '',
    ].join('\n');
  }

  async evaluate(request: EvaluationRequest, signal: AbortSignal): Promise<EvaluationResult> {
    const started = Date.now();
    const output = (): EvaluatorOutput => ({ stdoutTail: '', stderrTail: '', durationMs: Date.now() - started });
    if (signal.aborted) return notOkResult('cancelled', 'evaluation cancelled', output());
    if (this.disposed) return notOkResult('error', 'evaluator is disposed', output());
    let layout: RemoteEvaluationLayout;
    try {
      layout = evaluationLayout(this.sessionDir, request, ++this.sequence);
    } catch (error) {
      return notOkResult('error', errorText(error), output());
    }
    let release: () => void;
    try {
      release = await this.jobs.acquire(signal);
    } catch {
      return notOkResult('cancelled', 'evaluation cancelled', output());
    }
    let result: EvaluationResult | undefined;
    try {
      result = await this.runJob(request, layout, signal, started);
      return result;
    } catch (error) {
      result = notOkResult('error', errorText(error), output());
      return result;
    } finally {
      release();
      if (!(this.options.keepFailedWorkDirs && result?.status !== 'ok')) {
        await this.host.run(`rm -rf ${shellQuote(layout.dir)}`).catch(() => undefined);
      }
    }
  }

  private async runJob(request: EvaluationRequest, layout: RemoteEvaluationLayout, signal: AbortSignal, started: number): Promise<EvaluationResult> {
    await this.prepare();
    const prepared = await this.host.run(prepareWorkDirCommand(this.setupDir, layout));
    if (prepared.exitCode !== 0) throw new Error(`could not prepare the work dir on ${this.host.label}: ${prepared.stderr.trim().split('\n').pop() ?? ''}`);
    await this.host.writeFile(layout.candidateFile, request.candidateFileText);
    const scriptPath = posix.join(layout.dir, 'job.sh');
    await this.host.writeFile(scriptPath, this.batchScript(request, layout));
    if (signal.aborted) return notOkResult('cancelled', 'evaluation cancelled', { stdoutTail: '', stderrTail: '', durationMs: Date.now() - started });

    const submitted = await this.host.run(`sbatch ${this.sbatchArgs(request, layout).map(shellQuote).join(' ')} ${shellQuote(scriptPath)}`);
    const jobId = submitted.exitCode === 0 ? parseSbatchOutput(submitted.stdout) : undefined;
    if (!jobId) {
      const detail = submitted.stderr.trim().split('\n').pop() || submitted.stdout.trim() || `exit ${submitted.exitCode ?? 'killed'}`;
      throw new Error(`sbatch failed on ${this.host.label}: ${detail}`);
    }
    this.active.add(jobId);
    try {
      const end = await this.follow(jobId, signal);
      const timeoutSec = this.options.timeoutSec ?? 600;
      if (end.kind !== 'left-queue') {
        if (end.kind !== 'lost') await cancelJob(this.host, jobId);
        const output = await this.readOutput(layout, started);
        switch (end.kind) {
          case 'cancelled':
            return notOkResult('cancelled', `evaluation cancelled (Slurm job ${jobId} cancelled)`, output);
          case 'timeout':
            return notOkResult('timeout', `Slurm job ${jobId} timed out after ${timeoutSec} s (cancelled)`, output);
          case 'queue-timeout':
            return notOkResult('timeout', `Slurm job ${jobId} waited in the queue longer than ${this.options.queueTimeoutSec} s (cancelled)`, output);
          case 'lost':
            return notOkResult('error', `lost track of Slurm job ${jobId}: ${end.message} (cancel attempted)`, output);
        }
      }
      const final = await finalJobState(this.host, jobId);
      const output = await this.readOutput(layout, started);
      const resultText = await this.host.readFile(layout.resultFile, MAX_RESULT_BYTES).catch(() => undefined);
      return this.interpret(jobId, final, output, resultText);
    } finally {
      this.active.delete(jobId);
    }
  }

  /** Polls until the job leaves the queue, runs past its time, or the evaluation is cancelled. */
  private async follow(jobId: string, signal: AbortSignal): Promise<JobEnd> {
    const pollMs = this.options.pollIntervalMs ?? 2000;
    const runLimitMs = (this.options.timeoutSec ?? 600) * 1000;
    const queueLimitMs = this.options.queueTimeoutSec !== undefined ? this.options.queueTimeoutSec * 1000 : Infinity;
    const submittedAt = Date.now();
    let runningSince: number | undefined;
    let failingSince: number | undefined;
    // The first look comes soon after submission: short jobs often finish within one poll.
    let wait = Math.min(pollMs, 250);
    for (;;) {
      const deadline = runningSince !== undefined ? runningSince + runLimitMs : submittedAt + queueLimitMs;
      await delay(Math.min(wait, deadline - Date.now()), signal);
      wait = pollMs;
      if (signal.aborted) return { kind: 'cancelled' };
      if (Date.now() >= deadline) return { kind: runningSince !== undefined ? 'timeout' : 'queue-timeout' };
      let state: string | null;
      try {
        state = await this.squeue.stateOf(jobId);
        failingSince = undefined;
      } catch (error) {
        failingSince ??= Date.now();
        this.options.log?.('warn', `Slurm job ${jobId}: ${errorText(error)}`);
        if (Date.now() - failingSince > Math.max(SQUEUE_FAILURE_LIMIT_MS, 5 * pollMs)) return { kind: 'lost', message: errorText(error) };
        continue;
      }
      if (signal.aborted) return { kind: 'cancelled' };
      if (state === null || TERMINAL_STATES.has(state)) return { kind: 'left-queue' };
      if (runningSince === undefined && state !== 'PENDING' && state !== 'REQUEUED' && state !== 'SUSPENDED') runningSince = Date.now();
    }
  }

  private async readOutput(layout: RemoteEvaluationLayout, started: number): Promise<EvaluatorOutput> {
    const [stdoutTail, stderrTail] = await Promise.all([
      this.host.readTail(layout.stdoutFile, READ_TAIL_BYTES).catch(() => ''),
      this.host.readTail(layout.stderrFile, READ_TAIL_BYTES).catch(() => ''),
    ]);
    return { stdoutTail, stderrTail, durationMs: Date.now() - started };
  }

  private interpret(jobId: string, final: FinalJobState, output: EvaluatorOutput, resultText: string | undefined): EvaluationResult {
    const exitText = final.exitCodeText ? `, exit code ${final.exitCodeText}` : '';
    const reasonText = final.reason ? `, reason ${final.reason}` : '';
    switch (final.state) {
      case 'COMPLETED':
      case 'FAILED':
      case 'UNKNOWN':
        return resultFromOutput(output, resultText, (contractError) => {
          const why = explainExit(final.exitCode, final.signal, output.stderrTail, this.options.command, contractError);
          return final.state === 'COMPLETED' ? why : `Slurm job ${jobId} ${final.state}: ${why}`;
        });
      case 'CANCELLED':
        return notOkResult('error', `Slurm job ${jobId} was cancelled outside Genesis (state CANCELLED${exitText}${reasonText})`, output);
      case 'TIMEOUT':
        return notOkResult('timeout', `Slurm job ${jobId} reached its Slurm time limit (state TIMEOUT${exitText})`, output);
      case 'OUT_OF_MEMORY':
        return notOkResult('error', `Slurm job ${jobId} ran out of memory (state OUT_OF_MEMORY${exitText})`, output);
      default:
        return notOkResult('error', `Slurm job ${jobId} ended in state ${final.state}${exitText}${reasonText}`, output);
    }
  }

  /** Cancels jobs still in flight, removes this run's dir, releases the connection. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.preparing?.catch(() => undefined);
    for (const jobId of [...this.active]) await cancelJob(this.host, jobId, 5000).catch(() => undefined);
    await this.host.run(`rm -rf ${shellQuote(this.sessionDir)}`).catch((error: unknown) => {
      this.options.log?.('warn', `could not remove ${this.host.label}:${this.sessionDir}: ${errorText(error)}`);
    });
    await this.host.dispose();
  }
}
