// The Evolution panel's pure state: ranking, sorting, filtering, best path, tree layout, chart
// series, diff lines, the tokenizer, message folding, and the wire guard / node projection of
// src/protocol.ts.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { CandidateNode, RunSummary } from '../../src/core/types';
import { isWebviewToHost, previewOfDiff, toNodeView, type NodeView } from '../../src/protocol';
import { acceptableCandidates, nextCandidate } from '../../src/vscode/candidateRanking';
import { joinTokens, tokenizeLine } from '../../webview/highlight';
import {
  applyMessage, axisRange, bestNodeId, buildTree, diffLines, emptyModel, evaluationSeries, filterByStatus, formatDuration, gainOf, gainText,
  lineageOf, lineageText, pathToRoot, previewLines, rankNodes, reasonOf, sortCandidates, statusLine,
} from '../../webview/model';
import { ROW_HEIGHT, TreeLayout } from '../../webview/treeLayout';
import { formatCost } from '../../src/core/util/format';

function node(id: string, parentId: string | null, status: CandidateNode['status'], score: number | null, extra: Partial<CandidateNode> = {}): CandidateNode {
  return {
    id, parentId, depth: parentId === null ? 0 : 1, status, code: `code ${id}`, diff: '', prmScore: 0.5, score,
    tokensIn: 0, tokensOut: 0, costUsd: 0, createdAt: 0, ...extra,
  };
}

function evaluation(score: number | null): NonNullable<CandidateNode['evaluation']> {
  return { status: 'ok', score, correct: true, metrics: {}, feedback: '', stdoutTail: 'OUT', stderrTail: 'ERR', durationMs: 5, sandboxed: true };
}

function byId(nodes: CandidateNode[]): Record<string, NodeView> {
  return Object.fromEntries(nodes.map((n) => [n.id, toNodeView(n)]));
}

const summary: RunSummary = {
  runId: 'r1', functionName: 'f', filePath: '/w/a.py', relativePath: 'a.py', language: 'python', status: 'running',
  startedAt: 0, updatedAt: 0, evaluations: 5, budget: 40, baselineScore: -1, bestScore: -0.5, bestNodeId: '3', tokens: 0, costUsd: 0,
};

