// The OpenAI-compatible source through the real openai client against the local fixture server.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServer as createHttpServer, type Server } from 'node:http';
import { ProviderLimits, Semaphore } from '../../src/core/llm/concurrency';
import { checkModel } from '../../src/core/llm/connectionCheck';
import { createMutationSource } from '../../src/core/llm/sourceFactory';
import { OpenAICompatibleSource, parseModelSpec, TRUNCATED_ERROR } from '../../src/core/llm/openaiCompatible';
import { costOf, DEFAULT_PRICES, isLocalEndpoint, parsePrice, priceOf } from '../../src/core/llm/pricing';
import { abortableSleep, backoffDelayMs, ModelCallError, retryAfterMs, withRetry } from '../../src/core/llm/retry';
import { buildMutationPrompt } from '../../src/core/mutate/prompt';
import type { MutationRequest } from '../../src/core/types';
import { faultsThen, startLlmServer, tunerReply, type LlmServer, type ReplyScript } from '../fixtures/llmServer';

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
// Fast retries for the tests; the 429 tests use the server's retry-after.
const FAST_RETRY = { baseDelayMs: 20, maxBackoffMs: 50, random: () => 0.5 };

let current: LlmServer | undefined;
async function serve(reply?: ReplyScript, apiKey?: string): Promise<LlmServer> {
  await current?.close();
  current = await startLlmServer({ reply, apiKey, models: ['fixture-model'] });
  return current;
}
after(() => current?.close());

function source(server: LlmServer, extra: Partial<ConstructorParameters<typeof OpenAICompatibleSource>[0]> = {}) {
  return new OpenAICompatibleSource({ baseURL: server.openaiBaseURL, model: 'fixture-model', retry: FAST_RETRY, ...extra });
}

const never = () => new AbortController().signal;

