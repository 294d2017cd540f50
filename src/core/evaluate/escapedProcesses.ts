// Without a sandbox, a candidate can leave its process group (`setsid nohup sleep 3600 &`) and
// outlive the evaluation, where killing the group does not reach it. Such processes are found by
// what they carry from the evaluation: GENESIS_WORKDIR in their initial environment
// (/proc/PID/environ) or a working directory inside the evaluation's folder, and killed. Linux
// only (/proc). Reading another process's environment costs about a millisecond here, so callers
// narrow the scan to pids newer than the evaluation's own where they can.
//
// Limit: a process that both clears its environment (exec with an empty one) and leaves the work
// dir is not found; bubblewrap's PID namespace (the default) ends every process of an evaluation.
import { promises as fs } from 'node:fs';

export interface EscapeMarker {
  /** GENESIS_WORKDIR of the evaluation, or the start of it shared by all of a run's evaluations. */
  workDir: string;
  /** true: the variable equals workDir; false: it starts with it (a copy's root). */
  exact: boolean;
  /** Folder a process's working directory must not be inside. */
  folder: string;
}

/** Whether /proc can be scanned here. */
export async function canScanProcesses(): Promise<boolean> {
  try {
    await fs.access('/proc/self/environ');
    return true;
  } catch {
    return false;
  }
}

async function carriesMarker(pid: number, marker: EscapeMarker): Promise<boolean> {
  try {
    const cwd = await fs.readlink(`/proc/${pid}/cwd`);
    if (cwd === marker.folder || cwd.startsWith(`${marker.folder}/`)) return true;
  } catch {
    // Gone, or another user's.
  }
  try {
    const environ = await fs.readFile(`/proc/${pid}/environ`);
    const variable = Buffer.from(`GENESIS_WORKDIR=${marker.workDir}${marker.exact ? '\0' : ''}`);
    // The first variable has no NUL before it.
    return environ.subarray(0, variable.length).equals(variable) || environ.includes(Buffer.concat([Buffer.from([0]), variable]));
  } catch {
    return false;
  }
}

/**
 * Kills (SIGKILL) the processes that carry the marker; with `newerThan`, looks only at pids above
 * it (unless pids have wrapped around since). Returns the pids killed.
 */
export async function killEscapedProcesses(marker: EscapeMarker, newerThan?: number): Promise<number[]> {
  let pids: number[];
  try {
    pids = (await fs.readdir('/proc')).filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return [];
  }
  const highest = Math.max(0, ...pids);
  // Without a wrap-around, a process started after the evaluation has a higher pid.
  const window = newerThan !== undefined && highest > newerThan ? pids.filter((p) => p > newerThan) : pids;
  const killed: number[] = [];
  await Promise.all(
    window.map(async (pid) => {
      if (pid === process.pid || pid === process.ppid) return;
      if (!(await carriesMarker(pid, marker))) return;
      try {
        process.kill(pid, 'SIGKILL');
        killed.push(pid);
      } catch {
        // Already gone.
      }
    }),
  );
  return killed;
}
