// Layout of the search tree, left to right: x by depth, y by leaf order, a parent centred on its
// children. The parent → children index grows as nodes arrive (no rebuild per update); positions
// are recomputed, in one O(visible nodes) pass, only when the shape changed (a node was added,
// a subtree collapsed or expanded). Status and score changes never touch the layout.

export const COLUMN_WIDTH = 170;
export const ROW_HEIGHT = 26;

export interface Point {
  x: number;
  y: number;
}

interface Linked {
  id: string;
  parentId: string | null;
}

function byNumericId(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function insertSorted(list: string[], id: string): void {
  // Ids arrive in creation order almost always: appending is the fast path.
  if (list.length === 0 || byNumericId(list[list.length - 1]!, id) < 0) {
    list.push(id);
    return;
  }
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byNumericId(list[mid]!, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, id);
}

export class TreeLayout {
  private readonly parentOf = new Map<string, string | null>();
  private readonly childrenOf = new Map<string, string[]>();
  /** Children that arrived before their parent: linked when it arrives. */
  private readonly waiting = new Map<string, string[]>();
  private readonly rootIds: string[] = [];
  private readonly collapsedIds = new Set<string>();
  /** Index of each drawn node in `visibleIds` and the coordinate arrays. */
  private readonly indexOf = new Map<string, number>();
  private xs = new Float64Array(0);
  private ys = new Float64Array(0);
  private parentIndexes = new Int32Array(0);
  private readonly depths = new Map<string, number>();
  private readonly hiddenCounts = new Map<string, number>();
  private visibleIds: string[] = [];
  private dirty = true;
  private rows = 0;
  private maxDepth = 0;
  /** Bumped on every recomputation, so views know when positions moved. */
  version = 0;

  reset(): void {
    this.parentOf.clear();
    this.childrenOf.clear();
    this.waiting.clear();
    this.rootIds.length = 0;
    this.indexOf.clear();
    this.dirty = true;
  }

  has(id: string): boolean {
    return this.parentOf.has(id);
  }

  get size(): number {
    return this.parentOf.size;
  }

  /** Adds a node; returns false when it was already known (an update, not a shape change). */
  add(node: Linked): boolean {
    if (this.parentOf.has(node.id)) return false;
    this.parentOf.set(node.id, node.parentId);
    if (node.parentId !== null && this.parentOf.has(node.parentId)) {
      this.childList(node.parentId).push(node.id);
      const siblings = this.childrenOf.get(node.parentId)!;
      if (siblings.length > 1 && byNumericId(siblings[siblings.length - 2]!, node.id) > 0) {
        siblings.pop();
        insertSorted(siblings, node.id);
      }
    } else {
      insertSorted(this.rootIds, node.id);
      if (node.parentId !== null) {
        const list = this.waiting.get(node.parentId) ?? [];
        list.push(node.id);
        this.waiting.set(node.parentId, list);
      }
    }
    const early = this.waiting.get(node.id);
    if (early) {
      this.waiting.delete(node.id);
      for (const child of early) {
        const at = this.rootIds.indexOf(child);
        if (at >= 0) this.rootIds.splice(at, 1);
        insertSorted(this.childList(node.id), child);
      }
    }
    this.dirty = true;
    return true;
  }

  parent(id: string): string | null | undefined {
    return this.parentOf.get(id);
  }

  children(id: string): readonly string[] {
    return this.childrenOf.get(id) ?? [];
  }

  roots(): readonly string[] {
    return this.rootIds;
  }

  isCollapsed(id: string): boolean {
    return this.collapsedIds.has(id);
  }

  collapsed(): ReadonlySet<string> {
    return this.collapsedIds;
  }

  setCollapsed(id: string, collapsed: boolean): void {
    if (collapsed === this.collapsedIds.has(id)) return;
    if (collapsed && this.children(id).length === 0) return;
    if (collapsed) this.collapsedIds.add(id);
    else this.collapsedIds.delete(id);
    this.dirty = true;
  }

  expandAll(): void {
    if (this.collapsedIds.size === 0) return;
    this.collapsedIds.clear();
    this.dirty = true;
  }

  /** Expands every collapsed ancestor of `id` so that it is drawn. */
  reveal(id: string): void {
    for (let p = this.parentOf.get(id); p !== undefined && p !== null; p = this.parentOf.get(p)) {
      if (this.collapsedIds.delete(p)) this.dirty = true;
    }
  }

  /** Where `id` is drawn; undefined while it is hidden in a collapsed subtree. */
  position(id: string): Point | undefined {
    this.layout();
    const i = this.indexOf.get(id);
    return i === undefined ? undefined : { x: this.xs[i]!, y: this.ys[i]! };
  }

  /**
   * The drawn nodes as parallel arrays (index i ↔ visible()[i]): what the renderer loops over
   * without allocating. parentIndex is -1 for roots.
   */
  arrays(): { ids: readonly string[]; x: Float64Array; y: Float64Array; parentIndex: Int32Array } {
    this.layout();
    return { ids: this.visibleIds, x: this.xs, y: this.ys, parentIndex: this.parentIndexes };
  }

  depth(id: string): number {
    this.layout();
    return this.depths.get(id) ?? 0;
  }

  /** Descendants hidden under a collapsed node. */
  hiddenCount(id: string): number {
    this.layout();
    return this.hiddenCounts.get(id) ?? 0;
  }

  /** Drawn nodes in depth-first order (parents before children). */
  visible(): readonly string[] {
    this.layout();
    return this.visibleIds;
  }

  /** Size of the drawing in layout units. */
  bounds(): { width: number; height: number } {
    this.layout();
    return { width: (this.maxDepth + 1) * COLUMN_WIDTH, height: Math.max(1, this.rows) * ROW_HEIGHT };
  }

  /** Recomputes positions when the shape changed since the last call. */
  layout(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.version++;
    this.indexOf.clear();
    this.depths.clear();
    this.hiddenCounts.clear();
    const visible: string[] = [];
    const parentOfIndex: number[] = [];
    const ys: number[] = [];
    let row = 0;
    let maxDepth = 0;
    // Iterative depth-first walk (deep trees must not overflow the stack): indexes are given on
    // the way down, y on the way up (a leaf takes the next row, a parent the middle of its children).
    const stack: { id: string; index: number; depth: number; next: number }[] = [];
    for (const root of this.rootIds) {
      const enter = (id: string, depth: number, parentIndex: number) => {
        const index = visible.length;
        visible.push(id);
        parentOfIndex.push(parentIndex);
        ys.push(0);
        this.indexOf.set(id, index);
        this.depths.set(id, depth);
        if (depth > maxDepth) maxDepth = depth;
        stack.push({ id, index, depth, next: 0 });
      };
      enter(root, 0, -1);
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const kids = this.childrenOf.get(top.id);
        const collapsed = this.collapsedIds.has(top.id);
        if (kids && !collapsed && top.next < kids.length) {
          enter(kids[top.next++]!, top.depth + 1, top.index);
          continue;
        }
        stack.pop();
        if (!kids || kids.length === 0 || collapsed) {
          ys[top.index] = row++ * ROW_HEIGHT;
          if (collapsed && kids) this.hiddenCounts.set(top.id, this.countDescendants(top.id));
        } else {
          ys[top.index] = (ys[this.indexOf.get(kids[0]!)!]! + ys[this.indexOf.get(kids[kids.length - 1]!)!]!) / 2;
        }
      }
    }
    this.visibleIds = visible;
    this.xs = Float64Array.from(visible, (id) => this.depths.get(id)! * COLUMN_WIDTH);
    this.ys = Float64Array.from(ys);
    this.parentIndexes = Int32Array.from(parentOfIndex);
    this.rows = row;
    this.maxDepth = maxDepth;
  }

  private countDescendants(id: string): number {
    let count = 0;
    const stack = [...this.children(id)];
    while (stack.length > 0) {
      const next = stack.pop()!;
      count++;
      stack.push(...this.children(next));
    }
    return count;
  }

  private childList(id: string): string[] {
    let list = this.childrenOf.get(id);
    if (!list) {
      list = [];
      this.childrenOf.set(id, list);
    }
    return list;
  }
}
