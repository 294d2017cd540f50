// The search tree as nested lists: parent → children, the path to the best node highlighted.
// Each node is a button (keyboard reachable) that reveals its candidate row.
import type { NodeView } from '../src/protocol';
import { el } from './dom';
import { formatScore } from '../src/vscode/format';
import type { TreeEntry } from './model';

export function renderTree(
  container: HTMLUListElement,
  roots: TreeEntry[],
  bestPath: Set<string>,
  onSelect: (nodeId: string) => void,
): void {
  const focusedId = (document.activeElement?.closest('#tree [data-node-id]') as HTMLElement | null)?.dataset.nodeId;
  container.replaceChildren(...roots.map((entry) => item(entry, bestPath, onSelect)));
  if (focusedId) container.querySelector<HTMLButtonElement>(`[data-node-id="${CSS.escape(focusedId)}"] > button`)?.focus();
}

function label(node: NodeView): string {
  const score = node.status === 'done' ? formatScore(node.score) : node.status;
  return `#${node.id} ${score}`;
}

function item(entry: TreeEntry, bestPath: Set<string>, onSelect: (nodeId: string) => void): HTMLLIElement {
  const { node } = entry;
  const classes = [node.status, bestPath.has(node.id) ? 'best-path' : ''].filter(Boolean).join(' ');
  const li = el('li', { 'data-node-id': node.id, class: classes });
  const button = el('button', { type: 'button', title: node.mutation?.summary ?? '' }, label(node));
  button.addEventListener('click', () => onSelect(node.id));
  li.append(button);
  if (entry.children.length > 0) {
    const ul = el('ul');
    ul.append(...entry.children.map((child) => item(child, bestPath, onSelect)));
    li.append(ul);
  }
  return li;
}
