// Splits code into its top-level items (functions, with their decorators, attributes and leading
// comments; import lines), so a rewrite that brings helper functions along can be placed item by
// item: the target replaces the target, helpers land next to it at the function's indentation.
import type { LanguageId } from '../types';
import { stringAndCommentSpans, insideSpan } from './codeSpans';
import { isBlank, leadingWhitespace } from './reindent';

export interface CodeItem {
  lines: string[];
  /** The function the item defines; null for an import/include line group. */
  name: string | null;
}

const IMPORT_LINE: Readonly<Record<LanguageId, RegExp>> = {
  python: /^(import\s|from\s+\S+\s+import\s)/,
  typescript: /^import[\s{*'"]/,
  tsx: /^import[\s{*'"]/,
  javascript: /^import[\s{*'"]/,
  rust: /^(pub\s+)?use\s/,
  go: /^import[\s(]/,
  cpp: /^(#\s*include\b|using\s)/,
};

/** Lines that belong to the item after them: decorators, attributes, comments, C++ template heads. */
function isLeading(trimmed: string, language: LanguageId): boolean {
  if (trimmed.length === 0) return true;
  if (language === 'python') return trimmed.startsWith('@') || trimmed.startsWith('#');
  if (trimmed.startsWith('//') || trimmed.startsWith('/*') || trimmed.startsWith('*')) return true;
  if (language === 'rust') return trimmed.startsWith('#[');
  if (language === 'cpp') return /^template\s*</.test(trimmed) || trimmed.startsWith('[[');
  return trimmed.startsWith('@'); // TypeScript decorators
}

/**
 * The top-level items of `lines` (blank edges dropped), or null when some top-level text is
 * neither a function nor an import (statements, constants, a class): such code is left to the
 * single-function path and the syntax check.
 */
export function splitItems(lines: readonly string[], language: LanguageId): CodeItem[] | null {
  const first = lines.findIndex((line) => !isBlank(line));
  if (first < 0) return null;
  let last = lines.length - 1;
  while (isBlank(lines[last])) last--;
  const body = lines.slice(first, last + 1);
  const top = Math.min(...body.filter((line) => !isBlank(line)).map((line) => leadingWhitespace(line).length));
  const { depths, inString } = lineStarts(body, language);

  const groups: string[][] = [];
  let current: string[] = [];
  let hasCode = false;
  let previousCode = '';
  for (let i = 0; i < body.length; i++) {
    const line = body[i];
    const trimmed = line.trim();
    const atTop = !isBlank(line) && leadingWhitespace(line).length === top && depths[i] === 0 && !inString[i];
    if (atTop && hasCode && startsNewItem(trimmed, previousCode, language)) {
      groups.push(current);
      current = [];
      hasCode = false;
    }
    current.push(line);
    if (!isLeading(trimmed, language)) {
      hasCode = true;
      previousCode = trimmed;
    }
  }
  groups.push(current);

  const items: CodeItem[] = [];
  for (const group of groups) {
    while (group.length > 0 && isBlank(group[group.length - 1])) group.pop();
    const code = group.map((line) => line.trim()).filter((line) => line.length > 0 && !isLeading(line, language));
    if (code.length === 0) return null; // only comments: nothing to place
    const name = definedName(code, language);
    if (name === null && !IMPORT_LINE[language].test(code[0])) return null;
    items.push({ lines: group, name });
  }
  return items;
}

/** At the top level, with an item already holding code: does this line open the next item? */
function startsNewItem(trimmed: string, previousCode: string, language: LanguageId): boolean {
  if (language === 'python') return true; // a top-level line after code always starts a new statement
  if (/^[)}\]]/.test(trimmed) || /^(else|catch|finally|where)\b/.test(trimmed)) return false;
  return /[};]\s*$/.test(previousCode) || IMPORT_LINE[language].test(previousCode);
}

/** The name a function item defines, from its first code lines; null when it defines none. */
function definedName(code: readonly string[], language: LanguageId): string | null {
  const head = code.slice(0, 3).join(' ');
  let m: RegExpExecArray | null = null;
  switch (language) {
    case 'python':
      m = /^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(/.exec(head);
      break;
    case 'rust':
      m = /^(?:pub(?:\([^)]*\))?\s+)?(?:(?:const|async|unsafe|extern(?:\s+"[^"]*")?)\s+)*fn\s+([A-Za-z_]\w*)/.exec(head);
      break;
    case 'go':
      m = /^func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)\s*[[(]/.exec(head);
      break;
    case 'typescript':
    case 'tsx':
    case 'javascript':
      m =
        /^(?:export\s+(?:default\s+)?)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)/.exec(head) ??
        /^(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function\b|\(|[A-Za-z_$][\w$]*\s*=>)/.exec(head) ??
        /^(?:(?:public|private|protected|static|async|readonly|override|get|set)\s+)*\*?\s*(?!(?:if|for|while|switch|return|catch|function)\b)([A-Za-z_$#][\w$]*)\s*(?:<[^>]*>)?\s*\([^;]*\)[^;=]*\{/.exec(head);
      break;
    case 'cpp': {
      // A definition: `type name(args) {` (qualified names keep their last part).
      if (!/\{/.test(head) || /^(class|struct|namespace|enum|union)\b/.test(head)) return null;
      m = /([A-Za-z_~][\w]*)\s*(?:<[^()]*>)?\s*\([^;{]*\)[^;{]*\{/.exec(head);
      break;
    }
  }
  return m ? m[1] : null;
}

/**
 * Per line: the bracket depth at its start (brackets inside strings and comments ignored), and
 * whether it starts inside a multi-line string or comment.
 */
function lineStarts(lines: readonly string[], language: LanguageId): { depths: number[]; inString: boolean[] } {
  const text = lines.join('\n');
  const spans = stringAndCommentSpans(text, language);
  const depths: number[] = [];
  const inString: boolean[] = [];
  let depth = 0;
  let index = 0;
  for (const line of lines) {
    depths.push(depth);
    inString.push(index > 0 && insideSpan(spans, index - 1) && insideSpan(spans, index));
    for (let k = 0; k < line.length; k++) {
      const c = line[k];
      if ((c === '(' || c === '[' || c === '{') && !insideSpan(spans, index + k)) depth++;
      else if ((c === ')' || c === ']' || c === '}') && !insideSpan(spans, index + k)) depth = Math.max(0, depth - 1);
    }
    index += line.length + 1;
  }
  return { depths, inString };
}

/** The last part of a qualified name (`Foo::bar` → `bar`), as a definition spells it. */
export function plainName(name: string): string {
  const parts = name.split('::');
  return parts[parts.length - 1];
}
