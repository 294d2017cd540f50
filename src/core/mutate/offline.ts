// The offline mutation operator: needs no model and no network. It tunes the function's
// numeric literals and now and then flips a small operator. Seeded, so reproducible.
import type { LanguageId, MutationProposal, MutationRequest, MutationSource } from '../types';
import { gaussian, pick, seededRandom } from '../util/random';
import { insideSpan, stringAndCommentSpans } from './codeSpans';

export interface NumericLiteral {
  start: number;
  end: number;
  text: string;
  value: number;
  isFloat: boolean;
  /** Type suffix kept as is (Rust `f64`, C++ `f`, ...). */
  suffix: string;
}

export interface OperatorSite {
  start: number;
  end: number;
  text: string;
  replacement: string;
}

// A decimal literal not glued to an identifier or a member access; suffix captured apart.
const LITERAL = /(?<![\w.$])(\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?|\.\d[\d_]*(?:[eE][+-]?\d+)?)([a-zA-Z_]\w*)?(?![\w.$])/g;
// Operators with spaces on both sides, so generics (`Vec<T>`) and unary signs are left alone.
const OPERATOR = / (<=|>=|<|>|\+|-) (?!=)/g;
const OPERATOR_FLIPS: Record<string, string> = { '<': '<=', '<=': '<', '>': '>=', '>=': '>', '+': '-', '-': '+' };

export function findNumericLiterals(code: string, language: LanguageId): NumericLiteral[] {
  const spans = stringAndCommentSpans(code, language);
  const found: NumericLiteral[] = [];
  for (const m of code.matchAll(LITERAL)) {
    const start = m.index ?? 0;
    if (insideSpan(spans, start)) continue;
    const body = m[1];
    const suffix = m[2] ?? '';
    // 0x.., 0b.., 0o.. are not decimal literals; 'j' (Python complex) is not tunable either.
    if (/^[xXbBoOjJ]/.test(suffix)) continue;
    if (suffix && language === 'python') continue;
    const value = Number(body.replace(/_/g, ''));
    if (!Number.isFinite(value)) continue;
    const isFloat = /[.eE]/.test(body) || /^f/.test(suffix);
    found.push({ start, end: start + m[0].length, text: m[0], value, isFloat, suffix });
  }
  return found;
}

export function findOperatorSites(code: string, language: LanguageId): OperatorSite[] {
  const spans = stringAndCommentSpans(code, language);
  const sites: OperatorSite[] = [];
  for (const m of code.matchAll(OPERATOR)) {
    const start = (m.index ?? 0) + 1;
    if (insideSpan(spans, start)) continue;
    const text = m[1];
    // Python: `->` never matches (no spaces inside); skip a `-`/`+` that starts a line's operand list.
    const before = code.slice(0, start - 1).trimEnd();
    if (before.length === 0 || /[=(,[{:]$/.test(before) || /\breturn$/.test(before)) continue;
    sites.push({ start, end: start + text.length, text, replacement: OPERATOR_FLIPS[text] });
  }
  return sites;
}

/** A new literal value near the old one: scaled to its magnitude, never changing sign. */
export function perturbLiteral(literal: NumericLiteral, random: () => number): string {
  if (!literal.isFloat) {
    const magnitude = Math.abs(literal.value);
    const step = Math.max(1, Math.round(magnitude * 0.1 * Math.abs(gaussian(random))));
    let next = literal.value + (random() < 0.5 ? -step : step);
    if (next < 0) next = literal.value + step;
    return String(next) + literal.suffix;
  }
  const value = literal.value;
  let next: number;
  if (value === 0 || random() < 0.3) {
    // Additive: lets a literal leave zero; scale follows magnitude.
    const scale = Math.max(Math.abs(value), 0.05) * 0.1;
    next = value + gaussian(random) * scale;
    if (next < 0) next = Math.abs(next);
  } else {
    next = value * Math.exp(gaussian(random) * 0.08);
  }
  return formatFloat(next, literal) + literal.suffix;
}

function formatFloat(value: number, literal: NumericLiteral): string {
  const usesExponent = /[eE]/.test(literal.text);
  let text = usesExponent ? value.toExponential(3) : String(Number(value.toPrecision(5)));
  if (!usesExponent && /e/.test(text)) text = value.toFixed(12).replace(/0+$/, '');
  if (!/[.eE]/.test(text)) text += '.0';
  if (text.startsWith('.')) text = '0' + text;
  return text;
}

export interface OfflineEdit {
  code: string;
  summary: string;
}

/** One seeded edit of `code`: 1–2 literal changes, or one operator flip. */
export function offlineEdit(code: string, language: LanguageId, seed: number): OfflineEdit | null {
  const random = seededRandom(seed);
  const literals = findNumericLiterals(code, language);
  const operators = findOperatorSites(code, language);
  if (literals.length === 0 && operators.length === 0) return null;
  const flip = operators.length > 0 && (literals.length === 0 || random() < 0.12);
  if (flip) {
    const site = pick(operators, random);
    const line = lineOf(code, site.start);
    return {
      code: code.slice(0, site.start) + site.replacement + code.slice(site.end),
      summary: `operator ${site.text} → ${site.replacement} (line ${line})`,
    };
  }
  const count = literals.length > 1 && random() < 0.35 ? 2 : 1;
  const chosen = new Set<NumericLiteral>();
  while (chosen.size < count) chosen.add(pick(literals, random));
  const edits = [...chosen].sort((a, b) => b.start - a.start).map((lit) => ({ lit, text: perturbLiteral(lit, random) }));
  let next = code;
  for (const { lit, text } of edits) next = next.slice(0, lit.start) + text + next.slice(lit.end);
  const summary = edits
    .reverse()
    .map(({ lit, text }) => `${lit.text} → ${text} (line ${lineOf(code, lit.start)})`)
    .join(', ');
  return { code: next, summary };
}

function lineOf(code: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (code.charCodeAt(i) === 10) line++;
  return line;
}

export class OfflineMutationSource implements MutationSource {
  readonly id = 'offline';

  async propose(request: MutationRequest, signal: AbortSignal): Promise<MutationProposal> {
    signal.throwIfAborted();
    const base = { kind: 'literal-tune' as const, model: this.id, tokensIn: 0, tokensOut: 0, costUsd: 0 };
    // A few tries: a perturbation can round back to the same text.
    for (let attempt = 0; attempt < 5; attempt++) {
      const edit = offlineEdit(request.parentCode, request.language, (request.seed + attempt * 7919) >>> 0);
      if (!edit) return { ...base, summary: 'nothing to tune', error: 'the function has no numeric literals or operators to tune' };
      if (edit.code !== request.parentCode) return { ...base, code: edit.code, summary: edit.summary };
    }
    return { ...base, summary: 'no change', error: 'the offline operator produced no change' };
  }
}
