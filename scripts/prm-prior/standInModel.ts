// An in-process, seeded stand-in for a language model, used only to record runs for the PRM prior
// (scripts/train-prm-prior.ts). Like a model it answers in text — SEARCH/REPLACE blocks, or a
// whole rewritten function in a fence — and the reply goes through Genesis's real parser and
// patcher (applyReply). Its edits are what models often do to numeric code: retune a constant
// (small or bold steps), flip an operator, drop or repeat a line, add a comment, rewrite with
// several constants changed. Some help, many do not: that is what the PRM must learn to tell apart.
import { findNumericLiterals, findOperatorSites, perturbLiteral, type NumericLiteral } from '../../src/core/mutate/offline';
import { applyReply } from '../../src/core/mutate/parseReply';
import type { LanguageId, MutationProposal, MutationRequest, MutationSource } from '../../src/core/types';
import { deriveSeed, seededRandom } from '../../src/core/util/random';

export class StandInModelSource implements MutationSource {
  readonly id = 'stand-in';
  readonly supportsModes = true;

  async propose(request: MutationRequest, signal: AbortSignal): Promise<MutationProposal> {
    signal.throwIfAborted();
    const random = seededRandom(deriveSeed(request.seed, 'stand-in'));
    const base = { model: this.id, tokensIn: 0, tokensOut: 0, costUsd: 0, mode: request.mode };
    const parent = request.mode === 'repair' && request.failedCode ? request.failedCode : request.parentCode;
    const reply = request.mode === 'rewrite' || request.mode === 'crossover' ? rewriteReply(parent, request.language, random) : diffReply(parent, request.language, random);
    if (!reply) return { ...base, kind: 'search-replace', summary: 'no edit', error: 'the stand-in found nothing to change' };
    const applied = applyReply(parent, reply, request.language);
    if (!applied.ok) return { ...base, kind: 'search-replace', summary: 'reply did not apply', error: applied.error, reply };
    return { ...base, kind: applied.kind, code: applied.code, summary: applied.kind === 'full-rewrite' ? 'rewrite' : `${applied.blocks} edit(s)`, reply };
  }
}

/** One SEARCH/REPLACE block: a retuned constant, a flipped operator, a dropped, repeated or commented line. */
export function diffReply(code: string, language: LanguageId, random: () => number): string | null {
  const lines = code.split('\n');
  // Lines inside the function (not its first or last line) that hold code.
  const body = lines.filter((line, i) => i > 0 && i < lines.length - 1 && line.trim().length > 1);
  const draw = random();
  if (draw < 0.62) {
    const changed = retune(code, language, random, 1, random() < 0.3 ? 'bold' : 'small');
    return changed ? blocksBetween(code, changed) : null;
  }
  if (draw < 0.74) {
    const sites = findOperatorSites(code, language);
    if (sites.length === 0) return null;
    const site = sites[Math.floor(random() * sites.length)];
    return blocksBetween(code, code.slice(0, site.start) + site.replacement + code.slice(site.end));
  }
  if (body.length === 0) return null;
  const line = body[Math.floor(random() * body.length)];
  const comment = language === 'python' ? '#' : '//';
  const indent = /^\s*/.exec(line)?.[0] ?? '';
  if (draw < 0.84) return block([line], []);
  if (draw < 0.92) return block([line], [line, line]);
  return block([line], [`${indent}${comment} tuned for the evaluator`, line]);
}

/** A whole new version in a fence: 2–4 constants retuned, sometimes boldly, sometimes a comment more. */
export function rewriteReply(code: string, language: LanguageId, random: () => number): string | null {
  const changed = retune(code, language, random, 2 + Math.floor(random() * 3), random() < 0.5 ? 'bold' : 'small');
  if (!changed) return null;
  return ['Here is an improved version:', '```' + language, changed.trimEnd(), '```', ''].join('\n');
}

function retune(code: string, language: LanguageId, random: () => number, count: number, step: 'small' | 'bold'): string | null {
  const literals = findNumericLiterals(code, language);
  if (literals.length === 0) return null;
  const chosen = new Set<NumericLiteral>();
  while (chosen.size < Math.min(count, literals.length)) chosen.add(literals[Math.floor(random() * literals.length)]);
  let next = code;
  for (const lit of [...chosen].sort((a, b) => b.start - a.start)) {
    let text = perturbLiteral(lit, random);
    if (step === 'bold') {
      // A model's "let us try a different value": a factor of 0.5–2, or an integer ± a few.
      const factor = Math.exp((random() * 2 - 1) * Math.LN2);
      text = (lit.isFloat ? floatText(lit.value * factor) : String(Math.max(0, Math.round(lit.value * factor) + (random() < 0.5 ? 1 : -1)))) + lit.suffix;
    }
    next = next.slice(0, lit.start) + text + next.slice(lit.end);
  }
  return next === code ? null : next;
}

function floatText(value: number): string {
  const text = String(Number(value.toPrecision(4)));
  return /[.eE]/.test(text) ? text : text + '.0';
}

/** SEARCH/REPLACE blocks turning `before` into `after` (one block per changed line run). */
function blocksBetween(before: string, after: string): string | null {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length !== b.length) return null;
  const out: string[] = [];
  let i = 0;
  while (i < a.length) {
    if (a[i] === b[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < a.length && a[j] !== b[j]) j++;
    out.push(block(a.slice(i, j), b.slice(i, j)));
    i = j;
  }
  return out.length === 0 ? null : out.join('\n');
}

function block(search: string[], replace: string[]): string {
  return ['<<<<<<< SEARCH', ...search, '=======', ...replace, '>>>>>>> REPLACE', ''].join('\n');
}
