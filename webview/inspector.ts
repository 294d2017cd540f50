// The node inspector: what the selected candidate is, how it came about (model, mode, why the
// strategy chose it), its diff against the original and its parent, the evaluator's output, the
// prompt and the model's reply. The long texts are fetched on demand and cached per node state.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { LanguageId } from '../src/core/types';
import type { NodeDetails, NodeView, RunControls } from '../src/protocol';
import { formatCost, formatScore } from '../src/core/util/format';
import { renderCode, renderDiff } from './code';
import { el, setText } from './dom';
import { JARGON } from './jargon';
import { formatDuration, reasonOf } from './model';

type VscodeButton = HTMLElementTagNameMap['vscode-button'];

export interface InspectorActions {
  details(nodeId: string): Promise<NodeDetails | null>;
  openDiff(nodeId: string, against: 'current' | 'parent'): void;
  accept(nodeId: string): void;
  previewInline(nodeId: string): void;
  evaluateNow(nodeId: string): void;
  mutateFrom(nodeId: string): void;
}

export type DiffAgainst = 'original' | 'parent';

function button(id: string, label: string, secondary: boolean, title: string): VscodeButton {
  const b = document.createElement('vscode-button');
  b.id = id;
  b.textContent = label;
  b.secondary = secondary;
  b.title = title;
  return b;
}

function cacheKey(node: NodeView): string {
  return `${node.id}:${node.status}:${node.finishedAt ?? ''}:${node.diffPreview}`;
}

export class Inspector {
  private readonly title: HTMLElement;
  private readonly facts: HTMLDListElement;
  private readonly why: HTMLElement;
  private readonly reason: HTMLElement;
  private readonly diff: HTMLPreElement;
  private readonly diffNote: HTMLElement;
  private readonly metrics: HTMLTableSectionElement;
  private readonly feedback: HTMLPreElement;
  private readonly stdout: HTMLPreElement;
  private readonly stderr: HTMLPreElement;
  private readonly prompt: HTMLPreElement;
  private readonly reply: HTMLPreElement;
  private readonly code: HTMLPreElement;
  private readonly body: HTMLElement;
  private readonly buttons: Record<'openDiff' | 'diffParent' | 'accept' | 'inline' | 'evaluate' | 'mutate', VscodeButton>;
  private readonly sideButtons: Record<DiffAgainst, VscodeButton>;
  private readonly cache = new Map<string, NodeDetails | null>();
  private node: NodeView | undefined;
  private details: NodeDetails | null | undefined;
  private against: DiffAgainst = 'original';
  private language: LanguageId | undefined;
  private shownKey = '';

