// The search tree: a canvas that draws every node and edge (culled to the viewport, batched by
// style), plus a layer of transparent, focusable elements `[data-node-id]` over the nodes in
// view, which carry the clicks, the keyboard focus and the accessible names. Zoom (Ctrl+wheel,
// + / −), pan (drag, wheel), expand / collapse (→ / ←, Space, double-click), fit (F, the Fit
// button). A large tree starts pruned to the path to the best, the top candidates and the work in
// flight (see treeLayout.ts); colours rank the scores (colorScale.ts); labels are drawn only
// inside their layout boxes, and only when the zoom leaves them room, so they never overlap.
import type { NodeView } from '../src/protocol';
import { formatScore } from '../src/core/util/format';
import { RankScale } from './colorScale';
import { el } from './dom';
import { FAILURE_LABELS, failureKind, pinnedNodeIds, reasonOf, scoreOf, type FailureKind } from './model';
import { readPalette, scoreColor, watchTheme, type Palette } from './theme';
import { clamp, fitTree, MAX_SCALE, MIN_SCALE } from './treeFit';
import { COLUMN_WIDTH, LABEL_HEIGHT, LABEL_OFFSET, LABEL_WIDTH, labelFontPx, TreeLayout } from './treeLayout';

/** More nodes than this in view: no per-node elements (the canvas still draws and hit-tests). */
const MAX_OVERLAY_NODES = 400;
const SCORE_BUCKETS = 12;
/** Scored candidates kept shown in a pruned tree, besides the path to the best. */
export const TOP_CANDIDATES = 8;
/** Failures found by the evaluator (×) and failures before it (a square): two marks. */
const EVALUATED_FAILURES: ReadonlySet<FailureKind> = new Set(['incorrect', 'timeout', 'crash']);

export interface TreeViewState {
  scale: number;
  tx: number;
  ty: number;
  autoFit: boolean;
  collapsed: string[];
  expanded?: string[];
  showAll?: boolean;
}

export interface TreeCallbacks {
  select(nodeId: string): void;
  /** Enter on a node: open its diff. */
  activate(nodeId: string): void;
}

export class SearchTreeView {
  readonly layout = new TreeLayout();
  private readonly canvas: HTMLCanvasElement;
  private readonly overlay: HTMLDivElement;
  private readonly tooltip: HTMLDivElement;
  private readonly context: CanvasRenderingContext2D;
  private readonly items = new Map<string, HTMLDivElement>();
  private nodes: Record<string, NodeView> = {};
  private ranks = new RankScale([]);
  private bestPath = new Set<string>();
  private bestId: string | undefined;
  private selectedId: string | undefined;
  private hoveredId: string | undefined;
  private palette: Palette;
  private scale = 1;
  private tx = 12;
  private ty = 12;
  private autoFit = true;
  /** 'readable': fit the rows and keep labels legible (start, live runs); 'all': the whole tree (Fit). */
  private fitMode: 'readable' | 'all' = 'readable';
  private width = 0;
  private height = 0;
  private dirty = true;
  private drag: { x: number; y: number; tx: number; ty: number; moved: boolean; targetId: string | undefined } | undefined;

  constructor(
    private readonly host: HTMLElement,
    private readonly callbacks: TreeCallbacks,
    private readonly onNeedsRender: () => void,
  ) {
    this.canvas = el('canvas', { 'aria-hidden': 'true' });
    this.overlay = el('div', { class: 'tree-overlay' });
    this.tooltip = el('div', { class: 'tree-tooltip', role: 'tooltip', id: 'tree-tooltip' });
    this.tooltip.hidden = true;
    host.append(this.canvas, this.overlay, this.tooltip);
    const context = this.canvas.getContext('2d');
    if (!context) throw new Error('canvas 2D is not available');
    this.context = context;
    this.palette = readPalette();
    watchTheme(() => {
      this.palette = readPalette();
      this.invalidate();
    });
    new ResizeObserver((entries) => {
      const rect = entries[entries.length - 1]?.contentRect;
      if (rect) this.resize(rect.width, rect.height);
    }).observe(host);
    this.listen();
  }

