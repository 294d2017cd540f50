// A mutation source backed by Anthropic's Messages API (or a server speaking it), through the real
// @anthropic-ai/sdk with streaming. The SDK's own retries are off: it sleeps out any retry-after
// (FACTS.md); our retry policy caps and aborts waits.
import Anthropic from '@anthropic-ai/sdk';
import type { MutationProposal, MutationRequest, MutationSource } from '../types';
import { estimateTokens, proposeWithChat, type ChatModelOptions, type ChatTransport, type StreamedReply } from './chatSource';
import { classifyHttpFailure } from './httpErrors';
import { ANTHROPIC_BASE_URL } from './modelSpec';
import type { FailureClass } from './retry';

export interface AnthropicOptions extends ChatModelOptions {
  /** Server root (the SDK adds /v1/messages); default https://api.anthropic.com. The id defaults
   *  to `anthropic:MODEL` or `anthropic-compatible:URL#MODEL`; maxTokens to 4096, which fits
   *  every Claude model's output cap (the Messages API requires a limit). */
  baseURL?: string;
}

export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

/** Error events Anthropic sends inside a stream that are worth another attempt. */
const RETRYABLE_STREAM_ERRORS = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);

export class AnthropicSource implements MutationSource, ChatTransport {
  readonly id: string;
  readonly supportsModes = true;
  readonly label: string;
  readonly model: string;
  private readonly client: Anthropic;

  constructor(private readonly options: AnthropicOptions) {
    const baseURL = (options.baseURL ?? ANTHROPIC_BASE_URL).replace(/\/+$/, '');
    this.label = baseURL;
    this.model = options.model;
    this.id = options.id ?? (baseURL === ANTHROPIC_BASE_URL ? `anthropic:${options.model}` : `anthropic-compatible:${baseURL}#${options.model}`);
    const key = options.apiKey && options.apiKey.length > 0 ? options.apiKey : undefined;
    this.client = new Anthropic({
      // Explicit, so ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY in the environment never redirect a run.
      baseURL,
      // The SDK refuses to run without credentials; keyless compatible servers get a placeholder.
      apiKey: key ?? 'no-key',
      // SDK 1.x sends the key as a bearer token; compatible proxies often read x-api-key instead.
      ...(baseURL !== ANTHROPIC_BASE_URL && key ? { defaultHeaders: { 'x-api-key': key } } : {}),
      maxRetries: 0,
      timeout: (options.timeoutMs ?? 120_000) + 5_000,
      logLevel: 'off',
    });
  }

  propose(request: MutationRequest, signal: AbortSignal): Promise<MutationProposal> {
    const { timeoutMs, retry, onRetry, apiKey, promptLimits } = this.options;
    const price = { input: this.options.pricePerMTokIn ?? 0, output: this.options.pricePerMTokOut ?? 0 };
    return proposeWithChat(this, { timeoutMs, retry, onRetry, apiKey, promptLimits, price }, request, signal);
  }

  classify(error: unknown): FailureClass {
    // An `event: error` inside a stream has no HTTP status; its type says what happened.
    if (error instanceof Anthropic.APIError && error.status === undefined && typeof error.type === 'string') {
      const detail = error.apiMessage ? `: ${error.apiMessage}` : '';
      const message = `${error.type} from ${this.label} during the reply${detail}`;
      return RETRYABLE_STREAM_ERRORS.has(error.type) ? { retry: 'backoff', message } : { retry: 'never', message };
    }
    return classifyHttpFailure(error, { url: this.label, model: this.options.model });
  }

  async streamOnce(system: string, user: string, signal: AbortSignal): Promise<StreamedReply> {
    const { temperature, maxTokens, model } = this.options;
    const stream = await this.client.messages.create(
      {
        model,
        max_tokens: maxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
        system,
        messages: [{ role: 'user', content: user }],
        stream: true,
        ...(temperature !== undefined ? { temperature } : {}),
      },
      { signal },
    );
    const reply: StreamedReply = { text: '', finishReason: null, usage: null, truncated: false };
    let input: number | null = null;
    let output: number | null = null;
    let stopped = false;
    let finalUsage = false;
    try {
      for await (const event of stream) {
        switch (event.type) {
          case 'message_start': {
            const usage = event.message.usage;
            // Cached prompt tokens are billed too; count them as input.
            input = usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
            output = usage.output_tokens;
            break;
          }
          case 'content_block_delta':
            if (event.delta.type === 'text_delta') reply.text += event.delta.text;
            break;
          case 'message_delta':
            if (event.delta.stop_reason) reply.finishReason = event.delta.stop_reason === 'max_tokens' ? 'length' : event.delta.stop_reason;
            // message_delta's usage is cumulative; newer servers repeat input_tokens there.
            output = event.usage.output_tokens;
            finalUsage = true;
            if (typeof event.usage.input_tokens === 'number') input = event.usage.input_tokens;
            break;
          case 'message_stop':
            stopped = true;
            break;
        }
      }
    } catch (error) {
      // Errors the server sent (an error event, bad JSON) are failures; a dropped connection
      // after the reply began is a truncated reply, kept for the inspector.
      if (signal.aborted || error instanceof SyntaxError || isServerError(error)) throw error;
      reply.truncated = true;
    }
    signal.throwIfAborted();
    // message_start's output count is a placeholder; a cut stream never sends the final one.
    if (!finalUsage) output = Math.max(output ?? 0, estimateTokens(reply.text));
    if (input !== null) reply.usage = { input, output: output ?? 0 };
    if (!stopped) reply.truncated = true;
    return reply;
  }
}

function isServerError(error: unknown): boolean {
  return error instanceof Anthropic.APIError && !(error instanceof Anthropic.APIConnectionError);
}
