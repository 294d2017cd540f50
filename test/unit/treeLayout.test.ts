// The search tree's layout and colours, as the panel draws them: no two label boxes overlap at
// 50, 500 and 5,000 nodes (pruned, expanded, partly expanded), labels fit their boxes at every
// zoom, a large tree starts pruned to the best path and the top candidates, and one outlier
// score does not wash out the colours.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeView } from '../../src/protocol';
import { RankScale } from '../../webview/colorScale';
import { failureCounts, failureKind, pinnedNodeIds } from '../../webview/model';
import {
  firstOverlap, LABEL_HEIGHT, LABEL_OFFSET, LABEL_WIDTH, COLUMN_WIDTH, labelFontPx, SMALL_TREE_NODES, TreeLayout, type Box,
} from '../../webview/treeLayout';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function view(id: string, parentId: string | null, status: NodeView['status'], score: number | null, extra: Partial<NodeView> = {}): NodeView {
  return { id, parentId, depth: 0, status, score, prmScore: null, tokensIn: 0, tokensOut: 0, costUsd: 0, createdAt: 0, diffPreview: '', ...extra };
}

type Shape = 'elitist' | 'random' | 'fan' | 'chain';

/** Runs shaped like the searches: elitist (children of the top 8), random parents, one wide fan, a deep chain. */
function run(count: number, shape: Shape, seed = 3): Record<string, NodeView> {
  const random = seeded(seed);
  const nodes: Record<string, NodeView> = { '0': view('0', null, 'done', -0.3) };
  const top: NodeView[] = [nodes['0']!];
  for (let i = 1; i < count; i++) {
    const parent =
      shape === 'elitist' ? top[Math.floor(random() * top.length)]! : shape === 'random' ? nodes[String(Math.floor(random() * i))]! : shape === 'fan' ? nodes['0']! : nodes[String(i - 1)]!;
    const r = random();
    const status: NodeView['status'] = r < 0.7 ? 'done' : r < 0.85 ? 'failed' : r < 0.97 ? 'skipped' : 'evaluating';
    const score = status === 'done' ? (parent.score ?? -0.3) + (random() - 0.5) * 0.02 : null;
    const node = view(String(i), parent.id, status, score, status === 'failed' ? { reason: 'syntax error at line 2: x' } : status === 'skipped' ? { skippedByPrm: true } : {});
    nodes[node.id] = node;
    if (score !== null) {
      top.push(node);
      top.sort((a, b) => b.score! - a.score!);
      top.length = Math.min(top.length, 8);
    }
  }
  return nodes;
}

function layoutOf(nodes: Record<string, NodeView>): TreeLayout {
  const layout = new TreeLayout();
  for (const node of Object.values(nodes)) layout.add(node);
  const best = Object.values(nodes).filter((n) => n.status === 'done').sort((a, b) => b.score! - a.score!)[0]?.id;
  layout.setPinned(pinnedNodeIds(nodes, best, 8));
  return layout;
}

function assertNoOverlap(boxes: Box[], what: string): void {
  const overlap = firstOverlap(boxes);
  assert.equal(overlap, undefined, `${what}: label boxes overlap: ${JSON.stringify(overlap)}`);
}

describe('search tree labels never overlap', () => {
  for (const count of [50, 500, 5000]) {
    for (const shape of ['elitist', 'random', 'fan', 'chain'] as const) {
      it(`${count} nodes, ${shape}: pruned, fully expanded and partly expanded`, () => {
        const nodes = run(count, shape);
        const layout = layoutOf(nodes);
        const pruned = layout.labelBoxes();
        assertNoOverlap(pruned, 'default view');
        if (count > SMALL_TREE_NODES && shape !== 'chain') assert.ok(pruned.length < count, `a ${count}-node tree starts pruned (${pruned.length} shown)`);
        // Open 25 random nodes, as a user exploring would.
        const random = seeded(count);
        for (let k = 0; k < 25; k++) layout.setCollapsed(String(Math.floor(random() * count)), false);
        assertNoOverlap(layout.labelBoxes(), 'partly expanded');
        layout.expandAll();
        const all = layout.labelBoxes();
        assert.equal(all.length, count);
        assertNoOverlap(all, 'expanded');
        // Each box stays inside its own column, clear of the next column's dots.
        for (const box of all) assert.ok(((box.x - LABEL_OFFSET) % COLUMN_WIDTH) + LABEL_OFFSET + LABEL_WIDTH < COLUMN_WIDTH - 6);
      });
    }
  }

  it('finds an overlap when there is one (the check can fail)', () => {
    assert.ok(firstOverlap([{ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 5, width: 10, height: 10 }]));
    assert.equal(firstOverlap([{ x: 0, y: 0, width: 10, height: 10 }, { x: 10, y: 0, width: 10, height: 10 }]), undefined, 'touching is not overlapping');
    // What the old layout drew zoomed out: 9 px text on rows 26 × 0.25 = 6.5 px apart.
    const rows = [0, 6.5, 13].map((y) => ({ x: 0, y: y - 4.5, width: 60, height: 9 }));
    assert.ok(firstOverlap(rows));
  });

  it('draws label text only at zooms where it fits its box', () => {
    for (let scale = 0.02; scale <= 3; scale += 0.01) {
      const px = labelFontPx(scale);
      assert.ok(px === 0 || (px >= 9 && px <= LABEL_HEIGHT * scale), `scale ${scale.toFixed(2)}: ${px} px in a ${(LABEL_HEIGHT * scale).toFixed(1)} px box`);
    }
    assert.equal(labelFontPx(0.25), 0, 'no labels when zoomed far out');
    assert.ok(labelFontPx(1) >= 12);
  });
});

