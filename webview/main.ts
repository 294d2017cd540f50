// The Evolution panel: header and controls, notices, the search tree, the ranked candidates, the
// node inspector and the charts. State comes from the host (init on 'ready', then batched
// updates); the view state is kept with setState, so a panel that was hidden or restored redraws
// at once. All work happens in one animation frame per burst of messages.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import type { HostToWebview, NodeDetails, NodeView, PanelState, WebviewToHost } from '../src/protocol';
import { AllocationChart } from './allocationChart';
import { CandidateList } from './candidates';
import { Charts } from './charts';
import { RunHeader } from './controls';
import { byId, el, setText } from './dom';
import { COUNT_DEFINITIONS } from '../src/core/runCounts';
import { JARGON } from './jargon';
import { Inspector } from './inspector';
import {
  applyMessage,
  bestNodeId,
  emptyModel,
  evaluationSeries,
  FAILURE_LABELS,
  failureCounts,
  filterByStatus,
  pathToRoot,
  sortCandidates,
  type PanelModel,
  type SortDirection,
  type SortKey,
  type StatusFilter,
} from './model';
import { SearchTreeView, type TreeViewState } from './tree';

type VscodeButton = HTMLElementTagNameMap['vscode-button'];
type VscodeSingleSelect = HTMLElementTagNameMap['vscode-single-select'];

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: WebviewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface ListView {
  sort: SortKey;
  direction: SortDirection;
  filter: StatusFilter;
}

/** What the webview keeps between shows: the run id (the host's serializer reads it), the last model and the view. */
interface WebviewState extends PanelState {
  model: PanelModel;
  list?: ListView;
  tree?: TreeViewState;
}

const vscode = acquireVsCodeApi();
const post = (message: WebviewToHost): void => vscode.postMessage(message);

function isWebviewState(value: unknown): value is WebviewState {
  return typeof value === 'object' && value !== null && typeof (value as WebviewState).runId === 'string' && typeof (value as WebviewState).model === 'object';
}

function vscodeButton(id: string, label: string, title: string): VscodeButton {
  const b = document.createElement('vscode-button');
  b.id = id;
  b.textContent = label;
  b.secondary = true;
  b.title = title;
  return b;
}

function select(id: string, label: string, options: [string, string][], value: string): VscodeSingleSelect {
  const s = document.createElement('vscode-single-select');
  s.id = id;
  s.setAttribute('aria-label', label);
  s.title = label;
  for (const [v, text] of options) {
    const o = document.createElement('vscode-option');
    o.value = v;
    o.textContent = text;
    if (v === value) o.selected = true;
    s.append(o);
  }
  return s;
}

// ---- state --------------------------------------------------------------------------------

const saved = vscode.getState();
const bodyRunId = decodeURIComponent(document.body.dataset.runId ?? '');
const restored = isWebviewState(saved) && saved.runId === bodyRunId ? saved : undefined;
let model: PanelModel = restored ? { ...emptyModel(bodyRunId), ...restored.model } : emptyModel(bodyRunId);
const list: ListView = restored?.list ?? { sort: 'score', direction: 'desc', filter: 'all' };

// ---- layout -------------------------------------------------------------------------------

const headerRoot = el('div', { class: 'header' });
const notices = el('ul', { id: 'notices', role: 'log', 'aria-live': 'polite' });

