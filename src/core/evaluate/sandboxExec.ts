// The macOS sandbox: `sandbox-exec` (present on every macOS) with a profile in Apple's sandbox
// profile language (SBPL) that lets a candidate write only its work dir and the temp folders,
// reach no network (but local Unix sockets), and read nothing of the home folders but their
// toolchains. Later rules win over earlier ones in SBPL, so each deny comes before its exceptions.
// Generated here and checked as text by the tests (it cannot run on Linux).
import type { HomeShield } from './homeShield';

export const SANDBOX_EXEC = '/usr/bin/sandbox-exec';

export interface SandboxExecOptions {
  /** Real paths (macOS: /private/var/…, not /var/…) the command may write: the work dir, temp folders. */
  writableDirs: string[];
  /** Real paths readable even inside a hidden home (the workspace, when it lives there). */
  readOnlyDirs?: string[];
  shield?: HomeShield;
  allowNetwork?: boolean;
}

/** An SBPL string literal. */
export function sbplString(text: string): string {
  if (/[\0\n\r]/.test(text)) throw new Error(`a path with a control character cannot go into a sandbox profile: ${JSON.stringify(text)}`);
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function subpaths(dirs: string[]): string {
  return dirs.map((d) => `(subpath ${sbplString(d)})`).join(' ');
}

export function sandboxExecProfile(options: SandboxExecOptions): string {
  const lines = ['(version 1)', '(allow default)'];
  if (!options.allowNetwork) {
    lines.push('(deny network*)', '(allow network* (remote unix-socket))');
  }
  // Writes: nowhere but the work dir, the temp folders and the harmless devices.
  lines.push(
    '(deny file-write*)',
    `(allow file-write* ${subpaths(options.writableDirs)} (literal "/dev/null") (literal "/dev/zero") (literal "/dev/tty") (literal "/dev/dtracehelper") (regex #"^/dev/fd/"))`,
  );
  const shield = options.shield;
  if (shield && shield.hidden.length > 0) {
    lines.push(`(deny file-read* ${subpaths(shield.hidden)})`);
    // The folders themselves may be listed (path lookups walk through them); their content stays hidden.
    lines.push(`(allow file-read-metadata ${shield.hidden.map((d) => `(literal ${sbplString(d)})`).join(' ')})`);
    const readable = [...shield.readable, ...(options.readOnlyDirs ?? []), ...options.writableDirs];
    if (readable.length > 0) lines.push(`(allow file-read* ${subpaths(readable)})`);
    if (shield.masked.length > 0) lines.push(`(deny file-read* ${shield.masked.map((f) => `(literal ${sbplString(f)})`).join(' ')})`);
  }
  return `${lines.join('\n')}\n`;
}

/** Wraps an argv in sandbox-exec with the profile. */
export function sandboxExecArgv(argv: string[], options: SandboxExecOptions): string[] {
  return [SANDBOX_EXEC, '-p', sandboxExecProfile(options), ...argv];
}
