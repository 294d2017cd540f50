// Python's indentation rules, which tree-sitter's Python grammar does not enforce: it parses an
// unexpected indent or a dedent to no outer level without an ERROR node, while CPython refuses
// the file with IndentationError / TabError. Checked the way CPython's tokenizer does.
import { insideSpan, stringAndCommentSpans } from '../mutate/codeSpans';
import type { SyntaxIssue } from '../types';

interface Level {
  /** Column with tabs to the next multiple of 8, and with tabs as 1 (CPython compares both). */
  wide: number;
  narrow: number;
}

/** IndentationError / TabError problems of a Python source, first ones first, at most `limit`. */
export function pythonIndentationIssues(text: string, limit = 20): SyntaxIssue[] {
  const spans = stringAndCommentSpans(text, 'python');
  const issues: SyntaxIssue[] = [];
  const stack: Level[] = [{ wide: 0, narrow: 0 }];
  let depth = 0;
  let continued = false;
  let opensBlock = false;
  let offset = 0;
  const lines = text.split('\n');
  for (let row = 0; row < lines.length && issues.length < limit; row++) {
    const line = lines[row].replace(/\r$/, '');
    const lineStart = offset;
    offset += lines[row].length + 1;
    const inString = lineStart > 0 && insideSpan(spans, lineStart - 1) && insideSpan(spans, lineStart);
    const logicalStart = !inString && depth === 0 && !continued;
    const indent = /^[ \t\f]*/.exec(line)?.[0] ?? '';
    const rest = line.slice(indent.length);
    const blank = rest.length === 0 || rest.startsWith('#');

    if (logicalStart && !blank) {
      const level = measure(indent);
      const top = stack[stack.length - 1];
      const issue = (message: string) => issues.push({ line: row, column: 0, message });
      if (opensBlock) {
        if (level.wide <= top.wide) issue('expected an indented block (IndentationError)');
        else if (level.narrow <= top.narrow) issue('inconsistent use of tabs and spaces in indentation (TabError)');
        else stack.push(level);
      } else if (level.wide > top.wide) {
        issue('unexpected indent (IndentationError)');
      } else if (level.wide < top.wide) {
        while (stack.length > 1 && level.wide < stack[stack.length - 1].wide) stack.pop();
        const outer = stack[stack.length - 1];
        if (level.wide !== outer.wide) issue('unindent does not match any outer indentation level (IndentationError)');
        else if (level.narrow !== outer.narrow) issue('inconsistent use of tabs and spaces in indentation (TabError)');
      } else if (level.narrow !== top.narrow) {
        issue('inconsistent use of tabs and spaces in indentation (TabError)');
      }
    }

    // Bracket depth, continuation and the last code character, outside strings and comments.
    let last = '';
    for (let k = 0; k < line.length; k++) {
      if (insideSpan(spans, lineStart + k)) continue;
      const c = line[k];
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
      if (!/\s/.test(c)) last = c;
    }
    const endsInString = line.length > 0 && insideSpan(spans, lineStart + line.length - 1) && insideSpan(spans, lineStart + line.length);
    if (blank && !inString) continue;
    continued = last === '\\' && !endsInString;
    if (depth === 0 && !continued && !endsInString) opensBlock = last === ':';
  }
  return issues;
}

function measure(indent: string): Level {
  let wide = 0;
  let narrow = 0;
  for (const c of indent) {
    if (c === '\t') {
      wide = (Math.floor(wide / 8) + 1) * 8;
      narrow += 1;
    } else if (c === ' ') {
      wide++;
      narrow++;
    }
  }
  return { wide, narrow };
}
