// Typed messages between the extension host and the Evolution panel webview.
// Both sides import this file; nothing else crosses the wire.
import type { CandidateNode, RunStatus, RunSummary } from './core/types';

/** What the webview needs of a node: everything but the long prompt / reply texts. */
export type NodeView = Omit<CandidateNode, 'mutation' | 'evaluation'> & {
  mutation?: { kind: string; summary: string; model: string };
  evaluation?: { status: string; reason?: string; feedback: string; stderrTail: string; stdoutTail: string; durationMs: number; sandboxed: boolean; metrics: Record<string, number> };
};

export type HostToWebview =
  | { type: 'init'; summary: RunSummary; nodes: NodeView[]; running: boolean }
  | { type: 'nodes'; nodes: NodeView[] }
  | { type: 'summary'; summary: RunSummary; running: boolean }
  | { type: 'status'; status: RunStatus; message?: string }
  | { type: 'notice'; level: 'info' | 'warn' | 'error'; message: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'stop' }
  | { type: 'select'; nodeId: string }
  | { type: 'openDiff'; nodeId: string }
  | { type: 'accept'; nodeId: string };

export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (typeof value !== 'object' || value === null) return false;
  const msg = value as { type?: unknown; nodeId?: unknown };
  switch (msg.type) {
    case 'ready':
    case 'stop':
      return true;
    case 'select':
    case 'openDiff':
    case 'accept':
      return typeof msg.nodeId === 'string';
    default:
      return false;
  }
}
