// Process helpers shared by the tests that start real processes: find the ones a test started by
// a unique marker (our own sleep durations, e.g. "sleep 1000.419"), kill them, wait for them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Process ids whose command line starts with `marker`: the sleeps themselves, not a shell that
 * holds the marker in its script (such as a warm start, waiting).
 */
export function processesWith(marker: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && match[2].startsWith(marker))
    .map((match) => Number(match[1]));
}

export function kill(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function killAll(marker: string): void {
  for (const pid of processesWith(marker)) kill(pid);
}

/** Whether a process runs (a zombie nobody reaped yet counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `condition` every 25 ms for up to `ms`; true as soon as it holds. */
export async function waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (condition()) return true;
    if (Date.now() >= deadline) return false;
    await delay(25);
  }
}
