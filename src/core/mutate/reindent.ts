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

const LEADING_LINE = /^(@|#\[|\/\/|\/\*|\*|template\s*<|\[\[)/;

/** Lines of the head: leading decorator/attribute/comment lines and the first line after them. */
function headLength(lines: readonly string[]): number {
  let k = 0;
  while (k < lines.length - 1 && (isBlank(lines[k]) || LEADING_LINE.test(lines[k].trim()))) k++;
  return k + 1;
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
  // Decorator/attribute lines and the signature under them sit at the function's own indentation:
  // the body below them is what lines up with the parent's body.
  const parentTailIndent = minIndent(parentLines.slice(headLength(parentLines)));
  const rewriteTailIndent = minIndent(lines.slice(headLength(lines)));
  let delta: number;
  if (rewriteTailIndent === null) delta = 0;
  else if (parentTailIndent === null) delta = -firstIndent; // one-line parent: keep the rewrite's own shape
  else delta = parentTailIndent - rewriteTailIndent;
  const unit = indentChar(parentLines.length > 1 ? parentLines.slice(1) : tail);
  return [lines[0].trimStart(), ...tail.map((line) => shiftLine(line, delta, unit))];
}

/**
 * The lines with their leading whitespace in the parent's style: a reply indented with spaces for
 * a tab-indented parent gets tabs (one per indentation step of the reply), and the other way round.
 */
export function matchIndentStyle(lines: readonly string[], parentLines: readonly string[]): string[] {
  const indented = (all: readonly string[]) => all.filter((line) => !isBlank(line) && /^[ \t]/.test(line));
  const parentIndented = indented(parentLines);
  if (parentIndented.length === 0) return [...lines];
  const parentChar = indentChar(parentIndented);
  const replyIndented = indented(lines);
  if (replyIndented.length === 0 || indentChar(replyIndented) === parentChar) return [...lines];
  if (parentChar === '\t') {
    const step = indentStep(replyIndented.map((line) => leadingWhitespace(line).replace(/\t/g, '').length));
    return lines.map((line) => {
      const indent = leadingWhitespace(line);
      if (!indent.includes(' ')) return line;
      const spaces = indent.replace(/\t/g, '').length;
      const tabs = (indent.match(/\t/g) ?? []).length + Math.floor(spaces / step);
      return '\t'.repeat(tabs) + ' '.repeat(spaces % step) + line.slice(indent.length);
    });
  }
  const step = indentStep(parentIndented.map((line) => leadingWhitespace(line).length));
  return lines.map((line) => {
    const indent = leadingWhitespace(line);
    return indent.includes('\t') ? indent.replace(/\t/g, ' '.repeat(step)) + line.slice(indent.length) : line;
  });
}

/** The indentation step of a set of indentation widths: their greatest common divisor (4 when unclear). */
function indentStep(widths: readonly number[]): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const levels = [...new Set(widths.filter((w) => w > 0))];
  if (levels.length === 0) return 4;
  if (levels.length === 1) return levels[0] % 4 === 0 ? 4 : levels[0] % 2 === 0 ? 2 : levels[0];
  return levels.reduce(gcd);
}