describe('pruned tree', () => {
  it('shows the path to the best, the top candidates and the work in flight; expands on demand', () => {
    const nodes = run(5000, 'elitist');
    const layout = layoutOf(nodes);
    const shown = new Set(layout.visible());
    const best = Object.values(nodes).filter((n) => n.status === 'done').sort((a, b) => b.score! - a.score!);
    for (const n of best.slice(0, 8)) {
      for (let id: string | null = n.id; id !== null; id = nodes[id]!.parentId) assert.ok(shown.has(id), `top candidate #${n.id}'s path is shown (#${id})`);
    }
    const busy = Object.values(nodes).filter((n) => n.status === 'evaluating').map((n) => Number(n.id)).sort((a, b) => b - a);
    assert.ok(busy.length > 8);
    for (const id of busy.slice(0, 8)) assert.ok(shown.has(String(id)), `the newest in flight, #${id}, is shown`);
    let hidden = 0;
    for (const id of shown) hidden += layout.hiddenCount(id);
    assert.equal(shown.size + hidden, 5000, 'every node is either drawn or counted in a "+N"');
    const folded = [...shown].find((id) => layout.hiddenCount(id) > 0)!;
    const before = layout.visible().length;
    layout.setCollapsed(folded, false);
    assert.ok(layout.visible().length > before, 'expanding a node shows its children');
    assert.deepEqual(layout.visibleChildren(folded), [...layout.children(folded)], 'all its children');
    layout.setCollapsed(folded, true);
    assert.equal(layout.visibleChildren(folded).length, 0, 'collapsing hides them, pinned ones too');
    layout.pruneToPinned();
    assert.deepEqual(new Set(layout.visible()), shown, 'back to the pruned view');
  });

  it('shows a small tree whole', () => {
    const layout = layoutOf(run(SMALL_TREE_NODES, 'random'));
    assert.equal(layout.visible().length, SMALL_TREE_NODES);
  });
});

describe('colour scale', () => {
  it('ranks scores, so one outlier does not turn every other node green', () => {
    const scores = [-96672, -0.32, -0.3, -0.2, -0.1, -0.047];
    const ranks = new RankScale(scores);
    const positions = scores.map((s) => ranks.position(s));
    assert.deepEqual(positions.map((t) => Math.round(t * 100) / 100), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    // A linear scale would put all five ordinary scores within 0.001 % of the top.
    const linear = (s: number) => (s - -96672) / (-0.047 - -96672);
    assert.ok(scores.slice(1).every((s) => linear(s) > 0.99999), 'the linear scale is what washed out');
    assert.ok(positions[1]! < 0.5, 'the second-worst is on the red half');
  });

  it('gives ties one colour, a single score the top colour, and ranks 1 = best', () => {
    const ranks = new RankScale([1, 2, 2, 3]);
    assert.equal(ranks.position(2), 0.5);
    assert.equal(new RankScale([5]).position(5), 1);
    assert.deepEqual(ranks.rankOf(3), { rank: 1, of: 4 });
    assert.deepEqual(ranks.rankOf(1), { rank: 4, of: 4 });
    assert.equal(new RankScale([1, Number.NaN, Infinity]).size, 1, 'non-finite scores are ignored');
  });
});

describe('failure marks', () => {
  it('names why a node failed or was skipped', () => {
    const cases: [Partial<NodeView> & Pick<NodeView, 'status'>, string | undefined][] = [
      [{ status: 'failed', reason: 'syntax error at line 3: missing )' }, 'syntax'],
      [{ status: 'failed', reason: 'model call failed: 429' }, 'model'],
      [{ status: 'failed', reason: 'SEARCH block 1 did not match' }, 'patch'],
      [{ status: 'failed', reason: 'tests failed', evaluation: { status: 'incorrect', durationMs: 1, sandboxed: true, metrics: {} } }, 'incorrect'],
      [{ status: 'failed', reason: 'timed out after 60 s', evaluation: { status: 'timeout', durationMs: 1, sandboxed: true, metrics: {} } }, 'timeout'],
      [{ status: 'failed', reason: 'exit code 1', evaluation: { status: 'error', durationMs: 1, sandboxed: true, metrics: {} } }, 'crash'],
      [{ status: 'skipped', reason: 'duplicate of node 3' }, 'duplicate'],
      [{ status: 'skipped', skippedByPrm: true, reason: 'not evaluated: PRM score 0.2 ranked 3 of 4' }, 'prm'],
      [{ status: 'skipped', reason: 'run stopped before evaluation' }, 'stopped'],
      [{ status: 'done' }, undefined],
    ];
    for (const [node, kind] of cases) assert.equal(failureKind(view('1', '0', node.status, null, node)), kind, JSON.stringify(node));
    const counts = failureCounts(cases.map(([n], i) => view(String(i), '0', n.status, null, n)));
    assert.equal(counts.length, 9);
  });
});
