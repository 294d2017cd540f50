// The vscode-lm mutation source and its connection check, over a fake of VS Code's Language
// Model API (the real one needs a provider extension such as Copilot): prompt in, streamed
// reply applied, tokens from countTokens, prices only from overrides, clear failures, abort.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type * as vscode from 'vscode';
import { tunerReply } from '../fixtures/llmServer';
import type { MutationRequest } from '../../src/core/types';
import { buildExtraPrmScorers } from '../../src/vscode/prmScorers';
import {
  checkVscodeLanguageModel,
  classifyLanguageModelError,
  vscodeLmPrice,
  vscodeLmSourceFor,
  VscodeLmSource,
  type LanguageModelApi,
} from '../../src/vscode/vscodeLmSource';

const PARENT = 'def approx_exp(x):\n    return 1.0 + 0.9 * x\n';

function request(): MutationRequest {
  return {
    language: 'python',
    functionName: 'approx_exp',
    parentCode: PARENT,
    fileText: `import math\n\n${PARENT}`,
    parentFeedback: '',
    parentScore: -1,
    inspirations: [],
    seed: 7,
    mode: 'diff',
  };
}

interface FakeCall {
  messages: string[];
  cancelled: () => boolean;
}

type Behaviour =
  | { kind: 'reply'; text?: (prompt: string) => string; chunkDelayMs?: number }
  | { kind: 'reject'; error: Error }
  | { kind: 'break-after'; text: string };

/** A fake `vscode.lm` with one model per (vendor, family) in `models`. */
function fakeApi(models: { vendor: string; family: string; behaviour: Behaviour }[], calls: FakeCall[] = []): LanguageModelApi {
  const chat = (m: (typeof models)[number]): vscode.LanguageModelChat =>
    ({
      name: `${m.family} (fake)`,
      id: `${m.vendor}-${m.family}`,
      vendor: m.vendor,
      family: m.family,
      version: '1',
      maxInputTokens: 100_000,
      countTokens: async (text: string | vscode.LanguageModelChatMessage) => Math.ceil(String(text).length / 3),
      sendRequest: async (messages: vscode.LanguageModelChatMessage[], _options: unknown, token: vscode.CancellationToken) => {
        const texts = messages.map((msg) => (msg as unknown as { content: string }).content);
        calls.push({ messages: texts, cancelled: () => token.isCancellationRequested });
        const b = m.behaviour;
        if (b.kind === 'reject') throw b.error;
        const prompt = texts.join('\n\n');
        async function* stream(): AsyncGenerator<string> {
          if (b.kind === 'break-after') {
            yield b.text;
            throw new Error('connection reset');
          }
          const reply = b.kind === 'reply' && b.text ? b.text(prompt) : tunerReply({ prompt });
          for (let i = 0; i < reply.length; i += 10) {
            if (b.kind === 'reply' && b.chunkDelayMs) await new Promise((r) => setTimeout(r, b.chunkDelayMs));
            if (token.isCancellationRequested) throw new Error('Canceled');
            yield reply.slice(i, i + 10);
          }
        }
        return { text: stream(), stream: stream() } as unknown as vscode.LanguageModelChatResponse;
      },
    }) as unknown as vscode.LanguageModelChat;
  return {
    selectChatModels: async (selector) =>
      models.filter((m) => (!selector.vendor || m.vendor === selector.vendor) && (!selector.family || m.family === selector.family)).map(chat),
    userMessage: (content) => ({ role: 1, content }) as unknown as vscode.LanguageModelChatMessage,
    newCancellation: () => {
      let cancelled = false;
      const listeners: (() => void)[] = [];
      return {
        token: {
          get isCancellationRequested() {
            return cancelled;
          },
          onCancellationRequested: (listener: () => void) => {
            listeners.push(listener);
            return { dispose: () => undefined };
          },
        },
        cancel: () => {
          cancelled = true;
          for (const l of listeners) l();
        },
        dispose: () => undefined,
      } as unknown as vscode.CancellationTokenSource;
    },
  };
}

const COPILOT = { vendor: 'copilot', family: 'gpt-4o' };

