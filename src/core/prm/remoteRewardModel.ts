// An extra PRM scorer served over HTTP by a reward model, in either of two shapes:
//  - 'openr': OpenR's value worker, POST {base}/worker_value_inference {"input_str": [text]}
//    → {"value": [[v_step1, v_step2, ...]]} (or one number per input); steps are marked in the
//    text with a step tag (default "ки", Math-Shepherd's).
//  - 'vllm': vLLM's pooling API for reward models, POST {base}/pooling {model, messages}
//    → {"data": [{"data": ...}]}: a scalar reward, [p_bad, p_good], or one such pair per step.
//    `/classify` replies ({"data": [{"probs": [...]}]}) are understood as well.
// Each hunk is a step; step values combine by min, like the learned PRM's hunk scores.
import { candidateText } from './candidateText';
import { sigmoid } from './hashedLinear';
import { postJson } from './httpJson';
import { LruMap } from './lru';
import { cachedRemoteScore, ScorerHealth, type ScorerHealthOptions } from './scorerHealth';
import type { PrmInput, RemoteScorer, ScorerStatus } from './types';

export type RewardProtocol = 'openr' | 'vllm';

export interface RemoteRewardModelOptions extends ScorerHealthOptions {
  protocol: RewardProtocol;
  /** Server base URL, e.g. http://127.0.0.1:30011 (OpenR worker) or http://127.0.0.1:8000 (vLLM). */
  url: string;
  /** Path on that server (default /worker_value_inference or /pooling). */
  path?: string;
  /** vLLM: the served model name (required there). */
  model?: string;
  apiKey?: string;
  /** Limit of one call (default 10 s). */
  timeoutMs?: number;
  /** Marks the end of each step in the text (default "ки" for OpenR, "<extra_0>" for vLLM). */
  stepTag?: string;
  /** How to read a scalar: already a probability, or a logit to squash (default: 'probability'
   *  for OpenR, 'logit' for vLLM). Class pairs are always probabilities. */
  scalar?: 'probability' | 'logit';
  cacheSize?: number;
}

export class RemoteRewardModel implements RemoteScorer {
  readonly name: string;
  private readonly health: ScorerHealth;
  private readonly cache: LruMap<string, Promise<number>>;
  private readonly endpoint: string;

  constructor(private readonly options: RemoteRewardModelOptions) {
    if (options.protocol === 'vllm' && !options.model) throw new Error('a vLLM reward endpoint needs the served model name');
    const path = options.path ?? (options.protocol === 'openr' ? '/worker_value_inference' : '/pooling');
    this.endpoint = `${options.url.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
    this.name = `reward-model:${options.protocol}:${options.model ?? this.endpoint}`;
    this.health = new ScorerHealth(`reward model (${options.protocol}) at ${this.endpoint}`, options);
    this.cache = new LruMap(options.cacheSize ?? 2000);
  }

  score(input: PrmInput): Promise<number> {
    return cachedRemoteScore(this.cache, this.health, input, (i) => this.call(i));
  }

  status(): ScorerStatus {
    return this.health.status();
  }

  private async call(input: PrmInput): Promise<number> {
    const text = candidateText(input);
    const tag = this.options.stepTag ?? (this.options.protocol === 'openr' ? 'ки' : '<extra_0>');
    const answer = text.steps.map((step) => `${step} ${tag}`).join('\n');
    const body =
      this.options.protocol === 'openr'
        ? { input_str: [`${text.question}\n${answer}`] }
        : {
            model: this.options.model,
            messages: [
              { role: 'user', content: text.question },
              { role: 'assistant', content: answer },
            ],
          };
    this.health.started();
    try {
      const reply = await postJson({ url: this.endpoint, body, apiKey: this.options.apiKey, timeoutMs: this.options.timeoutMs ?? 10_000 });
      const value = this.options.protocol === 'openr' ? openrValue(reply) : vllmValue(reply);
      const scalarIsLogit = (this.options.scalar ?? (this.options.protocol === 'openr' ? 'probability' : 'logit')) === 'logit';
      const probability = value.kind === 'scalar' && scalarIsLogit ? sigmoid(value.value) : value.value;
      if (!Number.isFinite(probability) || probability < 0 || probability > 1) {
        throw new Error(`the reward ${value.value} is not a probability; set scalar: 'logit' if the model returns logits`);
      }
      this.health.succeeded();
      return probability;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.health.failed(message);
      throw new Error(`${this.name}: ${message}`);
    }
  }
}

interface RewardValue {
  /** 'scalar': a single reward (maybe a logit); 'probability': from class probabilities. */
  kind: 'scalar' | 'probability';
  value: number;
}

/** {"value": [[v1, v2, ...]]} or {"value": [v]}: the min over the first input's step values. */
export function openrValue(reply: unknown): RewardValue {
  const values = (reply as { value?: unknown })?.value;
  if (!Array.isArray(values) || values.length === 0) throw new Error(`expected {"value": [...]} from the OpenR worker, got ${preview(reply)}`);
  const first: unknown = values[0];
  const steps = Array.isArray(first) ? first : [first];
  if (steps.length === 0 || !steps.every((v) => typeof v === 'number')) throw new Error(`the OpenR worker's value is not numbers: ${preview(reply)}`);
  return { kind: 'scalar', value: Math.min(...(steps as number[])) };
}

/** vLLM /pooling or /classify: a scalar, [p_bad, p_good], or per-step pairs (min over steps). */
export function vllmValue(reply: unknown): RewardValue {
  const item = (reply as { data?: { data?: unknown; probs?: unknown }[] })?.data?.[0];
  if (!item) throw new Error(`expected {"data": [...]} from the vLLM server, got ${preview(reply)}`);
  const payload = item.data ?? item.probs;
  if (typeof payload === 'number') return { kind: 'scalar', value: payload };
  if (Array.isArray(payload) && payload.every((v) => typeof v === 'number')) {
    const numbers = payload as number[];
    if (numbers.length === 1) return { kind: 'scalar', value: numbers[0] };
    if (numbers.length >= 2) return { kind: 'probability', value: numbers[numbers.length - 1] };
  }
  if (Array.isArray(payload) && payload.length > 0 && payload.every((row) => Array.isArray(row) && row.length > 0 && row.every((v) => typeof v === 'number'))) {
    const rows = payload as number[][];
    const pairs = rows.every((row) => row.length >= 2);
    const perStep = rows.map((row) => row[row.length - 1]);
    return { kind: pairs ? 'probability' : 'scalar', value: Math.min(...perStep) };
  }
  throw new Error(`the vLLM reward has an unknown shape: ${preview(reply)}`);
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
