// The Anthropic source through the real @anthropic-ai/sdk against the local fixture server, and
// the mutation modes and source factory over both wire protocols.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { AnthropicSource, DEFAULT_ANTHROPIC_MAX_TOKENS } from '../../src/core/llm/anthropic';
import { TRUNCATED_ERROR } from '../../src/core/llm/chatSource';
import { checkModel } from '../../src/core/llm/connectionCheck';
import { OpenAICompatibleSource } from '../../src/core/llm/openaiCompatible';
import { createMutationSource, sourcePrice } from '../../src/core/llm/sourceFactory';
import { buildMutationPrompt } from '../../src/core/mutate/prompt';
import type { MutationRequest } from '../../src/core/types';
import { faultsThen, qualityReply, startLlmServer, tunerReply, type LlmServer, type ReplyScript } from '../fixtures/llmServer';

const PARENT = 'def score(self, x):\n        y = x * 0.5\n        return y + 3';
const REQUEST: MutationRequest = {
  language: 'python',
  functionName: 'score',
  parentCode: PARENT,
  fileText: `class Model:\n    ${PARENT}\n`,
  parentFeedback: 'score 1.5',
  parentScore: 1.5,
  inspirations: [],
  seed: 1,
};
const FAST_RETRY = { baseDelayMs: 20, maxBackoffMs: 50, random: () => 0.5 };
const never = () => new AbortController().signal;

let current: LlmServer | undefined;
async function serve(reply?: ReplyScript, apiKey?: string, extra: { maxPromptChars?: number } = {}): Promise<LlmServer> {
  await current?.close();
  current = await startLlmServer({ reply, apiKey, models: ['claude-fixture'], ...extra });
  return current;
}
after(() => current?.close());

function source(server: LlmServer, extra: Partial<ConstructorParameters<typeof AnthropicSource>[0]> = {}) {
  return new AnthropicSource({ baseURL: server.url, model: 'claude-fixture', retry: FAST_RETRY, ...extra });
}

function promptTextOf(request: MutationRequest): string {
  const p = buildMutationPrompt(request);
  return `${p.system}\n\n${p.user}`;
}

