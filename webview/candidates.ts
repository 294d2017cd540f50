// The ranked candidate list. Rows are keyed by node id and updated in place, so focus and
// scroll position survive the frequent updates of a live run.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { NodeView } from '../src/protocol';
import { el, setText } from './dom';
import { formatScore } from '../src/vscode/format';
import { diffLines, reasonOf } from './model';

type VscodeButton = HTMLElementTagNameMap['vscode-button'];

export interface CandidateActions {
  openDiff(nodeId: string): void;
  accept(nodeId: string): void;
}

interface Row {
  li: HTMLLIElement;
  score: HTMLElement;
  prm: HTMLElement;
  status: HTMLElement;
  summary: HTMLElement;
  accept: VscodeButton;
  reason: HTMLElement;
  diff: HTMLPreElement;
  /** Last rendered diff, to skip rebuilding the <pre> when nothing changed. */
  diffSource: string | undefined;
}

function button(className: string, label: string, secondary: boolean): VscodeButton {
  const b = document.createElement('vscode-button');
  b.className = className;
  b.textContent = label;
  b.secondary = secondary;
  return b;
}

export class CandidateList {
  private readonly rows = new Map<string, Row>();

  constructor(
    private readonly list: HTMLOListElement,
    private readonly actions: CandidateActions,
  ) {}

  render(ranked: NodeView[], bestId: string | undefined, selectedId: string | undefined): void {
    const seen = new Set<string>();
    let previous: Element | null = null;
    for (const node of ranked) {
      seen.add(node.id);
      const row = this.rows.get(node.id) ?? this.createRow(node.id);
      this.update(row, node, node.id === bestId, node.id === selectedId);
      // Move the row only when it is out of place: moving a focused element blurs it.
      const expected: Element | null = previous ? previous.nextElementSibling : this.list.firstElementChild;
      if (expected !== row.li) this.list.insertBefore(row.li, expected);
      previous = row.li;
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.li.remove();
        this.rows.delete(id);
      }
    }
  }

  /** Scrolls to a row and focuses it (from a click in the tree). */
  reveal(nodeId: string): void {
    const row = this.rows.get(nodeId);
    if (!row) return;
    row.li.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    row.li.focus({ preventScroll: true });
  }

  private createRow(nodeId: string): Row {
    const li = el('li', { class: 'candidate', 'data-node-id': nodeId, tabindex: '-1' });
    const head = el('div', { class: 'head' });
    const score = el('span', { class: 'score' });
    const prm = el('span', { class: 'prm' });
    const status = el('span', { class: 'status' });
    const summary = el('span', { class: 'summary' });
    const openDiff = button('open-diff', 'Open Diff', true);
    const accept = button('accept', 'Accept', false);
    openDiff.addEventListener('click', () => this.actions.openDiff(nodeId));
    accept.addEventListener('click', () => {
      if (!accept.disabled) this.actions.accept(nodeId);
    });
    const actions = el('div', { class: 'actions' });
    actions.append(openDiff, accept);
    head.append(
      el('span', { class: 'id' }, `#${nodeId}`),
      el('span', { class: 'label' }, 'score'),
      score,
      el('span', { class: 'label' }, 'PRM'),
      prm,
      status,
      summary,
      actions,
    );
    const reason = el('p', { class: 'reason' });
    const diff = el('pre', { class: 'diff', tabindex: '0', 'aria-label': `Diff of candidate ${nodeId}` });
    li.append(head, reason, diff);
    const row: Row = { li, score, prm, status, summary, accept, reason, diff, diffSource: undefined };
    this.rows.set(nodeId, row);
    return row;
  }

  private update(row: Row, node: NodeView, isBest: boolean, isSelected: boolean): void {
    row.li.classList.toggle('best', isBest);
    row.li.classList.toggle('selected', isSelected);
    setText(row.score, formatScore(node.score));
    setText(row.prm, formatScore(node.prmScore));
    setText(row.status, node.status);
    row.status.className = `status ${node.status}`;
    const mutation = node.mutation ? `${node.mutation.summary} · ${node.mutation.model}` : '';
    setText(row.summary, mutation);
    const acceptable = node.parentId !== null && node.status === 'done';
    if (row.accept.disabled === acceptable) row.accept.disabled = !acceptable;
    row.accept.title = acceptable ? 'Replace the function in the editor with this candidate' : 'Only scored candidates can be accepted';

    const reason = reasonOf(node);
    row.reason.hidden = reason === undefined;
    setText(row.reason, reason ?? '');
    if (row.diffSource !== node.diff) {
      row.diffSource = node.diff;
      renderDiff(row.diff, node);
    }
  }
}

function renderDiff(pre: HTMLPreElement, node: NodeView): void {
  pre.replaceChildren();
  const lines = diffLines(node.diff);
  if (lines.length === 0) {
    pre.append(el('span', { class: 'meta' }, node.parentId === null ? 'original function' : 'no change'));
    return;
  }
  // Each line keeps its newline so the text reads (and copies) as a diff.
  for (const line of lines) pre.append(el('span', { class: line.kind }, `${line.text}\n`));
}
