// Default inputs for the timing harness, read from the tests' own calls of the function: the
// argument text of each call whose arguments are literals only (a call with a loop variable or
// a fixture cannot be replayed outside its test). Test text is untrusted: it is only scanned,
// never run, and what is kept is copied into a block the user reviews.
import type { LanguageId } from '../types';
import { mentionsFunction } from './testSelection';

export interface InferredCall {
  /** The text between the call's parentheses, e.g. `[3, 1, 2], 10`. */
  args: string;
  /** Where it was seen: `tests/test_sort.py`. */
  file: string;
}

const MAX_ARGS_LENGTH = 2000;

/** Identifiers a literal argument may use in each language (constants, constructors of literals). */
const LITERAL_WORDS: Readonly<Record<LanguageId, ReadonlySet<string>>> = {
  python: new Set(['True', 'False', 'None', 'range', 'list', 'tuple', 'dict', 'set', 'float', 'int', 'str', 'for', 'in']),
  javascript: new Set(['true', 'false', 'null', 'undefined', 'Infinity', 'NaN', 'Array', 'from', 'length', 'new', 'Map', 'Set']),
  typescript: new Set(['true', 'false', 'null', 'undefined', 'Infinity', 'NaN', 'Array', 'from', 'length', 'new', 'Map', 'Set']),
  tsx: new Set(['true', 'false', 'null', 'undefined', 'Infinity', 'NaN', 'Array', 'from', 'length', 'new', 'Map', 'Set']),
  rust: new Set(['true', 'false', 'vec', 'f64', 'f32', 'i32', 'i64', 'u32', 'u64', 'usize', 'as', 'String', 'from', 'to_string']),
  go: new Set(['true', 'false', 'nil', 'int', 'int64', 'float64', 'float32', 'string', 'byte', 'rune', 'bool']),
  cpp: new Set(['true', 'false', 'nullptr', 'std', 'vector', 'int', 'double', 'float', 'string', 'size_t', 'long']),
};

/** The end of the balanced argument list that starts after `open` (the index of `(`), or -1. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length && i - open <= MAX_ARGS_LENGTH; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return c === ')' ? i : -1;
    }
  }
  return -1;
}

/** True when every identifier outside strings is one the language's literals use. */
export function isLiteralArgs(args: string, language: LanguageId): boolean {
  if (args.trim() === '' || /[;\n]{2}|=>|\blambda\b|(?<![=!<>])=(?!=)/.test(args)) return false;
  const withoutStrings = args.replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/g, '""');
  if (/`/.test(withoutStrings)) return false; // template strings may interpolate
  const words = withoutStrings.match(/[A-Za-z_$][\w$]*/g) ?? [];
  // A comprehension's own loop variables (`[i * 2 for i in range(100)]`) are bound inside it.
  const bound = new Set(language === 'python' ? [...withoutStrings.matchAll(/\bfor\s+(\w+)\s+in\b/g)].map((m) => m[1]) : []);
  return words.every((w) => LITERAL_WORDS[language].has(w) || bound.has(w) || /^(e|E)\d*$/.test(w));
}

/** The literal-only calls of `functionName` in `text`, in order, without repeats. */
export function literalCallsIn(text: string, file: string, functionName: string, language: LanguageId): InferredCall[] {
  if (!mentionsFunction(text, functionName)) return [];
  const calls: InferredCall[] = [];
  const escaped = functionName.replace(/[$]/g, '\\$');
  for (const m of text.matchAll(new RegExp(`(?<![\\w$.])${escaped}\\s*\\(`, 'g'))) {
    const open = (m.index ?? 0) + m[0].length - 1;
    const close = closingParen(text, open);
    if (close < 0) continue;
    const args = text.slice(open + 1, close).trim().replace(/,\s*$/, '');
    if (isLiteralArgs(args, language) && !calls.some((c) => c.args === args)) calls.push({ args, file });
  }
  return calls;
}

/** The call to time by default: the one with the most argument text (usually the largest input). */
export function pickTimedCall(calls: readonly InferredCall[]): InferredCall | undefined {
  let best: InferredCall | undefined;
  for (const call of calls) if (!best || call.args.length > best.args.length) best = call;
  return best;
}
