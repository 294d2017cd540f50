// Candidates are small edits of a few texts (the original file, its functions). Re-parsing each
// from scratch dominated the engine's time per candidate, so a few parsed "base" texts are kept
// per language and a new text is parsed incrementally from the closest one: the base tree is
// copied, told where the text changed (common prefix and suffix), and handed to the parser.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import TreeSitter = require('web-tree-sitter');

/** Bases kept per language; small, since each holds a parse tree in WASM memory. */
const MAX_BASES = 4;
/** A base is used only when at least this share of the new text is unchanged from it. */
const MIN_SHARED = 0.6;

interface Base {
  text: string;
  tree: TreeSitter.Tree;
}

export class IncrementalParser {
  private readonly bases: Base[] = [];

  constructor(private readonly parser: TreeSitter.Parser) {}

  /** A tree for `text` that the caller must delete. */
  parse(text: string): TreeSitter.Tree | null {
    const found = this.closestBase(text);
    if (!found) {
      const tree = this.parser.parse(text);
      if (tree) this.remember(text, tree.copy());
      return tree;
    }
    const { base, edit } = found;
    const old = base.tree.copy();
    try {
      if (edit) old.edit(edit);
      return this.parser.parse(text, old);
    } finally {
      old.delete();
    }
  }

  dispose(): void {
    for (const base of this.bases.splice(0)) base.tree.delete();
  }

  private closestBase(text: string): { base: Base; edit: TreeSitter.Edit | null } | undefined {
    let best: { base: Base; shared: number; prefix: number; suffix: number } | undefined;
    for (const base of this.bases) {
      const { prefix, suffix } = commonEnds(base.text, text);
      const shared = prefix + suffix;
      if (shared >= MIN_SHARED * text.length && (!best || shared > best.shared)) best = { base, shared, prefix, suffix };
    }
    if (!best) return undefined;
    // Most recently useful first, so eviction drops the least useful base.
    this.bases.splice(this.bases.indexOf(best.base), 1);
    this.bases.unshift(best.base);
    if (best.base.text === text) return { base: best.base, edit: null };
    return { base: best.base, edit: editBetween(best.base.text, text, best.prefix, best.suffix) };
  }

  private remember(text: string, tree: TreeSitter.Tree): void {
    this.bases.unshift({ text, tree });
    while (this.bases.length > MAX_BASES) this.bases.pop()?.tree.delete();
  }
}

/** Lengths of the common prefix and suffix (not overlapping), never splitting a surrogate pair. */
export function commonEnds(a: string, b: string): { prefix: number; suffix: number } {
  const max = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < max && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  if (prefix > 0 && prefix < max && isHighSurrogate(a.charCodeAt(prefix - 1))) prefix--;
  let suffix = 0;
  while (suffix < max - prefix && a.charCodeAt(a.length - 1 - suffix) === b.charCodeAt(b.length - 1 - suffix)) suffix++;
  if (suffix > 0 && isLowSurrogate(a.charCodeAt(a.length - suffix))) suffix--;
  return { prefix, suffix };
}

/** The tree-sitter edit turning `before` into `after`, in UTF-16 code units like web-tree-sitter. */
export function editBetween(before: string, after: string, prefix: number, suffix: number): TreeSitter.Edit {
  const oldEndIndex = before.length - suffix;
  const newEndIndex = after.length - suffix;
  return {
    startIndex: prefix,
    oldEndIndex,
    newEndIndex,
    startPosition: pointAt(before, prefix),
    oldEndPosition: pointAt(before, oldEndIndex),
    newEndPosition: pointAt(after, newEndIndex),
  };
}

function pointAt(text: string, index: number): TreeSitter.Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: index - lineStart };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