describe('webview model', () => {
  const nodes = byId([
    node('0', null, 'done', -1),
    node('1', '0', 'failed', null, { reason: 'syntax error at line 2' }),
    node('2', '0', 'done', -0.7),
    node('3', '2', 'done', -0.5),
    node('4', '0', 'evaluating', null),
    node('10', '3', 'skipped', null),
  ]);

  it('ranks scored nodes best first, then the rest in creation order (numeric ids)', () => {
    assert.deepEqual(rankNodes(nodes).map((n) => n.id), ['3', '2', '0', '1', '4', '10']);
  });

  it('never ranks a failed node by a stale score', () => {
    const withFailedScore = byId([node('0', null, 'done', -1), node('1', '0', 'failed', 5)]);
    assert.deepEqual(rankNodes(withFailedScore).map((n) => n.id), ['0', '1']);
  });

  it('finds the best node and its path to the root', () => {
    const model = { ...emptyModel('r1'), nodes, summary };
    assert.equal(bestNodeId(model), '3');
    assert.deepEqual([...pathToRoot(nodes, '3')].sort(), ['0', '2', '3']);
    assert.equal(bestNodeId({ ...emptyModel('r1'), nodes }), '3', 'without a summary the ranking decides');
  });

  it('builds the parent → child tree', () => {
    const roots = buildTree(nodes);
    assert.equal(roots.length, 1);
    assert.deepEqual(roots[0]!.children.map((c) => c.node.id), ['1', '2', '4']);
    assert.deepEqual(roots[0]!.children[1]!.children[0]!.children.map((c) => c.node.id), ['10']);
  });

  it('classifies unified diff lines and drops the file headers', () => {
    const diff = 'Index: f\n===\n--- f\n+++ f\n@@ -1,2 +1,2 @@\n def f():\n-    return 1\n+    return 2\n\\ No newline at end of file\n';
    assert.deepEqual(diffLines(diff).map((l) => l.kind), ['hunk', 'context', 'del', 'add', 'meta']);
    assert.deepEqual(diffLines(''), []);
  });

  it('folds host messages into the model', () => {
    let model = emptyModel('r1');
    model = applyMessage(model, {
      type: 'init', runId: 'r1', summary, details: { relativePath: 'a.py', evaluatorCommand: 'e', models: ['offline'] }, nodes: [toNodeView(node('0', null, 'done', -1))], running: true,
      controls: { live: true, resumable: false, mutateFrom: false },
    });
    assert.equal(model.controls.live, true);
    model = applyMessage(model, { type: 'nodes', nodes: [toNodeView(node('1', '0', 'done', -0.2))] });
    assert.deepEqual(Object.keys(model.nodes).sort(), ['0', '1']);
    model = applyMessage(model, { type: 'status', status: 'completed' });
    assert.equal(model.running, false);
    assert.equal(model.summary?.status, 'completed');
    for (let i = 0; i < 30; i++) model = applyMessage(model, { type: 'notice', level: 'info', message: `n${i}` }, i);
    assert.equal(model.notices.length, 20, 'notices are capped');
    assert.equal(model.notices.at(-1)?.message, 'n29');
    model = applyMessage(model, { type: 'select', nodeId: '1' });
    assert.equal(model.selectedNodeId, '1', 'the host can move the selection');
    assert.equal(applyMessage(model, { type: 'select', nodeId: '99' }).selectedNodeId, '1', 'an unknown node is not selected');
    const resent = applyMessage(model, {
      type: 'init', runId: 'r1', summary, details: { relativePath: 'a.py', evaluatorCommand: 'e', models: ['offline'] }, nodes: [toNodeView(node('0', null, 'done', -1))], running: false,
      controls: { live: false, resumable: true, mutateFrom: false },
    });
    assert.equal(resent.selectedNodeId, undefined, 'a selection of a node that is gone is dropped on init');
  });

  it('sorts by score, PRM, cost and age with unscored nodes last, and filters by status', () => {
    const list = byId([
      node('0', null, 'done', -1, { prmScore: null, costUsd: 0 }),
      node('1', '0', 'done', 2, { prmScore: 0.9, costUsd: 0.3 }),
      node('2', '0', 'failed', null, { prmScore: 0.1, costUsd: 0.1 }),
      node('3', '0', 'done', 5, { prmScore: 0.4, costUsd: 0.2 }),
      node('4', '0', 'skipped', null, { prmScore: 0.2, costUsd: 0 }),
    ]);
    const all = Object.values(list);
    assert.deepEqual(sortCandidates(all, 'score', 'desc').map((n) => n.id), ['3', '1', '0', '2', '4']);
    assert.deepEqual(sortCandidates(all, 'score', 'asc').map((n) => n.id), ['0', '1', '3', '2', '4']);
    assert.deepEqual(sortCandidates(all, 'prm', 'desc').map((n) => n.id), ['1', '3', '4', '2', '0']);
    assert.deepEqual(sortCandidates(all, 'cost', 'desc').map((n) => n.id), ['1', '3', '2', '0', '4']);
    assert.deepEqual(sortCandidates(all, 'age', 'asc').map((n) => n.id), ['0', '1', '2', '3', '4']);
    assert.deepEqual(filterByStatus(all, 'failed').map((n) => n.id), ['2']);
    assert.equal(filterByStatus(all, 'all').length, 5);
  });

  it('builds the chart series: evaluations in finishing order, running best, spending so far', () => {
    const list = byId([
      node('0', null, 'done', 1, { createdAt: 0, finishedAt: 10, evaluation: evaluation(1) }),
      node('1', '0', 'done', 3, { createdAt: 11, finishedAt: 40, costUsd: 0.5, tokensIn: 10, tokensOut: 5, evaluation: evaluation(3) }),
      node('2', '0', 'failed', null, { createdAt: 12, finishedAt: 30, costUsd: 0.25, tokensIn: 4, tokensOut: 1, evaluation: { ...evaluation(null), status: 'incorrect' } }),
      node('3', '0', 'skipped', null, { createdAt: 13, finishedAt: 20, costUsd: 1 }),
      node('4', '1', 'generating', null, { createdAt: 50 }),
    ]);
    const series = evaluationSeries(list);
    assert.deepEqual(series.map((p) => p.nodeId), ['0', '2', '1']);
    assert.deepEqual(series.map((p) => p.score), [1, null, 3]);
    assert.deepEqual(series.map((p) => p.best), [1, 1, 3]);
    assert.deepEqual(series.map((p) => p.costUsd), [0, 1.25, 1.75], 'a skipped node\'s model call costs too');
    assert.deepEqual(series.map((p) => p.n), [1, 2, 3]);
  });

  it('formats money and durations', () => {
    assert.equal(formatCost(0), '$0');
    assert.equal(formatCost(0.01234), '$0.0123');
    assert.equal(formatCost(null), '—');
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(3200), '3.2 s');
    assert.equal(formatDuration(125_000), '2 min 5 s');
  });

  it('words the status line and the reasons', () => {
    assert.equal(statusLine(summary), 'running — 5 / 40 evaluations');
    assert.equal(reasonOf(nodes['1']!), 'syntax error at line 2');
    assert.equal(reasonOf(nodes['2']!), undefined);
  });
});

