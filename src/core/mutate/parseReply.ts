// Turns a model's reply into the child function: SEARCH/REPLACE blocks applied to the parent,
// or a fenced code block taken as a full rewrite. Tolerates the usual noise of models (prose
// around blocks, fences, marker lengths, indentation shifts, CRLF) and names what did not fit.
import type { LanguageId, MutationKind } from '../types';
import { indentChar, isBlank, leadingWhitespace, reindentRewrite, shiftLine } from './reindent';

export type ApplyResult =
  | { ok: true; code: string; kind: MutationKind; blocks: number }
  /** `unmatched`: the SEARCH line a block stumbled on, when that is why nothing applied. */
  | { ok: false; error: string; unmatched?: string };

export interface SearchReplaceBlock {
  search: string[];
  replace: string[];
}

const SEARCH_MARKER = /^\s*<{5,}\s*SEARCH\s*$/;
const DIVIDER_MARKER = /^\s*={5,}\s*$/;
const REPLACE_MARKER = /^\s*>{5,}\s*REPLACE\s*$/;
const FENCE = /^\s*(```+|~~~+)\s*([\w+#.-]*)\s*$/;

/**
 * Apply a reply to the parent function. `blocks` counts the SEARCH/REPLACE blocks applied
 * (0 for a full rewrite).
 */
export function applyReply(parentCode: string, reply: string, language: LanguageId): ApplyResult {
  if (reply.trim().length === 0) return { ok: false, error: 'empty reply' };
  const eol = parentCode.includes('\r\n') ? '\r\n' : '\n';
  const parentLines = splitLines(parentCode);
  const replyLines = splitLines(reply);

  const parsed = parseSearchReplaceBlocks(replyLines);
  if (!parsed.ok) return parsed;

  let childLines: string[];
  let kind: MutationKind;
  if (parsed.blocks.length > 0) {
    const applied = applyBlocks(parentLines, parsed.blocks);
    if (!applied.ok) return applied;
    childLines = applied.lines;
    kind = 'search-replace';
  } else {
    const rewrite = extractRewrite(replyLines, parentLines, language);
    if (!rewrite) return { ok: false, error: 'reply contained no SEARCH/REPLACE block and no code block' };
    childLines = reindentRewrite(parentLines, rewrite);
    if (childLines.length === 0) return { ok: false, error: 'the code block in the reply is empty' };
    kind = 'full-rewrite';
  }

  const code = joinLines(childLines, eol, parentCode);
  if (sameIgnoringTrailingWhitespace(code, parentCode)) return { ok: false, error: 'no change' };
  return { ok: true, code, kind, blocks: parsed.blocks.length };
}

function splitLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n');
}

/** Join with the parent's line ending; keep a trailing newline only if the parent had one. */
function joinLines(lines: string[], eol: string, parentCode: string): string {
  const trimmed = [...lines];
  while (trimmed.length > 1 && isBlank(trimmed[trimmed.length - 1])) trimmed.pop();
  const body = trimmed.join(eol);
  return /\r?\n$/.test(parentCode) ? body + eol : body;
}

function sameIgnoringTrailingWhitespace(a: string, b: string): boolean {
  const norm = (s: string) => splitLines(s).map((l) => l.trimEnd()).join('\n').trimEnd();
  return norm(a) === norm(b);
}

/** Parse all SEARCH/REPLACE blocks; text outside them (prose, fences) is ignored. */
export function parseSearchReplaceBlocks(
  lines: readonly string[],
): { ok: true; blocks: SearchReplaceBlock[] } | { ok: false; error: string } {
  const blocks: SearchReplaceBlock[] = [];
  let state: 'outside' | 'search' | 'replace' = 'outside';
  let search: string[] = [];
  let replace: string[] = [];
  for (const line of lines) {
    if (state === 'outside') {
      if (SEARCH_MARKER.test(line)) {
        state = 'search';
        search = [];
        replace = [];
      }
    } else if (state === 'search') {
      if (DIVIDER_MARKER.test(line)) state = 'replace';
      else if (REPLACE_MARKER.test(line) || SEARCH_MARKER.test(line))
        return { ok: false, error: `SEARCH block ${blocks.length + 1} has no ======= line` };
      else search.push(line);
    } else if (REPLACE_MARKER.test(line)) {
      blocks.push({ search: stripFences(search), replace: stripFences(replace) });
      state = 'outside';
    } else if (SEARCH_MARKER.test(line)) {
      return { ok: false, error: `SEARCH block ${blocks.length + 1} has no >>>>>>> REPLACE line` };
    } else {
      replace.push(line);
    }
  }
  if (state !== 'outside') {
    return { ok: false, error: `SEARCH block ${blocks.length + 1} is not closed (the reply may be truncated)` };
  }
  for (let i = 0; i < blocks.length; i++) {
    if (blocks[i].search.every(isBlank)) return { ok: false, error: `SEARCH block ${i + 1} of ${blocks.length} is empty` };
  }
  return { ok: true, blocks };
}

/** Some models fence each half of a block; drop a fence pair wrapping the whole half. */
function stripFences(lines: string[]): string[] {
  if (lines.length >= 2 && FENCE.test(lines[0]) && /^\s*(```+|~~~+)\s*$/.test(lines[lines.length - 1])) {
    return lines.slice(1, -1);
  }
  return lines;
}