describe('OpenAICompatibleSource against the fixture server', () => {
  it('streams a reply, applies it and counts tokens and cost', async () => {
    const server = await serve();
    const src = source(server, { pricePerMTokIn: 1, pricePerMTokOut: 2 });
    const proposal = await src.propose(REQUEST, never());
    assert.equal(proposal.error, undefined);
    assert.equal(proposal.kind, 'search-replace');
    assert.ok(proposal.code && proposal.code !== PARENT && proposal.code.startsWith('def score(self, x):\n        '), proposal.code);
    assert.equal(src.id, `openai-compatible:${server.openaiBaseURL}#fixture-model`);
    // The tokens are the server's usage chunk, not an estimate.
    const promptText = `${buildMutationPrompt(REQUEST).system}\n\n${buildMutationPrompt(REQUEST).user}`;
    assert.equal(proposal.tokensIn, Math.ceil(promptText.length / 4));
    assert.equal(proposal.tokensOut, Math.ceil((proposal.reply ?? '').length / 4));
    assert.ok(proposal.tokensOut > 0);
    assert.equal(proposal.costUsd, (proposal.tokensIn * 1 + proposal.tokensOut * 2) / 1e6);
    assert.equal(proposal.reply, tunerReply({ prompt: promptText }));
    assert.equal(proposal.prompt, promptText);
    const body = server.requests[0].body as { stream: boolean; stream_options: unknown; messages: unknown[] };
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
    assert.equal(body.messages.length, 2);
  });

  it('estimates tokens (chars / 4) when the server sends no usage, and applies a full rewrite', async () => {
    const rewrite = 'Simpler:\n```python\ndef score(self, x):\n    return x * 0.25\n```';
    await current?.close();
    current = await startLlmServer({ reply: () => rewrite, sendUsage: false });
    const proposal = await source(current).propose(REQUEST, never());
    assert.equal(proposal.kind, 'full-rewrite');
    assert.equal(proposal.code, 'def score(self, x):\n        return x * 0.25');
    assert.equal(proposal.tokensOut, Math.ceil(rewrite.length / 4));
    assert.equal(proposal.tokensIn, Math.ceil((proposal.prompt ?? '').length / 4));
  });

  it('retries a 429 after its retry-after (1 s), then succeeds', async () => {
    const server = await serve(faultsThen([{ fault: 'rate-limit', retryAfterSec: 1 }]));
    const retries: number[] = [];
    const started = Date.now();
    const proposal = await source(server, { onRetry: (e) => retries.push(e.delayMs) }).propose(REQUEST, never());
    const elapsed = Date.now() - started;
    assert.equal(proposal.error, undefined);
    assert.ok(proposal.code);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(retries, [1000]);
    assert.ok(elapsed >= 1000, `took ${elapsed} ms`);
  });

  it('caps a long retry-after (120 s) at the configured cap', async () => {
    const server = await serve(faultsThen([{ fault: 'rate-limit', retryAfterSec: 120 }]));
    const retries: number[] = [];
    const started = Date.now();
    const proposal = await source(server, { retry: { ...FAST_RETRY, retryAfterCapMs: 200 }, onRetry: (e) => retries.push(e.delayMs) }).propose(
      REQUEST,
      never(),
    );
    assert.ok(proposal.code, proposal.error);
    assert.deepEqual(retries, [200]);
    assert.ok(Date.now() - started < 2000);
  });

  it('retries 500s with backoff, and gives up with a clear message after max attempts', async () => {
    const server = await serve(faultsThen([{ fault: 'server-error' }, { fault: 'server-error' }]));
    const ok = await source(server).propose(REQUEST, never());
    assert.ok(ok.code, ok.error);
    assert.equal(server.requests.length, 3);

    const down = await serve(() => ({ fault: 'server-error', status: 503 }));
    const failed = await source(down, { retry: { ...FAST_RETRY, maxAttempts: 3 } }).propose(REQUEST, never());
    assert.equal(failed.code, undefined);
    assert.match(failed.error ?? '', /^server error 503 from http:\/\/127\.0\.0\.1:\d+\/v1: .*; gave up after 3 attempts$/);
    assert.equal(down.requests.length, 3);
  });

  it('reports a truncated stream and keeps the partial reply', async () => {
    const text = tunerReply({ prompt: '## Current function\n```python\ndef f():\n    return 1.5\n```' });
    const server = await serve(faultsThen([{ fault: 'truncate', text, afterChunks: 2 }]));
    const proposal = await source(server).propose(REQUEST, never());
    assert.equal(proposal.error, TRUNCATED_ERROR);
    assert.equal(proposal.code, undefined);
    assert.equal(proposal.reply, text.slice(0, 32));
    assert.equal(server.requests.length, 1, 'a truncated reply is not retried');
  });

  it('reports malformed JSON clearly', async () => {
    const server = await serve(() => ({ fault: 'malformed' }));
    const proposal = await source(server).propose(REQUEST, never());
    assert.match(proposal.error ?? '', /^malformed reply from http:\/\/127\.0\.0\.1:\d+\/v1: /);
    assert.equal(server.requests.length, 1);
  });

  it('reports an empty reply', async () => {
    const server = await serve(() => ({ fault: 'empty' }));
    const proposal = await source(server).propose(REQUEST, never());
    assert.equal(proposal.error, 'empty reply');
  });

  it('reports a wrong key as a bad API key without leaking it', async () => {
    const server = await serve(undefined, 'sk-right-key');
    const secret = 'sk-wrong-secret-1234567890';
    const proposal = await source(server, { apiKey: secret }).propose(REQUEST, never());
    assert.equal(proposal.error, `bad API key (401) from ${server.openaiBaseURL}`);
    assert.equal(server.requests.length, 1, '401 is not retried');
    assert.ok(!JSON.stringify(proposal).includes(secret), 'the key leaked into the proposal');
    assert.equal(server.requests[0].headers.authorization, `Bearer ${secret}`);

    const right = await source(server, { apiKey: 'sk-right-key' }).propose(REQUEST, never());
    assert.ok(right.code, right.error);
  });

  it('reports an unknown model', async () => {
    const server = await serve();
    const proposal = await source(server, { model: 'no-such-model' }).propose(REQUEST, never());
    assert.equal(proposal.error, `unknown model no-such-model (404) at ${server.openaiBaseURL}`);
    assert.equal(server.requests.length, 1);
  });

  it('reports a server that is not running as not reachable, at once', async () => {
    const port = await closedPort();
    const started = Date.now();
    const baseURL = `http://127.0.0.1:${port}/v1`;
    const proposal = await new OpenAICompatibleSource({ baseURL, model: 'm' }).propose(REQUEST, never());
    assert.equal(proposal.error, `server not reachable at ${baseURL}: ECONNREFUSED`);
    assert.ok(Date.now() - started < 1000);
  });

  it('stops promptly when aborted mid-stream', async () => {
    const text = 'x'.repeat(400);
    const server = await serve(() => ({ fault: 'slow', text, chunkDelayMs: 200 }));
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(source(server).propose(REQUEST, controller.signal), (error: unknown) => {
      assert.equal((error as Error).name, 'AbortError');
      return true;
    });
    assert.ok(Date.now() - started < 1000, `abort took ${Date.now() - started} ms`);
  });

  it('stops promptly when aborted during a retry-after wait', async () => {
    const server = await serve(faultsThen([{ fault: 'rate-limit', retryAfterSec: 30 }]));
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(source(server, { retry: { retryAfterCapMs: 30_000 } }).propose(REQUEST, controller.signal));
    assert.ok(Date.now() - started < 1000, `abort took ${Date.now() - started} ms`);
  });

  it('times out one attempt that takes too long', async () => {
    const server = await serve(() => ({ fault: 'slow', text: 'x'.repeat(64), chunkDelayMs: 300 }));
    const proposal = await source(server, { timeoutMs: 250 }).propose(REQUEST, never());
    assert.equal(proposal.error, `no reply from ${server.openaiBaseURL} within 0.3 s (timeout)`);
  });
});