describe('candidate cards', () => {
  const nodes = byId([
    node('0', null, 'done', -0.32, { mutation: { kind: 'literal-tune', summary: 'original function', model: '-' } }),
    node('1', '0', 'done', -0.2, { mutation: { kind: 'literal-tune', summary: '0.9 → 1.0 at line 3', model: 'offline' } }),
    node('2', '1', 'done', -0.044, { mutation: { kind: 'search-replace', summary: 'unrolled the loop', model: 'gpt' } }),
    node('3', '2', 'failed', null, { mutation: { kind: 'full-rewrite', summary: 'rewrite', model: 'gpt' } }),
    node('4', '1', 'done', -0.5),
  ]);

  it('says the gain against the baseline (as a share of the best gain) and against the parent', () => {
    const gain = gainOf(nodes['2']!, nodes['1'], -0.32, -0.044);
    assert.ok(Math.abs(gain.vsBaseline! - 0.276) < 1e-9);
    assert.equal(gain.gapClosed, 1);
    assert.ok(Math.abs(gain.vsParent! - 0.156) < 1e-9);
    assert.equal(gainText(gain), '+0.276 vs baseline (100 % of the gap closed) · +0.156 vs #1');
    assert.equal(gainText(gainOf(nodes['1']!, nodes['0'], -0.32, -0.044)), '+0.12 vs baseline (43 % of the gap closed) · +0.12 vs #0');
    assert.equal(gainText(gainOf(nodes['4']!, nodes['1'], -0.32, -0.044)), '−0.18 vs baseline · −0.3 vs #1');
    assert.equal(gainText(gainOf(nodes['3']!, nodes['2'], -0.32, -0.044)), '', 'no score, no gain');
    assert.equal(gainOf(nodes['1']!, nodes['0'], -0.32, -0.32).gapClosed, null, 'no gap when nothing beat the baseline');
  });

  it('describes the whole lineage of mutations, oldest first', () => {
    const steps = lineageOf(nodes, '3');
    assert.deepEqual(steps.map((s) => s.nodeId), ['1', '2', '3']);
    assert.equal(lineageText(steps), '3 steps: #1 0.9 → 1.0 at line 3 → #2 unrolled the loop → #3 rewrite');
    assert.deepEqual(lineageOf(nodes, '0'), []);
  });
});

describe('charts', () => {
  it('never puts a $0 run on a negative money axis', () => {
    assert.deepEqual(axisRange([0, 0, 0], true), { min: 0, max: 1 });
    assert.equal(formatCost(axisRange([0, 0], true)!.min), '$0');
    assert.deepEqual(axisRange([-2, -2], false), { min: -2.1, max: -1.9 });
    assert.deepEqual(axisRange([null, 0.5, 2], true), { min: 0.5, max: 2 });
    assert.equal(axisRange([null], true), undefined);
    assert.equal(formatCost(-1), '−$1', 'never "$-1.0e+0"');
  });
});

