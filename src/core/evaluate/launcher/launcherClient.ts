// Runs evaluator processes through the evaluation launcher (launcherProcess.ts): started on first
// use, restarted after a crash, and replaced by spawning in this process when it cannot start (a
// launcher that exits before its first answer: the runs it held are run here instead).
// The launcher enforces the time, output and cancellation limits; this side keeps the pid of
// every process it was told about, so that a launcher that dies leaves no evaluator running. (One
// gap remains: a launcher killed between starting a process and reporting it, microseconds.)
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_TAIL_BYTES, killGroup, type ProcessOutcome, type SuperviseOptions } from '../processRunner';
import { ThisProcessSpawner, type EvaluationSpawner, type SpawnOptions, type SpawnRunOptions, type WarmStart } from '../spawner';
import { TailBuffer } from '../tailBuffer';
import { lineSplitter, type LauncherReply, type LauncherRequest } from './protocol';

/** Past the evaluation's own time limit and kill grace, how long the launcher may stay silent. */
const SILENT_LAUNCHER_MARGIN_MS = 10_000;
/**
 * Until the launcher first answers, it may still be starting: node (over the TypeScript sources
 * when run from them) took over 10 s on a loaded 2-core machine, and counting that against a
 * 2 s evaluation made evaluations "time out" that never started.
 */
const LAUNCHER_START_ALLOWANCE_MS = 60_000;
/**
 * A small young generation: the launcher's heap (and so every fork it makes) stays small; V8 would
 * otherwise grow it to 16 MB × 2 under a steady stream of short-lived objects.
 */
const LAUNCHER_NODE_FLAGS = ['--max-semi-space-size=1'];
/** Launchers that die in a row without starting anything before this client spawns here for good. */
const MAX_FAILED_STARTS = 2;

interface Pending {
  /** undefined: a warm process that is gone (the caller starts one afresh). */
  resolve: (outcome: ProcessOutcome | undefined) => void;
  /** The same run in this process: for a launcher that died before it started anything. */
  runHere: () => Promise<ProcessOutcome | undefined>;
  pid?: number;
  started: number;
  cleanup: () => void;
  /** The launcher reported the process started: its silence is counted from now. */
  restartSilence: () => void;
}

