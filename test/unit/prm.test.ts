import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EvolutionRun } from '../../src/core/engine/run';
import { devWasmPaths, TreeSitterService } from '../../src/core/lang/treeSitter';
import { findNumericLiterals, OfflineMutationSource } from '../../src/core/mutate/offline';
import { CombinedPrm } from '../../src/core/prm/combinedPrm';
import { candidateFeatures } from '../../src/core/prm/features';
import { DiffPrior } from '../../src/core/prm/diffPrior';
import { HeuristicPrm } from '../../src/core/prm/heuristicPrm';
import { LearnedPrm } from '../../src/core/prm/learnedPrm';
import { LlmJudge, parseJudgeRating } from '../../src/core/prm/llmJudge';
import { PrmStore } from '../../src/core/prm/prmStore';
import { openrValue, RemoteRewardModel, vllmValue } from '../../src/core/prm/remoteRewardModel';
import type { PrmInput, PrmScorer } from '../../src/core/prm/types';
import type { EvaluationRequest, EvaluationResult, Evaluator, RunConfig } from '../../src/core/types';
import { startLlmServer, type LlmServer } from '../fixtures/llmServer';

const PARENT = 'def f(x):\n    a = 1.0 * x\n    b = a + 2.0\n    c = b * 3.0\n    d = c - 4.0\n    e = d / 5.0\n    return e + 0.5\n';

function input(childCode: string, overrides: Partial<PrmInput> = {}): PrmInput {
  return {
    language: 'python', parentCode: PARENT, childCode, newSyntaxIssues: 0, mutationKind: 'literal-tune', model: 'offline',
    parentRank: 0, parentDepth: 1, ...overrides,
  };
}

/** The parent with literal `index` set to `value`. */
function withLiteral(code: string, index: number, value: string): string {
  const lit = findNumericLiterals(code, 'python')[index];
  return code.slice(0, lit.start) + value + code.slice(lit.end);
}

