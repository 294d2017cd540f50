// A mutation source backed by any server speaking OpenAI Chat Completions (OpenAI itself, vLLM,
// llama.cpp, Ollama, LM Studio, OpenRouter, LiteLLM, ...), through the real openai client with streaming.
import OpenAI from 'openai';
import type { MutationProposal, MutationRequest, MutationSource } from '../types';
import { proposeWithChat, type ChatModelOptions, type ChatTransport, type StreamedReply } from './chatSource';
import { classifyHttpFailure } from './httpErrors';
import { OPENAI_BASE_URL } from './modelSpec';
import type { FailureClass } from './retry';

export { parseModelSpec, type ModelSpec } from './modelSpec';
export { estimateTokens, TRUNCATED_ERROR } from './chatSource';

export interface OpenAICompatibleOptions extends ChatModelOptions {
  /** e.g. http://127.0.0.1:8080/v1 or https://api.openai.com/v1; the id defaults to
   *  `openai-compatible:URL#MODEL` and the key is sent as a bearer token (local servers often need none). */
  baseURL: string;
}

export class OpenAICompatibleSource implements MutationSource, ChatTransport {
  readonly id: string;
  readonly supportsModes = true;
  readonly label: string;
  readonly model: string;
  private readonly client: OpenAI;
  private readonly baseURL: string;

  constructor(private readonly options: OpenAICompatibleOptions) {
    this.baseURL = options.baseURL.replace(/\/+$/, '');
    this.label = this.baseURL;
    this.model = options.model;
    this.id = options.id ?? `openai-compatible:${this.baseURL}#${options.model}`;
    this.client = new OpenAI({
      baseURL: this.baseURL,
      // The client insists on a key; a placeholder lets keyless local servers work.
      apiKey: options.apiKey && options.apiKey.length > 0 ? options.apiKey : 'no-key',
      // Our retry policy owns waits and timeouts (FACTS.md: the SDK's sleeps ignore abort).
      maxRetries: 0,
      timeout: (options.timeoutMs ?? 120_000) + 5_000,
      // Failures come back as proposal errors; the SDK's own console logging would be noise.
      logLevel: 'off',
    });
  }

  propose(request: MutationRequest, signal: AbortSignal): Promise<MutationProposal> {
    const { timeoutMs, retry, onRetry, apiKey, promptLimits } = this.options;
    const price = { input: this.options.pricePerMTokIn ?? 0, output: this.options.pricePerMTokOut ?? 0 };
    return proposeWithChat(this, { timeoutMs, retry, onRetry, apiKey, promptLimits, price }, request, signal);
  }

  classify(error: unknown): FailureClass {
    // An error object sent inside the stream has no HTTP status; server-side kinds are worth another try.
    if (isServerError(error) && error.status === undefined) {
      const kind = error.type ?? error.code ?? 'error';
      const message = `${kind} from ${this.baseURL} during the reply: ${error.message}`;
      return /server|overload|rate|timeout|unavailable/i.test(String(kind)) ? { retry: 'backoff', message } : { retry: 'never', message };
    }
    return classifyHttpFailure(error, { url: this.baseURL, model: this.options.model });
  }

  async streamOnce(system: string, user: string, signal: AbortSignal): Promise<StreamedReply> {
    const { temperature, maxTokens, model } = this.options;
    // OpenAI's newer models refuse max_tokens; most other servers only know max_tokens.
    const tokenLimit =
      maxTokens === undefined ? {} : this.baseURL === OPENAI_BASE_URL ? { max_completion_tokens: maxTokens } : { max_tokens: maxTokens };
    const stream = await this.client.chat.completions.create(
      {
        model,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: user },
        ],
        stream: true,
        stream_options: { include_usage: true },
        ...(temperature !== undefined ? { temperature } : {}),
        ...tokenLimit,
      },
      { signal },
    );
    const reply: StreamedReply = { text: '', finishReason: null, usage: null, truncated: false };
    try {
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (choice?.delta?.content) reply.text += choice.delta.content;
        if (choice?.finish_reason) reply.finishReason = choice.finish_reason;
        if (chunk.usage) reply.usage = { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens };
      }
    } catch (error) {
      // Errors the server sent (an error event, bad JSON) are failures; a dropped connection
      // after the reply began is a truncated reply, kept for the inspector.
      if (signal.aborted || error instanceof SyntaxError || isServerError(error)) throw error;
      reply.truncated = true;
      return reply;
    }
    // The SDK ends the iteration quietly on abort: make it an error again.
    signal.throwIfAborted();
    if (reply.finishReason === null) reply.truncated = true;
    return reply;
  }
}

function isServerError(error: unknown): error is InstanceType<typeof OpenAI.APIError> {
  return error instanceof OpenAI.APIError && !(error instanceof OpenAI.APIConnectionError);
}
