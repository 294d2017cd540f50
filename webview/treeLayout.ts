// Layout of the search tree, left to right: x by depth, y by leaf order, a parent centred on its
// children (a tidy tree: nodes of one column are at least a row apart, so their labels, boxes
// narrower than a column and lower than a row, never overlap). The parent → children index grows
// as nodes arrive (no rebuild per update); positions are recomputed, in one O(nodes) pass, only
// when the shape changed (a node was added, a subtree collapsed or expanded, the pinned nodes
// moved). Status and score changes never touch the layout.
//
// Large trees are shown pruned: the nodes pinned by the view (the path to the best, the top
// candidates, the selection, the work in flight) and the children of nodes the user expanded;
// everything else is folded into a "+N" count on its nearest shown ancestor.

export const COLUMN_WIDTH = 124;
export const ROW_HEIGHT = 24;
/** Up to this many nodes the whole tree is shown; above, the pruned view (Expand All shows all). */
export const SMALL_TREE_NODES = 60;
/** A label's box, in layout units, right of its node's dot: narrower than a column, lower than a row. */
export const LABEL_OFFSET = 10;
export const LABEL_WIDTH = COLUMN_WIDTH - LABEL_OFFSET - 14;
export const LABEL_HEIGHT = ROW_HEIGHT - 6;

/** Label text below this size is not drawn (the zoom is too far out for the rows to hold it). */
const MIN_LABEL_PX = 9;
const MAX_LABEL_PX = 13;

