// The panel's state and the pure questions the view asks of it (ranking, sorting, filtering,
// best path, chart series, diff lines). No DOM here, so it runs under node:test too.
import type { HostToWebview, NodeView, NoticeLevel, RunControls, RunDetails } from '../src/protocol';
import type { NodeStatus, RunStatus, RunSummary } from '../src/core/types';

export interface Notice {
  level: NoticeLevel;
  message: string;
  at: number;
}

export interface PanelModel {
  runId: string;
  summary?: RunSummary;
  details?: RunDetails;
  controls: RunControls;
  nodes: Record<string, NodeView>;
  running: boolean;
  statusMessage?: string;
  notices: Notice[];
  selectedNodeId?: string;
}

const MAX_NOTICES = 20;

export const NO_CONTROLS: RunControls = { live: false, resumable: false, mutateFrom: false };

export function emptyModel(runId: string): PanelModel {
  return { runId, nodes: {}, running: false, notices: [], controls: NO_CONTROLS };
}

/** Folds one host message into the model (returns a new model; the old one is not changed). */
export function applyMessage(model: PanelModel, message: HostToWebview, now = Date.now()): PanelModel {
  switch (message.type) {
    case 'init': {
      const nodes: Record<string, NodeView> = {};
      for (const n of message.nodes) nodes[n.id] = n;
      const next: PanelModel = {
        ...model,
        runId: message.runId,
        summary: message.summary,
        details: message.details,
        controls: message.controls,
        nodes,
        running: message.running,
      };
      // A selection restored from saved state survives only if the node still exists.
      if (next.selectedNodeId !== undefined && !nodes[next.selectedNodeId]) delete next.selectedNodeId;
      return next;
    }
    case 'nodes': {
      // Mutating a copy of the index is O(n) once per batch; batches come at most every 100 ms.
      const nodes = Object.assign({}, model.nodes);
      for (const n of message.nodes) nodes[n.id] = n;
      return { ...model, nodes };
    }
    case 'summary':
      return { ...model, summary: message.summary, running: message.running, ...(message.controls ? { controls: message.controls } : {}) };
    case 'status': {
      const summary = model.summary ? { ...model.summary, status: message.status } : undefined;
      const next: PanelModel = { ...model, running: isActive(message.status) && model.running };
      if (summary) next.summary = summary;
      if (message.message !== undefined) next.statusMessage = message.message;
      return next;
    }
    case 'notice':
      return { ...model, notices: [...model.notices, { level: message.level, message: message.message, at: now }].slice(-MAX_NOTICES) };
    case 'select':
      return model.nodes[message.nodeId] ? { ...model, selectedNodeId: message.nodeId } : model;
    case 'nodeDetails':
      return model;
  }
}

export function isActive(status: RunStatus): boolean {
  return status === 'running' || status === 'paused';
}

export function numericId(id: string): number {
  const n = Number(id);
  return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER;
}

/** Score of a node when it counts (evaluated and correct), else null. */
export function scoreOf(node: NodeView): number | null {
  return node.status === 'done' ? node.score : null;
}

/** Candidates best first: scored nodes by score (desc), then unscored ones in creation order. */
export function rankNodes(nodes: Record<string, NodeView>): NodeView[] {
  return sortCandidates(Object.values(nodes), 'score', 'desc');
}

export type SortKey = 'score' | 'prm' | 'cost' | 'age';
export type SortDirection = 'asc' | 'desc';
export type StatusFilter = 'all' | NodeStatus;

function keyOf(node: NodeView, key: SortKey): number | null {
  switch (key) {
    case 'score':
      return scoreOf(node);
    case 'prm':
      return node.prmScore;
    case 'cost':
      return node.costUsd;
    case 'age':
      return numericId(node.id);
  }
}

/**
 * Sorts by one key; nodes without a value (unscored) always come last, in creation order, and
 * ties keep creation order, so the list does not jump while a run is live.
 */
export function sortCandidates(nodes: NodeView[], key: SortKey, direction: SortDirection): NodeView[] {
  const sign = direction === 'desc' ? -1 : 1;
  const keyed = nodes.map((node) => ({ node, k: keyOf(node, key), id: numericId(node.id) }));
  keyed.sort((a, b) => {
    if (a.k !== null && b.k !== null && a.k !== b.k) return sign * (a.k - b.k);
    if (a.k !== null && b.k === null) return -1;
    if (a.k === null && b.k !== null) return 1;
    return a.id - b.id;
  });
  return keyed.map((e) => e.node);
}

export function filterByStatus(nodes: NodeView[], filter: StatusFilter): NodeView[] {
  return filter === 'all' ? nodes : nodes.filter((n) => n.status === filter);
}