const repo = join(__dirname, '..', '..');
const dirs: string[] = [];
let treeSitter: TreeSitterService;
before(() => (treeSitter = new TreeSitterService(devWasmPaths(repo))));
after(() => {
  treeSitter.dispose();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

describe('candidate features', () => {
  it('splits the diff into hunks and finds which literal moved, which way and by how much', () => {
    const child = withLiteral(withLiteral(PARENT, 0, '1.1'), 4, '4.0');
    const f = candidateFeatures(input(child));
    assert.equal(f.hunks.length, 2);
    assert.deepEqual(f.hunks[0].parentLines, [1, 2]);
    assert.deepEqual(f.hunks[1].childLines, [5, 6]);
    assert.deepEqual(f.hunks[0].literalChanges, [{ index: 0, from: 1, to: 1.1, hunk: 0, before: '=', after: '*' }]);
    assert.deepEqual(f.hunks[1].literalChanges, [{ index: 4, from: 5, to: 4, hunk: 1, before: '/', after: 'return' }]);
    assert.equal(f.hunks[0].features.get('lit:i0:up'), 1);
    assert.equal(f.hunks[1].features.get('lit:i4:down'), 1);
    assert.equal(f.hunks[0].features.get('lit:mag:-4'), 1, 'a 10% change is in the 2^-4..2^-3 bucket');
    assert.equal(f.global.get('hunks:2'), 1);
    assert.equal(f.global.get('lit:changed:2'), 1);
    assert.equal(f.global.get('kind:literal-tune'), 1);
    assert.equal(f.global.get('rank:0'), 1);
  });

  it('hashes the tokens that were added and removed, and node-type changes per hunk', async () => {
    const child = PARENT.replace('b = a + 2.0', 'b = max(a, 2.0)');
    const nodeTypes = { parent: await treeSitter.nodeTypesByLine(PARENT, 'python'), child: await treeSitter.nodeTypesByLine(child, 'python') };
    const f = candidateFeatures(input(child, { mutationKind: 'search-replace' }), nodeTypes);
    const h = f.hunks[0].features;
    assert.equal(h.get('tok+:max'), 1);
    assert.equal(h.get('tok+:('), 1);
    assert.equal(h.get('tok-:+'), 1);
    assert.equal(h.get('nt+:call'), 1);
    assert.equal(h.get('nt-:binary_operator'), 1);
    assert.equal(f.global.get('lit:changed:1'), undefined, 'no literal value changed');
    const broken = PARENT.replace('c = b * 3.0', 'c = (b * 3.0');
    const brokenTypes = { parent: nodeTypes.parent, child: await treeSitter.nodeTypesByLine(broken, 'python') };
    assert.equal(candidateFeatures(input(broken), brokenTypes).global.get('syntax:error-nodes-added'), 1);
  });

  it('gives an unchanged function one empty hunk', () => {
    const f = candidateFeatures(input(PARENT));
    assert.equal(f.hunks.length, 1);
    assert.equal(f.hunks[0].features.get('h:empty'), 1);
  });
});

describe('LearnedPrm', () => {
  it('is its prior before it has seen any outcome: small fractional steps first', async () => {
    const prm = new LearnedPrm();
    const child = withLiteral(PARENT, 2, '3.1');
    const detail = await prm.scoreDetailed(input(child));
    assert.equal(detail.source, 'prior');
    assert.equal(detail.probability, new DiffPrior().score(input(child)));
    assert.equal(detail.probability, new HeuristicPrm().score(input(child)), 'a 3% step costs nothing over the heuristic');
    const jump = await prm.score(input(withLiteral(PARENT, 2, '9.0')));
    assert.ok(jump < detail.probability / 2, `a 3x jump scores lower: ${jump}`);
    const g = 'def g(n):\n    return n * 30 + 1.5\n';
    const integer = await prm.score(input(g.replace('30', '31'), { parentCode: g }));
    const fraction = await prm.score(input(g.replace('1.5', '1.55'), { parentCode: g }));
    assert.ok(integer < fraction, `an integer (a count, a bound) is riskier to change: ${integer} vs ${fraction}`);
    assert.equal(detail.expectedDelta, null);
    assert.equal(detail.combination, 'min');
    assert.equal(await prm.score(input(child, { newSyntaxIssues: 1 })), 0);
  });

  it('learns online which moves help and ranks them first, with the expected change', async () => {
    const prm = new LearnedPrm({ nodeTypes: treeSitter });
    // In this world raising literal 1 helps and lowering it hurts.
    for (let k = 0; k < 40; k++) {
      const up = input(withLiteral(PARENT, 1, (2.0 * (1.02 + k / 500)).toFixed(4)));
      const down = input(withLiteral(PARENT, 1, (2.0 * (0.98 - k / 500)).toFixed(4)));
      await prm.score(up);
      prm.learn(up, { improved: true, delta: 0.5 });
      await prm.score(down);
      prm.learn(down, { improved: false, delta: -0.5 });
    }
    const up = await prm.scoreDetailed(input(withLiteral(PARENT, 1, '2.07')));
    const down = await prm.scoreDetailed(input(withLiteral(PARENT, 1, '1.93')));
    assert.equal(up.source, 'learned');
    assert.equal(up.trainedOn, 80);
    assert.ok(up.probability > 0.8, `up ${up.probability}`);
    assert.ok(down.probability < 0.2, `down ${down.probability}`);
    assert.ok((up.expectedDelta ?? 0) > 0.2 && (down.expectedDelta ?? 0) < -0.2, `${up.expectedDelta} ${down.expectedDelta}`);
  });

  it('scores each hunk and combines them by min', async () => {
    const prm = new LearnedPrm({ priorStrength: 0.001 });
    for (let k = 0; k < 30; k++) {
      const good = input(withLiteral(PARENT, 0, (1.05 + k / 1000).toFixed(4)));
      await prm.score(good);
      prm.learn(good, { improved: true, delta: 1 });
      const bad = input(withLiteral(PARENT, 5, (0.55 + k / 1000).toFixed(4)));
      await prm.score(bad);
      prm.learn(bad, { improved: false, delta: -1 });
    }
    const both = await prm.scoreDetailed(input(withLiteral(withLiteral(PARENT, 0, '1.06'), 5, '0.56')));
    assert.equal(both.hunks.length, 2);
    const [first, second] = both.hunks;
    assert.ok(first.probability > second.probability, JSON.stringify(both.hunks));
    assert.equal(both.probability, Math.min(first.probability, second.probability));
    assert.deepEqual(second.childLines, [6, 7]);
  });

  it('round-trips through JSON with identical scores, and is deterministic', async () => {
    const train = async (prm: LearnedPrm) => {
      for (let k = 0; k < 25; k++) {
        const i = input(withLiteral(PARENT, k % 6, String(1 + k / 7)));
        await prm.score(i);
        prm.learn(i, { improved: k % 3 === 0, delta: k % 3 === 0 ? 0.1 : -0.2 });
      }
      return prm;
    };
    const probe = input(withLiteral(PARENT, 3, '4.4'));
    const a = await train(new LearnedPrm());
    const b = await train(new LearnedPrm());
    assert.deepEqual(await a.scoreDetailed(probe), await b.scoreDetailed(probe));
    // The run memory (siblings, momentum) is not saved: compare without it.
    const plain = await train(new LearnedPrm({ contextFeatures: false }));
    const restored = LearnedPrm.fromJSON(JSON.parse(JSON.stringify(plain.toJSON())), { contextFeatures: false });
    const [x, y] = [await plain.scoreDetailed(probe), await restored.scoreDetailed(probe)];
    assert.equal(y.trainedOn, 25);
    assert.deepEqual(y, x);
    assert.throws(() => LearnedPrm.fromJSON({ format: 'something-else' }), /not a saved Genesis PRM/);
  });

  it('drives a real run: every evaluated child teaches it, and the run still evaluates what it accepts', async () => {
    const prm = new LearnedPrm({ nodeTypes: treeSitter });
    const evaluator: Evaluator = {
      evaluate: async (request: EvaluationRequest): Promise<EvaluationResult> => {
        const lits = findNumericLiterals(request.candidateFileText, 'python').map((l) => l.value);
        const score = -Math.abs(lits[0] - 2) - Math.abs(lits[1] - 1.5);
        return { status: 'ok', score, correct: true, metrics: {}, feedback: '', stdoutTail: '', stderrTail: '', durationMs: 0, sandboxed: false };
      },
    };
    const config: RunConfig = { language: 'python', functionName: 'f', filePath: '/w/f.py', relativePath: 'f.py', workspaceRoot: '/w', evaluatorCommand: 'x', models: ['offline'], budget: 30, concurrency: 2, seed: 3, timeoutSec: 5 };
    const root = 'def f(x):\n    return 1.0 * x + 0.5';
    const run = new EvolutionRun(config, { runId: 'prm', rootCode: root }, {
      sources: [new OfflineMutationSource()], evaluator, prm, candidateFile: (c) => c,
      syntaxIssues: (text) => treeSitter.syntaxIssues(text, 'python'),
    });
    const summary = await run.start();
    assert.equal(summary.status, 'completed');
    assert.equal(prm.outcomes, summary.evaluations - 1, 'every evaluated child, not the root');
    for (const node of run.nodes().slice(1)) {
      if (node.status === 'done') assert.ok(node.prmScore !== null && node.prmScore >= 0 && node.prmScore <= 1);
    }
  });
});

describe('PrmStore', () => {
  it('saves per evaluator atomically, warm-starts, never writes the command, and survives a corrupt file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genesis-prm-store-'));
    dirs.push(dir);
    const store = new PrmStore(dir);
    const command = 'API_TOKEN=hunter2secret python3 evaluate.py';
    const fresh = await store.load(command);
    assert.equal(fresh.warm, false);
    const i = input(withLiteral(PARENT, 0, '1.2'));
    await fresh.prm.score(i);
    fresh.prm.learn(i, { improved: true, delta: 0.3 });
    const file = await store.save(command, fresh.prm);
    assert.equal(file, store.fileFor(command));
    assert.match(file, /prm-[0-9a-f]{16}\.json$/);
    assert.deepEqual(readdirSync(dir), [file.split('/').pop()], 'no temp file left behind');
    assert.ok(!readFileSync(file, 'utf8').includes('hunter2secret'));
    const again = await store.load(command);
    assert.equal(again.warm, true);
    assert.equal(again.prm.outcomes, 1);
    assert.equal((await store.load('python3 other.py')).warm, false, 'another evaluator has its own model');
    writeFileSync(file, '{"format": "genesis-learned-prm", "version": 1, "trainedOn": "x"');
    const corrupt = await store.load(command);
    assert.equal(corrupt.warm, false);
    assert.match(corrupt.warning ?? '', /ignored the saved PRM .*starting from the prior/);
  });
});

