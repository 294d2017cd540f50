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
import { TailBuffer } from './tailBuffer';

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
  /** Turns the final argv (`/bin/sh -c SCRIPT`) into the one to spawn, e.g. a bubblewrap wrapper. */
  wrapArgv?: (argv: string[]) => string[];
}

export interface ProcessOutcome {
  /** Exit code, or null when the process was ended by a signal. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  outputLimited: boolean;
  /** Set when the process could not be started at all. */
  spawnError?: string;
  stdoutTail: string;
  stderrTail: string;
  stdoutBytes: number;
  stderrBytes: number;
  durationMs: number;
}

/** The script run by /bin/sh: the memory limit first, on its own line, then the user's command. */
export function shellScript(command: string, memoryMb: number | undefined): string {
  if (!memoryMb || memoryMb <= 0) return command;
  const kib = Math.floor(memoryMb * 1024);
  return `ulimit -v ${kib} || { echo "genesis: could not set memory limit (ulimit -v ${kib})" >&2; exit 125; }\n${command}`;
}

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
export function commandArgv(options: Pick<RunCommandOptions, 'command' | 'memoryMb' | 'wrapArgv'>): string[] {
  const argv = ['/bin/sh', '-c', shellScript(options.command, options.memoryMb)];
  return options.wrapArgv ? options.wrapArgv(argv) : argv;
}

export function runCommand(options: RunCommandOptions): Promise<ProcessOutcome> {
  return runProcess(commandArgv(options), options);
}

export async function runProcess(argv: string[], options: RunProcessOptions): Promise<ProcessOutcome> {
  const started = performance.now();
  const tailBytes = options.tailBytes ?? DEFAULT_TAIL_BYTES;
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const stdout = new TailBuffer(tailBytes);
  const stderr = new TailBuffer(tailBytes);

  const outcome = (fields: Partial<ProcessOutcome>): ProcessOutcome => ({
    exitCode: null,
    signal: null,
    timedOut: false,
    cancelled: false,
    outputLimited: false,
    stdoutTail: stdout.text(),
    stderrTail: stderr.text(),
    stdoutBytes: stdout.totalBytes,
    stderrBytes: stderr.totalBytes,
    durationMs: Math.round(performance.now() - started),
    ...fields,
  });

  if (options.signal?.aborted) return outcome({ cancelled: true });

  let child: ChildProcess;
  try {
    // detached: its own process group, so a timeout can kill children and grandchildren too.
    child = spawn(argv[0], argv.slice(1), { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    return outcome({ spawnError: error instanceof Error ? error.message : String(error) });
  }

  return new Promise<ProcessOutcome>((resolve) => {
    let timedOut = false;
    let cancelled = false;
    let outputLimited = false;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let exit: { code: number | null; signal: string | null } | undefined;
    let spawnError: string | undefined;
    let openStreams = 2;
    let settled = false;
    const pid = child.pid;
    if (pid !== undefined) options.onSpawn?.(pid);

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

    const finish = () => {
      if (settled || (!exit && spawnError === undefined) || openStreams > 0) return;
      settled = true;
      clearTimeout(timeout);
      clearTimeout(killTimer);
      clearTimeout(drainTimer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(
        outcome({
          exitCode: exit?.code ?? null,
          signal: exit?.signal ?? null,
          timedOut,
          cancelled: cancelled && !timedOut,
          outputLimited,
          spawnError,
        }),
      );
    };

    const onData = (buffer: TailBuffer) => (chunk: Buffer) => {
      buffer.push(chunk);
      if (!outputLimited && stdout.totalBytes + stderr.totalBytes > maxOutput) {
        outputLimited = true;
        // No grace: a process flooding its output has nothing useful left to say.
        if (pid !== undefined) killGroup(pid, 'SIGKILL');
      }
    };
    const onStreamEnd = () => {
      openStreams--;
      finish();
    };
    for (const [stream, buffer] of [
      [child.stdout, stdout],
      [child.stderr, stderr],
    ] as const) {
      if (!stream) {
        openStreams--;
        continue;
      }
      stream.on('data', onData(buffer));
      stream.once('close', onStreamEnd);
      stream.on('error', () => undefined);
    }

    child.once('error', (error) => {
      if (pid === undefined) {
        spawnError = error.message;
        openStreams = 0;
        finish();
      }
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      // Leftover background processes of the evaluator die with it.
      if (pid !== undefined) killGroup(pid, 'SIGKILL');
      // A process that left the group (setsid) may still hold the pipes: stop waiting for them.
      drainTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        openStreams = 0;
        finish();
      }, PIPE_DRAIN_MS);
      finish();
    });
  });
}
