// Typed messages between the extension host and the Evolution panel webview.
// Both sides import this file; nothing else crosses the wire.
import type { CandidateNode, RunConfig, RunStatus, RunSummary } from './core/types';

/**
 * What the webview needs of a node for the tree, the list and the charts. Long texts (the code,
 * prompts, replies, evaluator output) stay on the host and come on demand (`nodeDetails`).
 */
export type NodeView = Omit<CandidateNode, 'code' | 'diff' | 'mutation' | 'evaluation' | 'lineageNote'> & {
  /** Changed lines of the diff against the original, added ('+…') first, then removed ('-…'), newline separated. */
  diffPreview: string;
  /** Lines added and removed against the original. */
  diffStat?: { added: number; removed: number };
  mutation?: { kind: string; summary: string; model: string };
  evaluation?: {
    status: string;
    reason?: string;
    durationMs: number;
    sandboxed: boolean;
    metrics: Record<string, number>;
  };
};

/** Where evaluations run: shown next to the controls. */
export interface RunnerView {
  /** True when evaluations run under bubblewrap; null when not known (no evaluation yet). */
  sandboxed: boolean | null;
  description: string;
}

/** Run settings shown in the panel header. */
export interface RunDetails {
  relativePath: string;
  evaluatorCommand: string;
  models: string[];
  strategy?: string;
  concurrency?: number;
  runner?: RunnerView;
}

/** What the panel's controls may do for this run right now. */
export interface RunControls {
  /** The run is live in this window: pause / resume / stop / budget / evaluate now work. */
  live: boolean;
  /** A stored run that can be continued (stopped, interrupted, failed) by the host. */
  resumable: boolean;
  /** The engine accepts "mutate from here" requests. */
  mutateFrom: boolean;
}

/** The long texts of one node, sent when the inspector asks for them. */
export interface NodeDetails {
  nodeId: string;
  code: string;
  /** The parent's code (absent for the root). */
  parentCode?: string;
  /** Unified diffs of this node against the root and against its parent. */
  diffVsOriginal: string;
  diffVsParent: string;
  prompt?: string;
  reply?: string;
  lineageNote?: string;
  evaluation?: {
    status: string;
    reason?: string;
    feedback: string;
    stdoutTail: string;
    stderrTail: string;
    metrics: Record<string, number>;
    durationMs: number;
    sandboxed: boolean;
  };
}

export type NoticeLevel = 'info' | 'warn' | 'error';

export type HostToWebview =
  | { type: 'init'; runId: string; summary: RunSummary; details: RunDetails; nodes: NodeView[]; running: boolean; controls: RunControls }
  | { type: 'nodes'; nodes: NodeView[] }
  | { type: 'summary'; summary: RunSummary; running: boolean; controls?: RunControls }
  | { type: 'status'; status: RunStatus; message?: string }
  | { type: 'notice'; level: NoticeLevel; message: string }
  /** Answer to `nodeDetails`; `details` is null when the node is unknown. */
  | { type: 'nodeDetails'; requestId: number; nodeId: string; details: NodeDetails | null; error?: string }
  /** The host moved the selection (CodeLens "Next candidate", a sidebar click). */
  | { type: 'select'; nodeId: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'stop' }
  | { type: 'pause' }
  | { type: 'resume' }
  /** Continue a stored (stopped, interrupted) run. */
  | { type: 'resumeRun' }
  | { type: 'setBudget'; budget: number }
  | { type: 'openDiff'; nodeId: string; against?: DiffSide }
  | { type: 'accept'; nodeId: string }
  /** The user selected a node (tree, list or keyboard); the host shows it inline in the editor. */
  | { type: 'select'; nodeId: string }
  /** Show the candidate in the editor (decorations + CodeLens) and reveal the file. */
  | { type: 'previewInline'; nodeId: string }
  | { type: 'nodeDetails'; requestId: number; nodeId: string }
  | { type: 'evaluateNow'; nodeId: string }
  | { type: 'mutateFrom'; nodeId: string };

