// Runs one shell command as its own process group and always settles: on timeout, cancellation
// or too much output the whole group is killed (execa's own timeout kills only the direct child,
// and a grandchild holding the pipes would keep its promise pending; see FACTS.md).
//
// node:child_process, not execa (which the design names for the local runner): execa 9 costs this
// process 0.5–0.8 ms of CPU per spawn on top of spawn's own ~0.9 ms (measured on 2 cores with a
// trivial command and the leanest execa options: buffer false, encoding 'buffer', lines false,
// cleanup false), i.e. 20–30% of a ~2.5 ms trivial evaluation, more than the 10% the pool may
// cost over spawning directly. Nothing execa adds is used here: the command always runs through
// /bin/sh (no PATH or shebang handling needed), the streams and 'exit' are watched below, and
// its timeout and cancellation would not reach the process group anyway.
import { spawn, type ChildProcess } from 'node:child_process';
import { LastObjectLine, TailBuffer } from './tailBuffer';

export const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
export const DEFAULT_TAIL_BYTES = 4096;
const DEFAULT_KILL_GRACE_MS = 500;
/** How long the pipes may stay open after the process group is gone before we stop reading. */
const PIPE_DRAIN_MS = 250;

/** How to run one process (an argv already built) and when to stop it. */
export interface RunProcessOptions {
  cwd: string;
  /** The complete environment of the process (nothing is inherited implicitly). */
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Total stdout + stderr bytes after which the group is killed. */
  maxOutputBytes?: number;
  /** Bytes of each stream's tail kept in memory and returned. */
  tailBytes?: number;
  killGraceMs?: number;
  /** Called once the process has started: its pid is also its process group id. */
  onSpawn?: (pid: number) => void;
}

export interface RunCommandOptions extends RunProcessOptions {
  /** Shell command line, run with `/bin/sh -c`. */
  command: string;
  /** Address-space limit (ulimit -v) in MiB; 0 or undefined for none. */
  memoryMb?: number;
  /** Largest file the command may write (ulimit -f) in MiB; 0 or undefined for none. */
  fileSizeMb?: number;
  /** Turns the final argv (`/bin/sh -c SCRIPT`) into the one to spawn, e.g. a bubblewrap wrapper. */
  wrapArgv?: (argv: string[]) => string[];
  /**
   * A warm start: the shell first waits for one line on stdin (see WatchedProcess.release), takes
   * it as GENESIS_EVALUATION_ID, and only then runs the command.
   */
  waitForEvaluationId?: boolean;
}

/** What a process needs from the start: where it runs and how its output is kept. */
export type StartOptions = Pick<RunProcessOptions, 'cwd' | 'env' | 'maxOutputBytes' | 'tailBytes' | 'onSpawn'> & {
  /** Keep stdin open for release() (a warm start); otherwise stdin is /dev/null. */
  holdStdin?: boolean;
};

/** When a started process must stop. */
export type SuperviseOptions = Pick<RunProcessOptions, 'timeoutMs' | 'signal' | 'killGraceMs'>;

export interface ProcessOutcome {
  /** Exit code, or null when the process was ended by a signal. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  outputLimited: boolean;
  /** Set when the process could not be started at all. */
  spawnError?: string;
  /** Set when the process was lost with the evaluation launcher that ran it (it was killed). */
  interrupted?: string;
  /** The process's pid (also its group's id). */
  pid?: number;
  /** Its pipes stayed open after its group was killed: a process that left the group holds them. */
  pipesHeldAfterExit?: boolean;
  stdoutTail: string;
  stderrTail: string;
  /** The last stdout line starting with `{` when the stdout tail does not hold it whole (a long result line). */
  resultLine?: string;
  stdoutBytes: number;
  stderrBytes: number;
  durationMs: number;
}

/**
 * The script run by /bin/sh: the memory limit and the file size limit first, each on its own
 * line, then the user's command. `ulimit -f` counts 512-byte blocks in a POSIX shell.
 */