describe('search tree layout', () => {
  it('places children right of their parent and a parent in the middle of its children', () => {
    const layout = new TreeLayout();
    for (const [id, parentId] of [['0', null], ['1', '0'], ['2', '0'], ['3', '1'], ['4', '1']] as const) layout.add({ id, parentId });
    assert.deepEqual(layout.visible(), ['0', '1', '3', '4', '2'], 'depth-first, children in creation order');
    const y = (id: string) => layout.position(id)!.y;
    assert.equal(y('3'), 0);
    assert.equal(y('4'), ROW_HEIGHT);
    assert.equal(y('1'), ROW_HEIGHT / 2);
    assert.equal(y('2'), 2 * ROW_HEIGHT);
    assert.equal(y('0'), (y('1') + y('2')) / 2);
    assert.ok(layout.position('3')!.x > layout.position('1')!.x && layout.position('1')!.x > layout.position('0')!.x);
    assert.equal(layout.add({ id: '3', parentId: '1' }), false, 'an update is not a shape change');
  });

  it('re-lays out only when the shape changes, and collapses subtrees', () => {
    const layout = new TreeLayout();
    layout.add({ id: '0', parentId: null });
    layout.add({ id: '1', parentId: '0' });
    layout.add({ id: '2', parentId: '1' });
    layout.layout();
    const version = layout.version;
    layout.add({ id: '1', parentId: '0' });
    layout.layout();
    assert.equal(layout.version, version, 'no new node, no new layout');
    layout.setCollapsed('1', true);
    assert.deepEqual(layout.visible(), ['0', '1']);
    assert.equal(layout.position('2'), undefined, 'hidden under a collapsed node');
    assert.equal(layout.hiddenCount('1'), 1);
    layout.reveal('2');
    assert.deepEqual(layout.visible(), ['0', '1', '2'], 'revealing a node expands its ancestors');
  });

  it('links a child that arrived before its parent, and keeps children in id order', () => {
    const layout = new TreeLayout();
    layout.add({ id: '0', parentId: null });
    layout.add({ id: '5', parentId: '2' });
    assert.deepEqual([...layout.roots()], ['0', '5']);
    layout.add({ id: '3', parentId: '0' });
    layout.add({ id: '2', parentId: '0' });
    assert.deepEqual([...layout.roots()], ['0']);
    assert.deepEqual([...layout.children('0')], ['2', '3']);
    assert.deepEqual([...layout.children('2')], ['5']);
  });

  it('lays out 5,000 nodes quickly and handles a 3,000-deep chain without recursion', () => {
    const layout = new TreeLayout();
    for (let i = 0; i < 5000; i++) layout.add({ id: String(i), parentId: i === 0 ? null : String(Math.floor((i - 1) / 3)) });
    layout.expandAll();
    const started = performance.now();
    layout.layout();
    assert.ok(performance.now() - started < 200, 'a full layout of 5,000 nodes is fast');
    assert.equal(layout.visible().length, 5000);
    const chain = new TreeLayout();
    for (let i = 0; i < 3000; i++) chain.add({ id: String(i), parentId: i === 0 ? null : String(i - 1) });
    chain.expandAll();
    assert.equal(chain.visible().length, 3000);
    assert.equal(chain.position('2999')!.y, 0);
  });
});

describe('syntax tokenizer', () => {
  it('classifies Python tokens and never loses a character', () => {
    const line = '    return sum(c * x**i for i, c in enumerate(terms))  # 0.5 "x"';
    const tokens = tokenizeLine(line, 'python');
    assert.equal(joinTokens(tokens), line);
    const kinds = (kind: string) => tokens.filter((t) => t.kind === kind).map((t) => t.text);
    assert.deepEqual(kinds('keyword'), ['return', 'for', 'in']);
    assert.deepEqual(kinds('function'), ['sum', 'enumerate']);
    assert.deepEqual(kinds('comment'), ['# 0.5 "x"']);
  });

  it('handles strings with escapes, numbers and C-like comments', () => {
    const line = 'const s = "a\\"b" + 1.5e3; // done';
    const tokens = tokenizeLine(line, 'typescript');
    assert.equal(joinTokens(tokens), line);
    assert.deepEqual(tokens.filter((t) => t.kind === 'string').map((t) => t.text), ['"a\\"b"']);
    assert.deepEqual(tokens.filter((t) => t.kind === 'number').map((t) => t.text), ['1.5e3']);
    assert.equal(tokens.at(-1)?.kind, 'comment');
    assert.equal(tokenizeLine('x = "unterminated', 'python').at(-1)?.kind, 'string');
    const html = '<img src=x onerror=alert(1)>';
    assert.equal(joinTokens(tokenizeLine(html, 'python')), html, 'markup is just text to the tokenizer');
  });
});

