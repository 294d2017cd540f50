// Finds the spans of strings and comments in a function's code, so lexical operators
// (literal tuning, operator flips) never touch text inside them.
import type { LanguageId } from '../types';

export interface Span {
  start: number;
  end: number;
}

/** Sorted, non-overlapping spans of comments and string literals. */
export function stringAndCommentSpans(code: string, language: LanguageId): Span[] {
  const spans: Span[] = [];
  const hashComments = language === 'python';
  const slashComments = language !== 'python';
  const backtickStrings = language === 'typescript' || language === 'tsx' || language === 'javascript' || language === 'go';
  let i = 0;
  while (i < code.length) {
    const c = code[i];
    const next = code[i + 1];
    let end = -1;
    if (hashComments && c === '#') {
      end = lineEnd(code, i);
    } else if (slashComments && c === '/' && next === '/') {
      end = lineEnd(code, i);
    } else if (slashComments && c === '/' && next === '*') {
      const close = code.indexOf('*/', i + 2);
      end = close < 0 ? code.length : close + 2;
    } else if (language === 'python' && (code.startsWith('"""', i) || code.startsWith("'''", i))) {
      const quote = code.slice(i, i + 3);
      const close = code.indexOf(quote, i + 3);
      end = close < 0 ? code.length : close + 3;
    } else if (c === '"' || (c === "'" && language !== 'rust') || (c === '`' && backtickStrings)) {
      end = quotedEnd(code, i, c);
    } else if (c === "'" && language === 'rust') {
      // Rust: 'a' is a char, but 'a alone is a lifetime; only skip real char literals.
      const m = /^'(?:\\.|[^'\\\n])'/.exec(code.slice(i, i + 12));
      if (m) end = i + m[0].length;
    }
    if (end > i) {
      spans.push({ start: i, end });
      i = end;
    } else {
      i++;
    }
  }
  return spans;
}

function lineEnd(code: string, from: number): number {
  const nl = code.indexOf('\n', from);
  return nl < 0 ? code.length : nl;
}

function quotedEnd(code: string, from: number, quote: string): number {
  let i = from + 1;
  while (i < code.length) {
    const c = code[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) return i + 1;
    if (c === '\n' && quote !== '`') return i; // unterminated on this line: stop at the line end
    i++;
  }
  return code.length;
}

export function insideSpan(spans: readonly Span[], index: number): boolean {
  // Spans are sorted: binary search.
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = spans[mid];
    if (index < s.start) hi = mid - 1;
    else if (index >= s.end) lo = mid + 1;
    else return true;
  }
  return false;
}
