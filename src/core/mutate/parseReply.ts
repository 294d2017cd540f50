// Turns a models reply into the child function: SEARCH/REPLACE blocks applied to the parent,
// or a fenced code block taken as a full rewrite. Tolerates the usual noise of models (prose
// around blocks, fences, marker lengths, indentation shifts, CRLF, helper functions next to the
// target, a renamed function) and names what did not fit.
import type { LanguageId, MutationKind } from '../types';
import { indentChar, isBlank, leadingWhitespace, matchIndentStyle, reindentRewrite, shiftLine } from './reindent';
import { plainName, splitItems, type CodeItem } from './replyItems';

export type ApplyResult =
  | { ok: true; code: string; kind: MutationKind; blocks: number }
  /**
   * `unmatched`: the SEARCH line a block stumbled on, when that is why nothing applied.
   * `note`: what the next prompt of this lineage should be told (why the reply was refused).
   */
  | { ok: false; error: string; unmatched?: string; note?: string };

export interface ApplyOptions {
  /** The function's name as the run knows it; a reply that renames it is renamed back. */
  functionName?: string;
  /** The indentation of the function's first line in the file: helper functions go at it. */
  baseIndent?: string;
}

export interface SearchReplaceBlock {
  search: string[];
  replace: string[];
}

const SEARCH_MARKER = /^\s*<{5,}\s*SEARCH\s*$/;
const DIVIDER_MARKER = /^\s*={5,}\s*$/;
const REPLACE_MARKER = /^\s*>{5,}\s*REPLACE\s*$/;
const FENCE = /^\s*(```+|~~~+)\s*([\w+#.-]*)\s*$/;

type Failure = { ok: false; error: string; unmatched?: string; note?: string };

/**
 * Apply a reply to the parent function. `blocks` counts the SEARCH/REPLACE blocks applied
 * (0 for a full rewrite).
 */
export function applyReply(parentCode: string, reply: string, language: LanguageId, options: ApplyOptions = {}): ApplyResult {
  if (reply.trim().length === 0) return { ok: false, error: 'empty reply' };
  const answer = withoutReasoning(reply);
  if (!answer.ok) return answer;
  const eol = parentCode.includes('\r\n') ? '\r\n' : '\n';
  const parentLines = splitLines(parentCode);
  const replyLines = splitLines(answer.text);
  const name = options.functionName ? plainName(options.functionName) : functionNameOf(parentLines);
  const baseIndent = options.baseIndent ?? '';

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
    const rewrite = extractRewrite(replyLines, parentLines, language, name);
    if (!rewrite) return { ok: false, error: 'reply contained no SEARCH/REPLACE block and no code block' };
    const placed = placeRewrite(parentLines, rewrite, language, name, baseIndent);
    if (!placed.ok) return placed;
    childLines = placed.lines;
    if (childLines.length === 0) return { ok: false, error: 'the code block in the reply is empty' };
    kind = 'full-rewrite';
  }

  const named = keepFunctionName(parentLines, childLines, language, name, baseIndent);
  if (!named.ok) return named;
  const code = joinLines(named.lines, eol, parentCode);
  if (sameIgnoringTrailingWhitespace(code, parentCode)) return { ok: false, error: 'no change' };
  if (BROKEN_TEXT.test(code) && !BROKEN_TEXT.test(parentCode)) {
    const error = 'the reply has text that was not valid UTF-8 (U+FFFD or a lone surrogate) in its code';
    return { ok: false, error, note: `an earlier reply was refused: ${error}` };
  }
  return { ok: true, code, kind, blocks: parsed.blocks.length };
}

/** Replacement characters and lone surrogates: bytes a broken stream could not decode. */
const BROKEN_TEXT = /\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const REASONING_BLOCK = /<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi;
const REASONING_OPEN = /<(think|thinking|reasoning)>/i;
const REASONING_CLOSE = /<\/(think|thinking|reasoning)>/i;

/**
 * The reply without the model's reasoning (`<think>…</think>` and the like), which may hold
 * drafts and SEARCH blocks the model later dropped. A close tag without an open one (some
 * servers strip it) ends the reasoning; an open tag never closed runs to the end.
 */
function withoutReasoning(reply: string): { ok: true; text: string } | Failure {
  let text = reply.replace(REASONING_BLOCK, '');
  const close = REASONING_CLOSE.exec(text);
  if (close) text = text.slice(close.index + close[0].length);
  const open = REASONING_OPEN.exec(text);
  if (open) {
    text = text.slice(0, open.index);
    if (text.trim().length === 0) return { ok: false, error: `the reply is only a <${open[1]}> block that never closed (cut off before the answer?)` };
  }
  return { ok: true, text };
}

/** The function's lines as they sit in the file (first line at its indentation), for splitting. */
function asInFile(lines: readonly string[], baseIndent: string): string[] {
  return lines.length === 0 ? [] : [baseIndent + lines[0], ...lines.slice(1)];
}

/** Back to function code: the first line starts at the function's column. */
function asFunctionCode(lines: readonly string[], baseIndent: string): string[] {
  if (lines.length === 0) return [];
  const first = lines[0].startsWith(baseIndent) ? lines[0].slice(baseIndent.length) : lines[0].trimStart();
  return [first, ...lines.slice(1)];
}

function functionNames(items: readonly CodeItem[]): string[] {
  return items.flatMap((item) => (item.name === null ? [] : [item.name]));
}

/**
 * A full rewrite onto the parent. One function for one function: re-indented onto the parent.
 * Several top-level items (the target plus helpers, or a parent that already has helpers): the
 * target replaces the target, a helper replaces the parent's helper of its name or lands next to
 * the target (on the side the reply put it) at the function's indentation.
 */
function placeRewrite(
  parentLines: readonly string[],
  rewrite: string[],
  language: LanguageId,
  name: string | null,
  baseIndent: string,
): { ok: true; lines: string[] } | Failure {
  rewrite = matchIndentStyle(rewrite, parentLines);
  const parentItems = splitItems(asInFile(parentLines, baseIndent), language);
  const replyItems = splitItems(rewrite, language);
  const single = () => ({ ok: true as const, lines: reindentRewrite(parentLines, rewrite) });
  if (!name || !parentItems || !replyItems || (parentItems.length === 1 && replyItems.length === 1)) return single();
  const parentTarget = parentItems.findIndex((item) => item.name === name);
  if (parentTarget < 0) return single();

  const parentNames = functionNames(parentItems);
  let replyTarget = replyItems.findIndex((item) => item.name === name);
  if (replyTarget < 0) {
    // A renamed target: the one function the parent does not have (renamed back afterwards).
    const fresh = renameCandidates(
      replyItems.flatMap((item, i) => (item.name !== null && !parentNames.includes(item.name) ? [i] : [])),
      (i) => replyItems[i].name ?? '',
      name,
    );
    if (fresh.length !== 1) {
      const defined = functionNames(replyItems).map((n) => `\`${n}\``).join(', ') || 'no function';
      const error = `the reply defines ${defined} but not \`${name}\`; keep the function's name`;
      return { ok: false, error, note: `an earlier reply ${error.slice('the reply '.length)}` };
    }
    replyTarget = fresh[0];
  }

  const target = replyItems[replyTarget];
  const parentTargetCode = asFunctionCode(parentItems[parentTarget].lines, baseIndent);
  const newTarget = asInFile(reindentRewrite(parentTargetCode, target.lines), baseIndent);
  const helpers = replyItems.filter((_, i) => i !== replyTarget);
  const misplaced = helperOutOfReach(target.lines, helpers, language, baseIndent);
  if (misplaced) return { ok: false, error: misplaced, note: `an earlier reply was refused: ${misplaced}` };

  const top = leadingWhitespace(target.lines.find((line) => !isBlank(line)) ?? '').length;
  const unit = baseIndent[0] ?? indentChar(parentLines);
  const placed = (item: CodeItem) => item.lines.map((line) => shiftLine(line, baseIndent.length - top, unit));
  const result: string[][] = parentItems.map((item) => item.lines);
  result[parentTarget] = newTarget;
  const before: string[][] = [];
  const after: string[][] = [];
  helpers.forEach((item) => {
    const lines = placed(item);
    const same = parentItems.findIndex((p) => (item.name !== null ? p.name === item.name : sameText(p.lines, item.lines)));
    if (same >= 0 && same !== parentTarget) result[same] = lines;
    else (replyItems.indexOf(item) < replyTarget ? before : after).push(lines);
  });
  result.splice(parentTarget + 1, 0, ...after);
  result.splice(parentTarget, 0, ...before);
  const gap = language === 'python' && baseIndent === '' ? ['', ''] : [''];
  const joined = result.flatMap((lines, i) => (i === 0 ? lines : [...gap, ...lines]));
  return { ok: true, lines: asFunctionCode(joined, baseIndent) };
}

