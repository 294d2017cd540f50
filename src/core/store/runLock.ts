// One writer per run: whoever evolves, resumes or re-runs a run holds `writer.lock` in its
// folder, created atomically (O_EXCL), holding pid, host and start time. A second writer (the
// extension and the CLI on one run, two `runs resume` at once) is refused with who holds it,
// before it reads or writes anything. A lock whose holder died on this host is taken over; a
// lock from another host (a runs folder on a shared disk) cannot be checked and is respected.
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'writer.lock';

export interface LockHolder {
  pid: number;
  host: string;
  /** When the holder took the lock (ms since the epoch). */
  since: number;
  /** The holder's process start time (Linux: /proc/PID/stat field 22), to tell a reused pid apart. */
  processStart?: string;
}

export class RunLockedError extends Error {
  constructor(
    readonly runId: string,
    readonly holder: LockHolder | undefined,
    readonly lockPath: string,
  ) {
    super(describeLock(runId, holder, lockPath));
    this.name = 'RunLockedError';
  }
}

function describeLock(runId: string, holder: LockHolder | undefined, lockPath: string): string {
  if (!holder) return `run ${runId} is being written by another process (its lock ${lockPath} is being created); try again in a moment`;
  const since = new Date(holder.since).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const base = `run ${runId} is being written by process ${holder.pid} (host ${holder.host}, since ${since})`;
  if (holder.host !== hostname()) {
    return `${base}; that host cannot be checked from here: once that process has ended (or if the run was copied from there), delete ${lockPath}`;
  }
  return `${base}; wait for it to finish or stop it, then try again`;
}

/** A held lock; release() is idempotent and also runs when the process exits. */
export interface RunLock {
  readonly path: string;
  release(): void;
}

/** Locks taken by this process, so that one left by a dead process with our (reused) pid is not mistaken for ours. */
const heldHere = new Map<string, string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Ctrl+C, an uncaught error, process.exit(): the lock goes with the process. (SIGKILL leaves it; the next writer sees the holder is dead.)
  process.on('exit', () => {
    for (const [path, body] of heldHere) removeIfOurs(path, body);
  });
}

export interface LockOptions {
  /** For tests: the identity written into the lock. */
  pid?: number;
  host?: string;
  now?: () => number;
}

/**
 * Takes the run's writer lock in its (existing) folder, or throws RunLockedError naming the
 * holder. A stale lock (its process is gone from this host) is replaced.
 */
export function acquireRunLock(runDir: string, runId: string, options: LockOptions = {}): RunLock {
  const path = join(runDir, LOCK_FILE);
  const pid = options.pid ?? process.pid;
  const holder: LockHolder = { pid, host: options.host ?? hostname(), since: (options.now ?? Date.now)() };
  const start = processStartOf(pid);
  if (start !== undefined) holder.processStart = start;
  const body = JSON.stringify(holder) + '\n';
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(path, body)) {
      heldHere.set(path, body);
      installExitHook();
      let released = false;
      return {
        path,
        release: () => {
          if (released) return;
          released = true;
          heldHere.delete(path);
          removeIfOurs(path, body);
        },
      };
    }
    const existing = readLock(path);
    if (existing === 'gone') continue; // released between our attempt and the read: try again
    if (!isStale(existing, path)) throw new RunLockedError(runId, existing.holder, path);
    takeOverStale(path, existing.text);
  }
  throw new RunLockedError(runId, undefined, path);
}

/** The holder of a run's lock when it is held by a live process (or one that cannot be checked), else undefined. */
export function runLockHolder(runDir: string): LockHolder | undefined {
  const path = join(runDir, LOCK_FILE);
  const existing = readLock(path);
  if (existing === 'gone' || isStale(existing, path)) return undefined;
  return existing.holder;
}

/** O_EXCL create with the whole body written: false when the file exists already. */
function createExclusive(path: string, body: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, body);
  } catch (error) {
    // A full disk: no empty lock may be left to block the next writer.
    closeSync(fd);
    rmSync(path, { force: true });
    throw error;
  }
  closeSync(fd);
  return true;
}

interface ExistingLock {
  text: string;
  holder: LockHolder | undefined;
}

function readLock(path: string): ExistingLock | 'gone' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  return { text, holder: parseHolder(text) };
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { pid, host, since, processStart } = value as Record<string, unknown>;
    if (!Number.isInteger(pid) || (pid as number) <= 0 || typeof host !== 'string' || typeof since !== 'number') return undefined;
    return { pid: pid as number, host, since, ...(typeof processStart === 'string' ? { processStart } : {}) };
  } catch {
    return undefined;
  }
}

/** How long an unreadable lock (a writer between create and write, or a damaged file) is honoured. */
const UNREADABLE_GRACE_MS = 10_000;

function isStale(existing: ExistingLock, path: string): boolean {
  const holder = existing.holder;
  if (!holder) {
    try {
      return Date.now() - statSync(path).mtimeMs > UNREADABLE_GRACE_MS;
    } catch {
      return true;
    }
  }
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return heldHere.get(path) !== existing.text;
  if (!processAlive(holder.pid)) return true;
  // The pid lives, but it may be another process that got the dead holder's pid.
  const start = processStartOf(holder.pid);
  return holder.processStart !== undefined && start !== undefined && start !== holder.processStart;
}

/**
 * Moves a stale lock aside so the next exclusive create can succeed. If another writer replaced
 * the stale lock meanwhile (the file moved is not the one judged stale), it is put back.
 */
function takeOverStale(path: string, staleText: string): void {
  const aside = `${path}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  let moved = '';
  try {
    moved = readFileSync(aside, 'utf8');
  } catch {
    // unreadable: treat as the stale one
    moved = staleText;
  }
  if (moved !== staleText) {
    try {
      linkSync(aside, path); // fails when yet another writer holds it now; then theirs stands
    } catch {
      // theirs stands
    }
  }
  rmSync(aside, { force: true });
}

function removeIfOurs(path: string, body: string): void {
  try {
    if (readFileSync(path, 'utf8') === body) rmSync(path, { force: true });
  } catch {
    // already gone
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Linux: the process's start time in clock ticks since boot; elsewhere undefined. */
function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}