  // ---- data ----------------------------------------------------------------------------------

  /** Replaces every node (init, restore). */
  setAll(nodes: Record<string, NodeView>): void {
    this.layout.reset();
    this.nodes = nodes;
    for (const node of Object.values(nodes).sort((a, b) => Number(a.id) - Number(b.id))) this.layout.add(node);
    this.rescore();
    this.invalidate();
  }

  /** New and changed nodes; `nodes` is the whole current index. */
  update(nodes: Record<string, NodeView>, changed: readonly NodeView[]): void {
    this.nodes = nodes;
    for (const node of changed) this.layout.add(node);
    this.rescore();
    this.invalidate();
  }

  setBest(bestId: string | undefined, bestPath: Set<string>): void {
    if (bestId === this.bestId && sameSet(bestPath, this.bestPath)) return;
    this.bestId = bestId;
    this.bestPath = bestPath;
    this.repin();
    this.invalidate();
  }

  setSelected(nodeId: string | undefined, reveal = true): void {
    if (nodeId === this.selectedId) return;
    this.selectedId = nodeId;
    if (nodeId && reveal) {
      this.layout.reveal(nodeId);
      this.scrollIntoView(nodeId);
    }
    this.repin();
    this.invalidate();
  }

  state(): TreeViewState {
    return {
      scale: this.scale,
      tx: this.tx,
      ty: this.ty,
      autoFit: this.autoFit,
      collapsed: [...this.layout.collapsed()],
      expanded: [...this.layout.expanded()],
      showAll: this.layout.allExpanded,
    };
  }

  restore(state: TreeViewState): void {
    this.scale = clamp(state.scale, MIN_SCALE, MAX_SCALE);
    this.tx = state.tx;
    this.ty = state.ty;
    this.autoFit = state.autoFit;
    this.layout.restoreView({ collapsed: state.collapsed, expanded: state.expanded ?? [], showAll: state.showAll ?? false });
    this.invalidate();
  }

  /** "42 of 5,000 nodes shown" for the toolbar, or '' when every node is shown. */
  shownText(): string {
    const total = this.layout.size;
    const shown = this.layout.visible().length;
    if (shown >= total) return '';
    return `${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} nodes shown: the path to the best, the top ${TOP_CANDIDATES} and the newest work in flight (→ or double-click expands a node)`;
  }

  // ---- view commands -----------------------------------------------------------------------

  fit(): void {
    this.autoFit = true;
    this.fitMode = 'all';
    this.applyFit();
    this.invalidate();
  }

  zoomBy(factor: number, atX = this.width / 2, atY = this.height / 2): void {
    const next = clamp(this.scale * factor, MIN_SCALE, MAX_SCALE);
    const k = next / this.scale;
    this.tx = atX - (atX - this.tx) * k;
    this.ty = atY - (atY - this.ty) * k;
    this.scale = next;
    this.autoFit = false;
    this.invalidate();
  }

  toggleCollapse(nodeId = this.selectedId): void {
    if (!nodeId) return;
    this.layout.setCollapsed(nodeId, this.layout.visibleChildren(nodeId).length > 0);
    this.invalidate();
  }

  expandAll(): void {
    this.layout.expandAll();
    this.fitMode = 'readable';
    this.invalidate();
  }

  /** Back to the pruned view (the path to the best, the top candidates). */
  showBest(): void {
    this.layout.pruneToPinned();
    this.autoFit = true;
    this.fitMode = 'readable';
    this.invalidate();
  }

  /** Draws when something changed since the last frame. */
  render(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.layout.layout();
    if (this.autoFit) this.applyFit();
    this.draw();
    this.syncOverlay();
  }

  // ---- state ---------------------------------------------------------------------------------

