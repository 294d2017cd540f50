// `vscode-lm:VENDOR/FAMILY` models: a mutation source over VS Code's Language Model API (e.g.
// Copilot's models), and the same model's connection check. The prompt, retries, reply parsing
// and accounting are the core's (proposeWithChat); this file only talks to `vscode.lm`.
// It reaches the API through `LanguageModelApi`, so its logic runs in plain Node tests too.
import type * as vscode from 'vscode';
import type { ConnectionCheck } from '../core/llm/connectionCheck';
import { estimateTokens, proposeWithChat, type ChatTransport, type StreamedReply } from '../core/llm/chatSource';
import { parseModelSpec } from '../core/llm/modelSpec';
import { priceOf, type PriceOverrides, type TokenPrice } from '../core/llm/pricing';
import type { FailureClass } from '../core/llm/retry';
import type { MutationProposal, MutationRequest, MutationSource } from '../core/types';

/** The part of the `vscode` namespace this file uses. */
export interface LanguageModelApi {
  selectChatModels(selector: vscode.LanguageModelChatSelector): Thenable<readonly vscode.LanguageModelChat[]>;
  userMessage(content: string): vscode.LanguageModelChatMessage;
  newCancellation(): vscode.CancellationTokenSource;
}

/** The real API, from the `vscode` namespace the caller imported. */
export function languageModelApi(api: Pick<typeof vscode, 'lm' | 'LanguageModelChatMessage' | 'CancellationTokenSource'>): LanguageModelApi {
  return {
    selectChatModels: (selector) => api.lm.selectChatModels(selector),
    userMessage: (content) => api.LanguageModelChatMessage.User(content),
    newCancellation: () => new api.CancellationTokenSource(),
  };
}

export interface VscodeLmSourceOptions {
  /** User prices by model family or spec. Models served through VS Code cost 0 unless priced here. */
  prices?: PriceOverrides;
  /** Limit of one attempt, reply stream included (default 120 s). */
  timeoutMs?: number;
}

const JUSTIFICATION = 'Genesis asks the model for an improved version of the function you are evolving.';

/** No model of VS Code's Language Model API matches the spec's vendor and family. */
export class NoLanguageModelError extends Error {
  constructor(readonly vendor: string, readonly family: string, available: readonly vscode.LanguageModelChat[]) {
    const offered = available.length > 0 ? ` (VS Code offers: ${available.map((m) => `${m.vendor}/${m.family}`).join(', ')})` : '';
    super(`no VS Code language model matches ${vendor}/${family}; is the provider extension installed and signed in?${offered}`);
    this.name = 'NoLanguageModelError';
  }
}

/** What a user should do about an error `vscode.lm` raised (duck-typed on LanguageModelError's `code`). */
export function classifyLanguageModelError(error: unknown, spec: string): FailureClass {
  if (error instanceof NoLanguageModelError) return { retry: 'never', message: error.message };
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  const text = messageOf(error);
  if (code === 'NoPermissions') {
    return { retry: 'never', message: `Genesis may not use ${spec}: allow it when VS Code asks (or in the Accounts menu, Manage Language Model Access) (${text})` };
  }
  if (code === 'Blocked') return { retry: 'never', message: `${spec} is blocked for now (quota or rate limit): ${text}` };
  if (code === 'NotFound') return { retry: 'never', message: `${spec} is not available any more: ${text}` };
  // 'Unknown' and anything else: the provider's own failure (network, server); worth a retry.
  return { retry: 'backoff', message: `${spec} failed: ${text}` };
}

export class VscodeLmSource implements MutationSource, ChatTransport {
  readonly supportsModes = true;
  readonly label: string;
  readonly model: string;
  private readonly vendor: string;
  private readonly price: TokenPrice;

  constructor(
    readonly id: string,
    private readonly api: LanguageModelApi,
    private readonly options: VscodeLmSourceOptions = {},
  ) {
    const parsed = parseModelSpec(id);
    if (parsed.kind !== 'vscode-lm') throw new Error(`${id} is not a vscode-lm:VENDOR/FAMILY model spec`);
    this.vendor = parsed.vendor;
    this.model = parsed.family;
    this.label = `VS Code model ${parsed.vendor}/${parsed.family}`;
    this.price = vscodeLmPrice(id, options.prices);
  }