describe('OpenAICompatibleSource: more faults', () => {
  it('retries an error event inside the stream', async () => {
    const server = await serve(faultsThen([{ fault: 'stream-error', text: 'x'.repeat(64), afterChunks: 1 }]));
    const messages: string[] = [];
    const proposal = await source(server, { onRetry: (e) => messages.push(e.message) }).propose(REQUEST, never());
    assert.ok(proposal.code, proposal.error);
    assert.equal(server.requests.length, 2);
    assert.match(messages[0], /^server_error from http:\/\/127\.0\.0\.1:\d+\/v1 during the reply: The server had an error while streaming your reply\.$/);

    const refused = await serve(() => ({ fault: 'stream-error', text: 'x'.repeat(64), errorType: 'invalid_request_error' }));
    const failed = await source(refused).propose(REQUEST, never());
    assert.match(failed.error ?? '', /^invalid_request_error from .* during the reply/);
    assert.equal(refused.requests.length, 1);
  });

  it('halves the prompt once when the server says the context is too long', async () => {
    const inspirations = [1, 2, 3].map((i) => ({ code: PARENT.replace('0.5', `0.${i}`) + '\n' + '# filler\n'.repeat(150), score: i }));
    const request = { ...REQUEST, inspirations };
    const p = buildMutationPrompt(request);
    const full = p.system.length + 2 + p.user.length;
    await current?.close();
    current = await startLlmServer({ models: ['fixture-model'], maxPromptChars: Math.floor(full * 0.7) });
    const proposal = await source(current).propose(request, never());
    assert.ok(proposal.code, proposal.error);
    assert.equal(current.requests.length, 2);
    assert.ok((proposal.prompt ?? '').length <= full / 2, `${proposal.prompt?.length} of ${full}`);

    // Too long even when halved: one clear failure, no loop.
    await current.close();
    current = await startLlmServer({ models: ['fixture-model'], maxPromptChars: 100 });
    const failed = await source(current).propose(request, never());
    assert.match(failed.error ?? '', /^prompt too long for fixture-model at http:\/\/127\.0\.0\.1:\d+\/v1: This model's maximum context length is 25 tokens/);
    assert.equal(failed.callFailed, true);
    assert.equal(current.requests.length, 2);
  });
});

describe('bounded concurrency per provider', () => {
  it('keeps at most the limit of calls in flight across arms of one server', async () => {
    let inFlight = 0;
    let most = 0;
    await current?.close();
    const server = (current = await startLlmServer({ reply: async (request) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 60));
      inFlight--;
      return tunerReply(request);
    } }));
    const limits = new ProviderLimits(() => 2);
    const arms = ['fixture-model', 'fixture-model-b'].map((model) =>
      createMutationSource(`openai-compatible:${server.openaiBaseURL}#${model}`, { limits, retry: FAST_RETRY }),
    );
    const proposals = await Promise.all(Array.from({ length: 6 }, (_, i) => arms[i % 2].propose(REQUEST, never())));
    assert.ok(proposals.every((p) => p.error === undefined), JSON.stringify(proposals.map((p) => p.error)));
    assert.equal(server.requests.length, 6);
    assert.equal(most, 2);
    assert.equal(limits.semaphore(server.openaiBaseURL).inUse, 0);
  });

  it('a call waiting for a slot stops at once on abort', async () => {
    const semaphore = new Semaphore(1);
    await semaphore.acquire(never());
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    controller.abort(new Error('stopped'));
    await assert.rejects(waiting, /stopped/);
    semaphore.release();
    assert.equal(semaphore.inUse, 0);
    assert.throws(() => new Semaphore(0), /positive integer/);
  });
});

