// bubblewrap (bwrap): a read-only view of the system, the home folders hidden (but for their
// toolchains), a writable work dir, no network, its own PID namespace. Used when it is installed and actually works (user namespaces may be disabled).
import { spawn } from 'node:child_process';
import type { HomeShield } from './homeShield';

export interface BubblewrapProbe {
  usable: boolean;
  /** Why it is not usable (not on PATH, or the probe run failed and how). */
  problem?: string;
}

let probe: Promise<BubblewrapProbe> | undefined;

/** Runs `bwrap --ro-bind / / true` once per process and remembers the answer. */
export function detectBubblewrap(): Promise<BubblewrapProbe> {
  probe ??= new Promise<BubblewrapProbe>((resolve) => {
    let stderr = '';
    const child = spawn('bwrap', ['--ro-bind', '/', '/', '--unshare-pid', '--unshare-net', 'true'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8');
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ usable: false, problem: error.code === 'ENOENT' ? 'bwrap is not on PATH' : `bwrap failed to start: ${error.message}` });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ usable: true });
      else resolve({ usable: false, problem: `bwrap probe failed (${signal ?? `exit ${code}`}): ${stderr.trim().slice(0, 300)}` });
    });
  });
  return probe;
}

export interface BubblewrapOptions {
  /** Directories the command may write (the evaluation's work dir and its result file's dir). */
  writableDirs: string[];
  /** Directories under /tmp that must stay visible, read-only (the tmpfs would hide them). */
  readOnlyDirs?: string[];
  /** Directory the command starts in. */
  cwd: string;
  allowNetwork?: boolean;
  /** Extra device nodes to expose read-write (e.g. /dev/nvidia0 for GPU evaluators). */
  devices?: string[];
  /** Home folders hidden behind an empty tmpfs, their toolchains bound back read-only (homeShield.ts). */
  shield?: HomeShield;
  /** Size of each tmpfs (/tmp, the hidden homes) in bytes: what a candidate writes there is memory. */
  tmpfsBytes?: number;
}

/**
 * Wraps an argv in bwrap. /tmp and the hidden homes are fresh tmpfs; they are mounted before the
 * other binds so a work dir (or a workspace) that lives under one of them stays visible.
 */
export function bubblewrapArgv(argv: string[], options: BubblewrapOptions): string[] {
  const tmpfs = (dir: string) => (options.tmpfsBytes ? ['--size', String(options.tmpfsBytes), '--tmpfs', dir] : ['--tmpfs', dir]);
  const args = ['bwrap', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', ...tmpfs('/tmp')];
  const shield = options.shield;
  if (shield) {
    for (const dir of shield.hidden) args.push(...tmpfs(dir));
    for (const dir of shield.readable) args.push('--ro-bind', dir, dir);
    for (const file of shield.masked) args.push('--ro-bind', '/dev/null', file);
  }
  for (const device of options.devices ?? []) args.push('--dev-bind', device, device);
  for (const dir of options.readOnlyDirs ?? []) args.push('--ro-bind', dir, dir);
  for (const dir of options.writableDirs) args.push('--bind', dir, dir);
  if (!options.allowNetwork) args.push('--unshare-net');
  args.push('--unshare-pid', '--die-with-parent', '--chdir', options.cwd, ...argv);
  return args;
}