describe('AnthropicSource against the fixture server', () => {
  it('streams a reply, applies it and counts tokens from message_start / message_delta', async () => {
    const server = await serve(undefined, 'sk-ant-secret');
    const src = source(server, { apiKey: 'sk-ant-secret', pricePerMTokIn: 3, pricePerMTokOut: 15 });
    const proposal = await src.propose(REQUEST, never());
    assert.equal(proposal.error, undefined);
    assert.equal(proposal.kind, 'search-replace');
    assert.equal(proposal.mode, 'diff');
    assert.ok(proposal.code && proposal.code !== PARENT, proposal.code);
    assert.equal(src.id, `anthropic-compatible:${server.url}#claude-fixture`);
    const promptText = promptTextOf(REQUEST);
    assert.equal(proposal.prompt, promptText);
    assert.equal(proposal.reply, tunerReply({ prompt: promptText }));
    // The fixture reports ceil(chars / 4) of what it received (system + user) and of its reply.
    const p = buildMutationPrompt(REQUEST);
    assert.equal(proposal.tokensIn, Math.ceil(`${p.system}\n\n${p.user}`.length / 4));
    assert.equal(proposal.tokensOut, Math.ceil((proposal.reply ?? '').length / 4));
    assert.equal(proposal.costUsd, (proposal.tokensIn * 3 + proposal.tokensOut * 15) / 1e6);
    const body = server.requests[0].body as { stream: boolean; system: string; max_tokens: number; messages: { role: string }[] };
    assert.equal(body.stream, true);
    assert.equal(body.system, p.system);
    assert.equal(body.max_tokens, DEFAULT_ANTHROPIC_MAX_TOKENS);
    assert.deepEqual(body.messages.map((m) => m.role), ['user']);
    // A compatible server gets the key both ways: proxies read either header.
    assert.equal(server.requests[0].headers['x-api-key'], 'sk-ant-secret');
    assert.equal(server.requests[0].headers['anthropic-version'] !== undefined, true);
  });

  it('caps a 429 retry-after of 120 s at the policy cap, then succeeds', async () => {
    const server = await serve(faultsThen([{ fault: 'rate-limit', retryAfterSec: 120 }]));
    const retries: number[] = [];
    const started = Date.now();
    const proposal = await source(server, { retry: { ...FAST_RETRY, retryAfterCapMs: 200 }, onRetry: (e) => retries.push(e.delayMs) }).propose(REQUEST, never());
    assert.ok(proposal.code, proposal.error);
    assert.deepEqual(retries, [200]);
    assert.equal(server.requests.length, 2);
    assert.ok(Date.now() - started < 2000, 'the SDK slept out the retry-after itself');
  });

  it('retries 500 and 529 overloaded with backoff, and an overloaded error event mid-stream', async () => {
    const server = await serve(
      faultsThen([{ fault: 'server-error' }, { fault: 'overloaded' }, { fault: 'stream-error', text: 'x'.repeat(64), afterChunks: 1 }]),
    );
    const messages: string[] = [];
    const proposal = await source(server, { onRetry: (e) => messages.push(e.message) }).propose(REQUEST, never());
    assert.ok(proposal.code, proposal.error);
    assert.equal(server.requests.length, 4);
    assert.match(messages[0], /^server error 500 from http:\/\/127\.0\.0\.1:\d+: The server had an error/);
    assert.match(messages[1], /^server error 529 from http:\/\/127\.0\.0\.1:\d+: Overloaded$/);
    assert.match(messages[2], /^overloaded_error from http:\/\/127\.0\.0\.1:\d+ during the reply: Overloaded$/);
  });

  it('honours retry-after on 529, and gives up after max attempts with callFailed', async () => {
    const server = await serve(() => ({ fault: 'overloaded', retryAfterSec: 0.05 }));
    const retries: number[] = [];
    const proposal = await source(server, { retry: { ...FAST_RETRY, maxAttempts: 3 }, onRetry: (e) => retries.push(e.delayMs) }).propose(REQUEST, never());
    assert.deepEqual(retries, [50, 50]);
    assert.equal(proposal.callFailed, true);
    assert.equal(proposal.code, undefined);
    assert.match(proposal.error ?? '', /^server error 529 from http:\/\/127\.0\.0\.1:\d+: Overloaded; gave up after 3 attempts$/);
  });

  it('reports a truncated stream with the partial reply, input tokens and an output estimate', async () => {
    const text = 'y'.repeat(100);
    const server = await serve(faultsThen([{ fault: 'truncate', text, afterChunks: 2 }]));
    const proposal = await source(server).propose(REQUEST, never());
    assert.equal(proposal.error, TRUNCATED_ERROR);
    assert.equal(proposal.callFailed, undefined, 'a reply began: the call itself did not fail');
    assert.equal(proposal.reply, text.slice(0, 32));
    assert.equal(proposal.tokensIn, Math.ceil(promptTextOf(REQUEST).length / 4));
    assert.equal(proposal.tokensOut, 8);
    assert.equal(server.requests.length, 1, 'a truncated reply is not retried');
  });

  it('reports a wrong key without leaking it, and does not retry', async () => {
    const server = await serve(undefined, 'sk-ant-right');
    const secret = 'sk-ant-wrong-secret-123456';
    const proposal = await source(server, { apiKey: secret }).propose(REQUEST, never());
    assert.equal(proposal.error, `bad API key (401) from ${server.url}`);
    assert.equal(proposal.callFailed, true);
    assert.equal(server.requests.length, 1);
    assert.ok(!JSON.stringify(proposal).includes(secret));
  });

  it('reports an unknown model and a server that is down', async () => {
    const server = await serve();
    const unknown = await source(server, { model: 'claude-nope' }).propose(REQUEST, never());
    assert.equal(unknown.error, `unknown model claude-nope (404) at ${server.url}`);
    assert.equal(unknown.callFailed, true);

    const port = await closedPort();
    const down = await new AnthropicSource({ baseURL: `http://127.0.0.1:${port}`, model: 'm' }).propose(REQUEST, never());
    assert.equal(down.error, `server not reachable at http://127.0.0.1:${port}: ECONNREFUSED`);
    assert.equal(down.callFailed, true);
  });

  it('stops promptly when aborted mid-stream', async () => {
    const server = await serve(() => ({ fault: 'slow', text: 'x'.repeat(400), chunkDelayMs: 200 }));
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(source(server).propose(REQUEST, controller.signal));
    assert.ok(Date.now() - started < 1000, `abort took ${Date.now() - started} ms`);
  });

  it('shrinks the prompt and tries again when the model says it is too long', async () => {
    const inspirations = [1, 2, 3].map((i) => ({ code: PARENT.replace('0.5', `0.${i}`) + '\n' + '# filler\n'.repeat(120), score: i }));
    const request = { ...REQUEST, inspirations };
    const full = promptTextOf(request).length;
    const server = await serve(undefined, undefined, { maxPromptChars: Math.floor(full * 0.6) });
    const proposal = await source(server).propose(request, never());
    assert.ok(proposal.code, proposal.error);
    assert.equal(server.requests.length, 2);
    assert.ok((proposal.prompt ?? '').length <= full / 2 + 2, `${proposal.prompt?.length} of ${full}`);
    assert.match(proposal.prompt ?? '', /## Current function/);
  });
});

describe('mutation modes through the sources', () => {
  it('crossover: asks for a whole function and applies the fenced reply', async () => {
    const rewrite = 'Combining both:\n```python\ndef score(self, x):\n    return x * 0.6 + 2\n```';
    const server = await serve(() => rewrite);
    const request: MutationRequest = { ...REQUEST, mode: 'crossover', secondParent: { code: PARENT.replace('+ 3', '+ 1'), score: 1.2 } };
    const proposal = await source(server).propose(request, never());
    assert.equal(proposal.mode, 'crossover');
    assert.equal(proposal.kind, 'full-rewrite');
    assert.equal(proposal.summary, 'crossover: full rewrite');
    assert.equal(proposal.code, 'def score(self, x):\n        return x * 0.6 + 2');
    assert.match(proposal.prompt ?? '', /## Parent B \(score: 1\.2\)/);
  });

  it('repair: SEARCH/REPLACE applies to the failed candidate, not its parent', async () => {
    const failed = 'def score(self, x):\n        y = x * 0.5\n        return y + undefined_name';
    const reply = '<<<<<<< SEARCH\n        return y + undefined_name\n=======\n        return y + 3.5\n>>>>>>> REPLACE';
    const server = await serve(() => reply);
    const request: MutationRequest = { ...REQUEST, mode: 'repair', failedCode: failed, failure: "NameError: name 'undefined_name' is not defined" };
    const proposal = await new OpenAICompatibleSource({ baseURL: server.openaiBaseURL, model: 'claude-fixture', retry: FAST_RETRY }).propose(request, never());
    assert.equal(proposal.mode, 'repair');
    assert.equal(proposal.summary, 'repair: 1 SEARCH/REPLACE block');
    assert.equal(proposal.code, 'def score(self, x):\n        y = x * 0.5\n        return y + 3.5');
    assert.match(proposal.prompt ?? '', /NameError: name 'undefined_name' is not defined/);
  });

  it('an unmatched SEARCH block leaves a note for the next prompt of the lineage', async () => {
    const server = await serve(qualityReply(0));
    const proposal = await source(server).propose(REQUEST, never());
    assert.equal(proposal.code, undefined);
    assert.match(proposal.error ?? '', /^SEARCH block 1 of 1 did not match the function: `    for item in items_that_do_not_exist:`$/);
    assert.match(proposal.lineageNote ?? '', /^an earlier SEARCH block did not match: `    for item in items_that_do_not_exist:`/);
    const next = buildMutationPrompt({ ...REQUEST, lineageNotes: [proposal.lineageNote ?? ''] });
    assert.match(next.user, /## Notes from earlier attempts[^]*items_that_do_not_exist/);
  });

  it('an ambiguous SEARCH block is refused, and the reason reaches the next prompt of the lineage', async () => {
    const parent = 'def score(self, x):\n        y = x * 0.5\n        y = x * 0.5\n        return y';
    const reply = 'Changing the weight:\n<<<<<<< SEARCH\n        y = x * 0.5\n=======\n        y = x * 0.6\n>>>>>>> REPLACE';
    const server = await serve(() => reply);
    const request: MutationRequest = { ...REQUEST, parentCode: parent, fileText: `class Model:\n    ${parent}\n` };
    const proposal = await source(server).propose(request, never());
    assert.equal(proposal.code, undefined);
    assert.equal(proposal.error, 'SEARCH block 1 of 1 matches 2 places (lines 2, 3 of the function); it must match exactly one');
    assert.match(proposal.lineageNote ?? '', /matched 2 places; include enough surrounding lines/);
    const next = buildMutationPrompt({ ...request, lineageNotes: [proposal.lineageNote ?? ''] });
    assert.match(next.user, /## Notes from earlier attempts[^]*matched 2 places/);
  });

  it('helpers and a renamed function come back placed in the class and under the original name', async () => {
    const reply = '```python\ndef score_v2(self, x):\n    return self._weight() * x + 2\n\ndef _weight(self):\n    return 0.6\n```';
    const server = await serve(() => reply);
    const proposal = await source(server).propose(REQUEST, never());
    assert.equal(proposal.code, 'def score(self, x):\n        return self._weight() * x + 2\n\n    def _weight(self):\n        return 0.6');
  });
});

describe('createMutationSource', () => {
  it('builds priced sources whose id is the spec, for both protocols', async () => {
    const server = await serve();
    const prices = { 'claude-fixture': { input: 2, output: 10 } };
    const anthropic = createMutationSource(`anthropic-compatible:${server.url}/v1#claude-fixture`, { prices, retry: FAST_RETRY });
    assert.ok(anthropic instanceof AnthropicSource);
    assert.equal(anthropic.id, `anthropic-compatible:${server.url}/v1#claude-fixture`);
    const a = await anthropic.propose(REQUEST, never());
    assert.ok(a.code, a.error);
    assert.equal(a.costUsd, (a.tokensIn * 2 + a.tokensOut * 10) / 1e6);
    assert.equal(server.requests[0].path, '/v1/messages', 'a copied /v1 is not doubled');

    const openai = createMutationSource(`openai-compatible:${server.openaiBaseURL}#claude-fixture`, { prices, retry: FAST_RETRY });
    assert.ok(openai instanceof OpenAICompatibleSource);
    const o = await openai.propose(REQUEST, never());
    assert.ok(o.code, o.error);
    assert.equal(o.costUsd, (o.tokensIn * 2 + o.tokensOut * 10) / 1e6);
  });

  it('prices local servers at 0 and known cloud models from the table; offline and vscode-lm', () => {
    assert.equal(sourcePrice('openai-compatible:http://127.0.0.1:11434/v1#llama3').source, 'local');
    assert.deepEqual(sourcePrice('openai:gpt-4o-mini'), { input: 0.15, output: 0.6, source: 'default', matched: 'gpt-4o-mini' });
    assert.equal(sourcePrice('anthropic:claude-sonnet-4-5-20250929').input, 3);
    assert.equal(createMutationSource('offline').id, 'offline');
    assert.throws(() => createMutationSource('vscode-lm:copilot/gpt-4o'), /VS Code language model: it can only be used from the VS Code extension/);
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

describe('real Anthropic API (smoke test)', { skip: process.env.ANTHROPIC_API_KEY ? false : 'ANTHROPIC_API_KEY is not set' }, () => {
  it('answers with a reply that applies to the function, and the connection check passes', async () => {
    const spec = `anthropic:${process.env.GENESIS_SMOKE_ANTHROPIC_MODEL ?? 'claude-haiku-4-5'}`;
    const src = createMutationSource(spec, { apiKey: process.env.ANTHROPIC_API_KEY, maxTokens: 600, timeoutMs: 60_000 });
    const proposal = await src.propose(REQUEST, never());
    assert.ok(proposal.reply && proposal.reply.length > 0, proposal.error);
    assert.ok(proposal.tokensIn > 0 && proposal.tokensOut > 0 && proposal.costUsd > 0);
    assert.ok(proposal.code, `reply did not apply: ${proposal.error}\n${proposal.reply}`);
    const check = await checkModel(spec, process.env.ANTHROPIC_API_KEY, never());
    assert.equal(check.ok, true, check.message);
  });
});