export function shellScript(command: string, memoryMb: number | undefined, fileSizeMb?: number): string {
  let limits = '';
  if (memoryMb && memoryMb > 0) {
    const kib = Math.floor(memoryMb * 1024);
    limits += `ulimit -v ${kib} || { echo "genesis: could not set memory limit (ulimit -v ${kib})" >&2; exit 125; }\n`;
  }
  if (fileSizeMb && fileSizeMb > 0) {
    const blocks = Math.floor(fileSizeMb * 2048);
    limits += `ulimit -f ${blocks} || { echo "genesis: could not set file size limit (ulimit -f ${blocks})" >&2; exit 125; }\n`;
  }
  return limits + command;
}

/**
 * The first lines of a warm start's script: wait for the evaluation id (a closed stdin without a
 * line means "not needed after all": exit quietly), then give the command /dev/null as stdin.
 */
const WAIT_FOR_EVALUATION_ID = 'IFS= read -r GENESIS_EVALUATION_ID || exit 0\nexport GENESIS_EVALUATION_ID\nexec </dev/null\n';

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  // Usually the group is already gone (ESRCH): the error's stack trace would cost more than the kill.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** The argv that runs a command line: /bin/sh -c with the memory limit, then any wrapper. */
export function commandArgv(options: Pick<RunCommandOptions, 'command' | 'memoryMb' | 'fileSizeMb' | 'wrapArgv' | 'waitForEvaluationId'>): string[] {
  const script = shellScript(options.command, options.memoryMb, options.fileSizeMb);
  const argv = ['/bin/sh', '-c', options.waitForEvaluationId ? WAIT_FOR_EVALUATION_ID + script : script];
  return options.wrapArgv ? options.wrapArgv(argv) : argv;
}

export function runCommand(options: RunCommandOptions): Promise<ProcessOutcome> {
  return runProcess(commandArgv(options), options);
}

export function runProcess(argv: string[], options: RunProcessOptions): Promise<ProcessOutcome> {
  if (options.signal?.aborted) return Promise.resolve(new WatchedProcess(undefined, options).outcome({ cancelled: true }));
  return new WatchedProcess(argv, options).supervise(options);
}

/**
 * A process in its own group (so that a timeout can kill children and grandchildren too), whose
 * output is collected from the moment it starts: tails kept, the whole group killed past the
 * output cap. supervise() arms the time limit and cancellation and settles once the process has
 * exited and its pipes are drained (or given up on). A warm start (holdStdin) is started ahead of
 * its evaluation and waits for release().
 */
export class WatchedProcess {
  readonly pid: number | undefined;
  private readonly child: ChildProcess | undefined;
  private readonly stdout: TailBuffer;
  private readonly stderr: TailBuffer;
  private readonly tailBytes: number;
  private readonly resultLines: LastObjectLine;
  private readonly maxOutput: number;
  private startedAt = performance.now();
  private exitStatus: { code: number | null; signal: string | null } | undefined;
  private spawnError: string | undefined;
  private outputLimited = false;
  private openStreams = 2;
  private drainTimer: NodeJS.Timeout | undefined;
  private pipesHeld = false;
  /** Set by supervise(): called whenever the process may have finished. */
  private onChange: (() => void) | undefined;