  constructor(
    private readonly root: HTMLElement,
    private readonly actions: InspectorActions,
  ) {
    this.title = el('h2', { id: 'inspector-title' }, 'Candidate');
    const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Candidate actions' });
    this.buttons = {
      openDiff: button('inspect-open-diff', 'Open Diff', true, 'Diff of the function as it is now in the editor against this candidate'),
      diffParent: button('inspect-diff-parent', 'Diff vs Parent', true, 'Diff of the parent against this candidate'),
      accept: button('inspect-accept', 'Accept', false, 'Replace the function in the editor with this candidate'),
      inline: button('inspect-inline', 'Show in Editor', true, 'Mark the function in the editor, with Accept · Reject · Next candidate above it'),
      evaluate: button('inspect-evaluate', 'Evaluate Now', true, 'Run the evaluator on this candidate, which the PRM skipped'),
      mutate: button('inspect-mutate', 'Mutate from Here', true, 'Make the next child from this candidate'),
    };
    const on = (b: VscodeButton, run: (id: string) => void) =>
      b.addEventListener('click', () => {
        if (!b.disabled && this.node) run(this.node.id);
      });
    on(this.buttons.openDiff, (id) => this.actions.openDiff(id, 'current'));
    on(this.buttons.diffParent, (id) => this.actions.openDiff(id, 'parent'));
    on(this.buttons.accept, (id) => this.actions.accept(id));
    on(this.buttons.inline, (id) => this.actions.previewInline(id));
    on(this.buttons.evaluate, (id) => this.actions.evaluateNow(id));
    on(this.buttons.mutate, (id) => this.actions.mutateFrom(id));
    toolbar.append(...Object.values(this.buttons));

    this.facts = el('dl', { class: 'facts', id: 'inspector-facts' });
    this.why = el('p', { class: 'why', id: 'inspector-why' });
    this.reason = el('p', { class: 'reason', id: 'inspector-reason' });
    const sides = el('div', { class: 'segmented', role: 'group', 'aria-label': 'Diff against' });
    this.sideButtons = {
      original: button('inspect-vs-original', 'vs original', false, 'Changes against the original function'),
      parent: button('inspect-vs-parent', 'vs parent', true, 'Changes against the parent candidate'),
    };
    for (const side of ['original', 'parent'] as const) {
      this.sideButtons[side].addEventListener('click', () => {
        this.against = side;
        this.renderDiffPane();
      });
    }
    sides.append(el('span', { class: 'label' }, 'Diff'), this.sideButtons.original, this.sideButtons.parent);
    this.diff = el('pre', { class: 'code-view diff', id: 'inspector-diff', tabindex: '0', 'aria-label': 'Diff of the selected candidate' });
    this.diffNote = el('p', { class: 'note' });
    const metricsTable = el('table', { class: 'metrics', id: 'inspector-metrics' });
    this.metrics = el('tbody');
    metricsTable.append(this.metrics);
    this.feedback = el('pre', { class: 'output', id: 'inspector-feedback', tabindex: '0' });
    this.stdout = el('pre', { class: 'output', id: 'inspector-stdout', tabindex: '0' });
    this.stderr = el('pre', { class: 'output', id: 'inspector-stderr', tabindex: '0' });
    this.prompt = el('pre', { class: 'output', id: 'inspector-prompt', tabindex: '0' });
    this.reply = el('pre', { class: 'output', id: 'inspector-reply', tabindex: '0' });
    this.code = el('pre', { class: 'code-view', id: 'inspector-code', tabindex: '0' });

    this.body = el('div', { class: 'inspector-body' });
    this.body.append(
      toolbar,
      this.facts,
      this.why,
      this.reason,
      sides,
      this.diff,
      this.diffNote,
      section('Metrics', metricsTable, true),
      section('Evaluator output', el('div', {}), true, [labelled('feedback', this.feedback), labelled('stdout (tail)', this.stdout), labelled('stderr (tail)', this.stderr)]),
      section('Prompt', this.prompt, false),
      section('Model reply', this.reply, false),
      section('Code', this.code, false),
    );
    this.root.append(this.title, el('p', { class: 'empty', id: 'inspector-empty' }, 'Select a node in the tree or a candidate in the list.'), this.body);
    this.body.hidden = true;
  }

  /** Shows `node` (or nothing); cheap when the node did not change. */
  show(node: NodeView | undefined, language: LanguageId | undefined, controls: RunControls): void {
    this.language = language;
    const key = node ? `${cacheKey(node)}:${node.prmScore}:${node.score}:${JSON.stringify(controls)}` : '';
    if (node === this.node && key === this.shownKey) return;
    const changedNode = node?.id !== this.node?.id;
    this.node = node;
    this.shownKey = key;
    (this.root.querySelector('#inspector-empty') as HTMLElement).hidden = node !== undefined;
    this.body.hidden = node === undefined;
    if (!node) {
      setText(this.title, 'Candidate');
      return;
    }
    setText(this.title, node.parentId === null ? `#${node.id} — the original function` : `Candidate #${node.id}`);
    this.renderFacts(node);
    const skippedByPrm = node.status === 'skipped' && node.skippedByPrm === true;
    const done = node.status === 'done' && node.parentId !== null;
    this.buttons.accept.disabled = !done;
    this.buttons.inline.disabled = !done;
    this.buttons.diffParent.disabled = node.parentId === null;
    this.buttons.openDiff.disabled = node.parentId === null;
    this.buttons.evaluate.hidden = !skippedByPrm;
    this.buttons.evaluate.disabled = !controls.live;
    this.buttons.evaluate.title = controls.live ? 'Run the evaluator on this candidate, which the PRM skipped' : 'Resume the run to evaluate more candidates';
    this.buttons.mutate.hidden = !controls.mutateFrom;
    this.buttons.mutate.disabled = !controls.live || node.status !== 'done';
    if (changedNode) this.clearDetails();
    void this.load(node);
  }

