// Asking Slurm about jobs without sacct (which needs slurmdbd): `squeue` while a job is known to
// the queue (one call for every job in flight), then `scontrol show job` for its final state.
import { constants } from 'node:os';
import { shellQuote } from './shell';
import type { SubmitHost } from './submitHost';

/** States after which a job runs no more (squeue may still list some of them briefly). */
export const TERMINAL_STATES = new Set([
  'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED', 'SPECIAL_EXIT', 'REVOKED',
]);

export interface FinalJobState {
  /** e.g. COMPLETED, FAILED, CANCELLED; UNKNOWN when Slurm no longer knows the job. */
  state: string;
  exitCode: number | null;
  /** Signal that ended the batch script, e.g. SIGKILL (from ExitCode's second number). */
  signal: string | null;
  reason: string | null;
  /** The raw "a:b" ExitCode, for messages. */
  exitCodeText: string | null;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}

function signalName(number: number): string | null {
  if (number === 0) return null;
  const name = Object.entries(constants.signals).find(([, n]) => n === number)?.[0];
  return name ?? `signal ${number}`;
}

/** Parses `sbatch --parsable` output: "ID" or "ID;cluster". */
export function parseSbatchOutput(stdout: string): string | undefined {
  const match = /^(\d+)(?:;\S+)?$/m.exec(stdout.trim());
  return match?.[1];
}

/** Parses one line of `scontrol show job -o ID`. */
export function parseScontrolJob(text: string): FinalJobState | undefined {
  const state = /\bJobState=(\S+)/.exec(text)?.[1];
  if (!state) return undefined;
  const exit = /\bExitCode=(\d+):(\d+)/.exec(text);
  const reason = /\bReason=(\S+)/.exec(text)?.[1] ?? null;
  return {
    state,
    exitCode: exit ? Number(exit[1]) : null,
    signal: exit ? signalName(Number(exit[2])) : null,
    reason: reason && reason !== 'None' ? reason : null,
    exitCodeText: exit ? `${exit[1]}:${exit[2]}` : null,
  };
}

/** Parses `sacct -n -P -X -o State,ExitCode` ("CANCELLED by 0|0:15"). */
export function parseSacct(text: string): FinalJobState | undefined {
  const line = text.trim().split('\n')[0];
  const match = /^([A-Z_]+)[^|]*\|(\d+):(\d+)/.exec(line ?? '');
  if (!match) return undefined;
  return { state: match[1], exitCode: Number(match[2]), signal: signalName(Number(match[3])), reason: null, exitCodeText: `${match[2]}:${match[3]}` };
}

/**
 * Batches `squeue` calls: every job's poll that arrives within a short window shares one
 * `squeue -h -j A,B,C -o '%i %T'` call. A job missing from the answer has left the queue (null).
 */
export class SqueueBatcher {
  private pending = new Map<string, { resolve: (state: string | null) => void; reject: (error: Error) => void }[]>();
  private scheduled: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: SubmitHost,
    private readonly windowMs = 25,
  ) {}

  /** The job's squeue state (PENDING, RUNNING, COMPLETING, ...) or null when squeue no longer lists it. */
  stateOf(jobId: string): Promise<string | null> {
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(jobId) ?? [];
      waiters.push({ resolve, reject });
      this.pending.set(jobId, waiters);
      this.scheduled ??= setTimeout(() => void this.flush(), this.windowMs);
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = undefined;
    const batch = this.pending;
    this.pending = new Map();
    const ids = [...batch.keys()];
    const result = await this.host.run(`squeue -h -j ${ids.join(',')} -o '%i %T'`);
    const states = new Map<string, string>();
    let error: Error | undefined;
    if (result.exitCode === 0) {
      for (const line of result.stdout.split('\n')) {
        const [id, state] = line.trim().split(/\s+/);
        if (id && state) states.set(id, state);
      }
    } else if (!/Invalid job id/i.test(result.stderr)) {
      error = new Error(`squeue failed on ${this.host.label}: ${lastLine(result.stderr) || `exit ${result.exitCode ?? 'killed'}`}`);
    }
    for (const [id, waiters] of batch) {
      for (const w of waiters) {
        if (error) w.reject(error);
        else w.resolve(states.get(id) ?? null);
      }
    }
  }
}

/** The final state of a job that left the queue: scontrol, else sacct where it works, else UNKNOWN. */
export async function finalJobState(host: SubmitHost, jobId: string): Promise<FinalJobState> {
  const scontrol = await host.run(`scontrol show job -o ${jobId}`);
  const fromScontrol = scontrol.exitCode === 0 ? parseScontrolJob(scontrol.stdout) : undefined;
  if (fromScontrol) return fromScontrol;
  const sacct = await host.run(`command -v sacct >/dev/null 2>&1 && sacct -n -P -X -j ${jobId} -o State,ExitCode`);
  const fromSacct = sacct.exitCode === 0 ? parseSacct(sacct.stdout) : undefined;
  return fromSacct ?? { state: 'UNKNOWN', exitCode: null, signal: null, reason: null, exitCodeText: null };
}

/** scancel, then waits (up to `waitMs`) until squeue no longer lists the job as active. */
export async function cancelJob(host: SubmitHost, jobId: string, waitMs = 20_000): Promise<void> {
  await host.run(`scancel ${shellQuote(jobId)}`);
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const result = await host.run(`squeue -h -j ${shellQuote(jobId)} -o '%T'`);
    const state = result.stdout.trim();
    if (result.exitCode !== 0 || state === '' || TERMINAL_STATES.has(state)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