  /** The colour scale follows the ranks of every scored node (not only the ones drawn). */
  private rescore(): void {
    const scores: number[] = [];
    for (const id in this.nodes) {
      const s = scoreOf(this.nodes[id]!);
      if (s !== null) scores.push(s);
    }
    this.ranks = new RankScale(scores);
    this.repin();
  }

  private repin(): void {
    const pinned = pinnedNodeIds(this.nodes, this.bestId, TOP_CANDIDATES);
    if (this.selectedId) pinned.push(this.selectedId);
    this.layout.setPinned(pinned);
  }

  // ---- geometry ----------------------------------------------------------------------------

  private invalidate(): void {
    this.dirty = true;
    this.onNeedsRender();
  }

  private resize(width: number, height: number): void {
    const dpr = window.devicePixelRatio || 1;
    this.width = Math.max(1, Math.round(width));
    this.height = Math.max(1, Math.round(height));
    this.canvas.width = Math.round(this.width * dpr);
    this.canvas.height = Math.round(this.height * dpr);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    this.context.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.invalidate();
  }

  /**
   * Fits the tree (treeFit.ts). 'all' shows the whole drawing. 'readable' shows it whole when the
   * labels stay legible, else zooms to legible labels with the best node in view.
   */
  private applyFit(): void {
    const { width, height } = this.layout.bounds();
    const focus = this.bestId ? this.layout.position(this.bestId) : undefined;
    const fit = fitTree({ viewWidth: this.width, viewHeight: this.height, treeWidth: width, treeHeight: height, focus, mode: this.fitMode });
    this.scale = fit.scale;
    this.tx = fit.tx;
    this.ty = fit.ty;
  }

  private screenOf(id: string): { x: number; y: number } | undefined {
    const p = this.layout.position(id);
    return p ? { x: p.x * this.scale + this.tx, y: p.y * this.scale + this.ty } : undefined;
  }

  private scrollIntoView(id: string): void {
    if (this.autoFit) return;
    const s = this.screenOf(id);
    if (!s) return;
    const margin = 30;
    if (s.x < margin || s.x > this.width - margin * 3) this.tx += this.width / 3 - s.x;
    if (s.y < margin || s.y > this.height - margin) this.ty += this.height / 2 - s.y;
  }

  private radius(): number {
    return clamp(6 * this.scale, 1.5, 8);
  }

  /** The node drawn nearest to a point (in px), within reach. */
  private hitTest(x: number, y: number): string | undefined {
    const reach = Math.max(8, this.radius() + 4);
    let best: string | undefined;
    let bestDistance = reach * reach;
    const { ids, x: xs, y: ys } = this.layout.arrays();
    for (let i = 0; i < ids.length; i++) {
      const dx = xs[i]! * this.scale + this.tx - x;
      const dy = ys[i]! * this.scale + this.ty - y;
      const d = dx * dx + dy * dy;
      if (d <= bestDistance) {
        bestDistance = d;
        best = ids[i];
      }
    }
    return best;
  }

  // ---- drawing -----------------------------------------------------------------------------