describe('checkModel (Test Model Connection)', () => {
  it('says ok, with the latency, for a working model over either protocol; offline is always ok', async () => {
    const server = await serve(undefined, 'sk-check-key');
    const openai = await checkModel(`openai-compatible:${server.openaiBaseURL}#fixture-model`, 'sk-check-key', never());
    assert.equal(openai.ok, true, openai.message);
    assert.match(openai.message, /^fixture-model at http:\/\/127\.0\.0\.1:\d+\/v1 answered in \d+ ms$/);
    assert.equal(openai.model, `openai-compatible:${server.openaiBaseURL}#fixture-model`);
    assert.deepEqual(server.requests.map((r) => `${r.method} ${r.path}`), ['GET /v1/models', 'POST /v1/chat/completions']);
    const anthropic = await checkModel(`anthropic-compatible:${server.url}#fixture-model`, 'sk-check-key', never());
    assert.equal(anthropic.ok, true, anthropic.message);
    assert.equal((server.requests[3].body as { max_tokens: number }).max_tokens, 1);
    assert.deepEqual(await checkModel('offline', undefined, never()).then((r) => [r.ok, r.message]), [true, 'the offline operator needs no connection']);
  });

  it('bad key (401), without echoing the key', async () => {
    const server = await serve(undefined, 'sk-right');
    const secret = 'sk-wrong-0123456789';
    for (const spec of [`openai-compatible:${server.openaiBaseURL}#fixture-model`, `anthropic-compatible:${server.url}#fixture-model`]) {
      const result = await checkModel(spec, secret, never());
      assert.equal(result.ok, false);
      assert.match(result.message, /^bad API key \(401\) from http:\/\/127\.0\.0\.1:\d+(\/v1)?$/);
      assert.ok(!result.message.includes(secret));
    }
  });

  it('unknown model, naming the models the server offers', async () => {
    const server = await serve();
    const openai = await checkModel(`openai-compatible:${server.openaiBaseURL}#gpt-nope`, undefined, never());
    assert.deepEqual([openai.ok, openai.message], [false, `unknown model gpt-nope at ${server.openaiBaseURL}; it offers fixture-model`]);
    const anthropic = await checkModel(`anthropic-compatible:${server.url}#claude-nope`, undefined, never());
    assert.deepEqual([anthropic.ok, anthropic.message], [false, `unknown model claude-nope at ${server.url}; it offers fixture-model`]);
  });

  it('server down (ECONNREFUSED) with the URL', async () => {
    const port = await closedPort();
    const result = await checkModel(`openai-compatible:http://127.0.0.1:${port}/v1#m`, undefined, never());
    assert.deepEqual([result.ok, result.message], [false, `server not reachable at http://127.0.0.1:${port}/v1: ECONNREFUSED (is it running, and on that port?)`]);
    const anthropic = await checkModel(`anthropic-compatible:http://127.0.0.1:${port}#m`, undefined, never());
    assert.match(anthropic.message, /^server not reachable at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it('wrong URL: 404 on the endpoint (base URL without /v1)', async () => {
    const server = await serve();
    const result = await checkModel(`openai-compatible:${server.url}#fixture-model`, undefined, never());
    assert.equal(result.ok, false);
    assert.match(result.message, /^not found \(404\) at http:\/\/127\.0\.0\.1:\d+: check the base URL \(it usually ends in \/v1\) and the model fixture-model: no route POST \/chat\/completions$/);
  });

  it('wrong URL: a web page instead of JSON (200 or 404)', async () => {
    for (const status of [200, 404]) {
      const web = await htmlServer(status);
      try {
        const result = await checkModel(`openai-compatible:${web.url}/v1#m`, undefined, never());
        assert.equal(result.ok, false);
        if (status === 200) assert.equal(result.message, `${web.url}/v1/models answered with a web page, not JSON: the base URL does not point at the model API`);
        else assert.equal(result.message, `${web.url}/v1 answered HTTP 404 with a web page, not the model API: check the base URL`);
        const anthropic = await checkModel(`anthropic-compatible:${web.url}#m`, undefined, never());
        assert.match(anthropic.message, /web page/);
      } finally {
        await web.close();
      }
    }
  });

  it('timeout when the server accepts but never answers', async () => {
    const silent = createHttpServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const started = Date.now();
      const result = await checkModel(`openai-compatible:${url}/v1#m`, undefined, never(), { timeoutMs: 300 });
      assert.deepEqual([result.ok, result.message], [false, `no reply from ${url}/v1 within 0.3 s (timeout)`]);
      assert.ok(Date.now() - started < 1500);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('vscode-lm and malformed specs are answered without a call', async () => {
    assert.match((await checkModel('vscode-lm:copilot/gpt-4o', undefined, never())).message, /only the VS Code extension can check it/);
    assert.match((await checkModel('gpt-4o', undefined, never())).message, /^unknown model spec "gpt-4o"/);
  });
});

describe('pricing', () => {
  it('matches dated and routed model names by the longest prefix', () => {
    assert.deepEqual(priceOf('gpt-4o-mini-2024-07-18'), { input: 0.15, output: 0.6, source: 'default', matched: 'gpt-4o-mini' });
    assert.equal(priceOf('gpt-4o-2024-08-06').matched, 'gpt-4o');
    assert.equal(priceOf('openai/gpt-4.1-mini').matched, 'gpt-4.1-mini');
    assert.equal(priceOf('o3-mini').input, 1.1);
    assert.equal(priceOf('claude-opus-4-5-20251101').input, 5);
    assert.equal(priceOf('claude-opus-4-1-20250805').input, 15);
    assert.equal(priceOf('claude-3-5-haiku-latest').matched, 'claude-3-5-haiku');
    assert.equal(priceOf('gpt-4ox').source, 'unknown', 'a prefix must end at a name boundary');
    assert.equal(priceOf('llama3:8b').source, 'unknown');
    for (const [name, price] of Object.entries(DEFAULT_PRICES)) assert.ok(price.input > 0 && price.output >= price.input, name);
  });

  it('local servers cost nothing; overrides win over both', () => {
    assert.equal(priceOf('gpt-4o', { baseURL: 'http://localhost:11434/v1' }).source, 'local');
    assert.ok(isLocalEndpoint('http://127.0.0.1:8080/v1') && isLocalEndpoint('http://ollama:11434') && !isLocalEndpoint('https://api.openai.com/v1'));
    const overrides = { 'GPT-4o': { input: 1, output: 2 }, 'llama3': { input: 0.1, output: 0.1 } };
    assert.deepEqual(priceOf('gpt-4o', { overrides }), { input: 1, output: 2, source: 'override', matched: 'GPT-4o' });
    assert.equal(priceOf('llama3:70b', { overrides, baseURL: 'http://127.0.0.1:1/v1' }).source, 'override');
    assert.equal(costOf('gpt-4o', 1_000_000, 500_000), 2.5 + 5);
    assert.equal(costOf('gpt-4o', 1_000_000, 500_000, overrides), 1 + 1);
    assert.deepEqual(parsePrice(' 0.15, 0.6'), { input: 0.15, output: 0.6 });
    assert.throws(() => parsePrice('1'), /INPUT,OUTPUT/);
  });
});

/** A web server (not a model API) answering every request with an HTML page. */
async function htmlServer(status: number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createHttpServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!DOCTYPE html><html><head><title>Dashboard</title></head><body>Welcome</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('the fixture server speaks both wire protocols', () => {
  it('OpenAI: plain JSON completion and the model list', async () => {
    const server = await serve(() => 'plain answer');
    const client = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'k', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'fixture-model', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(completion.choices[0].message.content, 'plain answer');
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assert.ok(completion.usage && completion.usage.completion_tokens > 0);
    const models = await client.models.list();
    assert.deepEqual(models.data.map((m) => m.id), ['fixture-model']);
  });

  it('Anthropic: streamed and JSON messages, 429 and 401 error shapes', async () => {
    const text = 'an answer streamed in several text deltas';
    const server = await serve(faultsThen([{ fault: 'rate-limit', retryAfterSec: 7 }], () => text), 'sk-ant-key');
    const client = new Anthropic({ baseURL: server.url, apiKey: 'sk-ant-key', maxRetries: 0 });
    const params = { model: 'fixture-model', max_tokens: 100, system: 'be brief', messages: [{ role: 'user' as const, content: 'hi' }] };
    await assert.rejects(client.messages.create(params), (error: unknown) => {
      assert.ok(error instanceof Anthropic.RateLimitError);
      assert.equal(error.headers?.get('retry-after'), '7');
      return true;
    });
    let streamed = '';
    const stream = client.messages.stream(params);
    stream.on('text', (delta) => (streamed += delta));
    const final = await stream.finalMessage();
    assert.equal(streamed, text);
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.output_tokens, Math.ceil(text.length / 4));
    const message = await client.messages.create(params);
    assert.deepEqual(message.content.map((b) => (b.type === 'text' ? b.text : '')), [text]);
    const wrong = new Anthropic({ baseURL: server.url, apiKey: 'nope', maxRetries: 0 });
    await assert.rejects(wrong.messages.create(params), (error: unknown) => error instanceof Anthropic.AuthenticationError);
    const recorded = server.requests[1].body as { system: string };
    assert.equal(recorded.system, 'be brief');
  });

  it('Anthropic: a truncated stream fails instead of finishing', async () => {
    const server = await serve(() => ({ fault: 'truncate', text: 'x'.repeat(100), afterChunks: 2 }));
    const client = new Anthropic({ baseURL: server.url, apiKey: 'k', maxRetries: 0 });
    const stream = client.messages.stream({ model: 'fixture-model', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    await assert.rejects(stream.finalMessage());
  });
});

describe('retry policy', () => {
  it('backs off exponentially with jitter from the injected random source, capped', () => {
    const policy = { baseDelayMs: 100, maxBackoffMs: 350 };
    assert.deepEqual([1, 2, 3, 4].map((a) => backoffDelayMs(a, policy, () => 0)), [50, 100, 175, 175]);
    assert.deepEqual([1, 2, 3].map((a) => backoffDelayMs(a, policy, () => 0.999999)), [100, 200, 350]);
  });

  it('reads retry-after-ms, retry-after seconds and HTTP dates', () => {
    const h = (entries: Record<string, string>) => new Headers(entries);
    assert.equal(retryAfterMs(h({ 'retry-after-ms': '250', 'retry-after': '9' })), 250);
    assert.equal(retryAfterMs(h({ 'retry-after': '2' })), 2000);
    assert.equal(retryAfterMs(h({ 'retry-after': new Date(10_000).toUTCString() }), 4_000), 6000);
    assert.equal(retryAfterMs(h({})), undefined);
  });

  it('fails at once on a non-retryable failure and counts attempts', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw new Error('nope');
        },
        { signal: never(), label: 'x', classify: () => ({ retry: 'never', message: 'bad request (400)' }) },
      ),
      (error: unknown) => error instanceof ModelCallError && error.message === 'bad request (400)' && error.attempts === 1,
    );
    assert.equal(calls, 1);
  });

  it('abortableSleep rejects as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(abortableSleep(10_000, controller.signal));
    assert.ok(Date.now() - started < 500);
  });
});

describe('parseModelSpec', () => {
  it('parses the three forms', () => {
    assert.deepEqual(parseModelSpec('offline'), { kind: 'offline', spec: 'offline' });
    assert.deepEqual(parseModelSpec('openai:gpt-4o-mini'), {
      kind: 'openai-compatible',
      spec: 'openai:gpt-4o-mini',
      baseURL: 'https://api.openai.com/v1',
      model: 'gpt-4o-mini',
    });
    assert.deepEqual(parseModelSpec('openai-compatible:http://127.0.0.1:8080/v1/#llama3:8b'), {
      kind: 'openai-compatible',
      spec: 'openai-compatible:http://127.0.0.1:8080/v1/#llama3:8b',
      baseURL: 'http://127.0.0.1:8080/v1',
      model: 'llama3:8b',
    });
  });

  it('parses anthropic, anthropic-compatible and vscode-lm specs', () => {
    assert.deepEqual(parseModelSpec('anthropic:claude-sonnet-4-5'), {
      kind: 'anthropic',
      spec: 'anthropic:claude-sonnet-4-5',
      baseURL: 'https://api.anthropic.com',
      model: 'claude-sonnet-4-5',
    });
    assert.deepEqual(parseModelSpec(' anthropic-compatible:http://127.0.0.1:9000/v1/#claude-x '), {
      kind: 'anthropic',
      spec: 'anthropic-compatible:http://127.0.0.1:9000/v1/#claude-x',
      baseURL: 'http://127.0.0.1:9000',
      model: 'claude-x',
    });
    assert.deepEqual(parseModelSpec('vscode-lm:copilot/gpt-4o'), { kind: 'vscode-lm', spec: 'vscode-lm:copilot/gpt-4o', vendor: 'copilot', family: 'gpt-4o' });
    assert.throws(() => parseModelSpec('vscode-lm:copilot'), /needs a vendor and a model family/);
    assert.throws(() => parseModelSpec('anthropic:'), /names no model/);
    assert.throws(() => parseModelSpec('anthropic-compatible:http://x#'), /names no model after "#"/);
  });

  it('rejects anything else with a message that shows the accepted forms', () => {
    assert.throws(() => parseModelSpec('gpt-4o'), /unknown model spec "gpt-4o": use "offline", "openai:MODEL"/);
    assert.throws(() => parseModelSpec('openai-compatible:http://x/v1'), /no "#MODEL"/);
    assert.throws(() => parseModelSpec('openai-compatible:ftp://x/v1#m'), /http\(s\) URL/);
    assert.throws(() => parseModelSpec('openai-compatible:not a url#m'), /invalid URL/);
    assert.throws(() => parseModelSpec('openai:'), /names no model/);
  });
});

describe('real OpenAI API (smoke test)', { skip: process.env.OPENAI_API_KEY ? false : 'OPENAI_API_KEY is not set' }, () => {
  let src: OpenAICompatibleSource;
  before(() => {
    src = new OpenAICompatibleSource({
      baseURL: 'https://api.openai.com/v1',
      model: process.env.GENESIS_SMOKE_MODEL ?? 'gpt-4o-mini',
      apiKey: process.env.OPENAI_API_KEY,
      maxTokens: 400,
      timeoutMs: 60_000,
    });
  });

  it('answers with a reply that applies to the function', async () => {
    const proposal = await src.propose(REQUEST, never());
    assert.ok(proposal.reply && proposal.reply.length > 0, proposal.error);
    assert.ok(proposal.tokensIn > 0 && proposal.tokensOut > 0);
    assert.ok(proposal.code, `reply did not apply: ${proposal.error}\n${proposal.reply}`);
  });
});

/** A port nothing listens on: bind one, then close it. */
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
