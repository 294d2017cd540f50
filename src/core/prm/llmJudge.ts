// An extra PRM scorer: a configured OpenAI-compatible chat model rates a candidate change 0–10
// (how likely it raises the evaluator's score), mapped to [0, 1]. Ratings are cached by the
// change, calls are costed like any model call, each has a time limit, and after repeated
// failures the judge is reported down and skipped until a retry is due.
import { candidateText } from './candidateText';
import { postJson } from './httpJson';
import { LruMap } from './lru';
import { cachedRemoteScore, ScorerHealth, type ScorerHealthOptions } from './scorerHealth';
import type { PrmInput, RemoteScorer, ScorerStatus } from './types';

export interface LlmJudgeOptions extends ScorerHealthOptions {
  /** e.g. http://127.0.0.1:8080/v1 or https://api.openai.com/v1 */
  baseURL: string;
  model: string;
  apiKey?: string;
  /** Limit of one call (default 20 s). */
  timeoutMs?: number;
  /** Reply budget (default 16 tokens: a rating is one number). */
  maxTokens?: number;
  /** USD per million prompt / completion tokens (default 0). */
  pricePerMTokIn?: number;
  pricePerMTokOut?: number;
  /** Ratings kept (default 2,000). */
  cacheSize?: number;
}

const SYSTEM = [
  'You review proposed changes to a function that is being optimised against an automatic evaluator.',
  'Rate how likely the change raises the score: 0 = certainly worse or broken, 5 = no idea, 10 = certainly better.',
  'Answer with the rating only: one integer from 0 to 10.',
].join(' ');

export class LlmJudge implements RemoteScorer {
  readonly name: string;
  private readonly health: ScorerHealth;
  private readonly cache: LruMap<string, Promise<number>>;
  private readonly url: string;

  constructor(private readonly options: LlmJudgeOptions) {
    this.name = `llm-judge:${options.model}`;
    this.url = `${options.baseURL.replace(/\/+$/, '')}/chat/completions`;
    this.health = new ScorerHealth(`LLM judge ${options.model} at ${options.baseURL}`, options);
    this.cache = new LruMap(options.cacheSize ?? 2000);
  }

  score(input: PrmInput): Promise<number> {
    return cachedRemoteScore(this.cache, this.health, input, (i) => this.rate(i));
  }

  status(): ScorerStatus {
    return this.health.status();
  }

  private async rate(input: PrmInput): Promise<number> {
    const text = candidateText(input);
    const user = `${text.question}\n\n\`\`\`diff\n${text.steps.join('\n')}\n\`\`\`\n\nRating (0-10):`;
    this.health.started();
    let reply: unknown;
    try {
      reply = await postJson({
        url: this.url,
        apiKey: this.options.apiKey,
        timeoutMs: this.options.timeoutMs ?? 20_000,
        body: {
          model: this.options.model,
          messages: [
            { role: 'system', content: SYSTEM },
            { role: 'user', content: user },
          ],
          temperature: 0,
          max_tokens: this.options.maxTokens ?? 16,
          stream: false,
        },
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.health.failed(message);
      throw new Error(`${this.name}: ${message}`);
    }
    const { content, promptTokens, completionTokens } = completionOf(reply);
    const tokensIn = promptTokens ?? Math.ceil((SYSTEM.length + user.length) / 4);
    const tokensOut = completionTokens ?? Math.ceil(content.length / 4);
    const cost = (tokensIn * (this.options.pricePerMTokIn ?? 0) + tokensOut * (this.options.pricePerMTokOut ?? 0)) / 1_000_000;
    const rating = parseJudgeRating(content);
    if (rating === null) {
      const message = `the judge replied ${JSON.stringify(content.slice(0, 80))}, not a 0-10 rating`;
      this.health.failed(message);
      throw new Error(`${this.name}: ${message}`);
    }
    this.health.succeeded(tokensIn + tokensOut, cost);
    return rating / 10;
  }
}

/** The first number 0–10 in a reply ("7", "Rating: 8/10", "6.5"); null when there is none. */
export function parseJudgeRating(text: string): number | null {
  const match = /(?<![\d.])(10(?:\.0+)?|\d(?:\.\d+)?)(?![\d.]*\d)/.exec(text.replace(/<think>[\s\S]*?<\/think>/g, ''));
  if (!match) return null;
  const value = Number(match[1]);
  return value >= 0 && value <= 10 ? value : null;
}

function completionOf(reply: unknown): { content: string; promptTokens?: number; completionTokens?: number } {
  const body = reply as { choices?: { message?: { content?: unknown } }[]; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
  const content = body?.choices?.[0]?.message?.content;
  const usage = body?.usage;
  return {
    content: typeof content === 'string' ? content : '',
    promptTokens: typeof usage?.prompt_tokens === 'number' ? usage.prompt_tokens : undefined,
    completionTokens: typeof usage?.completion_tokens === 'number' ? usage.completion_tokens : undefined,
  };
}