function applyBlocks(
  parentLines: readonly string[],
  blocks: readonly SearchReplaceBlock[],
): { ok: true; lines: string[] } | { ok: false; error: string; unmatched: string } {
  let lines = [...parentLines];
  for (let b = 0; b < blocks.length; b++) {
    const block = trimBlankEdges(blocks[b]);
    const match = findExact(lines, block.search) ?? findShifted(lines, block.search, trimmed) ?? findShifted(lines, block.search, squashed);
    if (!match) {
      const culprit = shorten(firstUnmatchedLine(lines, block.search));
      return {
        ok: false,
        error: `SEARCH block ${b + 1} of ${blocks.length} did not match the function: \`${culprit}\``,
        unmatched: culprit,
      };
    }
    const unit = indentChar(lines);
    let replacement = block.replace.map((line) => (isBlank(line) ? '' : shiftLine(line, match.delta, unit)));
    // The function's first line sits at column 0 in its code, whatever the model indented it by.
    if (match.start === 0 && replacement.length > 0) replacement = [replacement[0].trimStart(), ...replacement.slice(1)];
    lines = [...lines.slice(0, match.start), ...replacement, ...lines.slice(match.start + block.search.length)];
  }
  return { ok: true, lines };
}

/** Blank lines around a SEARCH half carry no information and often differ; drop them (and the
 *  matching blank lines around the REPLACE half, so the parent's spacing stays). */
function trimBlankEdges(block: SearchReplaceBlock): SearchReplaceBlock {
  const trim = (lines: string[], front: boolean, back: boolean) => {
    let start = 0;
    let end = lines.length;
    if (front) while (start < end && isBlank(lines[start])) start++;
    if (back) while (end > start && isBlank(lines[end - 1])) end--;
    return lines.slice(start, end);
  };
  const leading = block.search.length > 0 && isBlank(block.search[0]);
  const trailing = block.search.length > 0 && isBlank(block.search[block.search.length - 1]);
  return { search: trim(block.search, true, true), replace: trim(block.replace, leading, trailing) };
}

interface Match {
  start: number;
  /** Characters to add to the indentation of REPLACE lines to land on the parent's. */
  delta: number;
}

/** Exact line match; the function's first line may carry any leading indentation in the block. */
function findExact(lines: readonly string[], search: readonly string[]): Match | null {
  outer: for (let start = 0; start + search.length <= lines.length; start++) {
    for (let k = 0; k < search.length; k++) {
      const have = lines[start + k];
      const want = start + k === 0 ? search[k].trimStart() : search[k];
      if (have !== want) continue outer;
    }
    return { start, delta: 0 };
  }
  return null;
}

const trimmed = (line: string) => line.trim();
/** Last resort: runs of spaces/tabs inside a line count as one space (`x  =  1` vs `x = 1`). */
const squashed = (line: string) => line.trim().replace(/[ \t]+/g, ' ');

/**
 * Whitespace-tolerant match: lines equal under `normalize` (trailing whitespace ignored, or all
 * spacing runs squashed), blank lines match blank lines, and the indentation may be shifted by
 * one constant amount (the model re-indented the snippet).
 */
function findShifted(lines: readonly string[], search: readonly string[], normalize: (line: string) => string): Match | null {
  outer: for (let start = 0; start + search.length <= lines.length; start++) {
    let delta: number | null = null;
    for (let k = 0; k < search.length; k++) {
      const have = lines[start + k];
      const want = search[k];
      if (isBlank(have) && isBlank(want)) continue;
      if (normalize(have) !== normalize(want)) continue outer;
      if (start + k === 0) continue; // the first line's indentation is not in the code
      const d = leadingWhitespace(have).length - leadingWhitespace(want).length;
      if (delta === null) delta = d;
      else if (d !== delta) continue outer;
    }
    return { start, delta: delta ?? 0 };
  }
  return null;
}

