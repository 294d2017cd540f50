// Features of a candidate diff, for the learned PRM and for exported datasets. Each hunk (a run
// of changed lines) is one step with its own features; run-wide facts (kind, model, the parent's
// rank and depth, size, syntax) are shared by every hunk. Features are named (readable in a
// dataset) and hashed into a fixed-size vector only by the model.
import { diffLines } from 'diff';
import { findNumericLiterals, type NumericLiteral } from '../mutate/offline';
import type { PrmInput } from './types';

/** Node types per 0-based line (TreeSitterService.nodeTypesByLine) of the parent and the child. */
export interface NodeTypeLines {
  parent: readonly (readonly string[])[];
  child: readonly (readonly string[])[];
}

/** A numeric literal whose value changed, matched by its position among the function's literals. */
export interface LiteralChange {
  /** 0-based index among the function's numeric literals. */
  index: number;
  from: number;
  to: number;
  /** Hunk that holds the change. */
  hunk: number;
  /** The tokens just before and after the literal in the child (its role: `[5,`, `i = 0;`). */
  before: string;
  after: string;
}

export interface HunkFeatures {
  index: number;
  /** 0-based line ranges, end exclusive. */
  parentLines: [number, number];
  childLines: [number, number];
  features: Map<string, number>;
  literalChanges: LiteralChange[];
}

export interface CandidateFeatures {
  /** Shared by every hunk. */
  global: Map<string, number>;
  /** At least one (an empty diff gets one hunk with no lines). */
  hunks: HunkFeatures[];
  addedLines: number;
  removedLines: number;
  tokensChanged: number;
}

/** The serialisable form (datasets). */
export interface CandidateFeaturesJson {
  global: Record<string, number>;
  hunks: { index: number; parentLines: [number, number]; childLines: [number, number]; features: Record<string, number> }[];
  addedLines: number;
  removedLines: number;
  tokensChanged: number;
}

interface RawHunk {
  parentStart: number;
  childStart: number;
  removed: string[];
  added: string[];
}

export function candidateFeatures(input: PrmInput, nodeTypes?: NodeTypeLines): CandidateFeatures {
  const hunks = splitHunks(input.parentCode, input.childCode);
  const changes = literalChanges(input, hunks);
  const global = new Map<string, number>();
  const addedLines = hunks.reduce((n, h) => n + h.added.length, 0);
  const removedLines = hunks.reduce((n, h) => n + h.removed.length, 0);
  global.set('bias', 1);
  global.set(`kind:${input.mutationKind}`, 1);
  global.set(`model:${input.model}`, 1);
  global.set(`rank:${rankBucket(input.parentRank)}`, 1);
  global.set(`depth:${depthBucket(input.parentDepth)}`, 1);
  global.set(`lines:${countBucket(addedLines + removedLines)}`, 1);
  global.set(`hunks:${Math.min(hunks.length, 5)}`, 1);
  if (input.newSyntaxIssues > 0) global.set('syntax:new-issues', 1);
  if (changes === null) global.set('lit:count-changed', 1);
  else if (changes.length > 0) global.set(`lit:changed:${Math.min(changes.length, 3)}`, 1);

  let tokensChanged = 0;
  let errorDelta = 0;
  const out: HunkFeatures[] = hunks.map((hunk, index) => {
    const features = new Map<string, number>();
    const parentLines: [number, number] = [hunk.parentStart, hunk.parentStart + hunk.removed.length];
    const childLines: [number, number] = [hunk.childStart, hunk.childStart + hunk.added.length];
    features.set(`h:lines:${countBucket(hunk.added.length + hunk.removed.length)}`, 1);
    if (hunk.added.length === 0) features.set('h:pure-removal', 1);
    if (hunk.removed.length === 0) features.set('h:pure-addition', 1);
    const tokens = multisetDifference(tokenize(hunk.added), tokenize(hunk.removed));
    tokensChanged += tokens.plus.size + tokens.minus.size;
    for (const t of tokens.plus.keys()) features.set(`tok+:${t}`, 1);
    for (const t of tokens.minus.keys()) features.set(`tok-:${t}`, 1);
    features.set(`h:tokens:${countBucket(tokens.plus.size + tokens.minus.size)}`, 1);
    if (nodeTypes) {
      const types = multisetDifference(typesIn(nodeTypes.child, childLines), typesIn(nodeTypes.parent, parentLines));
      for (const [t, n] of types.plus) features.set(`nt+:${t}`, Math.min(n, 3));
      for (const [t, n] of types.minus) features.set(`nt-:${t}`, Math.min(n, 3));
      errorDelta += (types.plus.get('ERROR') ?? 0) + countMissing(types.plus) - (types.minus.get('ERROR') ?? 0) - countMissing(types.minus);
      features.set(`h:node-changes:${countBucket(types.plus.size + types.minus.size)}`, 1);
    }
    const mine = (changes ?? []).filter((c) => c.hunk === index);
    for (const change of mine) addLiteralFeatures(features, change);
    return { index, parentLines, childLines, features, literalChanges: mine };
  });
  if (errorDelta > 0) global.set('syntax:error-nodes-added', 1);
  if (out.length === 0) out.push({ index: 0, parentLines: [0, 0], childLines: [0, 0], features: new Map([['h:empty', 1]]), literalChanges: [] });
  global.set(`tokens:${countBucket(tokensChanged)}`, 1);
  return { global, hunks: out, addedLines, removedLines, tokensChanged };
}