/** The left side of a candidate diff: the function as it is now in the editor, or the parent. */
export type DiffSide = 'current' | 'parent';

/** The state the webview keeps with setState, so a re-shown or restored panel knows its run. */
export interface PanelState {
  runId: string;
}

const MAX_BUDGET = 1_000_000;

function isNodeId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length < 64;
}

export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (typeof value !== 'object' || value === null) return false;
  const msg = value as { type?: unknown; nodeId?: unknown; budget?: unknown; requestId?: unknown; against?: unknown };
  switch (msg.type) {
    case 'ready':
    case 'stop':
    case 'pause':
    case 'resume':
    case 'resumeRun':
      return true;
    case 'setBudget':
      return typeof msg.budget === 'number' && Number.isInteger(msg.budget) && msg.budget >= 1 && msg.budget <= MAX_BUDGET;
    case 'openDiff':
      return isNodeId(msg.nodeId) && (msg.against === undefined || msg.against === 'current' || msg.against === 'parent');
    case 'nodeDetails':
      return isNodeId(msg.nodeId) && typeof msg.requestId === 'number' && Number.isInteger(msg.requestId);
    case 'accept':
    case 'select':
    case 'previewInline':
    case 'evaluateNow':
    case 'mutateFrom':
      return isNodeId(msg.nodeId);
    default:
      return false;
  }
}

export function isPanelState(value: unknown): value is PanelState {
  return typeof value === 'object' && value !== null && typeof (value as { runId?: unknown }).runId === 'string';
}

const PREVIEW_LINES = 3;
const PREVIEW_LINE_CHARS = 160;

/**
 * A few changed lines of a unified diff (file headers skipped): the added lines first, then
 * removed ones if there is room. A hunk lists all its removed lines before its added ones, so
 * taking the first lines in order showed only removals whenever a change spans a few lines (a
 * rewritten block in C++, Rust or Go).
 */
export function previewOfDiff(diff: string): string {
  const { added, removed } = changedLines(diff);
  const clip = (line: string) => (line.length > PREVIEW_LINE_CHARS ? `${line.slice(0, PREVIEW_LINE_CHARS)}…` : line);
  const shown = added.slice(0, PREVIEW_LINES);
  shown.push(...removed.slice(0, PREVIEW_LINES - shown.length));
  return shown.map(clip).join('\n');
}

/** The added and removed lines of a unified diff ('+…' / '-…'), file headers skipped. */
export function changedLines(diff: string): { added: string[]; removed: string[] } {
  const added: string[] = [];
  const removed: string[] = [];
  let inHunk = false;
  for (const line of diff.split('\n')) {
    if (line.startsWith('@@')) inHunk = true;
    else if (inHunk && line.startsWith('+')) added.push(line);
    else if (inHunk && line.startsWith('-')) removed.push(line);
  }
  return { added, removed };
}

/** The wire shape of a node: drops the code, the full diff, prompts, replies and evaluator output. */
export function toNodeView(node: CandidateNode): NodeView {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { code, diff, mutation, evaluation, lineageNote, ...rest } = node;
  const { added, removed } = changedLines(diff);
  const view: NodeView = { ...rest, diffPreview: previewOfDiff(diff), diffStat: { added: added.length, removed: removed.length } };
  if (mutation) view.mutation = { kind: mutation.kind, summary: mutation.summary, model: mutation.model };
  if (evaluation) {
    view.evaluation = {
      status: evaluation.status,
      durationMs: evaluation.durationMs,
      sandboxed: evaluation.sandboxed,
      metrics: evaluation.metrics,
    };
    if (evaluation.reason !== undefined) view.evaluation.reason = evaluation.reason;
  }
  return view;
}

export function runDetailsOf(config: RunConfig, runner?: RunnerView): RunDetails {
  const details: RunDetails = {
    relativePath: config.relativePath,
    evaluatorCommand: config.evaluatorCommand,
    models: config.models,
    concurrency: config.concurrency,
  };
  if (config.strategy) details.strategy = config.strategy;
  if (runner) details.runner = runner;
  return details;
}