  private draw(): void {
    const ctx = this.context;
    const p = this.palette;
    const { scale, tx, ty } = this;
    ctx.clearRect(0, 0, this.width, this.height);
    const r = this.radius();
    const margin = COLUMN_WIDTH * scale + 20;
    const inView = (x: number, y: number) => x > -margin && x < this.width + margin && y > -20 && y < this.height + 20;

    const { ids, x: xs, y: ys, parentIndex } = this.layout.arrays();
    const count = ids.length;
    const edges = new Path2D();
    const bestEdges = new Path2D();
    const buckets: Path2D[] = Array.from({ length: SCORE_BUCKETS }, () => new Path2D());
    const failedEvaluated = new Path2D();
    const failedEarly = new Path2D();
    const skipped = new Path2D();
    const prmSkipped = new Path2D();
    const busy = new Path2D();
    const pending = new Path2D();
    const folded = new Path2D();
    const fontPx = labelFontPx(scale);
    const labels: { x: number; y: number; text: string; node: NodeView }[] = [];
    // Curves read well when few nodes are in view; straight lines are much cheaper for thousands.
    const curves = count < 1500 || scale > 0.3;

    for (let i = 0; i < count; i++) {
      const sx = xs[i]! * scale + tx;
      const sy = ys[i]! * scale + ty;
      const pi = parentIndex[i]!;
      if (pi >= 0) {
        const px = xs[pi]! * scale + tx;
        const py = ys[pi]! * scale + ty;
        if (inView(sx, sy) || inView(px, py) || (sy > 0 !== py > 0 && sx > -margin && px < this.width + margin)) {
          const id = ids[i]!;
          const path = this.bestPath.has(id) && this.bestPath.has(ids[pi]!) ? bestEdges : edges;
          path.moveTo(px + r, py);
          if (curves) {
            const midX = (px + sx) / 2;
            path.bezierCurveTo(midX, py, midX, sy, sx - r, sy);
          } else {
            path.lineTo(sx - r, sy);
          }
        }
      }
      if (!inView(sx, sy)) continue;
      const id = ids[i]!;
      const node = this.nodes[id];
      if (!node) continue;
      const score = scoreOf(node);
      const kind = failureKind(node);
      if (score !== null) {
        const bucket = Math.min(SCORE_BUCKETS - 1, Math.floor(this.ranks.position(score) * SCORE_BUCKETS));
        circle(buckets[bucket]!, sx, sy, r);
      } else if (node.status === 'failed') {
        if (kind && EVALUATED_FAILURES.has(kind)) cross(failedEvaluated, sx, sy, r);
        else square(failedEarly, sx, sy, r * 0.8);
      } else if (node.status === 'skipped') {
        if (kind === 'prm') diamond(prmSkipped, sx, sy, r);
        else circle(skipped, sx, sy, r);
      } else if (node.status === 'generating' || node.status === 'evaluating') {
        circle(busy, sx, sy, r);
      } else {
        circle(pending, sx, sy, r * 0.6);
      }
      const hidden = this.layout.hiddenCount(id);
      if (hidden > 0) {
        folded.moveTo(sx + r + 2.5, sy);
        folded.arc(sx, sy, r + 2.5, 0, Math.PI * 2);
      }
      if (fontPx > 0 && sy > -LABEL_HEIGHT * scale && sy < this.height + LABEL_HEIGHT * scale) labels.push({ x: sx, y: sy, text: labelOf(node, hidden), node });
    }

    // Edges in the foreground colour at partial strength: visible on every theme, under the dots.
    ctx.globalAlpha = 0.55;
    ctx.lineWidth = 1.25;
    ctx.strokeStyle = p.foreground;
    ctx.stroke(edges);
    ctx.globalAlpha = 1;
    ctx.lineWidth = p.highContrast ? 3 : 2.5;
    ctx.strokeStyle = p.best;
    ctx.stroke(bestEdges);

    buckets.forEach((path, i) => {
      ctx.fillStyle = scoreColor(p, (i + 0.5) / SCORE_BUCKETS);
      ctx.fill(path);
    });
    if (p.highContrast) {
      ctx.lineWidth = 1;
      ctx.strokeStyle = p.foreground;
      buckets.forEach((path) => ctx.stroke(path));
    }
    ctx.lineWidth = 2;
    ctx.strokeStyle = p.failed;
    ctx.stroke(failedEvaluated);
    ctx.lineWidth = 1.5;
    ctx.stroke(failedEarly);
    ctx.strokeStyle = p.skipped;
    ctx.stroke(skipped);
    ctx.setLineDash([2, 2]);
    ctx.stroke(prmSkipped);
    ctx.strokeStyle = p.muted;
    ctx.lineWidth = 1;
    ctx.stroke(folded);
    ctx.strokeStyle = p.running;
    ctx.lineWidth = 2;
    ctx.setLineDash([]);
    ctx.stroke(busy);
    ctx.fillStyle = p.muted;
    ctx.fill(pending);

    this.ring(this.bestId, p.best, r + 3, 2);
    this.ring(this.selectedId, p.focus, r + 5, 2);

    if (labels.length > 0) {
      // Each label stays inside its box (treeLayout.ts: narrower than a column, lower than a row).
      ctx.font = p.font.replace(/^[\d.]+px/, `${fontPx}px`);
      ctx.textBaseline = 'middle';
      const maxWidth = LABEL_WIDTH * scale;
      const offset = LABEL_OFFSET * scale;
      for (const label of labels) {
        // A label whose start is scrolled out of view would show only a meaningless tail.
        if (label.x + offset < 0) continue;
        ctx.fillStyle = label.node.status === 'failed' ? p.failed : label.node.status === 'skipped' ? p.muted : p.foreground;
        ctx.fillText(fitText(ctx, label.text, maxWidth), label.x + offset, label.y);
      }
    }
  }

