// The panel's state and the pure questions the view asks of it (ranking, best path, diff
// lines). No DOM here, so it runs under node:test too.
import type { HostToWebview, NodeView, NoticeLevel, RunDetails } from '../src/protocol';
import type { RunStatus, RunSummary } from '../src/core/types';

export interface Notice {
  level: NoticeLevel;
  message: string;
  at: number;
}

export interface PanelModel {
  runId: string;
  summary?: RunSummary;
  details?: RunDetails;
  nodes: Record<string, NodeView>;
  running: boolean;
  statusMessage?: string;
  notices: Notice[];
  selectedNodeId?: string;
}

const MAX_NOTICES = 20;

export function emptyModel(runId: string): PanelModel {
  return { runId, nodes: {}, running: false, notices: [] };
}

/** Folds one host message into the model (returns a new model; the old one is not changed). */
export function applyMessage(model: PanelModel, message: HostToWebview, now = Date.now()): PanelModel {
  switch (message.type) {
    case 'init': {
      const nodes: Record<string, NodeView> = {};
      for (const n of message.nodes) nodes[n.id] = n;
      return {
        ...model,
        runId: message.runId,
        summary: message.summary,
        details: message.details,
        nodes,
        running: message.running,
      };
    }
    case 'nodes': {
      const nodes = { ...model.nodes };
      for (const n of message.nodes) nodes[n.id] = n;
      return { ...model, nodes };
    }
    case 'summary':
      return { ...model, summary: message.summary, running: message.running };
    case 'status': {
      const summary = model.summary ? { ...model.summary, status: message.status } : undefined;
      const next: PanelModel = { ...model, running: isActive(message.status) && model.running };
      if (summary) next.summary = summary;
      if (message.message !== undefined) next.statusMessage = message.message;
      return next;
    }
    case 'notice':
      return { ...model, notices: [...model.notices, { level: message.level, message: message.message, at: now }].slice(-MAX_NOTICES) };
  }
}

function isActive(status: RunStatus): boolean {
  return status === 'running' || status === 'paused';
}

function numericId(id: string): number {
  const n = Number(id);
  return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER;
}

/** Candidates best first: scored nodes by score (desc), then unscored ones in creation order. */
export function rankNodes(nodes: Record<string, NodeView>): NodeView[] {
  return Object.values(nodes).sort((a, b) => {
    const sa = a.status === 'done' ? a.score : null;
    const sb = b.status === 'done' ? b.score : null;
    if (sa !== null && sb !== null && sa !== sb) return sb - sa;
    if (sa !== null && sb === null) return -1;
    if (sa === null && sb !== null) return 1;
    return numericId(a.id) - numericId(b.id);
  });
}

/** The best scored node: the summary's choice when known, else the top of the ranking. */
export function bestNodeId(model: PanelModel): string | undefined {
  const fromSummary = model.summary?.bestNodeId;
  if (fromSummary && model.nodes[fromSummary]) return fromSummary;
  const top = rankNodes(model.nodes)[0];
  return top && top.status === 'done' && top.score !== null ? top.id : undefined;
}

/** Ids from the root to `nodeId`, both included. */
export function pathToRoot(nodes: Record<string, NodeView>, nodeId: string | undefined): Set<string> {
  const path = new Set<string>();
  for (let id = nodeId; id !== undefined && !path.has(id); ) {
    const node: NodeView | undefined = nodes[id];
    if (!node) break;
    path.add(id);
    id = node.parentId ?? undefined;
  }
  return path;
}

export interface TreeEntry {
  node: NodeView;
  children: TreeEntry[];
}

/** Parent → children, children in creation order; nodes whose parent is unknown become roots. */
export function buildTree(nodes: Record<string, NodeView>): TreeEntry[] {
  const entries = new Map<string, TreeEntry>();
  const ordered = Object.values(nodes).sort((a, b) => numericId(a.id) - numericId(b.id));
  for (const node of ordered) entries.set(node.id, { node, children: [] });
  const roots: TreeEntry[] = [];
  for (const entry of entries.values()) {
    const parent = entry.node.parentId === null ? undefined : entries.get(entry.node.parentId);
    if (parent) parent.children.push(entry);
    else roots.push(entry);
  }
  return roots;
}

export type DiffLineKind = 'add' | 'del' | 'hunk' | 'meta' | 'context';

/** The lines of a unified diff worth showing, each with its kind; file headers are dropped. */
export function diffLines(diff: string): { kind: DiffLineKind; text: string }[] {
  const lines = diff.split('\n');
  const firstHunk = lines.findIndex((l) => l.startsWith('@@'));
  if (firstHunk < 0) return [];
  const out: { kind: DiffLineKind; text: string }[] = [];
  for (const text of lines.slice(firstHunk)) {
    if (text === '') continue;
    const kind: DiffLineKind = text.startsWith('@@')
      ? 'hunk'
      : text.startsWith('+')
        ? 'add'
        : text.startsWith('-')
          ? 'del'
          : text.startsWith('\\')
            ? 'meta'
            : 'context';
    out.push({ kind, text });
  }
  return out;
}

/** "running — 5 / 40 evaluations". */
export function statusLine(summary: RunSummary, message?: string): string {
  const base = `${summary.status} — ${summary.evaluations} / ${summary.budget} evaluations`;
  return message ? `${base} (${message})` : base;
}

/** Why a node failed or was skipped, from the node or its evaluation. */
export function reasonOf(node: NodeView): string | undefined {
  if (node.status !== 'failed' && node.status !== 'skipped') return undefined;
  return node.reason ?? node.evaluation?.reason;
}