/** The best scored node: the summary's choice when known, else the top of the ranking. */
export function bestNodeId(model: Pick<PanelModel, 'summary' | 'nodes'>): string | undefined {
  const fromSummary = model.summary?.bestNodeId;
  if (fromSummary && model.nodes[fromSummary]) return fromSummary;
  let best: NodeView | undefined;
  for (const node of Object.values(model.nodes)) {
    const s = scoreOf(node);
    if (s === null) continue;
    const b = best ? scoreOf(best) : null;
    if (b === null || s > b || (s === b && numericId(node.id) < numericId(best!.id))) best = node;
  }
  return best?.id;
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

/** One evaluation on the charts' x axis. */
export interface EvaluationPoint {
  /** 1-based evaluation number. */
  n: number;
  nodeId: string;
  /** This evaluation's score (null: failed or incorrect). */
  score: number | null;
  /** Best score so far (null until something scored). */
  best: number | null;
  /** Money spent on model calls up to this evaluation (USD). */
  costUsd: number;
  tokens: number;
}

/**
 * Evaluations in the order they finished, with the running best and the spending up to each
 * (model calls made before the evaluation finished).
 */
export function evaluationSeries(nodes: Record<string, NodeView>): EvaluationPoint[] {
  const all = Object.values(nodes);
  const evaluated = all
    .filter((n) => n.evaluation !== undefined && (n.status === 'done' || n.status === 'failed'))
    .sort((a, b) => (a.finishedAt ?? a.createdAt) - (b.finishedAt ?? b.createdAt) || numericId(a.id) - numericId(b.id));
  const spending = all
    .filter((n) => n.costUsd > 0 || n.tokensIn + n.tokensOut > 0)
    .sort((a, b) => (a.finishedAt ?? a.createdAt) - (b.finishedAt ?? b.createdAt));
  const points: EvaluationPoint[] = [];
  let best: number | null = null;
  let cost = 0;
  let tokens = 0;
  let spent = 0;
  for (const node of evaluated) {
    const at = node.finishedAt ?? node.createdAt;
    while (spent < spending.length && (spending[spent]!.finishedAt ?? spending[spent]!.createdAt) <= at) {
      cost += spending[spent]!.costUsd;
      tokens += spending[spent]!.tokensIn + spending[spent]!.tokensOut;
      spent++;
    }
    const score = scoreOf(node);
    if (score !== null && (best === null || score > best)) best = score;
    points.push({ n: points.length + 1, nodeId: node.id, score, best, costUsd: cost, tokens });
  }
  return points;
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

/** The changed lines a node view carries (see previewOfDiff), with their kinds. */
export function previewLines(preview: string): { kind: DiffLineKind; text: string }[] {
  if (!preview) return [];
  return preview.split('\n').map((text) => ({ kind: text.startsWith('+') ? 'add' : 'del', text }));
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

/** "850 ms", "3.2 s", "2 min 5 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The candidate after `nodeId` in the ranking that can be accepted (scored, not the root). */
export function nextAcceptable(ranked: NodeView[], nodeId: string | undefined, skip: ReadonlySet<string> = new Set()): NodeView | undefined {
  const acceptable = ranked.filter((n) => n.parentId !== null && scoreOf(n) !== null && !skip.has(n.id));
  if (acceptable.length === 0) return undefined;
  const at = acceptable.findIndex((n) => n.id === nodeId);
  return acceptable[(at + 1) % acceptable.length];
}

/** Why a candidate has no score, in a few words: the marks and labels of the tree. */
export type FailureKind = 'model' | 'patch' | 'syntax' | 'incorrect' | 'timeout' | 'crash' | 'duplicate' | 'prm' | 'stopped';

export const FAILURE_LABELS: Readonly<Record<FailureKind, string>> = {
  model: 'model call failed',
  patch: 'reply did not apply',
  syntax: 'syntax error',
  incorrect: 'tests failed',
  timeout: 'timed out',
  crash: 'evaluator error',
  duplicate: 'duplicate',
  prm: 'skipped by PRM',
  stopped: 'stopped',
};

/** The kind of failure or skip of a node; undefined for nodes that scored or are still in flight. */
export function failureKind(node: Pick<NodeView, 'status' | 'reason' | 'skippedByPrm' | 'evaluation'>): FailureKind | undefined {
  const reason = node.reason ?? node.evaluation?.reason ?? '';
  if (node.status === 'skipped') {
    if (node.skippedByPrm || /^PRM score/.test(reason)) return 'prm';
    if (/^duplicate/.test(reason)) return 'duplicate';
    return 'stopped';
  }
  if (node.status !== 'failed') return undefined;
  if (/^model call failed/.test(reason)) return 'model';
  if (/^syntax error/.test(reason)) return 'syntax';
  const evaluated = node.evaluation?.status;
  if (evaluated === 'timeout' || /timed? ?out/i.test(reason)) return 'timeout';
  if (evaluated === 'incorrect') return 'incorrect';
  if (evaluated === 'error' || evaluated === 'cancelled') return 'crash';
  return evaluated === undefined ? 'patch' : 'crash';
}

/** How many nodes failed or were skipped for each reason, most common first. */
export function failureCounts(nodes: Iterable<NodeView>): [FailureKind, number][] {
  const counts = new Map<FailureKind, number>();
  for (const node of nodes) {
    const kind = failureKind(node);
    if (kind) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/**
 * The nodes a large tree keeps shown: the path to the best, the top `k` scored candidates, the
 * newest `k` in flight. O(n·k) for small k, no sort of the whole run.
 */
export function pinnedNodeIds(nodes: Record<string, NodeView>, bestId: string | undefined, k: number): string[] {
  const top: NodeView[] = [];
  const busy: string[] = [];
  for (const node of Object.values(nodes)) {
    if (node.status === 'generating' || node.status === 'evaluating') busy.push(node.id);
    const s = scoreOf(node);
    if (s === null) continue;
    if (top.length === k && s <= scoreOf(top[k - 1]!)!) continue;
    let at = top.length;
    while (at > 0 && scoreOf(top[at - 1]!)! < s) at--;
    top.splice(at, 0, node);
    if (top.length > k) top.pop();
  }
  const pinned = busy.length > k ? busy.sort((a, b) => numericId(b) - numericId(a)).slice(0, k) : busy;
  for (const node of top) pinned.push(node.id);
  if (bestId) pinned.push(bestId);
  return pinned;
}

/** A candidate's gain against the baseline and against its parent. */
export interface Gain {
  /** score − baseline score (null when either is unknown). */
  vsBaseline: number | null;
  /**
   * The share of the run's best gain (best − baseline) this candidate reached: 1 for the best,
   * 0 for no better than the baseline, below 0 for worse. Null when nothing beat the baseline.
   */
  gapClosed: number | null;
  /** score − parent's score (null for the root, or when either is unknown). */
  vsParent: number | null;
  parentId: string | null;
}

export function gainOf(node: NodeView, parent: NodeView | undefined, baseline: number | null, best: number | null): Gain {
  const score = scoreOf(node);
  const parentScore = parent ? scoreOf(parent) : null;
  const vsBaseline = score !== null && baseline !== null ? score - baseline : null;
  const gap = best !== null && baseline !== null ? best - baseline : null;
  return {
    vsBaseline,
    gapClosed: vsBaseline !== null && gap !== null && gap > 0 ? vsBaseline / gap : null,
    vsParent: score !== null && parentScore !== null ? score - parentScore : null,
    parentId: node.parentId,
  };
}

/** "+0.276 vs baseline (87 % of the gap closed) · +0.01 vs #12", or '' when nothing is known. */
export function gainText(gain: Gain): string {
  const parts: string[] = [];
  if (gain.vsBaseline !== null) {
    // A candidate worse than the baseline closed none of the gap: its gain says enough.
    const closed = gain.gapClosed !== null && gain.gapClosed > 0 ? ` (${Math.round(gain.gapClosed * 100)} % of the gap closed)` : '';
    parts.push(`${signed(gain.vsBaseline)} vs baseline${closed}`);
  }
  if (gain.vsParent !== null && gain.parentId !== null) parts.push(`${signed(gain.vsParent)} vs #${gain.parentId}`);
  return parts.join(' · ');
}

function signed(value: number): string {
  if (value === 0) return '±0';
  const magnitude = Math.abs(value);
  const text = magnitude >= 1000 || magnitude < 0.001 ? magnitude.toExponential(2) : String(Number(magnitude.toPrecision(3)));
  return `${value > 0 ? '+' : '−'}${text}`;
}

/** One mutation on the way from the original function to a candidate. */
export interface LineageStep {
  nodeId: string;
  summary: string;
  model: string;
  score: number | null;
}

/** The mutations from the original function to `nodeId`, oldest first (the root not included). */
export function lineageOf(nodes: Record<string, NodeView>, nodeId: string): LineageStep[] {
  const steps: LineageStep[] = [];
  const seen = new Set<string>();
  for (let node = nodes[nodeId]; node && node.parentId !== null && !seen.has(node.id); node = nodes[node.parentId]) {
    seen.add(node.id);
    steps.push({ nodeId: node.id, summary: node.mutation?.summary ?? node.status, model: node.mutation?.model ?? node.sourceId ?? '', score: scoreOf(node) });
  }
  return steps.reverse();
}

/** "3 steps: #2 a · #9 b · #27 c" (the whole lineage, oldest first). */
export function lineageText(steps: LineageStep[]): string {
  if (steps.length === 0) return '';
  const list = steps.map((s) => `#${s.nodeId} ${s.summary}`).join(' → ');
  return `${steps.length} step${steps.length === 1 ? '' : 's'}: ${list}`;
}

/**
 * The y range of a chart. Counts and money never go below 0: a run that spent nothing gets the
 * axis $0 … $1, not one padded around 0 into negative money.
 */
export function axisRange(values: Iterable<number | null>, nonNegative: boolean): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return undefined;
  if (min === max) {
    const pad = Math.abs(min) * 0.05 || 1;
    min -= pad;
    max += pad;
  }
  if (nonNegative) {
    min = Math.max(0, min);
    if (max <= min) max = min + 1;
  }
  return { min, max };
}