  private ring(id: string | undefined, color: string, radius: number, width: number): void {
    if (!id) return;
    const s = this.screenOf(id);
    if (!s) return;
    const ctx = this.context;
    ctx.beginPath();
    ctx.arc(s.x, s.y, radius, 0, Math.PI * 2);
    ctx.lineWidth = width;
    ctx.strokeStyle = color;
    ctx.stroke();
  }

  /** Keeps one focusable element per node in view (reused by id), plus the selected node's. */
  private syncOverlay(): void {
    const inView: string[] = [];
    const { ids, x: xs, y: ys } = this.layout.arrays();
    for (let i = 0; i < ids.length && inView.length <= MAX_OVERLAY_NODES; i++) {
      const sx = xs[i]! * this.scale + this.tx;
      const sy = ys[i]! * this.scale + this.ty;
      if (sx > -20 && sx < this.width && sy > -10 && sy < this.height + 10) inView.push(ids[i]!);
    }
    const wanted = new Set(inView.length <= MAX_OVERLAY_NODES ? inView : []);
    if (this.selectedId && this.layout.position(this.selectedId)) wanted.add(this.selectedId);
    for (const [id, item] of this.items) {
      if (!wanted.has(id)) {
        if (item === document.activeElement) this.host.focus({ preventScroll: true });
        item.remove();
        this.items.delete(id);
      }
    }
    const r = this.radius();
    const labelWidth = labelFontPx(this.scale) > 0 ? (LABEL_OFFSET + LABEL_WIDTH) * this.scale : 0;
    for (const id of wanted) {
      const node = this.nodes[id];
      if (!node) continue;
      let item = this.items.get(id);
      if (!item) {
        item = el('div', { class: 'tree-node', role: 'treeitem', 'data-node-id': id, id: `tree-node-${id}`, tabindex: '-1' });
        this.items.set(id, item);
        this.overlay.append(item);
      }
      const s = this.screenOf(id)!;
      const size = Math.max(14, r * 2 + 6);
      item.style.transform = `translate(${Math.round(s.x - size / 2)}px, ${Math.round(s.y - size / 2)}px)`;
      item.style.width = `${Math.round(size / 2 + labelWidth)}px`;
      item.style.height = `${Math.round(size)}px`;
      const text = this.describe(node);
      if (item.textContent !== text) item.textContent = text;
      item.setAttribute('aria-selected', String(id === this.selectedId));
      item.setAttribute('aria-level', String(this.layout.depth(id) + 1));
      item.className = `tree-node ${node.status}${this.bestPath.has(id) ? ' best-path' : ''}${id === this.selectedId ? ' selected' : ''}`;
      if (this.layout.children(id).length > 0) item.setAttribute('aria-expanded', String(this.layout.hiddenCount(id) === 0));
      else item.removeAttribute('aria-expanded');
    }
    if (this.selectedId && this.items.has(this.selectedId)) this.host.setAttribute('aria-activedescendant', `tree-node-${this.selectedId}`);
    else this.host.removeAttribute('aria-activedescendant');
    if (this.hoveredId) this.showTooltip(this.hoveredId);
  }