/** How to start the launcher: the bundled script next to this bundle, or the source under tsx. */
function launcherArgs(): { args: string[]; cwd: string } {
  const bundled = join(__dirname, 'evaluation-launcher.js');
  if (existsSync(bundled)) return { args: [bundled], cwd: __dirname };
  // Running from source (unit tests, benchmarks): the TypeScript through tsx.
  const packageRoot = join(__dirname, '..', '..', '..', '..');
  const tsx = pathToFileURL(join(packageRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  return { args: ['--import', tsx, join(__dirname, 'launcherProcess.ts')], cwd: packageRoot };
}

function failedOutcome(reason: string, started: number, fields: Partial<ProcessOutcome> = {}): ProcessOutcome {
  return {
    exitCode: null,
    signal: null,
    timedOut: false,
    cancelled: false,
    outputLimited: false,
    interrupted: reason,
    stdoutTail: '',
    stderrTail: '',
    stdoutBytes: 0,
    stderrBytes: 0,
    durationMs: Math.round(performance.now() - started),
    ...fields,
  };
}

export class LauncherClient implements EvaluationSpawner {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly start: { args: string[]; cwd: string };
  /** Runs that cannot go through a launcher are started here. */
  private readonly here: ThisProcessSpawner;
  private readonly pending = new Map<number, Pending>();
  /** Warm processes waiting in the launcher, by request id: their pids once known. */
  private readonly warm = new Map<number, number | undefined>();
  private readonly stderrTail = new TailBuffer(2048);
  private nextId = 1;
  private failedStarts = 0;
  /** Whether the running launcher has answered at all (a launcher that never did is broken). */
  private answered = false;
  private disposed = false;

  /**
   * @param baseEnv the environment every run starts from (sent to the launcher once).
   * @param start how to start the launcher (node arguments and folder); tests pass a broken one.
   */
  constructor(
    private readonly baseEnv: Record<string, string>,
    start?: { args: string[]; cwd: string },
  ) {
    this.start = start ?? launcherArgs();
    this.here = new ThisProcessSpawner(baseEnv);
  }

  /** The launcher's process id while it runs (tests kill it to see that nothing is lost). */
  get launcherPid(): number | undefined {
    return this.child?.pid;
  }

  /** Whether runs go through the launcher (false once it could not be started, or after dispose). */
  get usesLauncher(): boolean {
    return !this.disposed && this.failedStarts < MAX_FAILED_STARTS;
  }

  run(argv: string[], options: SpawnRunOptions): Promise<ProcessOutcome> {
    const runHere = () => this.here.run(argv, options);
    if (!(this.usesLauncher ? this.launcher() : undefined)) return runHere();
    const id = this.nextId++;
    return this.supervised(id, options, runHere, () =>
      this.send({
        type: 'run',
        id,
        argv,
        cwd: options.cwd,
        env: options.env,
        timeoutMs: options.timeoutMs,
        maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
        tailBytes: options.tailBytes ?? DEFAULT_TAIL_BYTES,
        killGraceMs: options.killGraceMs,
      }),
    ) as Promise<ProcessOutcome>;
  }

  startWarm(argv: string[], options: SpawnOptions): WarmStart {
    if (!(this.usesLauncher ? this.launcher() : undefined)) return { go: () => Promise.resolve(undefined), discard: () => undefined };
    const id = this.nextId++;
    this.warm.set(id, undefined);
    this.send({
      type: 'warm',
      id,
      argv,
      cwd: options.cwd,
      env: options.env,
      maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      tailBytes: options.tailBytes ?? DEFAULT_TAIL_BYTES,
    });
    return {
      go: (evaluationId, supervise) => {
        if (!this.warm.has(id) || !this.child) return Promise.resolve(undefined);
        const pid = this.warm.get(id);
        this.warm.delete(id);
        const pending = this.supervised(id, supervise, () => Promise.resolve(undefined), () =>
          this.send({ type: 'go', id, line: evaluationId, timeoutMs: supervise.timeoutMs, killGraceMs: supervise.killGraceMs }),
        );
        const entry = this.pending.get(id);
        if (entry) entry.pid = pid;
        return pending;
      },
      discard: () => {
        if (!this.warm.delete(id)) return;
        this.send({ type: 'cancel', id });
      },
    };
  }

  /** Sends a run (or go) and settles with its outcome; undefined for a warm process that was gone. */
  private supervised(
    id: number,
    options: SuperviseOptions,
    runHere: () => Promise<ProcessOutcome | undefined>,
    send: () => void,
  ): Promise<ProcessOutcome | undefined> {
    const started = performance.now();
    return new Promise((resolve) => {
      const { signal } = options;
      const onAbort = () => this.send({ type: 'cancel', id });
      // The launcher enforces the time limit; this only catches a launcher that stopped answering.
      const allowed = options.timeoutMs + (options.killGraceMs ?? 500) + SILENT_LAUNCHER_MARGIN_MS;
      const arm = (ms: number) =>
        setTimeout(() => {
          this.send({ type: 'cancel', id });
          this.settle(id, failedOutcome('the evaluation launcher stopped answering', started, { timedOut: true }));
        }, ms);
      let silence = arm(this.answered ? allowed : allowed + LAUNCHER_START_ALLOWANCE_MS);
      const cleanup = () => {
        clearTimeout(silence);
        signal?.removeEventListener('abort', onAbort);
      };
      const restartSilence = () => {
        clearTimeout(silence);
        silence = arm(allowed);
      };
      this.pending.set(id, { resolve, runHere, started, cleanup, restartSilence });
      signal?.addEventListener('abort', onAbort, { once: true });
      send();
      if (signal?.aborted) onAbort();
    });
  }

  /** Stops the launcher; it kills whatever it still runs. Later runs spawn in this process. */
  dispose(): void {
    this.disposed = true;
    this.stop('evaluation launcher stopped');
  }

  private launcher(): ChildProcessWithoutNullStreams | undefined {
    if (this.child) return this.child;
    const { args, cwd } = this.start;
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(process.execPath, [...LAUNCHER_NODE_FLAGS, ...args], {
        cwd,
        // ELECTRON_RUN_AS_NODE: in VS Code's extension host execPath is Electron, run as plain Node.
        env: { ...this.baseEnv, ELECTRON_RUN_AS_NODE: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch {
      this.failedStarts++;
      return undefined;
    }
    this.child = child;
    this.answered = false;
    child.stdout.on('data', lineSplitter((line) => this.receive(line)));
    child.stderr.on('data', (chunk: Buffer) => this.stderrTail.push(chunk));
    child.stdin.on('error', () => undefined);
    child.once('error', () => this.lost(child, 'could not start the evaluation launcher'));
    child.once('exit', (code, signal) => this.lost(child, `the evaluation launcher exited (${signal ?? `code ${code}`})`));
    this.send({ type: 'base-env', env: this.baseEnv });
    return child;
  }

  private send(message: LauncherRequest): void {
    if (this.child?.stdin.writable) this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  private receive(line: string): void {
    let message: LauncherReply;
    try {
      message = JSON.parse(line) as LauncherReply;
    } catch {
      return;
    }
    this.answered = true;
    this.failedStarts = 0;
    if (message.type === 'started') {
      const entry = this.pending.get(message.id);
      if (entry) {
        entry.pid = message.pid;
        entry.restartSilence();
      }
      else if (this.warm.has(message.id)) this.warm.set(message.id, message.pid);
    } else if (message.type === 'done') {
      this.settle(message.id, message.outcome);
    } else if (message.type === 'gone') {
      this.settle(message.id, undefined);
    }
  }

  private settle(id: number, outcome: ProcessOutcome | undefined): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    entry.cleanup();
    if ((outcome?.spawnError || outcome?.interrupted) && entry.pid !== undefined) killGroup(entry.pid, 'SIGKILL');
    entry.resolve(outcome);
  }

  /** The launcher is gone: its evaluations end with a clear reason and their processes die. */
  private lost(child: ChildProcessWithoutNullStreams, reason: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    // Its waiting processes cannot be handed an id any more: they die, later goes start afresh.
    for (const pid of this.warm.values()) if (pid !== undefined) killGroup(pid, 'SIGKILL');
    this.warm.clear();
    const detail = this.stderrTail.text().trim().split('\n').pop();
    if (this.answered) {
      this.failAll(detail ? `${reason}: ${detail}` : reason);
      return;
    }
    // It never answered, so it started nothing: its runs are run here, none is failed.
    this.failedStarts++;
    for (const [id, entry] of [...this.pending]) {
      this.pending.delete(id);
      entry.cleanup();
      void entry.runHere().then(entry.resolve);
    }
  }

  private stop(reason: string): void {
    const child = this.child;
    this.child = undefined;
    this.warm.clear();
    if (child) {
      // Closing stdin asks the launcher to kill what it runs and exit; SIGKILL if it does not.
      child.stdin.end();
      const force = setTimeout(() => child.kill('SIGKILL'), 2000);
      force.unref();
      child.once('exit', () => clearTimeout(force));
    }
    this.failAll(reason);
  }

  private failAll(reason: string): void {
    for (const [id, entry] of [...this.pending]) this.settle(id, failedOutcome(reason, entry.started));
  }
}
