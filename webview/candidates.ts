// The ranked candidate list, virtualized: only the rows in view (plus a few) exist in the DOM,
// each a fixed height, keyed by node id and updated in place so focus survives live updates.
// Rows stay in DOM order = list order (the first `.candidate` is the top of the ranking).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { LanguageId } from '../src/core/types';
import type { NodeView } from '../src/protocol';
import { formatCost, formatScore } from '../src/core/util/format';
import { el, setText } from './dom';
import { renderCodeLine } from './code';
import { JARGON } from './jargon';
import { gainOf, gainText, lineageOf, lineageText, previewLines, reasonOf } from './model';

type VscodeButton = HTMLElementTagNameMap['vscode-button'];

export const ROW_HEIGHT = 128;
const OVERSCAN = 4;

export interface CandidateActions {
  openDiff(nodeId: string): void;
  accept(nodeId: string): void;
  select(nodeId: string): void;
}

/** What a card compares a candidate with: the run's nodes (parents, lineage), baseline and best. */
export interface CardContext {
  nodes: Record<string, NodeView>;
  baseline: number | null;
  best: number | null;
}

interface Row {
  li: HTMLDivElement;
  score: HTMLElement;
  prm: HTMLElement;
  status: HTMLElement;
  cost: HTMLElement;
  gain: HTMLElement;
  summary: HTMLElement;
  stat: HTMLElement;
  accept: VscodeButton;
  reason: HTMLElement;
  diff: HTMLPreElement;
  /** What the row last showed, to skip DOM work when nothing changed. */
  shown: NodeView | undefined;
  shownFlags: string;
  shownContext: string;
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
  private readonly spacer: HTMLDivElement;
  private items: NodeView[] = [];
  private indexOf = new Map<string, number>();
  private bestId: string | undefined;
  private selectedId: string | undefined;
  private language: LanguageId | undefined;
  private context: CardContext = { nodes: {}, baseline: null, best: null };
  private dirty = true;
  /** Scroll offset and height, kept from events (reading them from the DOM forces a layout). */
  private scrollTop = 0;
  private viewHeight = 0;

  constructor(
    private readonly list: HTMLElement,
    private readonly actions: CandidateActions,
    private readonly onNeedsRender: () => void,
  ) {
    this.spacer = el('div', { class: 'spacer', 'aria-hidden': 'true' });
    list.append(this.spacer);
    list.addEventListener(
      'scroll',
      () => {
        this.scrollTop = list.scrollTop;
        this.invalidate();
      },
      { passive: true },
    );
    new ResizeObserver((entries) => {
      this.viewHeight = entries[entries.length - 1]?.contentRect.height ?? this.viewHeight;
      this.invalidate();
    }).observe(list);
    list.addEventListener('keydown', (e) => this.onKey(e));
    list.addEventListener('click', (e) => {
      const target = e.target as HTMLElement;
      if (target.closest('vscode-button')) return;
      const id = target.closest<HTMLElement>('.candidate')?.dataset.nodeId;
      if (id) this.actions.select(id);
    });
  }

  /** The rows to show, in order; cheap: the DOM is touched in render(). */
  setItems(items: NodeView[], bestId: string | undefined, selectedId: string | undefined, language: LanguageId | undefined, context?: CardContext): void {
    this.items = items;
    if (context) this.context = context;
    this.indexOf = new Map(items.map((n, i) => [n.id, i]));
    this.bestId = bestId;
    this.selectedId = selectedId;
    this.language = language;
    this.invalidate();
  }

  get size(): number {
    return this.items.length;
  }

  /** Scrolls so the row is in view (from a click in the tree or the keyboard). */
  reveal(nodeId: string): void {
    const index = this.indexOf.get(nodeId);
    if (index === undefined) return;
    const top = index * ROW_HEIGHT;
    const { scrollTop, viewHeight } = this;
    let next = scrollTop;
    if (top < scrollTop) next = top;
    else if (top + ROW_HEIGHT > scrollTop + viewHeight) next = top + ROW_HEIGHT - viewHeight;
    if (next !== scrollTop) {
      this.scrollTop = next;
      this.list.scrollTop = next;
    }
    this.invalidate();
  }