describe('vscode-lm mutation source', () => {
  it('proposes a child from the streamed reply, with tokens from countTokens and no cost by default', async () => {
    const calls: FakeCall[] = [];
    const source = new VscodeLmSource('vscode-lm:copilot/gpt-4o', fakeApi([{ ...COPILOT, behaviour: { kind: 'reply' } }], calls));
    assert.equal(source.supportsModes, true);
    assert.equal(source.id, 'vscode-lm:copilot/gpt-4o');
    const proposal = await source.propose(request(), AbortSignal.timeout(5000));
    assert.equal(proposal.error, undefined, proposal.error);
    assert.ok(proposal.code && proposal.code !== PARENT && proposal.code.startsWith('def approx_exp(x):'), proposal.code);
    assert.equal(proposal.kind, 'search-replace');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.messages.length, 2, 'instructions, then the task');
    assert.ok(calls[0]!.messages[1]!.includes('approx_exp'), 'the prompt names the function');
    const prompt = calls[0]!.messages.join('\n\n');
    assert.equal(proposal.tokensIn, Math.ceil(prompt.length / 3));
    assert.equal(proposal.tokensOut, Math.ceil((proposal.reply ?? '').length / 3));
    assert.equal(proposal.costUsd, 0, 'subscription models cost nothing unless priced');
  });

  it('prices a model only from an override', async () => {
    assert.deepEqual(vscodeLmPrice('vscode-lm:copilot/gpt-4o'), { input: 0, output: 0 }, 'the default table does not apply');
    assert.deepEqual(vscodeLmPrice('vscode-lm:copilot/gpt-4o', { 'gpt-4o': { input: 3, output: 6 } }), { input: 3, output: 6 });
    const source = new VscodeLmSource('vscode-lm:copilot/gpt-4o', fakeApi([{ ...COPILOT, behaviour: { kind: 'reply' } }]), {
      prices: { 'vscode-lm:copilot/gpt-4o': { input: 1_000_000, output: 0 } },
    });
    const proposal = await source.propose(request(), AbortSignal.timeout(5000));
    assert.equal(proposal.costUsd, proposal.tokensIn, '$1 per prompt token');
  });

  it('fails the call clearly when no model matches', async () => {
    const api = fakeApi([{ vendor: 'ollama', family: 'llama3', behaviour: { kind: 'reply' } }]);
    const proposal = await new VscodeLmSource('vscode-lm:copilot/gpt-4o', api).propose(request(), AbortSignal.timeout(5000));
    assert.equal(proposal.callFailed, true);
    assert.match(proposal.error ?? '', /no VS Code language model matches copilot\/gpt-4o; is the provider extension installed and signed in\?/);
    assert.match(proposal.error ?? '', /VS Code offers: ollama\/llama3/);
  });

  it('does not retry a refused permission, and says what to do', async () => {
    const calls: FakeCall[] = [];
    const denied = Object.assign(new Error('user did not consent'), { code: 'NoPermissions' });
    const api = fakeApi([{ ...COPILOT, behaviour: { kind: 'reject', error: denied } }], calls);
    const proposal = await new VscodeLmSource('vscode-lm:copilot/gpt-4o', api).propose(request(), AbortSignal.timeout(5000));
    assert.equal(proposal.callFailed, true);
    assert.equal(calls.length, 1, 'one attempt');
    assert.match(proposal.error ?? '', /may not use vscode-lm:copilot\/gpt-4o.*allow it/);
    assert.equal(classifyLanguageModelError(Object.assign(new Error('quota'), { code: 'Blocked' }), 's').retry, 'never');
    assert.equal(classifyLanguageModelError(new Error('socket hang up'), 's').retry, 'backoff');
  });

  it('keeps a reply that broke off as a truncated node', async () => {
    const api = fakeApi([{ ...COPILOT, behaviour: { kind: 'break-after', text: 'Here is the change:\n<<<<<<< SEARCH\n' } }]);
    const proposal = await new VscodeLmSource('vscode-lm:copilot/gpt-4o', api).propose(request(), AbortSignal.timeout(5000));
    assert.equal(proposal.code, undefined);
    assert.match(proposal.error ?? '', /truncated/);
    assert.ok((proposal.reply ?? '').startsWith('Here is the change'));
  });

  it('cancels the VS Code request when the run aborts', async () => {
    const calls: FakeCall[] = [];
    const api = fakeApi([{ ...COPILOT, behaviour: { kind: 'reply', chunkDelayMs: 50 } }], calls);
    const abort = new AbortController();
    const pending = new VscodeLmSource('vscode-lm:copilot/gpt-4o', api).propose(request(), abort.signal);
    await new Promise((r) => setTimeout(r, 80));
    abort.abort(new Error('stopped'));
    await assert.rejects(pending, /stopped/);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.cancelled(), true, 'the CancellationToken fired');
  });

  it('sourceFor serves vscode-lm specs only, and warns at once when no model matches', async () => {
    const warnings: string[] = [];
    const sourceFor = vscodeLmSourceFor(fakeApi([]), { warn: (m) => warnings.push(m) });
    assert.equal(sourceFor('offline'), undefined);
    assert.equal(sourceFor('openai:gpt-4o-mini'), undefined);
    const source = await sourceFor('vscode-lm:copilot/gpt-4o');
    assert.equal(source?.id, 'vscode-lm:copilot/gpt-4o');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /no VS Code language model matches copilot\/gpt-4o/);
  });
});