  /** One line about a node: its id, score and rank, PRM score, why it failed, what is folded. */
  private describe(node: NodeView): string {
    const parts = [`#${node.id}`];
    const score = scoreOf(node);
    if (score !== null) {
      const { rank, of } = this.ranks.rankOf(score);
      parts.push(`score ${formatScore(score)} (rank ${rank} of ${of})`);
    } else {
      const kind = failureKind(node);
      parts.push(kind ? `${node.status}: ${reasonOf(node) ?? FAILURE_LABELS[kind]}` : node.status);
    }
    if (node.prmScore !== null) parts.push(`PRM ${formatScore(node.prmScore)}`);
    if (node.id === this.bestId) parts.push('best');
    const hidden = this.layout.hiddenCount(node.id);
    if (hidden > 0) parts.push(`${hidden} hidden below (→ expands)`);
    return parts.join(' · ');
  }

  private showTooltip(id: string | undefined): void {
    this.hoveredId = id;
    const node = id ? this.nodes[id] : undefined;
    const at = id ? this.screenOf(id) : undefined;
    if (!node || !at) {
      this.tooltip.hidden = true;
      return;
    }
    this.tooltip.textContent = this.describe(node);
    this.tooltip.hidden = false;
    // Below-right of the node, kept inside the tree's box.
    const left = Math.max(4, Math.min(at.x + 12, this.width - this.tooltip.offsetWidth - 4));
    const top = at.y + 14 + this.tooltip.offsetHeight > this.height ? at.y - 14 - this.tooltip.offsetHeight : at.y + 14;
    this.tooltip.style.transform = `translate(${Math.round(left)}px, ${Math.round(Math.max(0, top))}px)`;
  }

  // ---- input -------------------------------------------------------------------------------

