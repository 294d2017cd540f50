// The Evolution panel's pure state: ranking, best path, tree, diff lines, message folding, and
// the wire guard / node projection of src/protocol.ts.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { CandidateNode, RunSummary } from '../../src/core/types';
import { isWebviewToHost, toNodeView, type NodeView } from '../../src/protocol';
import { applyMessage, bestNodeId, buildTree, diffLines, emptyModel, pathToRoot, rankNodes, reasonOf, statusLine } from '../../webview/model';

function node(id: string, parentId: string | null, status: CandidateNode['status'], score: number | null, extra: Partial<CandidateNode> = {}): CandidateNode {
  return {
    id, parentId, depth: parentId === null ? 0 : 1, status, code: `code ${id}`, diff: '', prmScore: 0.5, score,
    tokensIn: 0, tokensOut: 0, costUsd: 0, createdAt: 0, ...extra,
  };
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
    model = applyMessage(model, { type: 'init', runId: 'r1', summary, details: { relativePath: 'a.py', evaluatorCommand: 'e', models: ['offline'] }, nodes: [toNodeView(node('0', null, 'done', -1))], running: true });
    model = applyMessage(model, { type: 'nodes', nodes: [toNodeView(node('1', '0', 'done', -0.2))] });
    assert.deepEqual(Object.keys(model.nodes).sort(), ['0', '1']);
    model = applyMessage(model, { type: 'status', status: 'completed' });
    assert.equal(model.running, false);
    assert.equal(model.summary?.status, 'completed');
    for (let i = 0; i < 30; i++) model = applyMessage(model, { type: 'notice', level: 'info', message: `n${i}` }, i);
    assert.equal(model.notices.length, 20, 'notices are capped');
    assert.equal(model.notices.at(-1)?.message, 'n29');
  });

  it('words the status line and the reasons', () => {
    assert.equal(statusLine(summary), 'running — 5 / 40 evaluations');
    assert.equal(reasonOf(nodes['1']!), 'syntax error at line 2');
    assert.equal(reasonOf(nodes['2']!), undefined);
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
  });

  it('drops prompts and replies from nodes sent to the webview', () => {
    const view = toNodeView(node('1', '0', 'done', 1, { mutation: { kind: 'full-rewrite', summary: 's', model: 'm', prompt: 'P'.repeat(1000), reply: 'R' } }));
    assert.deepEqual(view.mutation, { kind: 'full-rewrite', summary: 's', model: 'm' });
  });
});