  propose(request: MutationRequest, signal: AbortSignal): Promise<MutationProposal> {
    return proposeWithChat(this, { price: this.price, ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}) }, request, signal);
  }

  classify(error: unknown): FailureClass {
    return classifyLanguageModelError(error, this.id);
  }

  /** The first model VS Code offers for the spec, or NoLanguageModelError. */
  async chatModel(): Promise<vscode.LanguageModelChat> {
    const models = await this.api.selectChatModels({ vendor: this.vendor, family: this.model });
    const first = models[0];
    if (first) return first;
    const available = await Promise.resolve(this.api.selectChatModels({})).catch(() => []);
    throw new NoLanguageModelError(this.vendor, this.model, available);
  }

  async streamOnce(system: string, user: string, signal: AbortSignal): Promise<StreamedReply> {
    signal.throwIfAborted();
    const model = await this.chatModel();
    const cancellation = this.api.newCancellation();
    const onAbort = (): void => cancellation.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    const reply: StreamedReply = { text: '', finishReason: null, usage: null, truncated: false };
    try {
      const messages = [this.api.userMessage(system), this.api.userMessage(user)];
      const response = await model.sendRequest(messages, { justification: JUSTIFICATION }, cancellation.token);
      try {
        for await (const chunk of response.text) {
          signal.throwIfAborted();
          reply.text += chunk;
        }
        reply.finishReason = 'stop';
      } catch (error) {
        signal.throwIfAborted();
        // Nothing arrived: a failed call (retried by class). Part of a reply: kept, marked truncated.
        if (reply.text.length === 0) throw error;
        reply.truncated = true;
      }
      signal.throwIfAborted();
      reply.usage = {
        input: await countTokens(model, `${system}\n\n${user}`, cancellation.token),
        output: await countTokens(model, reply.text, cancellation.token),
      };
      return reply;
    } finally {
      signal.removeEventListener('abort', onAbort);
      cancellation.dispose();
    }
  }
}

/** VS Code's models are paid for by the provider's subscription: 0 unless the user priced them. */
export function vscodeLmPrice(spec: string, prices: PriceOverrides = {}): TokenPrice {
  const parsed = parseModelSpec(spec);
  if (parsed.kind !== 'vscode-lm') return { input: 0, output: 0 };
  const price = priceOf(parsed.family, { overrides: prices, spec: parsed.spec });
  return price.source === 'override' ? { input: price.input, output: price.output } : { input: 0, output: 0 };
}

/**
 * "Test Model Connection" for a VS Code model: is one offered for the vendor and family, and
 * does it answer a tiny request in time.
 */
export async function checkVscodeLanguageModel(spec: string, api: LanguageModelApi, signal: AbortSignal, timeoutMs = 20_000): Promise<ConnectionCheck> {
  const started = Date.now();
  const done = (ok: boolean, message: string): ConnectionCheck => ({ ok, model: spec, message, latencyMs: Date.now() - started });
  let source: VscodeLmSource;
  try {
    source = new VscodeLmSource(spec, api);
  } catch (error) {
    return done(false, messageOf(error));
  }
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error('check timed out')), timeoutMs);
  try {
    const model = await source.chatModel();
    const reply = await source.streamOnce('You check a connection.', 'Reply with the single word OK.', AbortSignal.any([signal, timeout.signal]));
    if (reply.truncated) return done(false, `${model.name} (${model.vendor}/${model.family}) began to answer, then the reply broke off`);
    return done(true, `${model.name} (${model.vendor}/${model.family}, ${model.id}) answered in ${Date.now() - started} ms`);
  } catch (error) {
    signal.throwIfAborted();
    if (timeout.signal.aborted) return done(false, `no reply from ${spec} within ${Math.round(timeoutMs / 1000)} s (timeout)`);
    return done(false, classifyLanguageModelError(error, spec).message);
  } finally {
    clearTimeout(timer);
  }
}

async function countTokens(model: vscode.LanguageModelChat, text: string, token: vscode.CancellationToken): Promise<number> {
  try {
    return await model.countTokens(text, token);
  } catch {
    return estimateTokens(text);
  }
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message && !error.message.includes(cause.message) ? `${error.message} (${cause.message})` : error.message;
}

/**
 * The run's `sourceFor`: a VscodeLmSource for vscode-lm specs, undefined (the core's default) for
 * the rest. A spec no VS Code model matches still gets its source — the provider may sign in
 * while the run goes on — but the log says so at once.
 */
export function vscodeLmSourceFor(
  api: LanguageModelApi,
  options: VscodeLmSourceOptions & { warn?: (message: string) => void } = {},
): (spec: string) => Promise<MutationSource> | undefined {
  return (spec) => {
    let kind: string;
    try {
      kind = parseModelSpec(spec).kind;
    } catch {
      return undefined; // the core reports the bad spec
    }
    if (kind !== 'vscode-lm') return undefined;
    const source = new VscodeLmSource(spec, api, options);
    return source.chatModel().then(
      () => source,
      (error: unknown) => {
        options.warn?.(messageOf(error));
        return source;
      },
    );
  };
}
