// A tiny tokenizer for syntax colours in diffs and code: keywords, strings, comments, numbers,
// names and punctuation for the languages Genesis evolves. It only classifies text; the view
// puts each token into a span through textContent (model output is never parsed as HTML).
import type { LanguageId } from '../src/core/types';

export type TokenKind = 'keyword' | 'string' | 'comment' | 'number' | 'name' | 'function' | 'punct' | 'space' | 'text';

export interface Token {
  kind: TokenKind;
  text: string;
}

const KEYWORDS: Record<'python' | 'c-like' | 'rust' | 'go', ReadonlySet<string>> = {
  python: new Set(
    'and as assert async await break class continue def del elif else except False finally for from global if import in is lambda None nonlocal not or pass raise return True try while with yield self match case'.split(' '),
  ),
  'c-like': new Set(
    'abstract any as async await boolean break case catch class const constexpr continue default delete do double else enum export extends false finally float for from function if implements import in instanceof int interface let long new null number of private protected public readonly return short signed sizeof static string struct switch template this throw true try type typeof typename undefined unsigned using var void volatile while yield auto char bool namespace nullptr inline __global__ __device__ __host__'.split(
      ' ',
    ),
  ),
  rust: new Set(
    'as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while f32 f64 i32 i64 u32 u64 usize isize bool str String Vec Option Some None Ok Err'.split(' '),
  ),
  go: new Set(
    'break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var nil true false int int64 float64 string bool error'.split(' '),
  ),
};

function keywordsFor(language: LanguageId | undefined): ReadonlySet<string> {
  switch (language) {
    case 'python':
      return KEYWORDS.python;
    case 'rust':
      return KEYWORDS.rust;
    case 'go':
      return KEYWORDS.go;
    default:
      return KEYWORDS['c-like'];
  }
}

const IDENT = /[A-Za-z_$][\w$]*/y;
const NUMBER = /(?:0[xX][\da-fA-F_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?)[a-zA-Z]*/y;
const SPACE = /\s+/y;

function matchAt(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  const m = re.exec(text);
  return m ? m[0] : undefined;
}

/** End of a string literal starting at `at` with `quote` (the line's end when unterminated). */
function stringEnd(text: string, at: number, quote: string): number {
  for (let i = at + quote.length; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text.startsWith(quote, i)) return i + quote.length;
  }
  return text.length;
}

/**
 * Tokens of one line of code. Multi-line strings and block comments are coloured per line only
 * (a diff shows lines out of their context anyway).
 */
export function tokenizeLine(line: string, language?: LanguageId): Token[] {
  const keywords = keywordsFor(language);
  const hashComments = language === 'python';
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, text: string): void => {
    const last = tokens[tokens.length - 1];
    if (last && last.kind === kind && (kind === 'punct' || kind === 'text')) last.text += text;
    else tokens.push({ kind, text });
  };
  while (i < line.length) {
    const c = line[i]!;
    if ((hashComments && c === '#') || (!hashComments && line.startsWith('//', i))) {
      push('comment', line.slice(i));
      break;
    }
    if (!hashComments && line.startsWith('/*', i)) {
      const end = line.indexOf('*/', i + 2);
      const stop = end < 0 ? line.length : end + 2;
      push('comment', line.slice(i, stop));
      i = stop;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const quote = hashComments && line.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      const end = stringEnd(line, i, quote);
      push('string', line.slice(i, end));
      i = end;
      continue;
    }
    const space = matchAt(SPACE, line, i);
    if (space) {
      push('space', space);
      i += space.length;
      continue;
    }
    if (/\d/.test(c) || (c === '.' && /\d/.test(line[i + 1] ?? ''))) {
      const num = matchAt(NUMBER, line, i);
      if (num) {
        push('number', num);
        i += num.length;
        continue;
      }
    }
    const ident = matchAt(IDENT, line, i);
    if (ident) {
      const after = line.slice(i + ident.length).trimStart();
      const kind: TokenKind = keywords.has(ident) ? 'keyword' : after.startsWith('(') ? 'function' : 'name';
      push(kind, ident);
      i += ident.length;
      continue;
    }
    push(/[^\w\s]/.test(c) ? 'punct' : 'text', c);
    i++;
  }
  return tokens;
}

/** Text of a token list (for tests: tokenizing never loses or adds a character). */
export function joinTokens(tokens: Token[]): string {
  return tokens.map((t) => t.text).join('');
}
