// What every chat-model mutation source does around its one streaming call: build the prompt for
// the requested mode, call with our retry policy, shrink the prompt once if the model says it is
// too long, count tokens and cost, and turn the reply into a child (or a clear reason why not).
import { applyReply } from '../mutate/parseReply';
import { buildMutationPrompt, codeToEdit, firstLineIndentIn, type PromptLimits } from '../mutate/prompt';
import type { MutationKind, MutationMode, MutationProposal, MutationRequest } from '../types';
import { isContextTooLong } from './httpErrors';
import { costFromPrice, type TokenPrice } from './pricing';
import { ModelCallError, withRetry, type FailureClass, type RetryEvent, type RetryPolicy } from './retry';
import { errorText } from '../util/errorText';

/** One streamed reply as a transport saw it. */
export interface StreamedReply {
  text: string;
  /** Normalized: 'stop' | 'length' | provider value; null when the stream never said. */
  finishReason: string | null;
  /** Token counts the server reported; null when it sent none. */
  usage: { input: number; output: number } | null;
  /** The connection broke or the stream ended before the reply finished. */
  truncated: boolean;
}

/** The provider-specific part: one attempt of one streaming call, and how its errors read. */
/** Options every chat-model source takes (OpenAI-compatible, Anthropic). */
export interface ChatModelOptions {
  model: string;
  apiKey?: string;
  /** Shown to the user and used as the bandit arm. */
  id?: string;
  /** Left to the server when unset (some models accept only their default). */
  temperature?: number;
  maxTokens?: number;
  /** Limit of one attempt, reply stream included (default 120 s). */
  timeoutMs?: number;
  retry?: Partial<Omit<RetryPolicy, 'timeoutMs'>> & { random?: () => number };
  /** USD per million input / output tokens; 0 when unset. */
  pricePerMTokIn?: number;
  pricePerMTokOut?: number;
  promptLimits?: Partial<PromptLimits>;
  onRetry?: (event: RetryEvent) => void;
}

export interface ChatTransport {
  /** The base URL, for messages. */
  readonly label: string;
  readonly model: string;
  streamOnce(system: string, user: string, signal: AbortSignal): Promise<StreamedReply>;
  classify(error: unknown): FailureClass;
}

export interface ChatSourceSettings {
  /** Limit of one attempt, reply stream included (default 120 s). */
  timeoutMs?: number;
  retry?: Partial<Omit<RetryPolicy, 'timeoutMs'>> & { random?: () => number };
  onRetry?: (event: RetryEvent) => void;
  price: TokenPrice;
  /** For redaction: the key must never reach a message, a log or a prompt. */
  apiKey?: string;
  promptLimits?: Partial<PromptLimits>;
}

export const TRUNCATED_ERROR = 'stream ended before the reply finished (truncated)';

export async function proposeWithChat(
  transport: ChatTransport,
  settings: ChatSourceSettings,
  request: MutationRequest,
  signal: AbortSignal,
): Promise<MutationProposal> {
  signal.throwIfAborted();
  let prompt = buildMutationPrompt(request, settings.promptLimits);
  let streamed: StreamedReply | undefined;
  let failure: string | undefined;
  // One more try with half the prompt when the model says it does not fit its context.
  for (let attempt = 0; attempt < 2 && streamed === undefined; attempt++) {
    let tooLong = false;
    try {
      streamed = await withRetry((attemptSignal) => transport.streamOnce(prompt.system, prompt.user, attemptSignal), {
        signal,
        label: transport.label,
        policy: { ...settings.retry, ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}) },
        random: settings.retry?.random,
        classify: (error) => {
          tooLong = isContextTooLong(error);
          return transport.classify(error);
        },
        onRetry: settings.onRetry,
      });
    } catch (error) {
      signal.throwIfAborted();
      failure = error instanceof ModelCallError ? error.message : `model call failed: ${errorText(error)}`;
      if (!tooLong || attempt > 0) break;
      const length = prompt.system.length + prompt.user.length;
      const smaller = buildMutationPrompt(request, { ...settings.promptLimits, maxPromptChars: Math.floor(length / 2) });
      if (smaller.system.length + smaller.user.length >= length) break;
      prompt = smaller;
    }
  }

  const promptText = `${prompt.system}\n\n${prompt.user}`;
  const mode = prompt.mode;
  const failKind = kindFor(mode);
  const base = { model: transport.model, prompt: promptText, mode };
  if (streamed === undefined) {
    const error = redact(failure ?? 'model call failed', settings.apiKey);
    return { ...base, kind: failKind, error, callFailed: true, summary: 'model call failed', tokensIn: 0, tokensOut: 0, costUsd: 0 };
  }

  const tokensIn = streamed.usage?.input ?? estimateTokens(promptText);
  const tokensOut = streamed.usage?.output ?? estimateTokens(streamed.text);
  const costUsd = costFromPrice(settings.price, tokensIn, tokensOut);
  const accounted = { ...base, reply: streamed.text, tokensIn, tokensOut, costUsd };

  if (streamed.truncated) return { ...accounted, kind: failKind, error: TRUNCATED_ERROR, summary: 'truncated reply' };
  const applied = applyReply(codeToEdit(request), streamed.text, request.language, {
    functionName: request.functionName,
    baseIndent: firstLineIndentIn(request.fileText, request.parentCode),
  });
  if (!applied.ok) {
    const cut = streamed.finishReason === 'length' ? ' (the reply hit the max-tokens limit)' : '';
    const lineageNote =
      applied.note ??
      (applied.unmatched !== undefined
        ? `an earlier SEARCH block did not match: \`${applied.unmatched}\`; copy SEARCH lines exactly, whitespace included, from the code shown`
        : undefined);
    return {
      ...accounted,
      kind: failKind,
      error: applied.error + cut,
      summary: 'reply not applied',
      ...(lineageNote ? { lineageNote } : {}),
    };
  }
  const what =
    applied.kind === 'full-rewrite'
      ? 'full rewrite'
      : `${applied.blocks} SEARCH/REPLACE block${applied.blocks === 1 ? '' : 's'}`;
  const summary = mode === 'crossover' || mode === 'repair' ? `${mode}: ${what}` : what;
  return { ...accounted, kind: applied.kind, code: applied.code, summary };
}

function kindFor(mode: MutationMode): MutationKind {
  return mode === 'rewrite' || mode === 'crossover' ? 'full-rewrite' : 'search-replace';
}

/** Replace every occurrence of the key (4+ characters) by ***. */
export function redact(text: string, apiKey: string | undefined): string {
  return apiKey && apiKey.length >= 4 ? text.split(apiKey).join('***') : text;
}

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

