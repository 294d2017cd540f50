// How a candidate is drawn over the function it would replace, as data: which lines of the
// current function are struck (red), which words inside a line are struck or inserted (green),
// and which new lines are shown after a line. Pure (no 'vscode'): computed once per candidate
// when a run is shown, so stepping through candidates only swaps decorations.
import { diffArrays } from 'diff';

/** Columns [start, end) of one line. */
export interface ColumnRange {
  start: number;
  end: number;
}

export interface InlineRow {
  /** 0-based line inside the current function's text. */
  line: number;
  /**
   * `modified`: the line stays, words in it change (struck + inserted);
   * `removed`: the whole line goes (struck), its replacement, if any, is in `addedAfter`;
   * `anchor`: the line stays as it is; new lines follow it.
   */
  kind: 'modified' | 'removed' | 'anchor';
  struck: ColumnRange[];
  insertions: { column: number; text: string }[];
  /** Whole new lines shown after this line, in order. */
  addedAfter: string[];
}

export interface InlineDiffLayout {
  rows: InlineRow[];
  /** Lines of the candidate that are not in the current function. */
  addedLines: number;
  /** Lines of the current function that the candidate drops. */
  removedLines: number;
}

/** Below this share of unchanged characters, a changed line is drawn as removed + added. */
const WORD_DIFF_MIN_KEPT = 0.35;

function splitLines(text: string): string[] {
  return text.replace(/\r\n/g, '\n').split('\n');
}

function indentWidth(line: string): number {
  return line.length - line.trimStart().length;
}

// Numbers (1.0313, 2e-3) and names are whole tokens, so a tuned literal reads "0.9 → 0.93", not
// "0.9 → 0.93" split at the dot.
const TOKEN = /\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|[\p{L}_$][\p{L}\p{N}_$]*|\s+|./gsu;

function tokens(line: string): string[] {
  return line.match(TOKEN) ?? [];
}

/** Token-level changes of one line, or null when too little of it survives to read as an edit. */
function wordChanges(oldLine: string, newLine: string): Pick<InlineRow, 'struck' | 'insertions'> | null {
  const struck: ColumnRange[] = [];
  const insertions: { column: number; text: string }[] = [];
  let column = 0;
  let kept = 0;
  for (const part of diffArrays(tokens(oldLine), tokens(newLine))) {
    const value = part.value.join('');
    if (part.added) {
      const last = insertions[insertions.length - 1];
      if (last && last.column === column) last.text += value;
      else insertions.push({ column, text: value });
    } else if (part.removed) {
      const last = struck[struck.length - 1];
      if (last && last.end === column) last.end += value.length;
      else struck.push({ start: column, end: column + value.length });
      column += value.length;
    } else {
      kept += value.trim().length;
      column += value.length;
    }
  }
  const meaningful = Math.max(oldLine.trim().length, newLine.trim().length);
  if (meaningful > 0 && kept / meaningful < WORD_DIFF_MIN_KEPT) return null;
  return { struck, insertions };
}

function wholeLine(line: string): ColumnRange[] {
  const start = indentWidth(line);
  return start < line.length ? [{ start, end: line.length }] : [];
}

/** The rows that draw `newCode` over `oldCode` (both a function's text). */
export function layoutInlineDiff(oldCode: string, newCode: string): InlineDiffLayout {
  const oldLines = splitLines(oldCode);
  const newLines = splitLines(newCode);
  const rows: InlineRow[] = [];
  let addedLines = 0;
  let removedLines = 0;
  let oldAt = 0;
  const parts = diffArrays(oldLines, newLines);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (!part.added && !part.removed) {
      oldAt += part.value.length;
      continue;
    }
    // A change is a run of removed lines and/or added lines between two unchanged runs.
    let removed: string[] = [];
    let added: string[] = [];
    if (part.removed) {
      removed = part.value;
      const following = parts[i + 1];
      if (following?.added) {
        added = following.value;
        i++;
      }
    } else {
      added = part.value;
    }
    removedLines += removed.length;
    addedLines += added.length;
    const hunkRows: InlineRow[] = [];
    for (let k = 0; k < removed.length; k++) {
      const oldLine = removed[k]!;
      const newLine = added[k];
      const words = newLine !== undefined ? wordChanges(oldLine, newLine) : null;
      if (words) hunkRows.push({ line: oldAt + k, kind: 'modified', ...words, addedAfter: [] });
      else hunkRows.push({ line: oldAt + k, kind: 'removed', struck: wholeLine(oldLine), insertions: [], addedAfter: newLine !== undefined ? [newLine] : [] });
    }
    const extra = added.slice(removed.length);
    if (extra.length > 0) {
      const last = hunkRows[hunkRows.length - 1];
      if (last) last.addedAfter.push(...extra);
      else {
        // Pure insertion: shown after the line above it (or on the first line, for an insertion at the top).
        hunkRows.push({ line: Math.max(0, oldAt - 1), kind: 'anchor', struck: [], insertions: [], addedAfter: extra });
      }
    }
    rows.push(...hunkRows);
    oldAt += removed.length;
  }
  return { rows, addedLines, removedLines };
}

/** One line of text for the new lines shown after a row: indentation kept relative, capped. */
export function addedLinesText(lines: readonly string[], maxChars = 160): string {
  const shown: string[] = [];
  let length = 0;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (length > 0 && length + text.length > maxChars) {
      shown.push(`… +${lines.length - i} more line${lines.length - i === 1 ? '' : 's'} (Open Diff)`);
      break;
    }
    shown.push(text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text);
    length += text.length + 3;
  }
  return shown.join('  ⏎  ');
}
