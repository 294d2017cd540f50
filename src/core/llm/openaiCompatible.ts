// A mutation source backed by any server speaking OpenAI Chat Completions (OpenAI itself, vLLM,
// llama.cpp, Ollama, LiteLLM, ...), through the real openai client with streaming.
import OpenAI from 'openai';
import { applyReply } from '../mutate/parseReply';
import { buildMutationPrompt } from '../mutate/prompt';
import type { MutationProposal, MutationRequest, MutationSource } from '../types';
import { classifyHttpFailure } from './httpErrors';
import { OPENAI_BASE_URL } from './modelSpec';
import { ModelCallError, withRetry, type RetryEvent, type RetryPolicy } from './retry';

export { parseModelSpec, type ModelSpec } from './modelSpec';

export interface OpenAICompatibleOptions {
  /** e.g. http://127.0.0.1:8080/v1 or https://api.openai.com/v1 */
  baseURL: string;
  model: string;
  /** Sent as a bearer token; local servers often need none. */
  apiKey?: string;
  /** Left to the server when unset (some models accept only their default). */
  temperature?: number;
  maxTokens?: number;
  /** Limit of one attempt, reply stream included (default 120 s). */
  timeoutMs?: number;
  retry?: Partial<Omit<RetryPolicy, 'timeoutMs'>> & { random?: () => number };
  /** USD per million prompt / completion tokens; 0 when unset. */
  pricePerMTokIn?: number;
  pricePerMTokOut?: number;
  onRetry?: (event: RetryEvent) => void;
}

interface StreamedReply {
  text: string;
  finishReason: string | null;
  usage: { prompt_tokens: number; completion_tokens: number } | null;
  /** The connection broke or the stream ended with no finish_reason. */
  truncated: boolean;
}

export const TRUNCATED_ERROR = 'stream ended before the reply finished (truncated)';

export class OpenAICompatibleSource implements MutationSource {
  readonly id: string;
  private readonly client: OpenAI;
  private readonly baseURL: string;

  constructor(private readonly options: OpenAICompatibleOptions) {
    this.baseURL = options.baseURL.replace(/\/+$/, '');
    this.id = `openai-compatible:${this.baseURL}#${options.model}`;
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

  async propose(request: MutationRequest, signal: AbortSignal): Promise<MutationProposal> {
    signal.throwIfAborted();
    const prompt = buildMutationPrompt(request);
    const promptText = `${prompt.system}\n\n${prompt.user}`;
    const base = { model: this.options.model, prompt: promptText };
    let streamed: StreamedReply;
    try {
      streamed = await withRetry((attemptSignal) => this.streamOnce(prompt.system, prompt.user, attemptSignal), {
        signal,
        label: this.baseURL,
        policy: { ...this.options.retry, ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}) },
        random: this.options.retry?.random,
        classify: (error) => classifyHttpFailure(error, { url: this.baseURL, model: this.options.model }),
        onRetry: this.options.onRetry,
      });
    } catch (error) {
      signal.throwIfAborted();
      const message = error instanceof ModelCallError ? error.message : `model call failed: ${errorText(error)}`;
      return { ...base, kind: 'search-replace', error: this.redact(message), callFailed: true, summary: 'model call failed', tokensIn: 0, tokensOut: 0, costUsd: 0 };
    }

    const tokensIn = streamed.usage?.prompt_tokens ?? estimateTokens(promptText);
    const tokensOut = streamed.usage?.completion_tokens ?? estimateTokens(streamed.text);
    const costUsd =
      (tokensIn * (this.options.pricePerMTokIn ?? 0) + tokensOut * (this.options.pricePerMTokOut ?? 0)) / 1_000_000;
    const accounted = { ...base, reply: streamed.text, tokensIn, tokensOut, costUsd };

    if (streamed.truncated) return { ...accounted, kind: 'search-replace', error: TRUNCATED_ERROR, summary: 'truncated reply' };
    const applied = applyReply(request.parentCode, streamed.text, request.language);
    if (!applied.ok) {
      const cut = streamed.finishReason === 'length' ? ' (the reply hit the max-tokens limit)' : '';
      return { ...accounted, kind: 'search-replace', error: applied.error + cut, summary: 'reply not applied' };
    }
    const summary =
      applied.kind === 'full-rewrite'
        ? 'full rewrite'
        : `${applied.blocks} SEARCH/REPLACE block${applied.blocks === 1 ? '' : 's'}`;
    return { ...accounted, kind: applied.kind, code: applied.code, summary };
  }

  private async streamOnce(system: string, user: string, signal: AbortSignal): Promise<StreamedReply> {
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
        if (chunk.usage) reply.usage = chunk.usage;
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

  /** The key must never reach a message, a log or a prompt. */
  private redact(text: string): string {
    const key = this.options.apiKey;
    return key && key.length >= 4 ? text.split(key).join('***') : text;
  }
}

function isServerError(error: unknown): boolean {
  return error instanceof OpenAI.APIError && !(error instanceof OpenAI.APIConnectionError);
}

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