/** Font size of labels at a zoom, or 0 when the rows are too low to hold readable text. */
export function labelFontPx(scale: number): number {
  const px = Math.min(MAX_LABEL_PX, Math.floor(LABEL_HEIGHT * scale * 0.85));
  return px >= MIN_LABEL_PX ? px : 0;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

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
  /** Nodes the user folded: none of their children is shown, pinned or not. */
  private readonly collapsedIds = new Set<string>();
  /** Nodes the user opened: all their children are shown. */
  private readonly expandedIds = new Set<string>();
  /** Nodes the view wants shown, with their ancestors (best path, top candidates, selection). */
  private pinnedIds = new Set<string>();
  private showAll = false;
  /** Index of each drawn node in `visibleIds` and the coordinate arrays. */
  private readonly indexOf = new Map<string, number>();
  private xs = new Float64Array(0);
  private ys = new Float64Array(0);
  private parentIndexes = new Int32Array(0);
  private readonly depths = new Map<string, number>();
  private readonly hiddenCounts = new Map<string, number>();
  /** Nodes in each subtree (the node included), recomputed when nodes were added. */
  private readonly subtreeSizes = new Map<string, number>();
  private sizesDirty = true;
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
    this.subtreeSizes.clear();
    this.sizesDirty = true;
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
    this.sizesDirty = true;
    this.dirty = true;
    return true;
  }

  parent(id: string): string | null | undefined {
    return this.parentOf.get(id);
  }

  children(id: string): readonly string[] {
    return this.childrenOf.get(id) ?? [];
  }

  /** The children drawn now (a subset of children() in a pruned or collapsed tree). */
  visibleChildren(id: string): string[] {
    this.layout();
    return this.children(id).filter((c) => this.indexOf.has(c));
  }

  roots(): readonly string[] {
    return this.rootIds;
  }

  /** True when the node has children that are not drawn (folded by the user or by pruning). */
  isCollapsed(id: string): boolean {
    return this.hiddenCount(id) > 0;
  }

  collapsed(): ReadonlySet<string> {
    return this.collapsedIds;
  }

  expanded(): ReadonlySet<string> {
    return this.expandedIds;
  }

  /** The user asked for the whole tree (Expand All). */
  get allExpanded(): boolean {
    return this.showAll;
  }

  /** Whole tree shown (Expand All, or a tree small enough to show whole). */
  get showingAll(): boolean {
    return this.showAll || this.parentOf.size <= SMALL_TREE_NODES;
  }

  /** Folds (hides every child of) or opens (shows every child of) a node. */
  setCollapsed(id: string, collapsed: boolean): void {
    if (this.children(id).length === 0) return;
    const changed = collapsed ? !this.collapsedIds.has(id) || this.expandedIds.has(id) : this.collapsedIds.has(id) || !this.expandedIds.has(id);
    if (!changed) return;
    if (collapsed) {
      this.collapsedIds.add(id);
      this.expandedIds.delete(id);
    } else {
      this.collapsedIds.delete(id);
      this.expandedIds.add(id);
    }
    this.dirty = true;
  }

  /** The nodes to keep shown in a pruned tree (each with its path from the root). */
  setPinned(ids: Iterable<string>): void {
    const next = new Set(ids);
    if (next.size === this.pinnedIds.size && [...next].every((id) => this.pinnedIds.has(id))) return;
    this.pinnedIds = next;
    if (!this.showingAll) this.dirty = true;
  }

  expandAll(): void {
    if (this.showAll && this.collapsedIds.size === 0) return;
    this.showAll = true;
    this.collapsedIds.clear();
    this.dirty = true;
  }

  /** Back to the pruned view: pinned nodes only, nothing opened or folded by hand. */
  pruneToPinned(): void {
    this.showAll = false;
    this.collapsedIds.clear();
    this.expandedIds.clear();
    this.dirty = true;
  }

  /** Restores the view's choices (saved state). */
  restoreView(view: { collapsed?: readonly string[]; expanded?: readonly string[]; showAll?: boolean }): void {
    for (const id of view.collapsed ?? []) this.collapsedIds.add(id);
    for (const id of view.expanded ?? []) this.expandedIds.add(id);
    this.showAll = view.showAll ?? this.showAll;
    this.dirty = true;
  }

  /** Expands every folded ancestor of `id` so that it is drawn (the view pins it, too). */
  reveal(id: string): void {
    for (let p = this.parentOf.get(id); p !== undefined && p !== null; p = this.parentOf.get(p)) {
      if (this.collapsedIds.delete(p)) this.dirty = true;
    }
    if (!this.pinnedIds.has(id)) {
      this.pinnedIds = new Set([...this.pinnedIds, id]);
      if (!this.showingAll) this.dirty = true;
    }
  }

  /** Where `id` is drawn; undefined while it is hidden. */
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

  /** Descendants not drawn below a drawn node (its hidden children and their subtrees). */
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

  /** The label box of each drawn node (index i ↔ visible()[i]), in layout units. */
  labelBoxes(): Box[] {
    this.layout();
    const boxes: Box[] = new Array(this.visibleIds.length);
    for (let i = 0; i < boxes.length; i++) boxes[i] = { x: this.xs[i]! + LABEL_OFFSET, y: this.ys[i]! - LABEL_HEIGHT / 2, width: LABEL_WIDTH, height: LABEL_HEIGHT };
    return boxes;
  }

  /** Recomputes positions when the shape changed since the last call. */
  layout(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.version++;
    if (this.sizesDirty) this.computeSizes();
    this.indexOf.clear();
    this.depths.clear();
    this.hiddenCounts.clear();
    const showAll = this.showingAll;
    const pinned = showAll ? undefined : this.pinnedPaths();
    const shownChildren = (id: string): readonly string[] => {
      const kids = this.childrenOf.get(id);
      if (!kids || kids.length === 0 || this.collapsedIds.has(id)) return [];
      if (showAll || this.expandedIds.has(id)) return kids;
      return kids.filter((k) => pinned!.has(k));
    };
    const visible: string[] = [];
    const parentOfIndex: number[] = [];
    const ys: number[] = [];
    let row = 0;
    let maxDepth = 0;
    // Iterative depth-first walk (deep trees must not overflow the stack): indexes are given on
    // the way down, y on the way up (a leaf takes the next row, a parent the middle of its children).
    const stack: { id: string; index: number; depth: number; next: number; kids: readonly string[] }[] = [];
    const enter = (id: string, depth: number, parentIndex: number) => {
      const index = visible.length;
      visible.push(id);
      parentOfIndex.push(parentIndex);
      ys.push(0);
      this.indexOf.set(id, index);
      this.depths.set(id, depth);
      if (depth > maxDepth) maxDepth = depth;
      const kids = shownChildren(id);
      const all = this.childrenOf.get(id);
      if (all && all.length > kids.length) {
        let hidden = 0;
        const shown = new Set(kids);
        for (const child of all) if (!shown.has(child)) hidden += this.subtreeSizes.get(child) ?? 1;
        this.hiddenCounts.set(id, hidden);
      }
      stack.push({ id, index, depth, next: 0, kids });
    };
    for (const root of this.rootIds) {
      enter(root, 0, -1);
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        if (top.next < top.kids.length) {
          enter(top.kids[top.next++]!, top.depth + 1, top.index);
          continue;
        }
        stack.pop();
        if (top.kids.length === 0) ys[top.index] = row++ * ROW_HEIGHT;
        else ys[top.index] = (ys[this.indexOf.get(top.kids[0]!)!]! + ys[this.indexOf.get(top.kids[top.kids.length - 1]!)!]!) / 2;
      }
    }
    this.visibleIds = visible;
    this.xs = Float64Array.from(visible, (id) => this.depths.get(id)! * COLUMN_WIDTH);
    this.ys = Float64Array.from(ys);
    this.parentIndexes = Int32Array.from(parentOfIndex);
    this.rows = row;
    this.maxDepth = maxDepth;
  }

  /** Pinned nodes and all their ancestors. */
  private pinnedPaths(): Set<string> {
    const shown = new Set<string>();
    for (const id of this.pinnedIds) {
      for (let at: string | null | undefined = id; at !== undefined && at !== null && !shown.has(at); at = this.parentOf.get(at)) shown.add(at);
    }
    return shown;
  }

  /** Subtree sizes of every node, children before parents (no recursion). */
  private computeSizes(): void {
    this.sizesDirty = false;
    this.subtreeSizes.clear();
    const order: string[] = [];
    const stack = [...this.rootIds];
    while (stack.length > 0) {
      const id = stack.pop()!;
      order.push(id);
      const kids = this.childrenOf.get(id);
      if (kids) for (const k of kids) stack.push(k);
    }
    for (let i = order.length - 1; i >= 0; i--) {
      const id = order[i]!;
      let size = 1;
      const kids = this.childrenOf.get(id);
      if (kids) for (const k of kids) size += this.subtreeSizes.get(k) ?? 1;
      this.subtreeSizes.set(id, size);
    }
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

/**
 * The first pair of boxes that overlap (touching edges do not count), or undefined: a sweep over
 * boxes sorted by their top edge, O(n log n + pairs that share rows).
 */
export function firstOverlap(boxes: readonly Box[]): [Box, Box] | undefined {
  const order = [...boxes].sort((a, b) => a.y - b.y);
  const open: Box[] = [];
  for (const box of order) {
    // Boxes that end above this one's top cannot meet it or any later one.
    for (let i = open.length - 1; i >= 0; i--) if (open[i]!.y + open[i]!.height <= box.y) open.splice(i, 1);
    for (const other of open) {
      if (box.x < other.x + other.width && other.x < box.x + box.width && box.y < other.y + other.height) return [other, box];
    }
    open.push(box);
  }
  return undefined;
}