describe('vscode-lm connection check', () => {
  it('says ok with the model it reached', async () => {
    const check = await checkVscodeLanguageModel('vscode-lm:copilot/gpt-4o', fakeApi([{ ...COPILOT, behaviour: { kind: 'reply', text: () => 'OK' } }]), AbortSignal.timeout(5000));
    assert.equal(check.ok, true, check.message);
    assert.match(check.message, /gpt-4o \(fake\) \(copilot\/gpt-4o, copilot-gpt-4o\) answered/);
  });

  it('says no model matches', async () => {
    const check = await checkVscodeLanguageModel('vscode-lm:copilot/gpt-4o', fakeApi([]), AbortSignal.timeout(5000));
    assert.equal(check.ok, false);
    assert.match(check.message, /no VS Code language model matches copilot\/gpt-4o/);
  });

  it('times out a model that does not answer', async () => {
    const api = fakeApi([{ ...COPILOT, behaviour: { kind: 'reply', text: () => 'O'.repeat(200), chunkDelayMs: 200 } }]);
    const check = await checkVscodeLanguageModel('vscode-lm:copilot/gpt-4o', api, AbortSignal.timeout(10_000), 300);
    assert.equal(check.ok, false);
    assert.match(check.message, /timeout/);
  });

  it('rejects a spec that is not vscode-lm', async () => {
    const check = await checkVscodeLanguageModel('vscode-lm:copilot', fakeApi([]), AbortSignal.timeout(5000));
    assert.equal(check.ok, false);
    assert.match(check.message, /needs a vendor and a model family/);
  });
});

describe('extra PRM scorers from the settings', () => {
  const keys = (byTarget: Record<string, string>) => ({
    keyFor: async (spec: string) => byTarget[spec],
    keyForTarget: async (target: string) => byTarget[target],
  });

  it('builds an LLM judge and a remote reward model with their weights', async () => {
    const built = await buildExtraPrmScorers(
      {
        llmJudge: { model: 'openai-compatible:http://127.0.0.1:9/v1#judge', weight: 0.7 },
        remotePrm: { protocol: 'vllm', url: 'http://127.0.0.1:9', model: 'prm-7b', weight: 0.3 },
        prices: {},
      },
      keys({}),
    );
    assert.deepEqual(built.warnings, []);
    assert.deepEqual(
      built.scorers.map((s) => [s.scorer.name, s.weight]),
      [
        ['llm-judge:judge', 0.7],
        ['reward-model:vllm:prm-7b', 0.3],
      ],
    );
  });

  it('leaves out a judge that is not OpenAI-compatible, or has no weight', async () => {
    const anthropic = await buildExtraPrmScorers({ llmJudge: { model: 'anthropic:claude-haiku-4', weight: 1 }, prices: {} }, keys({}));
    assert.equal(anthropic.scorers.length, 0);
    assert.match(anthropic.warnings[0] ?? '', /needs an OpenAI-compatible model/);
    const unweighted = await buildExtraPrmScorers({ llmJudge: { model: 'openai:gpt-4o-mini', weight: 0 }, prices: {} }, keys({}));
    assert.equal(unweighted.scorers.length, 0);
    assert.equal(unweighted.warnings.length, 0);
  });
});
