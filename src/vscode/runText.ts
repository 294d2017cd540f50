// How a run is described in the sidebar and in the "run finished" notification: when it started,
// how long it ran, what it achieved, with the counts worded as everywhere else. No vscode import:
// unit-tested in plain Node.
import { COUNT_DEFINITIONS } from '../core/runCounts';
import type { RunSummary } from '../core/types';
import { formatScore } from '../core/util/format';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const two = (n: number) => String(n).padStart(2, '0');

/** "16:05" today, "Dec 3 16:05" this year, "Dec 3 2025 16:05" before (local time). */
export function formatWhen(at: number, now: number = Date.now()): string {
  const d = new Date(at);
  const today = new Date(now);
  const time = `${two(d.getHours())}:${two(d.getMinutes())}`;
  if (d.toDateString() === today.toDateString()) return time;
  const day = `${MONTHS[d.getMonth()]} ${d.getDate()}`;
  return d.getFullYear() === today.getFullYear() ? `${day} ${time}` : `${day} ${d.getFullYear()} ${time}`;
}

/** "45s", "2m 5s", "1h 3m": short enough for a sidebar row. */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** How long the run has run: to its last update, or to now while it is running. */
export function runDuration(summary: Pick<RunSummary, 'status' | 'startedAt' | 'updatedAt'>, now: number = Date.now()): number {
  const end = summary.status === 'running' || summary.status === 'paused' ? Math.max(now, summary.updatedAt) : summary.updatedAt;
  return Math.max(0, end - summary.startedAt);
}

/** The sidebar row's description: "16:05 · 2m 5s" (the label names the function, the icon the status). */
export function runRowDescription(summary: RunSummary, now: number = Date.now()): string {
  return `${formatWhen(summary.startedAt, now)} · ${formatElapsed(runDuration(summary, now))}`;
}

/** Model calls (every model's pulls), as `genesis runs show` and the panel count them. */
export function modelCalls(summary: Pick<RunSummary, 'models'>): number {
  return (summary.models ?? []).reduce((sum, m) => sum + m.pulls, 0);
}

/** The sidebar row's hover: everything the row leaves out, one fact a line. */
export function runTooltipLines(summary: RunSummary, now: number = Date.now()): string[] {
  return [
    `**${summary.functionName}** in \`${summary.relativePath}\`: ${summary.status}`,
    `started ${new Date(summary.startedAt).toLocaleString()}, ran ${formatElapsed(runDuration(summary, now))}`,
    `baseline ${formatScore(summary.baselineScore)}, best ${formatScore(summary.bestScore)}`,
    `${summary.evaluations} / ${summary.budget} evaluations, ${modelCalls(summary)} model calls, ${summary.tokens} tokens, $${summary.costUsd.toFixed(4)}`,
    `*${COUNT_DEFINITIONS.evaluations} ${COUNT_DEFINITIONS.modelCalls}*`,
    ...(summary.stopReason ? [`stopped early: ${summary.stopReason}`] : []),
    `run id \`${summary.runId}\``,
  ];
}

/** "Genesis: approx_exp completed: best −0.04 from −0.32, 40 evaluations." */
export function runFinishedMessage(summary: RunSummary): string {
  const outcome =
    summary.bestScore === null
      ? 'no candidate scored'
      : summary.baselineScore === null
        ? `best ${formatScore(summary.bestScore)}`
        : summary.bestScore > summary.baselineScore
          ? `best ${formatScore(summary.bestScore)} from ${formatScore(summary.baselineScore)}`
          : `nothing beat the baseline ${formatScore(summary.baselineScore)}`;
  const why = summary.stopReason ? ` (${summary.stopReason})` : '';
  return `Genesis: ${summary.functionName} ${summary.status}${why}: ${outcome}, ${summary.evaluations} evaluations.`;
}

/** Runs worth a notification when they end: finished their budget, or failed. A user's Stop is not news. */
export function notifiesWhenEnded(status: RunSummary['status']): boolean {
  return status === 'completed' || status === 'failed';
}