  render(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const total = this.items.length;
    this.spacer.style.height = `${total * ROW_HEIGHT}px`;
    const scrollTop = this.scrollTop;
    const viewHeight = this.viewHeight || 600;
    const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(total, Math.ceil((scrollTop + viewHeight) / ROW_HEIGHT) + OVERSCAN);
    const wanted = new Set<string>();
    let previous: Element | null = this.spacer;
    for (let i = first; i < last; i++) {
      const node = this.items[i]!;
      wanted.add(node.id);
      const row = this.rows.get(node.id) ?? this.createRow(node.id);
      row.li.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
      row.li.setAttribute('aria-posinset', String(i + 1));
      row.li.setAttribute('aria-setsize', String(total));
      this.update(row, node);
      // Move the row only when it is out of place: moving a focused element blurs it.
      if (previous.nextElementSibling !== row.li) previous.after(row.li);
      previous = row.li;
    }
    for (const [id, row] of this.rows) {
      if (!wanted.has(id)) {
        if (row.li.contains(document.activeElement)) this.list.focus({ preventScroll: true });
        row.li.remove();
        this.rows.delete(id);
      }
    }
    if (this.selectedId && this.rows.has(this.selectedId)) this.list.setAttribute('aria-activedescendant', `candidate-${this.selectedId}`);
    else this.list.removeAttribute('aria-activedescendant');
  }

  private invalidate(): void {
    this.dirty = true;
    this.onNeedsRender();
  }

  private onKey(e: KeyboardEvent): void {
    if ((e.target as HTMLElement).closest('vscode-button')) return;
    const at = this.selectedId !== undefined ? (this.indexOf.get(this.selectedId) ?? -1) : -1;
    const page = Math.max(1, Math.floor(this.viewHeight / ROW_HEIGHT));
    let next: number | undefined;
    switch (e.key) {
      case 'ArrowDown':
        next = at + 1;
        break;
      case 'ArrowUp':
        next = at - 1;
        break;
      case 'PageDown':
        next = at + page;
        break;
      case 'PageUp':
        next = at - page;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = this.items.length - 1;
        break;
      case 'Enter':
        if (this.selectedId) this.actions.openDiff(this.selectedId);
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    const node = this.items[Math.max(0, Math.min(this.items.length - 1, next))];
    if (node) {
      this.actions.select(node.id);
      this.reveal(node.id);
    }
  }

  private createRow(nodeId: string): Row {
    const li = el('div', { class: 'candidate', 'data-node-id': nodeId, role: 'option', id: `candidate-${nodeId}` });
    li.style.height = `${ROW_HEIGHT}px`;
    const head = el('div', { class: 'head' });
    const score = el('span', { class: 'score' });
    const prm = el('span', { class: 'prm' });
    const status = el('span', { class: 'status' });
    const cost = el('span', { class: 'cost' });
    const gain = el('span', { class: 'gain' });
    const summary = el('span', { class: 'summary lineage' });
    const stat = el('span', { class: 'stat', title: 'Lines added and removed against the original function' });
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
      el('span', { class: 'label term', title: JARGON.score }, 'score'),
      score,
      el('span', { class: 'label term', title: JARGON.prmScore }, 'PRM'),
      prm,
      status,
      cost,
      actions,
    );
    const reason = el('p', { class: 'reason' });
    const diff = el('pre', { class: 'diff', 'aria-label': `Changes of candidate ${nodeId}` });
    const changes = el('div', { class: 'changes' });
    changes.append(stat, diff);
    li.append(head, gain, summary, reason, changes);
    const row: Row = { li, score, prm, status, cost, gain, summary, stat, accept, reason, diff, shown: undefined, shownFlags: '', shownContext: '' };
    this.rows.set(nodeId, row);
    return row;
  }