function sameText(a: readonly string[], b: readonly string[]): boolean {
  return a.map((l) => l.trim()).join('\n') === b.map((l) => l.trim()).join('\n');
}

/**
 * A method's helper written as a free function and called bare would land in the class body,
 * where the method cannot call it that way (Python, Rust): refuse with the reason.
 */
function helperOutOfReach(target: readonly string[], helpers: readonly CodeItem[], language: LanguageId, baseIndent: string): string | null {
  if (baseIndent === '' || (language !== 'python' && language !== 'rust')) return null;
  const isMethod = (lines: readonly string[]) => {
    const head = lines.filter((line) => !isBlank(line) && !/^\s*(@|#)/.test(line)).slice(0, 3).join(' ');
    return language === 'python' ? /\bdef\s+\w+\s*\(\s*(self|cls)\b/.test(head) : /\bfn\s+\w+\s*(<[^>]*>)?\s*\(\s*&?\s*(mut\s+)?self\b/.test(head);
  };
  if (!isMethod(target)) return null;
  const body = target.join('\n');
  for (const helper of helpers) {
    if (helper.name === null || isMethod(helper.lines)) continue;
    // Called bare from a method, a helper in the class body is out of reach (a @staticmethod too).
    const bare = new RegExp(`(^|[^\\w.:$])${helper.name}\\s*\\(`).test(body);
    if (bare) {
      const how = language === 'python' ? `make it a method and call \`self.${helper.name}(...)\`` : `call it as \`Self::${helper.name}(...)\``;
      return `the reply adds \`${helper.name}\` as a free function called from a method; it would land next to the method, where that call cannot reach it: ${how}, or define it inside the method`;
    }
  }
  return null;
}

/**
 * Which new names could be the renamed function: all of them when there is one; else those that
 * contain the original name or are contained in it (`predict_v2`, `fast_predict`, `pred`).
 */
function renameCandidates<T>(fresh: readonly T[], nameOf: (item: T) => string, name: string): T[] {
  if (fresh.length <= 1) return [...fresh];
  const lower = name.toLowerCase();
  return fresh.filter((item) => {
    const candidate = nameOf(item).toLowerCase();
    return candidate.includes(lower) || (candidate.length >= 3 && lower.includes(candidate));
  });
}

/**
 * The child keeps the function's name: a reply that renamed it (`predict_v2`) is renamed back,
 * recursive calls included. Refused when the new name is one the parent already uses.
 */
function keepFunctionName(
  parentLines: readonly string[],
  childLines: readonly string[],
  language: LanguageId,
  name: string | null,
  baseIndent: string,
): { ok: true; lines: string[] } | Failure {
  if (!name) return { ok: true, lines: [...childLines] };
  const namesOf = (lines: readonly string[]) => {
    const items = splitItems(asInFile(lines, baseIndent), language);
    if (items) return functionNames(items);
    const first = functionNameOf(lines);
    return first ? [first] : [];
  };
  const childNames = namesOf(childLines);
  if (childNames.length === 0 || childNames.includes(name)) return { ok: true, lines: [...childLines] };
  const parentNames = namesOf(parentLines);
  const fresh = renameCandidates(childNames.filter((n) => !parentNames.includes(n)), (n) => n, name);
  if (fresh.length !== 1) {
    const error = `the reply defines ${childNames.map((n) => `\`${n}\``).join(', ')} but not \`${name}\`; keep the function's name`;
    return { ok: false, error, note: `an earlier reply ${error.slice('the reply '.length)}` };
  }
  const renamed = fresh[0];
  const pattern = `(?<![\\w$])${renamed.replace(/\$/g, '\\$')}(?![\\w$])`;
  const identifier = new RegExp(pattern, 'g');
  if (parentLines.some((line) => new RegExp(pattern).test(line))) {
    const error = `the reply renames \`${name}\` to \`${renamed}\`, a name the function already uses; keep the name \`${name}\``;
    return { ok: false, error, note: `an earlier reply was refused: ${error}` };
  }
  return { ok: true, lines: childLines.map((line) => line.replace(identifier, name)) };
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
): { ok: true; lines: string[] } | Failure {
  let lines = [...parentLines];
  for (let b = 0; b < blocks.length; b++) {
    const block = trimBlankEdges(inParentStyle(blocks[b], lines));
    const which = `SEARCH block ${b + 1} of ${blocks.length}`;
    const matches = firstFound([
      () => findExact(lines, block.search),
      () => findShifted(lines, block.search, trimmed),
      () => findShifted(lines, block.search, squashed),
    ]);
    if (matches.length > 1) {
      const where = matches.map((m) => m.start + 1).join(', ');
      const error = `${which} matches ${matches.length} places (lines ${where} of the function); it must match exactly one`;
      return { ok: false, error, note: `${which} of an earlier reply matched ${matches.length} places; include enough surrounding lines that each SEARCH block matches exactly one place` };
    }
    if (matches.length === 0) {
      const partial = applyPartLine(lines, block, which);
      if (partial) {
        if (!partial.ok) return partial;
        lines = partial.lines;
        continue;
      }
      const culprit = shorten(firstUnmatchedLine(lines, block.search));
      return { ok: false, error: `${which} did not match the function: \`${culprit}\``, unmatched: culprit };
    }
    const match = matches[0];
    const unit = indentChar(lines);
    let replacement = block.replace.map((line) => (isBlank(line) ? '' : shiftLine(line, match.delta, unit)));
    // The function's first line sits at column 0 in its code, whatever the model indented it by.
    if (match.start === 0 && replacement.length > 0) replacement = [replacement[0].trimStart(), ...replacement.slice(1)];
    lines = [...lines.slice(0, match.start), ...replacement, ...lines.slice(match.start + block.search.length)];
  }
  return { ok: true, lines };
}

/** Both halves of a block in the parent's indentation style (tabs or spaces), converted alike. */
function inParentStyle(block: SearchReplaceBlock, parentLines: readonly string[]): SearchReplaceBlock {
  const both = matchIndentStyle([...block.search, ...block.replace], parentLines);
  return { search: both.slice(0, block.search.length), replace: both.slice(block.search.length) };
}

/** The matches of the first strategy that finds any (stricter strategies first). */
function firstFound(strategies: readonly (() => Match[])[]): Match[] {
  for (const strategy of strategies) {
    const found = strategy();
    if (found.length > 0) return found;
  }
  return [];
}

/**
 * A one-line SEARCH that is only part of a line (`x * 0.5`): applied when it occurs once and the
 * REPLACE is one line too; several occurrences are ambiguous. Null when it occurs nowhere.
 */
function applyPartLine(
  lines: readonly string[],
  block: SearchReplaceBlock,
  which: string,
): { ok: true; lines: string[] } | Failure | null {
  if (block.search.length !== 1) return null;
  const needle = block.search[0].trim();
  if (needle.length === 0) return null;
  const places: number[] = [];
  lines.forEach((line, i) => {
    for (let at = line.indexOf(needle); at >= 0; at = line.indexOf(needle, at + needle.length)) places.push(i);
  });
  if (places.length === 0) return null;
  if (places.length > 1) {
    const where = [...new Set(places.map((i) => i + 1))].join(', ');
    const error = `${which} matches ${places.length} places (part of line${places.length > 1 ? 's' : ''} ${where}); it must match exactly one`;
    return { ok: false, error, note: `${which} of an earlier reply was part of a line and matched ${places.length} places; SEARCH whole lines, with enough context to match one place` };
  }
  const replace = block.replace.filter((line) => !isBlank(line));
  if (replace.length > 1) {
    const error = `${which} matches only part of line ${places[0] + 1}, and its REPLACE has several lines; SEARCH must hold whole lines`;
    return { ok: false, error, note: `${which} of an earlier reply was part of a line; SEARCH and REPLACE must hold whole lines` };
  }
  const i = places[0];
  const next = [...lines];
  next[i] = lines[i].replace(needle, () => (replace[0] ?? '').trim());
  return { ok: true, lines: next };
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
  // A REPLACE of blank lines only deletes the SEARCH lines.
  if (block.replace.every(isBlank)) return { search: trim(block.search, true, true), replace: [] };
  const leading = block.search.length > 0 && isBlank(block.search[0]);
  const trailing = block.search.length > 0 && isBlank(block.search[block.search.length - 1]);
  return { search: trim(block.search, true, true), replace: trim(block.replace, leading, trailing) };
}

interface Match {
  start: number;
  /** Characters to add to the indentation of REPLACE lines to land on the parent's. */
  delta: number;
}

/** Exact line matches; the function's first line may carry any leading indentation in the block. */
function findExact(lines: readonly string[], search: readonly string[]): Match[] {
  const found: Match[] = [];
  outer: for (let start = 0; start + search.length <= lines.length; start++) {
    for (let k = 0; k < search.length; k++) {
      const have = lines[start + k];
      const want = start + k === 0 ? search[k].trimStart() : search[k];
      if (have !== want) continue outer;
    }
    found.push({ start, delta: 0 });
  }
  return found;
}

const trimmed = (line: string) => line.trim();
/** Last resort: runs of spaces/tabs inside a line count as one space (`x  =  1` vs `x = 1`). */
const squashed = (line: string) => line.trim().replace(/[ \t]+/g, ' ');

/**
 * Whitespace-tolerant matches: lines equal under `normalize` (trailing whitespace ignored, or all
 * spacing runs squashed), blank lines match blank lines, and the indentation may be shifted by
 * one constant amount (the model re-indented the snippet).
 */
function findShifted(lines: readonly string[], search: readonly string[], normalize: (line: string) => string): Match[] {
  const found: Match[] = [];
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
    found.push({ start, delta: delta ?? 0 });
  }
  return found;
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
  name: string | null,
): string[] | null {
  const fenced = fencedBlocks(replyLines);
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
