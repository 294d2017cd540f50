// The panel header: run status and scores, the run controls (pause, resume, stop, budget,
// resume a stored run), the runner and the per-model status.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { WebviewToHost } from '../src/protocol';
import { formatCost, formatScore } from '../src/core/util/format';
import { COUNT_DEFINITIONS, countNodes } from '../src/core/runCounts';
import { byId, el, setText } from './dom';
import { JARGON } from './jargon';
import { statusLine, type PanelModel } from './model';

type VscodeButton = HTMLElementTagNameMap['vscode-button'];
type VscodeTextfield = HTMLElementTagNameMap['vscode-textfield'];

function button(id: string, label: string, title: string, secondary = true): VscodeButton {
  const b = document.createElement('vscode-button');
  b.id = id;
  b.textContent = label;
  b.secondary = secondary;
  b.title = title;
  return b;
}

export class RunHeader {
  private readonly pause = button('pause', 'Pause', 'Finish the current round, then wait');
  private readonly resume = button('resume', 'Resume', 'Continue the paused run', false);
  private readonly stop = button('stop', 'Stop', 'Stop the run: in-flight evaluations are cancelled');
  private readonly resumeRun = button('resume-run', 'Resume Run', 'Continue this stored run where it stopped (same run, same log)', false);
  private readonly budget: VscodeTextfield;
  private readonly setBudget = button('raise-budget', 'Set Budget', 'Change the number of evaluations of the running run');
  private readonly budgetGroup: HTMLElement;
  private readonly models: HTMLTableSectionElement;
  private readonly counts: HTMLElement;
  private countedNodes: PanelModel['nodes'] | undefined;
  private budgetShown = '';

  constructor(
    root: HTMLElement,
    private readonly post: (message: WebviewToHost) => void,
  ) {
    const header = el('header', { class: 'run' });
    const scores = el('div', { class: 'scores' });
    const term = (text: string, title: string) => el('span', { class: 'term', title }, text);
    const baseline = el('span');
    baseline.append(term('baseline', JARGON.baseline), ' ', el('b', { id: 'baseline-score' }, '—'));
    const best = el('span');
    best.append(term('best', JARGON.best), ' ', el('b', { id: 'best-score' }, '—'));
    const cost = el('span');
    cost.append(term('cost', JARGON.cost), ' ', el('b', { id: 'run-cost' }, '—'));
    scores.append(baseline, best, cost);
    // The counts, worded as everywhere else (src/core/runCounts.ts), each explained on hover.
    this.counts = el('div', { id: 'run-counts', class: 'counts' });

    this.budget = document.createElement('vscode-textfield');
    this.budget.id = 'budget-input';
    this.budget.type = 'number';
    this.budget.min = 1;
    this.budget.setAttribute('aria-label', 'Budget (evaluations)');
    this.budget.title = 'Budget: evaluations in all, the original function included';
    this.budgetGroup = el('div', { class: 'budget', role: 'group', 'aria-label': 'Budget' });
    this.budgetGroup.append(el('label', { for: 'budget-input' }, 'budget'), this.budget, this.setBudget);

    const controls = el('div', { class: 'controls', role: 'toolbar', 'aria-label': 'Run controls' });
    controls.append(this.pause, this.resume, this.stop, this.resumeRun, this.budgetGroup);
    header.append(el('div', { id: 'run-status', role: 'status', 'aria-live': 'polite' }, 'loading…'), scores, this.counts, controls);

    const modelTable = el('table', { class: 'models', id: 'models', 'aria-label': 'Models' });
    const head = el('thead');
    const headRow = el('tr');
    for (const [h, title] of [
      ['model', JARGON.bandit],
      ['pulls', JARGON.pulls],
      ['mean reward', JARGON.meanReward],
      ['tokens', JARGON.tokens],
      ['cost', JARGON.cost],
    ] as const) {
      headRow.append(el('th', { scope: 'col', class: 'term', title }, h));
    }
    head.append(headRow);
    this.models = el('tbody');
    modelTable.append(head, this.models);
    const status = el('div', { class: 'status-row' });
    status.append(el('span', { id: 'runner', class: 'runner' }), modelTable);

    root.append(el('h1', { id: 'title' }, 'Genesis'), el('p', { id: 'details', class: 'details' }), header, status);

    const click = (b: VscodeButton, message: () => WebviewToHost | undefined) =>
      b.addEventListener('click', () => {
        if (b.disabled) return;
        const m = message();
        if (!m) return;
        b.disabled = true; // re-enabled by the next state from the host
        this.post(m);
      });
    click(this.pause, () => ({ type: 'pause' }));
    click(this.resume, () => ({ type: 'resume' }));
    click(this.stop, () => ({ type: 'stop' }));
    click(this.resumeRun, () => ({ type: 'resumeRun' }));
    click(this.setBudget, () => this.budgetMessage());
    this.budget.addEventListener('keydown', (e: KeyboardEvent) => {
      if (e.key !== 'Enter') return;
      const m = this.budgetMessage();
      if (m) this.post(m);
    });
  }

