// Runs the evaluator command on another machine over SSH (contract v1): one remote work dir per
// evaluation (a copy of the setup files uploaded once per run, plus the candidate file), the
// command in its own process group there, killed over a second channel on timeout, cancellation
// or too much output. A dropped connection retries the evaluation once.
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { EvaluationRequest, EvaluationResult, Evaluator } from '../../types';
import { explainExit, MAX_RESULT_BYTES, notOkResult, READ_TAIL_BYTES, resultFromOutput } from '../evaluationResult';
import {
  contractEnv, evaluationCommand, evaluationLayout, killGroupCommand, PREPARE_FAILED_EXIT, PREPARE_FAILED_MESSAGE, safeRelativePath, shellQuote,
  type RemoteEvaluationLayout,
} from './shell';
import {
  SshConnectionLostError, SshConnectionPool, SshHostKeyError, type SshConnection, type SshExecOutcome, type SshHostConfig,
} from './sshConnection';
import { errorText } from '../../util/errorText';

export type RemoteLogLevel = 'info' | 'warn' | 'error';
export type RemoteLogger = (level: RemoteLogLevel, message: string) => void;

/** A local file uploaded into the setup dir; `remotePath` is relative to it (and so to each work dir). */
export interface SetupFile {
  localPath: string;
  remotePath: string;
}

export interface SshEvaluatorOptions extends SshHostConfig {
  /** Absolute remote dir under which each run gets its own session dir, e.g. /tmp/genesis. */
  remoteWorkRoot: string;
  /** Shell command run in the work dir (a copy of the setup files with the candidate file in place). */
  command: string;
  /** Local dir whose tree is uploaded once per run (evaluator script, tests, data). */
  setupDir?: string;
  /** Individual files uploaded once per run, in addition to setupDir. */
  setupFiles?: SetupFile[];
  /** Per evaluation; default 60. */
  timeoutSec?: number;
  /** stdout + stderr bytes after which the evaluator is killed; default 8 MiB. */
  maxOutputBytes?: number;
  /** Extra environment variables for the evaluator. */
  env?: Record<string, string>;
  /** Debugging: keep the remote work dir of an evaluation that did not end 'ok'. */
  keepFailedWorkDirs?: boolean;
  /** Seconds between TERM and KILL of the remote process group; default 2. */
  killGraceSec?: number;
  /** Share connections with other evaluators; default: a pool of its own. */
  pool?: SshConnectionPool;
  log?: RemoteLogger;
}

const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
/** Delays before reconnecting after a drop (sshd may be restarting). */
const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000];

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

interface EvaluatorRun {
  outcome: SshExecOutcome;
  timedOut: boolean;
  cancelled: boolean;
  outputLimited: boolean;
}

export class SshEvaluator implements Evaluator {
  private readonly options: SshEvaluatorOptions;
  private readonly pool: SshConnectionPool;
  private readonly connection: SshConnection;
  /** This run's dir on the remote host; removed by dispose(). */
  readonly sessionDir: string;
  private readonly setupDir: string;
  private preparing: Promise<void> | undefined;
  private disposed = false;
  private readonly removals = new Set<Promise<void>>();
  private sequence = 0;
  /** Evaluations retried after a dropped connection. */
  retries = 0;

