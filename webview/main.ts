// The Evolution panel: header (status, scores, Stop), notices, ranked candidates, search tree.
// State comes from the host (init on 'ready', then batched updates) and is kept with setState,
// so a panel that was hidden or restored redraws at once.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { HostToWebview, PanelState, WebviewToHost } from '../src/protocol';
import { CandidateList } from './candidates';
import { byId, el, setText } from './dom';
import { formatScore } from '../src/vscode/format';
import { applyMessage, bestNodeId, buildTree, emptyModel, pathToRoot, rankNodes, statusLine, type PanelModel } from './model';
import { renderTree } from './tree';

type VscodeButton = HTMLElementTagNameMap['vscode-button'];

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: WebviewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** What the webview keeps between shows: the run id (the host's serializer reads it) and the last model. */
interface WebviewState extends PanelState {
  model: PanelModel;
}

const vscode = acquireVsCodeApi();

function isWebviewState(value: unknown): value is WebviewState {
  return typeof value === 'object' && value !== null && typeof (value as WebviewState).runId === 'string' && typeof (value as WebviewState).model === 'object';
}

function skeleton(): void {
  const header = el('header', { class: 'run' });
  const stop = document.createElement('vscode-button');
  stop.id = 'stop';
  stop.textContent = 'Stop';
  stop.secondary = true;
  stop.hidden = true;
  stop.title = 'Stop the run: in-flight evaluations are cancelled';
  const scores = el('div', { class: 'scores' });
  const baseline = el('span');
  baseline.append('baseline ', el('b', { id: 'baseline-score' }, '—'));
  const best = el('span');
  best.append('best ', el('b', { id: 'best-score' }, '—'));
  scores.append(baseline, best);
  header.append(el('div', { id: 'run-status', role: 'status', 'aria-live': 'polite' }, 'loading…'), scores, stop);

  const candidates = el('section', { 'aria-labelledby': 'candidates-title' });
  candidates.append(el('h2', { id: 'candidates-title' }, 'Candidates'), el('ol', { id: 'candidates' }));
  const tree = el('section', { 'aria-labelledby': 'tree-title' });
  tree.append(el('h2', { id: 'tree-title' }, 'Search tree'), el('ul', { id: 'tree' }));
  const layout = el('div', { class: 'layout' });
  layout.append(candidates, tree);

  document.body.append(
    el('h1', { id: 'title' }, 'Genesis'),
    el('p', { id: 'details', class: 'details' }),
    header,
    el('ul', { id: 'notices', role: 'log', 'aria-live': 'polite' }),
    layout,
  );
}

skeleton();
const saved = vscode.getState();
const bodyRunId = decodeURIComponent(document.body.dataset.runId ?? '');
let model: PanelModel = isWebviewState(saved) && saved.runId === bodyRunId ? saved.model : emptyModel(bodyRunId);

const post = (message: WebviewToHost): void => vscode.postMessage(message);
const stopButton = byId<VscodeButton>('stop');
const candidateList = new CandidateList(byId<HTMLOListElement>('candidates'), {
  openDiff: (nodeId) => post({ type: 'openDiff', nodeId }),
  accept: (nodeId) => post({ type: 'accept', nodeId }),
});

stopButton.addEventListener('click', () => {
  if (stopButton.disabled) return;
  stopButton.disabled = true;
  post({ type: 'stop' });
});

function select(nodeId: string): void {
  model = { ...model, selectedNodeId: nodeId };
  render();
  candidateList.reveal(nodeId);
}

function renderNotices(): void {
  const list = byId<HTMLUListElement>('notices');
  list.replaceChildren(
    ...model.notices
      .slice()
      .reverse()
      .map((n) => el('li', { class: n.level }, n.message)),
  );
}

function render(): void {
  const { summary, details } = model;
  if (summary) {
    document.title = `Genesis: ${summary.functionName}`;
    setText(byId('title'), `Genesis: ${summary.functionName}`);
    const runStatus = byId('run-status');
    setText(runStatus, statusLine(summary, model.statusMessage));
    runStatus.dataset.status = summary.status;
    setText(byId('best-score'), formatScore(summary.bestScore));
    setText(byId('baseline-score'), formatScore(summary.baselineScore));
  }
  if (details) {
    setText(byId('details'), `${details.relativePath} · evaluator: ${details.evaluatorCommand} · models: ${details.models.join(', ')}`);
  }
  stopButton.hidden = !model.running;
  if (!model.running) stopButton.disabled = false;

  const best = bestNodeId(model);
  candidateList.render(rankNodes(model.nodes), best, model.selectedNodeId);
  renderTree(byId<HTMLUListElement>('tree'), buildTree(model.nodes), pathToRoot(model.nodes, best), select);
  renderNotices();
}

let renderQueued = false;
function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
    vscode.setState({ runId: model.runId, model });
  });
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const message = event.data;
  if (typeof message !== 'object' || message === null || typeof message.type !== 'string') return;
  model = applyMessage(model, message);
  scheduleRender();
});

render();
post({ type: 'ready' });