describe('inline candidates', () => {
  const nodes = [
    node('0', null, 'done', 1),
    node('1', '0', 'done', 3),
    node('2', '0', 'failed', null),
    node('3', '0', 'done', 5),
    node('4', '0', 'done', 3),
  ];

  it('lists acceptable candidates best first (never the original or unscored ones)', () => {
    assert.deepEqual(acceptableCandidates(nodes).map((n) => n.id), ['3', '1', '4']);
  });

  it('steps to the next candidate, skipping rejected ones and wrapping around', () => {
    const ranked = acceptableCandidates(nodes);
    assert.equal(nextCandidate(ranked, '3', new Set())?.id, '1');
    assert.equal(nextCandidate(ranked, '4', new Set())?.id, '3', 'wraps');
    assert.equal(nextCandidate(ranked, '3', new Set(['1']))?.id, '4');
    assert.equal(nextCandidate(ranked, undefined, new Set())?.id, '3');
    assert.equal(nextCandidate(ranked, '3', new Set(['1', '4', '3'])), undefined, 'nothing left');
  });
});

describe('protocol', () => {
  it('accepts only well-formed webview messages', () => {
    assert.equal(isWebviewToHost({ type: 'ready' }), true);
    assert.equal(isWebviewToHost({ type: 'accept', nodeId: '3' }), true);
    assert.equal(isWebviewToHost({ type: 'accept' }), false);
    assert.equal(isWebviewToHost({ type: 'accept', nodeId: 3 }), false);
    assert.equal(isWebviewToHost({ type: 'eval', code: 'x' }), false);
    assert.equal(isWebviewToHost(null), false);
    assert.equal(isWebviewToHost({ type: 'pause' }), true);
    assert.equal(isWebviewToHost({ type: 'setBudget', budget: 50 }), true);
    assert.equal(isWebviewToHost({ type: 'setBudget', budget: 0 }), false);
    assert.equal(isWebviewToHost({ type: 'setBudget', budget: 2.5 }), false);
    assert.equal(isWebviewToHost({ type: 'setBudget', budget: '50' }), false);
    assert.equal(isWebviewToHost({ type: 'nodeDetails', nodeId: '3', requestId: 1 }), true);
    assert.equal(isWebviewToHost({ type: 'nodeDetails', nodeId: '3' }), false);
    assert.equal(isWebviewToHost({ type: 'openDiff', nodeId: '3', against: 'parent' }), true);
    assert.equal(isWebviewToHost({ type: 'openDiff', nodeId: '3', against: 'elsewhere' }), false);
    assert.equal(isWebviewToHost({ type: 'evaluateNow', nodeId: 'x'.repeat(100) }), false);
  });

  it('sends no code, prompts, replies or evaluator output with node updates', () => {
    const view = toNodeView(
      node('1', '0', 'done', 1, {
        mutation: { kind: 'full-rewrite', summary: 's', model: 'm', prompt: 'P'.repeat(1000), reply: 'R' },
        evaluation: evaluation(1),
        diff: '--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n context\n',
      }),
    );
    assert.deepEqual(view.mutation, { kind: 'full-rewrite', summary: 's', model: 'm' });
    const wire = JSON.stringify(view);
    for (const secret of ['PPPP', 'code 1', 'OUT', 'ERR']) assert.ok(!wire.includes(secret), `${secret} is not on the wire`);
    assert.equal(view.diffPreview, '+new\n-old');
    assert.deepEqual(previewLines(view.diffPreview).map((l) => l.kind), ['add', 'del']);
    assert.deepEqual(view.diffStat, { added: 1, removed: 1 });
  });

  it('previews the added lines first, even when a hunk removes many lines before adding (C++, Rust, Go rewrites)', () => {
    const diff = '--- a\n+++ b\n@@ -1,6 +1,6 @@\n int f(int x) {\n-  int a = 1;\n-  int b = 2;\n-  int c = 3;\n-  return a + b + c + x;\n+  return x + 6;\n }\n';
    assert.equal(previewOfDiff(diff), '+  return x + 6;\n-  int a = 1;\n-  int b = 2;');
    const many = `@@ -1,4 +1,4 @@\n-a\n-b\n-c\n-d\n+A\n+B\n+C\n+D\n`;
    assert.equal(previewOfDiff(many), '+A\n+B\n+C', 'only added lines when there are enough');
  });

  it('previews at most three changed lines, each cut short', () => {
    const diff = `@@ -1,5 +1,5 @@\n-a\n+${'b'.repeat(500)}\n-c\n+d\n`;
    const preview = previewOfDiff(diff).split('\n');
    assert.equal(preview.length, 3);
    assert.ok(preview[1]!.length < 200);
  });
});