describe('CombinedPrm', () => {
  it('mixes scores in log-odds space and leaves out an extra scorer that fails', async () => {
    const fixed = (name: string, value: number): PrmScorer => ({ name, score: () => value });
    const failing: PrmScorer = { name: 'down', score: async () => { throw new Error('judge is down'); } };
    const combined = new CombinedPrm(fixed('a', 0.8), [{ scorer: fixed('b', 0.2), weight: 1 }, { scorer: failing, weight: 5 }]);
    const detail = await combined.scoreDetailed(input(withLiteral(PARENT, 0, '1.5')));
    assert.equal(detail.probability, 0.5);
    assert.deepEqual(detail.parts, { a: 0.8, b: 0.2 });
    assert.equal(combined.lastErrors.get('down'), 'judge is down');
    assert.equal(combined.name, 'a+b+down');
  });

  it('forwards learning to the learned model', async () => {
    const learned = new LearnedPrm();
    const combined = new CombinedPrm(learned, []);
    const i = input(withLiteral(PARENT, 0, '1.5'));
    await combined.score(i);
    combined.learn(i, { improved: false, delta: -1 });
    assert.equal(learned.outcomes, 1);
  });
});

describe('LlmJudge', () => {
  let server: LlmServer | undefined;
  after(() => server?.close());

  it('parses ratings', () => {
    assert.equal(parseJudgeRating('7'), 7);
    assert.equal(parseJudgeRating('Rating: 8/10'), 8);
    assert.equal(parseJudgeRating('<think>maybe 3</think> 10'), 10);
    assert.equal(parseJudgeRating('6.5'), 6.5);
    assert.equal(parseJudgeRating('no idea'), null);
    assert.equal(parseJudgeRating('42'), null);
  });

  it('rates a diff 0-10, caches by the change, and counts tokens and cost', async () => {
    server = await startLlmServer({ reply: (request) => (request.prompt.includes('+    b = a + 2.5') ? '8' : 'Rating: 3') });
    const judge = new LlmJudge({ baseURL: server.openaiBaseURL, model: 'fixture-model', pricePerMTokIn: 1, pricePerMTokOut: 2 });
    const good = input(withLiteral(PARENT, 1, '2.5'));
    assert.equal(await judge.score(good), 0.8);
    assert.equal(await judge.score({ ...good }), 0.8, 'same change: from the cache');
    assert.equal(await judge.score(input(withLiteral(PARENT, 1, '1.5'))), 0.3);
    assert.equal(server.requests.length, 2);
    const body = server.requests[0].body as { model: string; messages: { content: string }[] };
    assert.equal(body.model, 'fixture-model');
    assert.match(body.messages[1].content, /```diff/);
    const status = judge.status();
    assert.equal(status.state, 'ok');
    assert.equal(status.calls, 2);
    assert.ok(status.tokens > 50 && status.costUsd > 0, JSON.stringify(status));
    await server.close();
    server = undefined;
  });

  it('times out, reports itself down with a clear message after repeated failures, and hides the key', async () => {
    let now = 0;
    server = await startLlmServer({ apiKey: 'right-key' });
    const badKey = new LlmJudge({ baseURL: server.openaiBaseURL, model: 'm', apiKey: 'sk-wrongwrongwrongwrong', failureLimit: 2, retryAfterMs: 1000, now: () => now });
    await assert.rejects(badKey.score(input(withLiteral(PARENT, 0, '1.1'))), (error: Error) => /HTTP 401/.test(error.message) && !error.message.includes('sk-wrongwrong'));
    await assert.rejects(badKey.score(input(withLiteral(PARENT, 0, '1.2'))), /HTTP 401/);
    assert.equal(badKey.status().state, 'down');
    assert.match(badKey.status().message, /LLM judge m at .* is down after 2 failed calls in a row .*HTTP 401.*next try in 1 s/);
    const calls = server.requests.length;
    await assert.rejects(badKey.score(input(withLiteral(PARENT, 0, '1.3'))), /is down/);
    assert.equal(server.requests.length, calls, 'no call while down');
    now = 2000;
    await assert.rejects(badKey.score(input(withLiteral(PARENT, 0, '1.4'))), /HTTP 401/);
    assert.equal(server.requests.length, calls + 1, 'one probe after the rest');
    await server.close();

    server = await startLlmServer({ reply: () => new Promise((resolve) => setTimeout(() => resolve('9'), 1500)) });
    const slow = new LlmJudge({ baseURL: server.openaiBaseURL, model: 'm', timeoutMs: 100 });
    const started = Date.now();
    await assert.rejects(slow.score(input(withLiteral(PARENT, 0, '1.1'))), /within 100 ms \(timeout\)/);
    assert.ok(Date.now() - started < 1000);
    const closedURL = server.openaiBaseURL;
    await server.close();
    server = undefined;
    const refused = new LlmJudge({ baseURL: closedURL, model: 'm' });
    await assert.rejects(refused.score(input(withLiteral(PARENT, 0, '1.1'))), /cannot reach .*connection refused/);
  });
});

describe('RemoteRewardModel', () => {
  type Handler = (path: string, body: unknown) => { status?: number; body: unknown; delayMs?: number };
  let handler: Handler = () => ({ body: {} });
  const seen: { path: string; body: unknown; auth?: string }[] = [];
  let url = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c));
    req.on('end', () => {
      const body: unknown = raw ? JSON.parse(raw) : undefined;
      seen.push({ path: req.url ?? '', body, auth: req.headers.authorization });
      const answer = handler(req.url ?? '', body);
      setTimeout(() => {
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
      }, answer.delayMs ?? 0);
    });
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("speaks OpenR's worker_value_inference: steps tagged, min over step values", async () => {
    handler = () => ({ body: { value: [[0.9, 0.35]] } });
    const rm = new RemoteRewardModel({ protocol: 'openr', url });
    const child = withLiteral(withLiteral(PARENT, 0, '1.1'), 5, '0.6');
    assert.equal(await rm.score(input(child)), 0.35);
    const last = seen[seen.length - 1];
    assert.equal(last.path, '/worker_value_inference');
    const text = (last.body as { input_str: string[] }).input_str[0];
    assert.equal(text.split('ки').length - 1, 2, 'one step tag per hunk');
    assert.equal(openrValue({ value: [0.7] }).value, 0.7);
    assert.throws(() => openrValue({ values: [] }), /expected \{"value": \[...\]\}/);
  });

  it("speaks vLLM's pooling API: model and messages in, scalar logit or class pairs out", async () => {
    handler = () => ({ body: { object: 'list', data: [{ index: 0, object: 'pooling', data: [0] }] } });
    const rm = new RemoteRewardModel({ protocol: 'vllm', url: `${url}/`, model: 'reward-7b', apiKey: 'tok' });
    assert.equal(await rm.score(input(withLiteral(PARENT, 0, '1.1'))), 0.5);
    const last = seen[seen.length - 1];
    assert.equal(last.path, '/pooling');
    assert.equal(last.auth, 'Bearer tok');
    const body = last.body as { model: string; messages: { role: string }[] };
    assert.equal(body.model, 'reward-7b');
    assert.deepEqual(body.messages.map((m) => m.role), ['user', 'assistant']);
    assert.equal(vllmValue({ data: [{ data: [[0.2, 0.8], [0.6, 0.4]] }] }).value, 0.4);
    assert.equal(vllmValue({ data: [{ probs: [0.1, 0.9] }] }).value, 0.9);
    assert.throws(() => vllmValue({ data: [{ data: 'x' }] }), /unknown shape/);
    assert.throws(() => new RemoteRewardModel({ protocol: 'vllm', url }), /served model name/);
  });

  it('times out and goes down with a clear status when the server fails', async () => {
    handler = () => ({ body: { value: [[0.5]] }, delayMs: 400 });
    const rm = new RemoteRewardModel({ protocol: 'openr', url, timeoutMs: 50, failureLimit: 2 });
    await assert.rejects(rm.score(input(withLiteral(PARENT, 0, '1.1'))), /within 50 ms \(timeout\)/);
    handler = () => ({ status: 503, body: { error: { message: 'model is loading' } } });
    await assert.rejects(rm.score(input(withLiteral(PARENT, 0, '1.2'))), /HTTP 503: model is loading/);
    const status = rm.status();
    assert.equal(status.state, 'down');
    assert.match(status.message, /reward model \(openr\) at .*worker_value_inference is down after 2 failed calls/);
    assert.equal(status.failures, 2);
  });
});

describe('TreeSitterService.nodeTypesByLine', () => {
  it('lists node types by the line they start on, errors included', async () => {
    const lines = await treeSitter.nodeTypesByLine('def f(x):\n    return x + 1\n', 'python');
    assert.deepEqual(lines[0].slice(0, 3), ['module', 'function_definition', 'def']);
    assert.ok(lines[1].includes('return_statement') && lines[1].includes('+'));
    const broken = await treeSitter.nodeTypesByLine('def f(x:\n    return (1\n', 'python');
    assert.ok(broken.flat().some((t) => t === 'ERROR' || t.startsWith('MISSING')));
    assert.ok(existsSync(join(repo, 'node_modules/@vscode/tree-sitter-wasm/wasm')));
  });
});