  private budgetMessage(): WebviewToHost | undefined {
    const value = Number(this.budget.value);
    if (!Number.isInteger(value) || value < 1) {
      this.budget.setAttribute('invalid', '');
      return undefined;
    }
    this.budget.removeAttribute('invalid');
    return { type: 'setBudget', budget: value };
  }

  render(model: PanelModel): void {
    const { summary, details, controls } = model;
    if (summary) {
      document.title = `Genesis: ${summary.functionName}`;
      setText(byId('title'), `Genesis: ${summary.functionName}`);
      const runStatus = byId('run-status');
      setText(runStatus, statusLine(summary, model.statusMessage));
      runStatus.dataset.status = summary.status;
      runStatus.title = COUNT_DEFINITIONS.evaluations;
      setText(byId('best-score'), formatScore(summary.bestScore));
      setText(byId('baseline-score'), formatScore(summary.baselineScore));
      setText(byId('run-cost'), `${formatCost(summary.costUsd)} · ${summary.tokens} tokens`);
      const budget = String(summary.budget);
      // Do not overwrite what the user is typing.
      if (this.budgetShown !== budget && document.activeElement !== this.budget) {
        this.budget.value = budget;
        this.budgetShown = budget;
      }
      this.renderModels(model);
      this.renderCounts(model);
    }
    if (details) {
      const strategy = details.strategy ? ` · strategy: ${details.strategy}` : '';
      setText(byId('details'), `${details.relativePath} · evaluator: ${details.evaluatorCommand} · models: ${details.models.join(', ')}${strategy}`);
      const runner = details.runner;
      const runnerEl = byId('runner');
      setText(runnerEl, runner ? `runner: ${runner.description}` : '');
      runnerEl.dataset.sandboxed = runner?.sandboxed === null || runner === undefined ? 'unknown' : String(runner.sandboxed);
    }
    const status = summary?.status;
    const live = controls.live && model.running;
    this.pause.hidden = !(live && status === 'running');
    this.resume.hidden = !(live && status === 'paused');
    this.stop.hidden = !model.running;
    this.budgetGroup.hidden = !live;
    this.resumeRun.hidden = live || !controls.resumable;
  }

  /** The host answered (new status, summary or notice): clicked buttons work again. */
  answered(): void {
    for (const b of [this.pause, this.resume, this.stop, this.resumeRun, this.setBudget]) b.disabled = false;
  }

  private renderCounts(model: PanelModel): void {
    if (this.countedNodes === model.nodes) return; // O(nodes): only when they changed
    this.countedNodes = model.nodes;
    const counts = countNodes(Object.values(model.nodes));
    const parts: [string, string][] = [
      [`${counts.candidates} candidates`, COUNT_DEFINITIONS.candidates],
      [`${counts.scored} scored`, COUNT_DEFINITIONS.scored],
      [`${counts.failed} failed`, COUNT_DEFINITIONS.failed],
      [`${counts.skipped} skipped`, COUNT_DEFINITIONS.skipped],
      [`${counts.modelCalls} model calls`, COUNT_DEFINITIONS.modelCalls],
    ];
    if (counts.inFlight > 0) parts.splice(4, 0, [`${counts.inFlight} in flight`, COUNT_DEFINITIONS.inFlight]);
    const children: (HTMLElement | string)[] = [];
    parts.forEach(([text, title], i) => {
      if (i > 0) children.push(' · ');
      children.push(el('span', { class: 'term', title }, text));
    });
    this.counts.replaceChildren(...children);
  }

  private renderModels(model: PanelModel): void {
    const usage = model.summary?.models ?? [];
    const rows = usage.map((m) => {
      const tr = el('tr');
      tr.append(
        el('th', { scope: 'row' }, m.id),
        el('td', {}, String(m.pulls)),
        el('td', {}, formatScore(m.meanReward)),
        el('td', {}, String(m.tokensIn + m.tokensOut)),
        el('td', {}, formatCost(m.costUsd)),
      );
      return tr;
    });
    const text = usage.map((m) => `${m.id}${m.pulls}${m.meanReward}${m.tokensIn + m.tokensOut}${m.costUsd}`).join('|');
    if (this.models.dataset.text === text) return;
    this.models.dataset.text = text;
    this.models.replaceChildren(...rows);
    (byId('models') as HTMLTableElement).hidden = usage.length === 0;
  }
}