const treeSection = el('section', { class: 'tree-section', 'aria-labelledby': 'tree-title' });
const treeBar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Search tree view' });
const fit = vscodeButton('tree-fit', 'Fit', 'Fit the whole tree (F)');
const zoomIn = vscodeButton('tree-zoom-in', '+', 'Zoom in (+, Ctrl+wheel)');
const zoomOut = vscodeButton('tree-zoom-out', '−', 'Zoom out (−, Ctrl+wheel)');
const collapse = vscodeButton('tree-collapse', 'Collapse / Expand', 'Collapse or expand the selected node (Space, ← / →)');
const bestOnly = vscodeButton('tree-best', 'Best Path', 'Show only the path to the best, the top candidates and the work in flight');
const expandAll = vscodeButton('tree-expand-all', 'Expand All', 'Show every node');
treeBar.append(el('h2', { id: 'tree-title' }, 'Search tree'), fit, zoomIn, zoomOut, collapse, bestOnly, expandAll);
const treeHost = el('div', {
  id: 'tree',
  role: 'tree',
  tabindex: '0',
  'aria-label': 'Search tree: ↑ ↓ siblings, ← parent or collapse, → child or expand, Space collapses, Enter opens the diff, + and − zoom, F fits',
});
const treeNote = el('p', { class: 'tree-note', id: 'tree-note' });
const legend = el('p', { class: 'legend', id: 'tree-legend' });
treeSection.append(treeBar, treeNote, treeHost, legend);

const listSection = el('section', { class: 'list-section', 'aria-labelledby': 'candidates-title' });
const listBar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Candidate list' });
const sortSelect = select('sort-key', 'Sort by', [['score', 'score'], ['prm', 'PRM score'], ['cost', 'cost'], ['age', 'age']], list.sort);
const directionButton = vscodeButton('sort-direction', list.direction === 'desc' ? '↓' : '↑', 'Sort direction');
const filterSelect = select(
  'status-filter',
  'Filter by status',
  [['all', 'all'], ['done', 'done'], ['failed', 'failed'], ['skipped', 'skipped'], ['evaluating', 'evaluating'], ['generating', 'generating'], ['pending', 'pending']],
  list.filter,
);
const count = el('span', { class: 'count', id: 'candidate-count', 'aria-live': 'polite' });
listBar.append(el('h2', { id: 'candidates-title' }, 'Candidates'), sortSelect, directionButton, filterSelect, count);
const listHost = el('div', { id: 'candidates', role: 'listbox', tabindex: '0', 'aria-label': 'Candidates: arrows move, Enter opens the diff' });
listSection.append(listBar, listHost);

const inspectorSection = el('section', { id: 'inspector', class: 'inspector', 'aria-labelledby': 'inspector-title' });
const chartsSection = el('section', { class: 'charts', 'aria-label': 'Charts' });

const left = el('div', { class: 'column main' });
left.append(treeSection, listSection);
const right = el('div', { class: 'column side' });
right.append(inspectorSection, chartsSection);
const layout = el('div', { class: 'layout' });
layout.append(left, right);
document.body.append(headerRoot, notices, layout);

// ---- parts --------------------------------------------------------------------------------

let frameQueued = false;
function scheduleRender(): void {
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(renderFrame);
}

const header = new RunHeader(headerRoot, post);
const tree = new SearchTreeView(treeHost, { select: (id) => selectNode(id, 'tree'), activate: (id) => post({ type: 'openDiff', nodeId: id }) }, scheduleRender);
const candidates = new CandidateList(
  listHost,
  {
    openDiff: (nodeId) => post({ type: 'openDiff', nodeId }),
    accept: (nodeId) => post({ type: 'accept', nodeId }),
    select: (nodeId) => selectNode(nodeId, 'list'),
  },
  scheduleRender,
);
const charts = new Charts(chartsSection);
const allocation = new AllocationChart(chartsSection);

let nextRequestId = 1;
const pendingDetails = new Map<number, (details: NodeDetails | null) => void>();
const inspector = new Inspector(inspectorSection, {
  details: (nodeId) =>
    new Promise<NodeDetails | null>((resolve) => {
      const requestId = nextRequestId++;
      pendingDetails.set(requestId, resolve);
      post({ type: 'nodeDetails', requestId, nodeId });
      // A hidden panel drops answers; do not wait forever.
      setTimeout(() => {
        if (pendingDetails.delete(requestId)) resolve(null);
      }, 15_000);
    }),
  openDiff: (nodeId, against) => post({ type: 'openDiff', nodeId, against }),
  accept: (nodeId) => post({ type: 'accept', nodeId }),
  previewInline: (nodeId) => post({ type: 'previewInline', nodeId }),
  evaluateNow: (nodeId) => post({ type: 'evaluateNow', nodeId }),
  mutateFrom: (nodeId) => post({ type: 'mutateFrom', nodeId }),
});