  /** With argv undefined, a process that never starts (for an outcome without one). */
  constructor(argv: string[] | undefined, options: StartOptions) {
    this.tailBytes = options.tailBytes ?? DEFAULT_TAIL_BYTES;
    this.stdout = new TailBuffer(this.tailBytes);
    this.stderr = new TailBuffer(this.tailBytes);
    this.maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.resultLines = new LastObjectLine(this.maxOutput);
    if (!argv) return;
    try {
      // detached: setsid(), so the process leads a group of its own.
      this.child = spawn(argv[0], argv.slice(1), {
        cwd: options.cwd,
        env: options.env,
        detached: true,
        stdio: [options.holdStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      this.spawnError = error instanceof Error ? error.message : String(error);
      return;
    }
    const child = this.child;
    this.pid = child.pid;
    if (this.pid !== undefined) options.onSpawn?.(this.pid);
    child.stdin?.on('error', () => undefined);
    for (const [stream, buffer] of [
      [child.stdout, this.stdout],
      [child.stderr, this.stderr],
    ] as const) {
      if (!stream) {
        this.openStreams--;
        continue;
      }
      stream.on('data', (chunk: Buffer) => this.collect(buffer, chunk));
      stream.once('close', () => {
        this.openStreams--;
        this.onChange?.();
      });
      stream.on('error', () => undefined);
    }
    child.once('error', (error) => {
      if (this.pid === undefined) {
        this.spawnError = error.message;
        this.openStreams = 0;
        this.onChange?.();
      }
    });
    child.once('exit', (code, signal) => {
      this.exitStatus = { code, signal };
      // Leftover background processes of the evaluator die with it.
      this.kill();
      // A process that left the group (setsid) may still hold the pipes: stop waiting for them.
      this.drainTimer = setTimeout(() => {
        this.pipesHeld = true;
        child.stdout?.destroy();
        child.stderr?.destroy();
        this.openStreams = 0;
        this.onChange?.();
      }, PIPE_DRAIN_MS);
      this.onChange?.();
    });
  }

  /** Whether the process has ended (or never started). */
  get ended(): boolean {
    return this.exitStatus !== undefined || this.spawnError !== undefined;
  }

  /** Hands a warm start its line (the evaluation id) and closes its stdin; false if it is gone. */
  release(line: string): boolean {
    const stdin = this.child?.stdin;
    if (this.ended || !stdin?.writable) return false;
    this.startedAt = performance.now();
    stdin.end(`${line}\n`);
    return true;
  }

  /** Kills the whole group now. */
  kill(): void {
    if (this.pid !== undefined) killGroup(this.pid, 'SIGKILL');
  }

  supervise(options: SuperviseOptions): Promise<ProcessOutcome> {
    const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    return new Promise<ProcessOutcome>((resolve) => {
      let timedOut = false;
      let cancelled = false;
      let killTimer: NodeJS.Timeout | undefined;
      const pid = this.pid;
      const terminate = () => {
        if (pid === undefined || killTimer) return;
        killGroup(pid, 'SIGTERM');
        killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      };
      const timeout = setTimeout(() => {
        timedOut = true;
        terminate();
      }, options.timeoutMs);
      const onAbort = () => {
        cancelled = true;
        terminate();
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.signal?.aborted) onAbort();
      this.onChange = () => {
        if (!this.ended || (this.spawnError === undefined && this.openStreams > 0)) return;
        this.onChange = undefined;
        clearTimeout(timeout);
        clearTimeout(killTimer);
        clearTimeout(this.drainTimer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(this.outcome({ timedOut, cancelled: cancelled && !timedOut }));
      };
      this.onChange();
    });
  }

  /** What is known of the process now, with `fields` on top. */
  outcome(fields: Partial<ProcessOutcome>): ProcessOutcome {
    const resultLine = this.resultLines.lineOutside(this.tailBytes);
    return {
      exitCode: this.exitStatus?.code ?? null,
      signal: this.exitStatus?.signal ?? null,
      timedOut: false,
      cancelled: false,
      outputLimited: this.outputLimited,
      ...(this.spawnError !== undefined ? { spawnError: this.spawnError } : {}),
      stdoutTail: this.stdout.text(),
      stderrTail: this.stderr.text(),
      ...(resultLine !== undefined ? { resultLine } : {}),
      ...(this.pid !== undefined ? { pid: this.pid } : {}),
      ...(this.pipesHeld ? { pipesHeldAfterExit: true } : {}),
      stdoutBytes: this.stdout.totalBytes,
      stderrBytes: this.stderr.totalBytes,
      durationMs: Math.round(performance.now() - this.startedAt),
      ...fields,
    };
  }

  private collect(buffer: TailBuffer, chunk: Buffer): void {
    buffer.push(chunk);
    if (buffer === this.stdout) this.resultLines.push(chunk);
    if (!this.outputLimited && this.stdout.totalBytes + this.stderr.totalBytes > this.maxOutput) {
      this.outputLimited = true;
      // No grace: a process flooding its output has nothing useful left to say.
      this.kill();
    }
  }
}
