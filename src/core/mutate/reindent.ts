// Indentation helpers for function code. A function's code is the exact text of its range in the
// file: the first line carries no indentation, later lines keep the file's absolute indentation
// (a Python method's body starts at 8 spaces). Models echo and rewrite it at other indentations;
// these helpers move their text back onto the parent's.

export function leadingWhitespace(line: string): string {
  const m = /^[ \t]*/.exec(line);
  return m ? m[0] : '';
}

export function isBlank(line: string): boolean {
  return line.trim().length === 0;
}

/** The character the parent indents with: a tab if any indented line starts with one. */
export function indentChar(lines: readonly string[]): string {
  for (const line of lines) {
    if (line.startsWith('\t')) return '\t';
    if (line.startsWith(' ')) return ' ';
  }
  return ' ';
}

/** Shift a line's indentation by `delta` characters (negative removes at most what is there). */
export function shiftLine(line: string, delta: number, unit: string): string {
  if (delta === 0 || isBlank(line)) return isBlank(line) ? '' : line;
  if (delta > 0) return unit.repeat(delta) + line;
  const indent = leadingWhitespace(line).length;
  return line.slice(Math.min(indent, -delta));
}

/** Smallest indentation among the non-blank lines, or null when all are blank. */
export function minIndent(lines: readonly string[]): number | null {
  let min: number | null = null;
  for (const line of lines) {
    if (isBlank(line)) continue;
    const n = leadingWhitespace(line).length;
    if (min === null || n < min) min = n;
  }
  return min;
}

/**
 * Re-indent a rewritten function onto the parent's indentation: its first line goes to column 0,
 * and the rest moves so its least-indented line lines up with the parent's least-indented later
 * line (a method body, or the closing brace of a nested function).
 */
export function reindentRewrite(parentLines: readonly string[], rewriteLines: readonly string[]): string[] {
  const firstCode = rewriteLines.findIndex((line) => !isBlank(line));
  if (firstCode < 0) return [];
  const lines = rewriteLines.slice(firstCode);
  const firstIndent = leadingWhitespace(lines[0]).length;
  const tail = lines.slice(1);
  const parentTailIndent = minIndent(parentLines.slice(1));
  const rewriteTailIndent = minIndent(tail);
  let delta: number;
  if (rewriteTailIndent === null) delta = 0;
  else if (parentTailIndent === null) delta = -firstIndent; // one-line parent: keep the rewrite's own shape
  else delta = parentTailIndent - rewriteTailIndent;
  const unit = indentChar(parentLines.length > 1 ? parentLines.slice(1) : tail);
  return [lines[0].trimStart(), ...tail.map((line) => shiftLine(line, delta, unit))];
}
