// Near-duplicate detection for novelty rejection. The engine already drops exact duplicates
// (same normalised code); this catches programs that differ only trivially: the same code with
// numeric literals all within a tiny relative change, or a token bag almost equal to another's.
// Language-agnostic on purpose: a light tokenizer, no parse.

export interface CodeSignature {
  /** The token stream with every numeric literal replaced by '#'. */
  skeleton: string;
  /** Numeric literal values, in order. */
  literals: number[];
  /** Token → count (literals included, as written). */
  bag: Map<string, number>;
}

export interface NoveltyThresholds {
  /** Same skeleton and every literal within this relative change → near-duplicate. */
  minLiteralChange: number;
  /** Different skeletons with token-bag Jaccard similarity at or above this → near-duplicate. */
  maxTokenJaccard: number;
}

const TOKEN = /[A-Za-z_$][\w$]*|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?|\S/g;
const NUMBER = /^(?:\d|\.\d)/;

export function codeSignature(code: string): CodeSignature {
  const tokens = code.match(TOKEN) ?? [];
  const literals: number[] = [];
  const bag = new Map<string, number>();
  const skeleton = tokens
    .map((token) => {
      bag.set(token, (bag.get(token) ?? 0) + 1);
      if (!NUMBER.test(token)) return token;
      const value = Number(token.replace(/_/g, ''));
      literals.push(Number.isFinite(value) ? value : 0);
      return '#';
    })
    .join(' ');
  return { skeleton, literals, bag };
}

/** Largest relative change between two literal vectors of the same length. */
export function maxRelativeChange(a: readonly number[], b: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const scale = Math.max(Math.abs(a[i]), Math.abs(b[i]));
    if (scale > 0) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  }
  return worst;
}

/** Weighted (multiset) Jaccard similarity of two token bags, in [0, 1]. */
export function tokenJaccard(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  let shared = 0;
  let total = 0;
  for (const [token, count] of a) {
    const other = b.get(token) ?? 0;
    shared += Math.min(count, other);
    total += Math.max(count, other);
  }
  for (const [token, count] of b) if (!a.has(token)) total += count;
  return total === 0 ? 1 : shared / total;
}

/** Why `a` is a near-duplicate of `b`, or null when it is novel enough. */
export function nearDuplicateReason(a: CodeSignature, b: CodeSignature, thresholds: NoveltyThresholds): string | null {
  if (a.skeleton === b.skeleton) {
    const change = maxRelativeChange(a.literals, b.literals);
    return change < thresholds.minLiteralChange ? `every literal within ${(change * 100).toPrecision(2)}%` : null;
  }
  const similarity = tokenJaccard(a.bag, b.bag);
  return similarity >= thresholds.maxTokenJaccard ? `token overlap ${similarity.toFixed(3)}` : null;
}