export function featuresToJson(features: CandidateFeatures): CandidateFeaturesJson {
  return {
    global: Object.fromEntries(features.global),
    hunks: features.hunks.map((h) => ({ index: h.index, parentLines: h.parentLines, childLines: h.childLines, features: Object.fromEntries(h.features) })),
    addedLines: features.addedLines,
    removedLines: features.removedLines,
    tokensChanged: features.tokensChanged,
  };
}

/** Literal features: which one, which way, by how much (relative), and from/to which value region. */
function addLiteralFeatures(features: Map<string, number>, change: LiteralChange): void {
  const i = `i${Math.min(change.index, 255)}`;
  const dir = change.to > change.from ? 'up' : 'down';
  const relative = Math.abs(change.to - change.from) / Math.max(Math.abs(change.from), 1e-9);
  const mag = Math.max(-8, Math.min(3, Math.floor(Math.log2(relative))));
  features.set(`lit:${i}`, 1);
  features.set(`lit:${dir}`, 1);
  features.set(`lit:${i}:${dir}`, 1);
  features.set(`lit:mag:${mag}`, 1);
  features.set(`lit:${dir}:mag:${mag}`, 1);
  // Where the literal was and where it lands: lets the model learn a value region per literal.
  features.set(`lit:${i}:${dir}:from:${valueBucket(change.from)}`, 1);
  features.set(`lit:${i}:to:${valueBucket(change.to)}`, 1);
  if (Math.sign(change.to) !== Math.sign(change.from)) features.set('lit:sign-change', 1);
  features.set(`lit:between:${change.before} ${change.after}`, 1);
  features.set(`lit:${dir}:between:${change.before} ${change.after}`, 1);
  features.set(`lit:${Number.isInteger(change.from) && Number.isInteger(change.to) ? 'integer' : 'fraction'}`, 1);
}

/** Literal changes matched by index; null when the number of literals changed (no matching). */
function literalChanges(input: PrmInput, hunks: RawHunk[]): LiteralChange[] | null {
  const before = findNumericLiterals(input.parentCode, input.language);
  const after = findNumericLiterals(input.childCode, input.language);
  if (before.length !== after.length) return null;
  const lineStarts = lineStartsOf(input.childCode);
  const changes: LiteralChange[] = [];
  for (let index = 0; index < after.length; index++) {
    if (before[index].value === after[index].value) continue;
    const literal = after[index] as NumericLiteral;
    const line = lineAt(lineStarts, literal.start);
    const hunk = hunks.findIndex((h) => line >= h.childStart && line < h.childStart + Math.max(1, h.added.length));
    changes.push({
      index, from: before[index].value, to: after[index].value, hunk: Math.max(0, hunk),
      before: lastToken(input.childCode.slice(Math.max(0, literal.start - 40), literal.start)),
      after: firstToken(input.childCode.slice(literal.end, literal.end + 40)),
    });
  }
  return changes;
}

