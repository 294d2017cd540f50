// Typed messages between the extension host and the Evolution panel webview.
// Both sides import this file; nothing else crosses the wire.
import type { CandidateNode, RunConfig, RunStatus, RunSummary } from './core/types';

/** What the webview needs of a node: everything but the long prompt / reply texts. */
export type NodeView = Omit<CandidateNode, 'mutation' | 'evaluation'> & {
  mutation?: { kind: string; summary: string; model: string };
  evaluation?: {
    status: string;
    reason?: string;
    feedback: string;
    stderrTail: string;
    stdoutTail: string;
    durationMs: number;
    sandboxed: boolean;
    metrics: Record<string, number>;
  };
};

/** Run settings shown in the panel header. */
export interface RunDetails {
  relativePath: string;
  evaluatorCommand: string;
  models: string[];
}

export type NoticeLevel = 'info' | 'warn' | 'error';

export type HostToWebview =
  | { type: 'init'; runId: string; summary: RunSummary; details: RunDetails; nodes: NodeView[]; running: boolean }
  | { type: 'nodes'; nodes: NodeView[] }
  | { type: 'summary'; summary: RunSummary; running: boolean }
  | { type: 'status'; status: RunStatus; message?: string }
  | { type: 'notice'; level: NoticeLevel; message: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'stop' }
  | { type: 'openDiff'; nodeId: string }
  | { type: 'accept'; nodeId: string };

/** The state the webview keeps with setState, so a re-shown or restored panel knows its run. */
export interface PanelState {
  runId: string;
}

export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (typeof value !== 'object' || value === null) return false;
  const msg = value as { type?: unknown; nodeId?: unknown };
  switch (msg.type) {
    case 'ready':
    case 'stop':
      return true;
    case 'openDiff':
    case 'accept':
      return typeof msg.nodeId === 'string' && msg.nodeId.length > 0 && msg.nodeId.length < 64;
    default:
      return false;
  }
}

export function isPanelState(value: unknown): value is PanelState {
  return typeof value === 'object' && value !== null && typeof (value as { runId?: unknown }).runId === 'string';
}

/** The wire shape of a node: drops prompts and replies, which can be long and are not shown. */
export function toNodeView(node: CandidateNode): NodeView {
  const { mutation, evaluation, ...rest } = node;
  const view: NodeView = { ...rest };
  if (mutation) view.mutation = { kind: mutation.kind, summary: mutation.summary, model: mutation.model };
  if (evaluation) {
    view.evaluation = {
      status: evaluation.status,
      feedback: evaluation.feedback,
      stderrTail: evaluation.stderrTail,
      stdoutTail: evaluation.stdoutTail,
      durationMs: evaluation.durationMs,
      sandboxed: evaluation.sandboxed,
      metrics: evaluation.metrics,
    };
    if (evaluation.reason !== undefined) view.evaluation.reason = evaluation.reason;
  }
  return view;
}

export function runDetailsOf(config: RunConfig): RunDetails {
  return { relativePath: config.relativePath, evaluatorCommand: config.evaluatorCommand, models: config.models };
}