if (restored?.tree) tree.restore(restored.tree);
tree.setAll(model.nodes);

fit.addEventListener('click', () => tree.fit());
zoomIn.addEventListener('click', () => tree.zoomBy(1.25));
zoomOut.addEventListener('click', () => tree.zoomBy(0.8));
collapse.addEventListener('click', () => tree.toggleCollapse());
expandAll.addEventListener('click', () => tree.expandAll());
bestOnly.addEventListener('click', () => tree.showBest());
sortSelect.addEventListener('change', () => {
  list.sort = sortSelect.value as SortKey;
  listDirty = true;
  scheduleRender();
});
filterSelect.addEventListener('change', () => {
  list.filter = filterSelect.value as StatusFilter;
  listDirty = true;
  scheduleRender();
});
directionButton.addEventListener('click', () => {
  list.direction = list.direction === 'desc' ? 'asc' : 'desc';
  directionButton.textContent = list.direction === 'desc' ? '↓' : '↑';
  listDirty = true;
  scheduleRender();
});

// ---- selection ----------------------------------------------------------------------------

function selectNode(nodeId: string, from: 'tree' | 'list' | 'host'): void {
  if (!model.nodes[nodeId]) return;
  const changed = model.selectedNodeId !== nodeId;
  model = { ...model, selectedNodeId: nodeId };
  tree.setSelected(nodeId);
  listDirty = true;
  if (from !== 'list') pendingReveal = nodeId;
  if (changed && from !== 'host') post({ type: 'select', nodeId });
  scheduleRender();
}

// ---- rendering ----------------------------------------------------------------------------

let listDirty = true;
let chartsDirty = true;
let lastChartsAt = 0;
/** After an init the charts wait one frame: the tree and the list come first (what the user reads first). */
let chartsAfterNextFrame = false;
let pendingReveal: string | undefined;
let bestShown: string | undefined;
let saveTimer: ReturnType<typeof setTimeout> | undefined;
/** Work done since the last frame (ms), reported with performance marks for the UI benchmark. */
let messageWork = 0;

/** The tree's key: the colour scale, then each kind of failure or skip this run has, with its count. */
function renderLegend(): void {
  const keys: HTMLElement[] = [
    el('span', { class: 'key done', title: JARGON.rankColour }, 'scored: colour by rank, red worst → green best'),
    el('span', { class: 'key busy' }, 'generating / evaluating'),
    el('span', { class: 'key best-path' }, 'path to the best'),
    el('span', { class: 'key folded', title: 'Nodes folded under this one: → or double-click shows them' }, '+N: folded'),
  ];
  for (const [kind, n] of failureCounts(Object.values(model.nodes))) {
    const mark = kind === 'prm' ? 'skipped-prm' : kind === 'duplicate' || kind === 'stopped' ? 'skipped' : kind === 'incorrect' || kind === 'timeout' || kind === 'crash' ? 'failed' : 'failed-early';
    keys.push(el('span', { class: `key ${mark}`, 'data-kind': kind }, `${FAILURE_LABELS[kind]} ${n}`));
  }
  legend.replaceChildren(...keys);
}

function renderNotices(): void {
  const items = model.notices.slice().reverse().map((n) => el('li', { class: n.level }, n.message));
  notices.replaceChildren(...items);
}

/** Times one part of a frame (a performance measure the UI benchmark reads). */
function timed<T>(name: string, work: () => T): T {
  const start = performance.now();
  const result = work();
  performance.measure(`genesis:${name}`, { start, duration: performance.now() - start });
  return result;
}