  private listen(): void {
    const host = this.host;
    host.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      // Pointer capture retargets later events to the host: remember which node was pressed.
      const targetId = (e.target as HTMLElement).closest<HTMLElement>('.tree-node')?.dataset.nodeId;
      this.drag = { x: e.clientX, y: e.clientY, tx: this.tx, ty: this.ty, moved: false, targetId };
      host.setPointerCapture(e.pointerId);
    });
    host.addEventListener('pointermove', (e) => {
      const drag = this.drag;
      if (!drag) {
        const rect = host.getBoundingClientRect();
        const id = this.hitTest(e.clientX - rect.left, e.clientY - rect.top);
        if (id !== this.hoveredId) this.showTooltip(id);
        return;
      }
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && dx * dx + dy * dy < 16) return;
      drag.moved = true;
      this.autoFit = false;
      this.tx = drag.tx + dx;
      this.ty = drag.ty + dy;
      host.classList.add('panning');
      this.showTooltip(undefined);
      this.invalidate();
    });
    host.addEventListener('pointerleave', () => this.showTooltip(undefined));
    const endDrag = (e: PointerEvent) => {
      const drag = this.drag;
      this.drag = undefined;
      host.classList.remove('panning');
      if (!drag || drag.moved || e.type === 'pointercancel') return;
      const rect = host.getBoundingClientRect();
      const id = drag.targetId ?? this.hitTest(e.clientX - rect.left, e.clientY - rect.top);
      if (id) this.userSelect(id);
      host.focus({ preventScroll: true });
    };
    host.addEventListener('pointerup', endDrag);
    host.addEventListener('pointercancel', endDrag);
    host.addEventListener('dblclick', (e) => {
      const target = (e.target as HTMLElement).closest<HTMLElement>('.tree-node');
      if (target?.dataset.nodeId) this.toggleCollapse(target.dataset.nodeId);
    });
    host.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const rect = host.getBoundingClientRect();
        if (e.ctrlKey || e.metaKey) {
          this.zoomBy(Math.exp(-e.deltaY * 0.0025), e.clientX - rect.left, e.clientY - rect.top);
        } else {
          this.autoFit = false;
          this.tx -= e.shiftKey ? e.deltaY : e.deltaX;
          this.ty -= e.shiftKey ? 0 : e.deltaY;
          this.invalidate();
        }
      },
      { passive: false },
    );
    host.addEventListener('keydown', (e) => this.onKey(e));
  }

  private userSelect(id: string): void {
    this.setSelected(id);
    this.callbacks.select(id);
  }

  private onKey(e: KeyboardEvent): void {
    const current = this.selectedId && this.layout.position(this.selectedId) ? this.selectedId : this.layout.roots()[0];
    if (!current) return;
    const move = (id: string | null | undefined) => {
      if (id) this.userSelect(id);
    };
    let handled = true;
    switch (e.key) {
      case 'ArrowLeft':
        if (this.layout.visibleChildren(current).length > 0) this.toggleCollapse(current);
        else move(this.layout.parent(current));
        break;
      case 'ArrowRight':
        if (this.layout.hiddenCount(current) > 0) {
          this.layout.setCollapsed(current, false);
          this.invalidate();
        } else move(this.layout.visibleChildren(current)[0]);
        break;
      case 'ArrowUp':
      case 'ArrowDown': {
        const parent = this.layout.parent(current);
        const list = parent === null || parent === undefined ? this.layout.roots() : this.layout.visibleChildren(parent);
        const at = list.indexOf(current) + (e.key === 'ArrowUp' ? -1 : 1);
        move(list[at]);
        break;
      }
      case 'Home':
        move(this.layout.roots()[0]);
        break;
      case 'End':
        move(this.bestId);
        break;
      case ' ':
        this.toggleCollapse(current);
        break;
      case 'Enter':
        if (this.selectedId) this.callbacks.activate(this.selectedId);
        break;
      case '+':
      case '=':
        this.zoomBy(1.25);
        break;
      case '-':
        this.zoomBy(0.8);
        break;
      case 'f':
      case '0':
        this.fit();
        break;
      default:
        handled = false;
    }
    if (handled) e.preventDefault();
  }
}

/** The text in a node's label box: id, then the score or why there is none, then what is folded. */
export function labelOf(node: NodeView, hidden: number): string {
  const kind = failureKind(node);
  const what = node.status === 'done' ? formatScore(node.score) : kind ? FAILURE_LABELS[kind] : node.status;
  return `#${node.id} ${what}${hidden > 0 ? ` +${hidden}` : ''}`;
}

/** `text` cut with an ellipsis to fit `maxWidth` px in the context's font. */
function fitText(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 ? `${text.slice(0, lo)}…` : '';
}

function circle(path: Path2D, x: number, y: number, r: number): void {
  // Tiny dots (a zoomed-out tree of thousands) look the same as squares and cost far less.
  if (r < 2.5) {
    path.rect(x - r, y - r, 2 * r, 2 * r);
    return;
  }
  path.moveTo(x + r, y);
  path.arc(x, y, r, 0, Math.PI * 2);
}

function square(path: Path2D, x: number, y: number, r: number): void {
  path.rect(x - r, y - r, 2 * r, 2 * r);
}

function diamond(path: Path2D, x: number, y: number, r: number): void {
  path.moveTo(x, y - r);
  path.lineTo(x + r, y);
  path.lineTo(x, y + r);
  path.lineTo(x - r, y);
  path.closePath();
}

function cross(path: Path2D, x: number, y: number, r: number): void {
  const d = r * 0.75;
  path.moveTo(x - d, y - d);
  path.lineTo(x + d, y + d);
  path.moveTo(x + d, y - d);
  path.lineTo(x - d, y + d);
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
