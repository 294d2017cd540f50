import { createTwoFilesPatch, diffLines } from 'diff';

/** Unified diff of a candidate function against a reference (usually the root). */
export function functionDiff(reference: string, candidate: string, name: string): string {
  return createTwoFilesPatch(`a/${name}`, `b/${name}`, withNewline(reference), withNewline(candidate), undefined, undefined, { context: 3 });
}

export interface DiffSize {
  addedLines: number;
  removedLines: number;
  hunks: number;
}

export function diffSize(reference: string, candidate: string): DiffSize {
  let addedLines = 0;
  let removedLines = 0;
  let hunks = 0;
  let inHunk = false;
  for (const part of diffLines(withNewline(reference), withNewline(candidate))) {
    if (part.added) addedLines += part.count ?? 0;
    if (part.removed) removedLines += part.count ?? 0;
    const changed = Boolean(part.added || part.removed);
    if (changed && !inHunk) hunks++;
    inHunk = changed;
  }
  return { addedLines, removedLines, hunks };
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : text + '\n';
}