  constructor(options: SshEvaluatorOptions) {
    if (!posix.isAbsolute(options.remoteWorkRoot)) throw new Error(`remoteWorkRoot must be an absolute path (got ${options.remoteWorkRoot})`);
    this.options = options;
    this.pool = options.pool ?? new SshConnectionPool();
    this.connection = this.pool.acquire(options);
    this.sessionDir = posix.join(options.remoteWorkRoot, `session-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
    this.setupDir = posix.join(this.sessionDir, 'setup');
  }

  get label(): string {
    return this.connection.label;
  }

  /** Connects and uploads the setup files (once). Called by evaluate() if not called before. */
  prepare(signal?: AbortSignal): Promise<void> {
    this.preparing ??= this.uploadSetup(signal).catch((error: unknown) => {
      this.preparing = undefined;
      throw error;
    });
    return this.preparing;
  }

  private async uploadSetup(signal?: AbortSignal): Promise<void> {
    if (this.disposed) throw new Error('evaluator is disposed');
    await this.connection.connect(signal);
    const files = (this.options.setupFiles ?? []).map((f) => ({ localPath: f.localPath, remotePath: posix.join(this.setupDir, safeRelativePath(f.remotePath)) }));
    const dirs = new Set([this.setupDir, ...files.map((f) => posix.dirname(f.remotePath))]);
    await this.connection.runChecked(`mkdir -p ${[...dirs].map(shellQuote).join(' ')}`, 'creating the remote setup dir', signal);
    const started = Date.now();
    let count = 0;
    if (this.options.setupDir) count += await this.connection.uploadDirectory(this.options.setupDir, this.setupDir);
    for (const file of files) {
      await this.connection.uploadFile(file.localPath, file.remotePath);
      count++;
    }
    this.options.log?.('info', `uploaded ${count} setup file(s) to ${this.label}:${this.setupDir} in ${Date.now() - started} ms`);
  }

  async evaluate(request: EvaluationRequest, signal: AbortSignal): Promise<EvaluationResult> {
    const started = Date.now();
    const failure = (status: EvaluationResult['status'], reason: string) =>
      notOkResult(status, reason, { stdoutTail: '', stderrTail: '', durationMs: Date.now() - started });
    if (signal.aborted) return failure('cancelled', 'evaluation cancelled');
    if (this.disposed) return failure('error', 'evaluator is disposed');
    try {
      safeRelativePath(request.relativePath);
    } catch (error) {
      return failure('error', errorText(error));
    }

    let firstDrop: string | undefined;
    let stale: RemoteEvaluationLayout | undefined;
    for (;;) {
      const layout = evaluationLayout(this.sessionDir, request, ++this.sequence);
      try {
        if (stale) {
          await this.reconnect(signal);
          await this.removeStale(stale);
        }
        return await this.attempt(request, layout, signal);
      } catch (error) {
        if (signal.aborted) return failure('cancelled', 'evaluation cancelled');
        const message = errorText(error);
        if (error instanceof SshHostKeyError) return failure('error', message);
        if (error instanceof SshConnectionLostError) {
          if (firstDrop === undefined) {
            firstDrop = message;
            stale = layout;
            this.retries++;
            this.options.log?.('warn', `SSH connection to ${this.label} dropped during evaluation ${request.evaluationId} (${message}); retrying it once`);
            continue;
          }
          // What the last attempt left running is killed once the host can be reached again.
          this.track(this.reconnect(signal).then(() => this.removeStale(layout)));
          return failure('error', `SSH connection to ${this.label} dropped twice: ${firstDrop}; then ${message}`);
        }
        if (firstDrop !== undefined) return failure('error', `SSH connection to ${this.label} dropped (${firstDrop}) and the retry failed: ${message}`);
        return failure('error', message);
      }
    }
  }

  /** Reconnects after a drop, a few times over ~4 s (the server may be restarting). */
  private async reconnect(signal: AbortSignal): Promise<void> {
    let lastError: unknown;
    for (const delay of [0, ...RECONNECT_DELAYS_MS]) {
      if (delay > 0) await abortableDelay(delay, signal);
      if (signal.aborted) throw new Error('evaluation cancelled');
      try {
        await this.connection.connect(signal);
        return;
      } catch (error) {
        if (error instanceof SshHostKeyError) throw error;
        lastError = error;
      }
    }
    throw new Error(`could not reconnect: ${errorText(lastError)}`);
  }

  /** Kills what a dropped attempt may have left running and removes its dir. */
  private async removeStale(layout: RemoteEvaluationLayout): Promise<void> {
    // The kill script sits in a subshell so that its `exit` does not skip the removal.
    const command = `(${killGroupCommand(layout.pgidFile, this.options.killGraceSec ?? 2)}); rm -rf ${shellQuote(layout.dir)}`;
    await this.connection.run(command, { urgent: true });
  }

  /**
   * One try: the eval dir and the candidate by SFTP, then a single exec that prepares the work dir
   * and runs the evaluator, then the result file by SFTP. The dir is removed in the background.
   */
  private async attempt(request: EvaluationRequest, layout: RemoteEvaluationLayout, signal: AbortSignal): Promise<EvaluationResult> {
    await this.prepare(signal);
    await this.connection.mkdir(layout.dir);
    let result: EvaluationResult | undefined;
    try {
      const uploaded = posix.join(layout.dir, 'candidate.upload');
      await this.connection.writeFile(uploaded, request.candidateFileText);
      if (signal.aborted) throw new Error('evaluation cancelled');
      const run = await this.runEvaluator(request, layout, uploaded, signal);
      result = await this.interpret(run, layout);
      return result;
    } catch (error) {
      // A drop leaves the dir to the retry (removeStale) or to dispose(); anything else cleans up now.
      if (!(error instanceof SshConnectionLostError)) this.removeInBackground(layout.dir);
      throw error;
    } finally {
      if (result && !(this.options.keepFailedWorkDirs && result.status !== 'ok')) this.removeInBackground(layout.dir);
    }
  }

  /** Removes a finished evaluation's dir without making the caller wait; dispose() waits for these. */
  private removeInBackground(dir: string): void {
    this.track(this.connection.run(`rm -rf ${shellQuote(dir)}`, { urgent: true }));
  }

  private track(work: Promise<unknown>): void {
    const done: Promise<void> = work.then(
      () => undefined,
      () => undefined,
    ).finally(() => this.removals.delete(done));
    this.removals.add(done);
  }

  /** Resolves when the background removals started so far have finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.removals]);
  }

  private async runEvaluator(request: EvaluationRequest, layout: RemoteEvaluationLayout, uploaded: string, signal: AbortSignal): Promise<EvaluatorRun> {
    const timeoutMs = (this.options.timeoutSec ?? 60) * 1000;
    const graceSec = this.options.killGraceSec ?? 2;
    const env = { ...this.options.env, ...contractEnv(request, layout) };
    const command = evaluationCommand(this.setupDir, uploaded, layout, env, this.options.command);
    const state = { timedOut: false, cancelled: false, outputLimited: false };
    let killing: Promise<void> | undefined;
    let forceClose: ReturnType<typeof setTimeout> | undefined;
    const handle = this.connection.exec(command, {
      maxOutputBytes: this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      tailBytes: READ_TAIL_BYTES,
      onOutputLimit: () => {
        state.outputLimited = true;
        kill();
      },
    });
    const kill = () => {
      killing ??= this.connection
        .run(killGroupCommand(layout.pgidFile, graceSec), { urgent: true })
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => {
          // The group is gone; if the channel still hangs (a process escaped the group), stop waiting.
          forceClose = setTimeout(() => handle.close(), 3000);
        });
    };
    const timer = setTimeout(() => {
      state.timedOut = true;
      kill();
    }, timeoutMs);
    const onAbort = () => {
      state.cancelled = true;
      kill();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const outcome = await handle.done;
      await killing;
      return { outcome, ...state };
    } catch (error) {
      // A drop while we were killing it anyway does not deserve a retry.
      if ((state.timedOut || state.cancelled) && error instanceof SshConnectionLostError) {
        const outcome: SshExecOutcome = {
          exitCode: null, signal: null, stdoutTail: '', stderrTail: '', stdoutBytes: 0, stderrBytes: 0, outputLimited: false, aborted: true, durationMs: 0,
        };
        return { outcome, ...state };
      }
      throw error;
    } finally {
      clearTimeout(timer);
      if (forceClose) clearTimeout(forceClose);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async interpret(run: EvaluatorRun, layout: RemoteEvaluationLayout): Promise<EvaluationResult> {
    const { outcome } = run;
    const output = { stdoutTail: outcome.stdoutTail, stderrTail: outcome.stderrTail, durationMs: outcome.durationMs };
    if (run.cancelled) return notOkResult('cancelled', 'evaluation cancelled', output);
    if (run.timedOut) return notOkResult('timeout', `evaluator timed out after ${this.options.timeoutSec ?? 60} s`, output);
    if (run.outputLimited) {
      const mib = (this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES) / 1048576;
      return notOkResult('error', `output limit exceeded (${Number(mib.toFixed(2))} MiB)`, output);
    }
    let resultText: string | undefined;
    try {
      resultText = (await this.connection.readFile(layout.resultFile, MAX_RESULT_BYTES))?.toString('utf8');
    } catch (error) {
      if (error instanceof SshConnectionLostError) throw error;
      return notOkResult('error', `could not read the result file: ${errorText(error)}`, output);
    }
    if (outcome.exitCode === PREPARE_FAILED_EXIT && outcome.stderrTail.includes(PREPARE_FAILED_MESSAGE)) {
      const detail = outcome.stderrTail.split('\n').filter((l) => l.trim() && !l.includes(PREPARE_FAILED_MESSAGE)).pop() ?? '';
      return notOkResult('error', `could not prepare the remote work dir on ${this.label}${detail ? `: ${detail.trim()}` : ''}`, output);
    }
    return resultFromOutput(output, resultText, (contractError) =>
      explainExit(outcome.exitCode, outcome.signal, outcome.stderrTail, this.options.command, contractError),
    );
  }

  /** Removes this run's remote dir and releases the connection. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.preparing?.catch(() => undefined);
    await this.settled();
    try {
      await this.connection.connect();
      await this.connection.run(`rm -rf ${shellQuote(this.sessionDir)}`, { urgent: true });
    } catch (error) {
      this.options.log?.('warn', `could not remove ${this.label}:${this.sessionDir}: ${errorText(error)}`);
    }
    await this.pool.release(this.connection);
  }
}