function splitHunks(parent: string, child: string): RawHunk[] {
  const hunks: RawHunk[] = [];
  let parentRow = 0;
  let childRow = 0;
  let current: RawHunk | undefined;
  for (const part of diffLines(withNewline(parent), withNewline(child))) {
    const lines = part.value.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (!part.added && !part.removed) {
      current = undefined;
      parentRow += lines.length;
      childRow += lines.length;
      continue;
    }
    if (!current) {
      current = { parentStart: parentRow, childStart: childRow, removed: [], added: [] };
      hunks.push(current);
    }
    if (part.added) {
      current.added.push(...lines);
      childRow += lines.length;
    } else {
      current.removed.push(...lines);
      parentRow += lines.length;
    }
  }
  return hunks;
}

// Identifiers, numbers (normalised: literal values are features of their own), common multi-char
// operators, then any other single symbol.
const TOKEN = /[A-Za-z_]\w*|\d[\w.]*|==|!=|<=|>=|\*\*|\/\/|<<|>>|&&|\|\||->|=>|::|\+=|-=|\*=|\/=|[^\s\w]/g;

function tokenize(lines: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    for (const match of line.matchAll(TOKEN)) {
      const token = normalizeToken(match[0]);
      counts.set(token, (counts.get(token) ?? 0) + 1);
    }
  }
  return counts;
}

function lastToken(text: string): string {
  const tokens = text.match(TOKEN);
  return tokens ? normalizeToken(tokens[tokens.length - 1]) : '^';
}

function firstToken(text: string): string {
  const tokens = text.match(TOKEN);
  return tokens ? normalizeToken(tokens[0]) : '$';
}

function normalizeToken(token: string): string {
  return /^\d/.test(token) ? '<num>' : token;
}

function typesIn(lines: readonly (readonly string[])[], [start, end]: [number, number]): Map<string, number> {
  const counts = new Map<string, number>();
  for (let row = start; row < end; row++) for (const t of lines[row] ?? []) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

/** What `a` has more of than `b` (plus) and `b` more of than `a` (minus). */
function multisetDifference(a: Map<string, number>, b: Map<string, number>): { plus: Map<string, number>; minus: Map<string, number> } {
  const plus = new Map<string, number>();
  const minus = new Map<string, number>();
  for (const [key, n] of a) {
    const d = n - (b.get(key) ?? 0);
    if (d > 0) plus.set(key, d);
  }
  for (const [key, n] of b) {
    const d = n - (a.get(key) ?? 0);
    if (d > 0) minus.set(key, d);
  }
  return { plus, minus };
}

function countMissing(types: Map<string, number>): number {
  let n = 0;
  for (const [t, c] of types) if (t.startsWith('MISSING')) n += c;
  return n;
}

function rankBucket(rank: number): string {
  if (rank < 0) return 'none';
  if (rank === 0) return '0';
  if (rank < 3) return '1-2';
  return rank < 10 ? '3-9' : '10+';
}

function depthBucket(depth: number): string {
  if (depth <= 2) return String(depth);
  if (depth <= 4) return '3-4';
  return depth <= 8 ? '5-8' : '9+';
}

/** 0, 1, 2, 3-4, 5-8, 9-16, 17+ */
function countBucket(n: number): string {
  if (n <= 2) return String(n);
  if (n <= 4) return '3-4';
  if (n <= 8) return '5-8';
  return n <= 16 ? '9-16' : '17+';
}

/** Quarter-octave buckets of |v| with the sign: fine enough to tell regions of a tuned constant apart. */
function valueBucket(value: number): string {
  if (value === 0) return '0';
  return `${value < 0 ? '-' : ''}${Math.round(Math.log2(Math.abs(value)) * 4)}`;
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function lineAt(starts: readonly number[], index: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : text + '\n';
}