  private renderFacts(node: NodeView): void {
    const facts: [string, string][] = [
      ['status', node.skippedByPrm && node.status === 'skipped' ? 'skipped by PRM' : node.status],
      ['score', formatScore(node.score)],
      ['PRM score', formatScore(node.prmScore)],
      ['parent', node.parentId === null ? '—' : `#${node.parentId}${node.secondParentId ? ` × #${node.secondParentId}` : ''}`],
      ['depth', String(node.depth)],
      ['model', node.mutation?.model ?? node.sourceId ?? '—'],
      ['mutation', [node.mutation?.kind, node.mode].filter(Boolean).join(' · ') || '—'],
      ['tokens', node.tokensIn + node.tokensOut > 0 ? `${node.tokensIn} in · ${node.tokensOut} out` : '0'],
      ['cost', formatCost(node.costUsd)],
      ['made in', formatDuration(node.finishedAt !== undefined ? node.finishedAt - node.createdAt - (node.evaluation?.durationMs ?? 0) : undefined)],
      ['evaluation', node.evaluation ? `${node.evaluation.status}, ${formatDuration(node.evaluation.durationMs)}, ${node.evaluation.sandboxed ? 'sandboxed' : 'not sandboxed'}` : '—'],
      ['created', new Date(node.createdAt).toLocaleTimeString()],
    ];
    if (node.island !== undefined) facts.push(['island', String(node.island)]);
    const children: HTMLElement[] = [];
    const explained: Record<string, string> = { score: JARGON.score, 'PRM score': JARGON.prmScore, tokens: JARGON.tokens, cost: JARGON.cost, model: JARGON.bandit };
    for (const [term, value] of facts) {
      const title = explained[term];
      children.push(el('dt', title ? { class: 'term', title } : {}, term), el('dd', {}, value));
    }
    this.facts.replaceChildren(...children);
    setText(this.why, node.why ? `Why: ${node.why}` : '');
    this.why.hidden = !node.why;
    const reason = reasonOf(node);
    setText(this.reason, reason ?? '');
    this.reason.hidden = reason === undefined;
    const metrics = Object.entries(node.evaluation?.metrics ?? {});
    this.metrics.replaceChildren(
      ...(metrics.length > 0
        ? metrics.map(([k, v]) => {
            const tr = el('tr');
            tr.append(el('th', { scope: 'row' }, k), el('td', {}, formatScore(v)));
            return tr;
          })
        : [el('tr', {}, 'no metrics')]),
    );
  }

  private clearDetails(): void {
    this.details = undefined;
    for (const pre of [this.feedback, this.stdout, this.stderr, this.prompt, this.reply, this.code, this.diff]) pre.replaceChildren(el('span', { class: 'loading' }, 'loading…'));
  }

  private async load(node: NodeView): Promise<void> {
    const key = cacheKey(node);
    let details = this.cache.get(key);
    if (details === undefined) {
      try {
        details = await this.actions.details(node.id);
      } catch (error) {
        details = null;
        setText(this.diffNote, `Could not load the details: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (this.cache.size > 200) this.cache.clear();
      this.cache.set(key, details);
    }
    if (this.node?.id !== node.id) return;
    this.details = details;
    this.renderDetails();
  }

  private renderDetails(): void {
    const d = this.details;
    const text = (pre: HTMLPreElement, value: string | undefined, none: string) => {
      pre.replaceChildren(value ? document.createTextNode(value) : el('span', { class: 'empty' }, none));
    };
    text(this.feedback, d?.evaluation?.feedback, 'no feedback');
    text(this.stdout, d?.evaluation?.stdoutTail, 'no output');
    text(this.stderr, d?.evaluation?.stderrTail, 'no output');
    text(this.prompt, d?.prompt, this.node?.parentId === null ? 'the original function has no prompt' : 'no prompt (the offline operator asks no model)');
    text(this.reply, d?.reply, 'no reply');
    if (d) renderCode(this.code, d.code, this.language);
    else text(this.code, undefined, 'not available');
    this.renderDiffPane();
  }

  private renderDiffPane(): void {
    for (const side of ['original', 'parent'] as const) this.sideButtons[side].secondary = side !== this.against;
    const d = this.details;
    if (!d) {
      if (d === null) this.diff.replaceChildren(el('span', { class: 'empty' }, 'not available'));
      return;
    }
    if (this.against === 'parent') {
      renderDiff(this.diff, d.diffVsParent, this.language, d.parentCode === undefined ? 'the original function has no parent' : 'same code as the parent');
    } else {
      renderDiff(this.diff, d.diffVsOriginal, this.language, this.node?.parentId === null ? 'the original function' : 'same code as the original');
    }
    setText(this.diffNote, d.lineageNote ? `Note for descendants: ${d.lineageNote}` : '');
  }
}

function section(title: string, content: HTMLElement, open: boolean, extra: HTMLElement[] = []): HTMLDetailsElement {
  const details = el('details', { class: 'section' });
  details.open = open;
  details.append(el('summary', {}, title), ...(extra.length > 0 ? extra : [content]));
  return details;
}

function labelled(label: string, pre: HTMLPreElement): HTMLElement {
  const wrap = el('div', { class: 'labelled' });
  wrap.append(el('h4', {}, label), pre);
  return wrap;
}
