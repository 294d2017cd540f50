// The work dir's size limit: a candidate that writes a huge file, or many, is stopped before it
// fills the disk. Each file is capped by the shell (`ulimit -f`, processRunner.ts); the total is
// checked here, every half second or so while the evaluation runs (never for the quick ones),
// by summing what the dir's files take.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

const FIRST_CHECK_MS = 500;
/** Even for a large workspace, a check at least this often. */
const MAX_CHECK_INTERVAL_MS = 2000;
/** A check may cost at most about 1/20 of the time between checks (large workspaces). */
const CHECK_COST_FACTOR = 20;

/** Bytes a folder's files take (links not followed); stops counting once above `stopAbove`. */
export async function diskUsage(dir: string, stopAbove = Infinity): Promise<number> {
  let total = 0;
  const walk = async (path: string): Promise<void> => {
    let entries: string[];
    try {
      entries = await fs.readdir(path);
    } catch {
      return;
    }
    for (const name of entries) {
      if (total > stopAbove) return;
      const child = join(path, name);
      try {
        const stats = await fs.lstat(child);
        // The larger of size and blocks: blocks lag behind writes on some file systems (delayed
        // allocation), and a sparse file counts at its size, as `ulimit -f` counts it.
        total += Math.max(stats.size, stats.blocks * 512);
        if (stats.isDirectory()) await walk(child);
      } catch {
        // Removed while we looked: not counted.
      }
    }
  };
  await walk(dir);
  return total;
}

/**
 * Calls `onExceeded` (once) when `dir` uses more than `limitBytes`; checks until the returned
 * function is called.
 */
export function watchDisk(dir: string, limitBytes: number, onExceeded: () => void): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    const started = performance.now();
    const used = await diskUsage(dir, limitBytes);
    if (stopped) return;
    if (used > limitBytes) {
      stopped = true;
      onExceeded();
      return;
    }
    const cost = (performance.now() - started) * CHECK_COST_FACTOR;
    timer = setTimeout(() => void check(), Math.min(MAX_CHECK_INTERVAL_MS, Math.max(FIRST_CHECK_MS, cost)));
  };
  timer = setTimeout(() => void check(), FIRST_CHECK_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