/** The first SEARCH line past the longest run that matches anywhere: what the model got wrong. */
function firstUnmatchedLine(lines: readonly string[], search: readonly string[]): string {
  let best = 0;
  for (let start = 0; start < lines.length; start++) {
    let k = 0;
    while (k < search.length && start + k < lines.length && lines[start + k].trim() === search[k].trim()) k++;
    if (k > best) best = k;
  }
  const culprit = search[Math.min(best, search.length - 1)];
  return culprit.trimEnd();
}

function shorten(line: string): string {
  return line.length > 100 ? line.slice(0, 97) + '...' : line;
}

/**
 * The code of a full rewrite: the fenced block that names the function (else the longest), or
 * the whole reply when it starts like the parent does (no fence, no prose).
 */
function extractRewrite(
  replyLines: readonly string[],
  parentLines: readonly string[],
  language: LanguageId,
): string[] | null {
  const fenced = fencedBlocks(replyLines);
  const name = functionNameOf(parentLines);
  if (fenced.length > 0) {
    const nonEmpty = fenced.filter((block) => block.some((line) => !isBlank(line)));
    if (nonEmpty.length === 0) return fenced[0];
    // Prefer a block that opens like the function, then one that mentions it, then the longest.
    const defining = nonEmpty.filter((block) => looksLikeTheFunction(block, parentLines, name, language));
    const naming = name ? nonEmpty.filter((block) => block.some((line) => mentionsCall(line, name))) : [];
    const pool = defining.length > 0 ? defining : naming.length > 0 ? naming : nonEmpty;
    return pool.reduce((a, b) => (b.join('\n').length > a.join('\n').length ? b : a));
  }
  return looksLikeTheFunction(replyLines, parentLines, name, language) ? [...replyLines] : null;
}

function fencedBlocks(lines: readonly string[]): string[][] {
  const blocks: string[][] = [];
  let current: string[] | null = null;
  let fence = '';
  for (const line of lines) {
    const m = FENCE.exec(line);
    if (current === null) {
      if (m) {
        current = [];
        fence = m[1];
      }
    } else if (m && m[2] === '' && m[1][0] === fence[0] && m[1].length >= fence.length) {
      blocks.push(current);
      current = null;
    } else {
      current.push(line);
    }
  }
  // An unclosed fence runs to the end of the reply (a syntax check judges what came out).
  if (current !== null) blocks.push(current);
  return blocks;
}

const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'return', 'catch', 'function', 'def', 'fn', 'func', 'sizeof']);

/** The function's name: the identifier before the first `(` outside decorators/attributes. */
export function functionNameOf(parentLines: readonly string[]): string | null {
  for (const line of parentLines) {
    const trimmed = line.trim();
    if (trimmed.startsWith('@') || trimmed.startsWith('#[') || trimmed.startsWith('[[')) continue;
    for (const m of trimmed.matchAll(/([A-Za-z_$][\w$]*)\s*(?:<[^()]*>)?\s*\(/g)) {
      if (!KEYWORDS.has(m[1])) return m[1];
    }
    if (/[({]\s*$/.test(trimmed)) break;
  }
  return null;
}

function mentionsCall(line: string, name: string): boolean {
  return new RegExp(`(^|[^\\w$])${name.replace(/\$/g, '\\$')}\\s*(<[^()]*>)?\\s*\\(`).test(line);
}

/** An unfenced reply counts as code only if it opens the way the parent does. */
function looksLikeTheFunction(
  replyLines: readonly string[],
  parentLines: readonly string[],
  name: string | null,
  language: LanguageId,
): boolean {
  const first = replyLines.find((line) => !isBlank(line))?.trim() ?? '';
  const parentFirst = parentLines.find((line) => !isBlank(line))?.trim() ?? '';
  const firstToken = (s: string) => /^[^\s(]+/.exec(s)?.[0] ?? '';
  if (first.length === 0) return false;
  if (firstToken(first) === firstToken(parentFirst)) return true;
  if (name && mentionsCall(first, name)) {
    // Prose like "Call foo(x) instead" also mentions the name: require a code-like line.
    return language === 'python' ? /:\s*$/.test(first) || first.startsWith('@') : /[{;]\s*$|\)\s*$/.test(first);
  }
  return false;
}