function renderFrame(): void {
  frameQueued = false;
  const started = performance.now();
  header.render(model);
  const best = bestNodeId(model);
  if (best !== bestShown || listDirty) {
    bestShown = best;
    tree.setBest(best, pathToRoot(model.nodes, best));
  }
  timed('tree', () => tree.render());
  if (listDirty) renderLegend();
  setText(treeNote, tree.shownText());
  timed('list', () => renderList(best));
  inspector.show(model.selectedNodeId ? model.nodes[model.selectedNodeId] : undefined, model.summary?.language, model.controls);
  // Charts redraw at most 4 times a second while a run streams updates.
  const now = performance.now();
  if (chartsDirty && chartsAfterNextFrame) {
    chartsAfterNextFrame = false;
    setTimeout(scheduleRender, 0);
  } else if (chartsDirty && now - lastChartsAt > 250) {
    chartsDirty = false;
    lastChartsAt = now;
    timed('charts', () => {
      charts.update(evaluationSeries(model.nodes));
      allocation.update(Object.values(model.nodes));
    });
  } else if (chartsDirty) {
    setTimeout(scheduleRender, 260 - (now - lastChartsAt));
  }
  const work = performance.now() - started + messageWork;
  messageWork = 0;
  performance.measure('genesis:frame', { start: started, duration: work });
  saveStateSoon();
}

function renderList(best: string | undefined): void {
  if (listDirty) {
    listDirty = false;
    const shown = filterByStatus(sortCandidates(Object.values(model.nodes), list.sort, list.direction), list.filter);
    candidates.setItems(shown, best, model.selectedNodeId, model.summary?.language, {
      nodes: model.nodes,
      baseline: model.summary?.baselineScore ?? null,
      best: model.summary?.bestScore ?? null,
    });
    const total = Object.keys(model.nodes).length;
    count.textContent = shown.length === total ? `${total} (the original + ${Math.max(0, total - 1)} candidates)` : `${shown.length} of ${total}`;
    count.title = COUNT_DEFINITIONS.candidates;
  }
  if (pendingReveal) {
    candidates.reveal(pendingReveal);
    pendingReveal = undefined;
  }
  candidates.render();
}

/** Above this many nodes the saved state keeps only the view: the nodes come back with init. */
const MAX_SAVED_NODES = 2000;

function saveStateSoon(): void {
  // Saving serializes the model: once a second at most, not every frame.
  if (saveTimer) return;
  saveTimer = setTimeout(() => {
    saveTimer = undefined;
    const nodes = Object.keys(model.nodes).length <= MAX_SAVED_NODES ? model.nodes : {};
    vscode.setState({ runId: model.runId, model: { ...model, nodes, notices: model.notices.slice(-5) }, list: { ...list }, tree: tree.state() });
  }, 1000);
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const message = event.data;
  if (typeof message !== 'object' || message === null || typeof message.type !== 'string') return;
  const started = performance.now();
  if (message.type === 'nodeDetails') {
    const resolve = pendingDetails.get(message.requestId);
    pendingDetails.delete(message.requestId);
    resolve?.(message.details);
    return;
  }
  if (message.type === 'select') {
    selectNode(message.nodeId, 'host');
    return;
  }
  model = timed('apply', () => applyMessage(model, message));
  switch (message.type) {
    case 'init':
      timed('tree-init', () => tree.setAll(model.nodes));
      listDirty = true;
      chartsDirty = true;
      chartsAfterNextFrame = true;
      break;
    case 'nodes':
      tree.update(model.nodes, message.nodes as NodeView[]);
      listDirty = true;
      chartsDirty = true;
      break;
    case 'summary':
    case 'status':
    case 'notice':
      header.answered();
      renderNotices();
      break;
  }
  messageWork += performance.now() - started;
  scheduleRender();
});

window.addEventListener('keydown', (e) => {
  // Quick ways between the parts: Alt+1 tree, Alt+2 candidates, Alt+3 inspector.
  if (!e.altKey || e.ctrlKey || e.metaKey) return;
  const target = e.key === '1' ? treeHost : e.key === '2' ? listHost : e.key === '3' ? byId('inspector') : undefined;
  if (!target) return;
  e.preventDefault();
  if (target === byId('inspector')) (target.querySelector('vscode-button:not([hidden])') as HTMLElement | null)?.focus();
  else target.focus();
});

renderNotices();
scheduleRender();
post({ type: 'ready' });
