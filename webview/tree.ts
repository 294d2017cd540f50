// The search tree: a canvas that draws every node and edge (culled to the viewport, batched by
// style), plus a layer of transparent, focusable elements `[data-node-id]` over the nodes in
// view, which carry the clicks, the keyboard focus and the accessible names. Zoom (Ctrl+wheel,
// + / −), pan (drag, wheel), collapse (Space, double-click), fit (F, the Fit button).
import type { NodeView } from '../src/protocol';
import { formatScore } from '../src/vscode/format';
import { el } from './dom';
import { scoreOf } from './model';
import { readPalette, scoreColor, watchTheme, type Palette } from './theme';
import { COLUMN_WIDTH, ROW_HEIGHT, TreeLayout } from './treeLayout';

/** More nodes than this in view: no per-node elements (the canvas still draws and hit-tests). */
const MAX_OVERLAY_NODES = 400;
const MIN_SCALE = 0.02;
const MAX_SCALE = 3;
/** Full labels (id, score, PRM) from this zoom on; short ones (score) from SHORT_LABEL_SCALE. */
const LABEL_SCALE = 0.7;
const SHORT_LABEL_SCALE = 0.25;
const SCORE_BUCKETS = 12;

export interface TreeViewState {
  scale: number;
  tx: number;
  ty: number;
  autoFit: boolean;
  collapsed: string[];
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
  private readonly context: CanvasRenderingContext2D;
  private readonly items = new Map<string, HTMLDivElement>();
  private nodes: Record<string, NodeView> = {};
  private bestPath = new Set<string>();
  private bestId: string | undefined;
  private selectedId: string | undefined;
  private palette: Palette;
  private scale = 1;
  private tx = 12;
  private ty = 12;
  private autoFit = true;
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
    host.append(this.canvas, this.overlay);
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
    this.invalidate();
  }

  /** New and changed nodes; `nodes` is the whole current index. */
  update(nodes: Record<string, NodeView>, changed: readonly NodeView[]): void {
    this.nodes = nodes;
    for (const node of changed) this.layout.add(node);
    this.invalidate();
  }

  setBest(bestId: string | undefined, bestPath: Set<string>): void {
    if (bestId === this.bestId && sameSet(bestPath, this.bestPath)) return;
    this.bestId = bestId;
    this.bestPath = bestPath;
    this.invalidate();
  }

  setSelected(nodeId: string | undefined, reveal = true): void {
    if (nodeId === this.selectedId) return;
    this.selectedId = nodeId;
    if (nodeId && reveal) {
      this.layout.reveal(nodeId);
      this.scrollIntoView(nodeId);
    }
    this.invalidate();
  }

  state(): TreeViewState {
    return { scale: this.scale, tx: this.tx, ty: this.ty, autoFit: this.autoFit, collapsed: [...this.layout.collapsed()] };
  }

  restore(state: TreeViewState): void {
    this.scale = clamp(state.scale, MIN_SCALE, MAX_SCALE);
    this.tx = state.tx;
    this.ty = state.ty;
    this.autoFit = state.autoFit;
    for (const id of state.collapsed) this.layout.setCollapsed(id, true);
    this.invalidate();
  }

  // ---- view commands -----------------------------------------------------------------------

  fit(): void {
    this.autoFit = true;
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
    this.layout.setCollapsed(nodeId, !this.layout.isCollapsed(nodeId));
    this.invalidate();
  }

  expandAll(): void {
    this.layout.expandAll();
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

  private applyFit(): void {
    const { width, height } = this.layout.bounds();
    const pad = 16;
    const scale = clamp(Math.min((this.width - 2 * pad) / (width + COLUMN_WIDTH * 0.2), (this.height - 2 * pad) / height), MIN_SCALE, 1.2);
    this.scale = scale;
    this.tx = pad;
    this.ty = Math.max(pad, (this.height - height * scale) / 2) + (ROW_HEIGHT / 2) * scale;
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
    return clamp(6 * Math.sqrt(this.scale), 1.5, 8);
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
    let minScore = Infinity;
    let maxScore = -Infinity;
    const nodes: (NodeView | undefined)[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const node = this.nodes[ids[i]!];
      nodes[i] = node;
      const s = node ? scoreOf(node) : null;
      if (s === null) continue;
      if (s < minScore) minScore = s;
      if (s > maxScore) maxScore = s;
    }
    const span = maxScore > minScore ? maxScore - minScore : 1;

    const edges = new Path2D();
    const bestEdges = new Path2D();
    const buckets: Path2D[] = Array.from({ length: SCORE_BUCKETS }, () => new Path2D());
    const failed = new Path2D();
    const skipped = new Path2D();
    const prmSkipped = new Path2D();
    const busy = new Path2D();
    const pending = new Path2D();
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
      const node = nodes[i];
      if (!node) continue;
      const score = scoreOf(node);
      if (score !== null) {
        const bucket = Math.min(SCORE_BUCKETS - 1, Math.floor(((score - minScore) / span) * SCORE_BUCKETS));
        circle(buckets[bucket]!, sx, sy, r);
      } else if (node.status === 'failed') {
        cross(failed, sx, sy, r);
      } else if (node.status === 'skipped') {
        if (node.skippedByPrm) diamond(prmSkipped, sx, sy, r);
        else circle(skipped, sx, sy, r);
      } else if (node.status === 'generating' || node.status === 'evaluating') {
        circle(busy, sx, sy, r);
      } else {
        circle(pending, sx, sy, r * 0.6);
      }
      if (scale >= SHORT_LABEL_SCALE && sy > -10 && sy < this.height + 10) {
        const text = scale >= LABEL_SCALE ? labelOf(node, this.layout.hiddenCount(ids[i]!)) : node.status === 'done' ? formatScore(node.score) : '';
        if (text) labels.push({ x: sx, y: sy, text, node });
      }
    }

    ctx.lineWidth = 1;
    ctx.strokeStyle = p.border;
    ctx.stroke(edges);
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
    ctx.stroke(failed);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = p.skipped;
    ctx.stroke(skipped);
    ctx.setLineDash([2, 2]);
    ctx.stroke(prmSkipped);
    ctx.strokeStyle = p.running;
    ctx.lineWidth = 2;
    ctx.stroke(busy);
    ctx.setLineDash([]);
    ctx.fillStyle = p.muted;
    ctx.fill(pending);

    this.ring(this.bestId, p.best, r + 3, 2);
    this.ring(this.selectedId, p.focus, r + 5, 2);

    if (labels.length > 0) {
      ctx.font = p.font.replace(/^[\d.]+px/, `${Math.round(clamp(11 * Math.sqrt(scale), 9, 13))}px`);
      // Labels stay off the dots of the next column.
      const maxWidth = COLUMN_WIDTH * scale - r * 2 - 8;
      ctx.textBaseline = 'middle';
      for (const label of labels) {
        ctx.fillStyle = label.node.status === 'failed' || label.node.status === 'skipped' ? p.muted : p.foreground;
        ctx.fillText(label.text, label.x + r + 4, label.y, Math.max(20, maxWidth));
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
    const labelWidth = this.scale >= LABEL_SCALE ? COLUMN_WIDTH * this.scale * 0.85 : 0;
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
      item.style.width = `${Math.round(size + labelWidth)}px`;
      item.style.height = `${Math.round(size)}px`;
      const kids = this.layout.children(id).length;
      const text = accessibleLabel(node, this.layout.hiddenCount(id), id === this.bestId);
      if (item.textContent !== text) item.textContent = text;
      item.setAttribute('aria-selected', String(id === this.selectedId));
      item.setAttribute('aria-level', String(this.layout.depth(id) + 1));
      item.className = `tree-node ${node.status}${this.bestPath.has(id) ? ' best-path' : ''}${id === this.selectedId ? ' selected' : ''}`;
      if (kids > 0) item.setAttribute('aria-expanded', String(!this.layout.isCollapsed(id)));
      else item.removeAttribute('aria-expanded');
    }
    if (this.selectedId && this.items.has(this.selectedId)) this.host.setAttribute('aria-activedescendant', `tree-node-${this.selectedId}`);
    else this.host.removeAttribute('aria-activedescendant');
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
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && dx * dx + dy * dy < 16) return;
      drag.moved = true;
      this.autoFit = false;
      this.tx = drag.tx + dx;
      this.ty = drag.ty + dy;
      host.classList.add('panning');
      this.invalidate();
    });
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
    const siblings = (): readonly string[] => {
      const parent = this.layout.parent(current);
      return parent === null || parent === undefined ? this.layout.roots() : this.layout.children(parent);
    };
    let handled = true;
    switch (e.key) {
      case 'ArrowLeft':
        if (this.layout.children(current).length > 0 && !this.layout.isCollapsed(current)) this.toggleCollapse(current);
        else move(this.layout.parent(current));
        break;
      case 'ArrowRight':
        if (this.layout.isCollapsed(current)) this.toggleCollapse(current);
        else move(this.layout.children(current)[0]);
        break;
      case 'ArrowUp':
      case 'ArrowDown': {
        const list = siblings();
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

function labelOf(node: NodeView, hidden: number): string {
  const score = node.status === 'done' ? formatScore(node.score) : node.status;
  const prm = node.prmScore !== null ? ` · p${formatScore(node.prmScore)}` : '';
  return `#${node.id} ${score}${prm}${hidden > 0 ? ` (+${hidden})` : ''}`;
}

function accessibleLabel(node: NodeView, hidden: number, best: boolean): string {
  const status = node.skippedByPrm && node.status === 'skipped' ? 'skipped by PRM' : node.status;
  const score = node.status === 'done' ? ` score ${formatScore(node.score)}` : '';
  const prm = node.prmScore !== null ? `, PRM ${formatScore(node.prmScore)}` : '';
  return `#${node.id} ${status}${score}${prm}${best ? ', best' : ''}${hidden > 0 ? `, ${hidden} hidden` : ''}`;
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

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
