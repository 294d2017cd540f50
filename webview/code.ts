// Diffs and code as coloured lines: one span per line, one span per token, text always through
// textContent (model output is untrusted).
import type { LanguageId } from '../src/core/types';
import { el } from './dom';
import { tokenizeLine } from './highlight';
import { diffLines, type DiffLineKind } from './model';

/** One diff (or code) line: its +/−/space marker, then the coloured code. */
export function renderCodeLine(text: string, kind: DiffLineKind | 'code', language: LanguageId | undefined): HTMLSpanElement {
  const line = el('span', { class: `line ${kind}` });
  if (kind === 'hunk' || kind === 'meta') {
    line.textContent = `${text}\n`;
    return line;
  }
  const marker = kind === 'add' || kind === 'del' || kind === 'context' ? text.slice(0, 1) : '';
  if (marker) line.append(el('span', { class: 'marker' }, marker));
  for (const token of tokenizeLine(marker ? text.slice(1) : text, language)) {
    line.append(token.kind === 'space' || token.kind === 'text' ? document.createTextNode(token.text) : el('span', { class: `tok-${token.kind}` }, token.text));
  }
  line.append('\n');
  return line;
}

/** A unified diff, file headers dropped; a note when there is nothing to show. */
export function renderDiff(pre: HTMLElement, diff: string, language: LanguageId | undefined, empty = 'no change'): void {
  const lines = diffLines(diff);
  pre.replaceChildren(...(lines.length > 0 ? lines.map((l) => renderCodeLine(l.text, l.kind, language)) : [el('span', { class: 'line meta' }, `${empty}\n`)]));
}

/** Plain code with colours (no markers). */
export function renderCode(pre: HTMLElement, code: string, language: LanguageId | undefined): void {
  pre.replaceChildren(...code.split('\n').map((text) => renderCodeLine(text, 'code', language)));
}