  private update(row: Row, node: NodeView): void {
    const flags = `${node.id === this.bestId ? 'b' : ''}${node.id === this.selectedId ? 's' : ''}`;
    // The gain and the lineage depend on the baseline, the best and the ancestors too.
    const parent = node.parentId !== null ? this.context.nodes[node.parentId] : undefined;
    const contextKey = `${this.context.baseline}|${this.context.best}|${parent?.score ?? ''}|${parent?.status ?? ''}`;
    if (row.shownContext !== contextKey || row.shown !== node) {
      row.shownContext = contextKey;
      this.renderGainAndLineage(row, node, parent);
    }
    if (row.shown === node && row.shownFlags === flags) return;
    row.li.classList.toggle('best', node.id === this.bestId);
    row.li.classList.toggle('selected', node.id === this.selectedId);
    row.li.setAttribute('aria-selected', String(node.id === this.selectedId));
    row.shownFlags = flags;
    if (row.shown === node) return;
    const previous = row.shown;
    row.shown = node;
    setText(row.score, formatScore(node.score));
    setText(row.prm, formatScore(node.prmScore));
    const statusWord = node.skippedByPrm && node.status === 'skipped' ? 'skipped' : node.status;
    setText(row.status, statusWord);
    row.status.className = `status ${node.status}`;
    row.status.title = node.skippedByPrm && node.status === 'skipped' ? 'skipped by the PRM: can still be evaluated' : '';
    setText(row.cost, node.costUsd > 0 ? formatCost(node.costUsd) : '');

    const acceptable = node.parentId !== null && node.status === 'done';
    if (row.accept.disabled === acceptable) row.accept.disabled = !acceptable;
    row.accept.title = acceptable ? 'Replace the function in the editor with this candidate' : 'Only scored candidates can be accepted';
    const reason = reasonOf(node);
    row.reason.hidden = reason === undefined;
    setText(row.reason, reason ?? '');
    if (!previous || previous.diffPreview !== node.diffPreview) renderPreview(row.diff, node, this.language);
    setText(row.stat, node.diffStat && node.parentId !== null ? `+${node.diffStat.added} −${node.diffStat.removed}` : '');
  }

  private renderGainAndLineage(row: Row, node: NodeView, parent: NodeView | undefined): void {
    const gain = gainText(gainOf(node, parent, this.context.baseline, this.context.best));
    setText(row.gain, gain);
    row.gain.title = gain ? `${JARGON.baseline} ${JARGON.gap}` : '';
    row.gain.classList.toggle('worse', /^−/.test(gain));
    if (node.parentId === null) {
      setText(row.summary, 'the original function');
      row.summary.title = '';
      return;
    }
    const steps = lineageOf(this.context.nodes, node.id);
    const models = [...new Set(steps.map((s) => s.model).filter(Boolean))].join(', ');
    const text = `${lineageText(steps)}${models ? ` · ${models}` : ''}`;
    setText(row.summary, text);
    // The whole lineage, one mutation a line, on hover: the card shows what fits.
    row.summary.title = steps.map((s) => `#${s.nodeId} (${s.score === null ? '—' : formatScore(s.score)}): ${s.summary}${s.model ? ` · ${s.model}` : ''}`).join('\n');
  }
}

function renderPreview(pre: HTMLPreElement, node: NodeView, language: LanguageId | undefined): void {
  pre.replaceChildren();
  const lines = previewLines(node.diffPreview);
  if (lines.length === 0) {
    pre.append(el('span', { class: 'meta' }, node.parentId === null ? 'original function\n' : 'no change\n'));
    return;
  }
  for (const line of lines) pre.append(renderCodeLine(line.text, line.kind, language));
}
