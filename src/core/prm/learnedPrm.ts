// The learned process reward model: online logistic regression (AdaGrad) over hashed diff
// features predicts P(child beats parent) hunk by hunk; the child's score is the minimum over its
// hunks (a chain of steps is as good as its weakest). A least-squares model on the same features
// predicts the expected fitness change. With no data it is the prior (DiffPrior); as outcomes
// arrive it blends over to the learned score. It orders and filters candidates; it never
// decides fitness.
import { candidateFeatures, type CandidateFeatures, type NodeTypeLines } from './features';
import { HashedLinear, hashName, logit, sigmoid, type HashedLinearJson, type SparseVector } from './hashedLinear';
import { DiffPrior } from './diffPrior';
import { LruMap } from './lru';
import { OutcomeHistory } from './outcomeHistory';
import type { DetailedPrmScorer, HunkScore, PrmInput, PrmOutcome, PrmScoreDetail } from './types';
import type { LanguageId } from '../types';

/** Where node types come from: TreeSitterService fits. */
export interface NodeTypeSource {
  nodeTypesByLine(text: string, language: LanguageId): Promise<string[][]>;
}

export interface LearnedPrmOptions {
  /** log2 of the hashed feature space (default 16). */
  bits?: number;
  /** AdaGrad step size of the classifier (default 0.3). */
  learningRate?: number;
  /** L2 pull towards 0 per step (default 1e-4). */
  l2?: number;
  /** Outcomes at which learned and prior weigh the same (default 6). */
  priorStrength?: number;
  /** Also use what this run has already shown (momentum, siblings, recent rate). Default false:
   *  in bench:prm it raised AUC a little under elitist search but cost evaluations as a
   *  best-of-N filter (the filter's own choices bias that memory). */
  contextFeatures?: boolean;
  /** Tree-sitter node types per line; without it the node-type features are left out. */
  nodeTypes?: NodeTypeSource;
  /** The score with no data (default: DiffPrior, the heuristic sharpened for literal changes);
   *  synchronous. It gets the candidate's features so it need not compute them again. */
  prior?: { score(input: PrmInput, features: CandidateFeatures): number };
}

export interface LearnedPrmJson {
  format: 'genesis-learned-prm';
  version: 1;
  trainedOn: number;
  improvedSeen: number;
  /** Running mean |delta|: the unit of the delta model. */
  deltaScale: number | null;
  /** Running mean of the prior's log-odds, and how many candidates it is over. */
  priorLogitMean?: number;
  priorsSeen?: number;
  classifier: HashedLinearJson;
  delta: HashedLinearJson;
}

interface Scored {
  features: CandidateFeatures;
  /** The prior's probability for the whole candidate. */
  prior: number;
  /** One vector per hunk, global and context features included. */
  hunkVectors: SparseVector[];
  /** Everything, for the delta model. */
  wholeVector: SparseVector;
}

const DELTA_LEARNING_RATE = 0.1;
/** Deltas are clipped to this many running-mean units: one huge jump must not dominate. */
const DELTA_CLIP = 4;

export class LearnedPrm implements DetailedPrmScorer {
  readonly name = 'learned';
  private classifier: HashedLinear;
  private deltaModel: HashedLinear;
  private trainedOn = 0;
  private improvedSeen = 0;
  private deltaScale: number | null = null;
  /** Running mean of the prior's log-odds over scored candidates (the last ~200). */
  private priorLogitMean = 0;
  private priorsSeen = 0;
  private readonly options: Required<Omit<LearnedPrmOptions, 'nodeTypes'>> & Pick<LearnedPrmOptions, 'nodeTypes'>;
  private readonly history: OutcomeHistory;
  private readonly scored = new WeakMap<PrmInput, Scored>();
  private readonly nodeTypeCache = new LruMap<string, Promise<string[][]>>(1024);
  private readonly indexCache = new Map<string, number>();

  constructor(options: LearnedPrmOptions = {}, state?: LearnedPrmJson) {
    this.options = {
      bits: options.bits ?? state?.classifier.bits ?? 16,
      learningRate: options.learningRate ?? 0.3,
      l2: options.l2 ?? 1e-4,
      priorStrength: options.priorStrength ?? 6,
      contextFeatures: options.contextFeatures ?? false,
      prior: options.prior ?? new DiffPrior(),
      nodeTypes: options.nodeTypes,
    };
    const { bits, learningRate, l2 } = this.options;
    if (state) {
      this.classifier = HashedLinear.fromJSON(state.classifier, learningRate, l2);
      this.deltaModel = HashedLinear.fromJSON(state.delta, DELTA_LEARNING_RATE, l2);
      this.trainedOn = state.trainedOn;
      this.improvedSeen = state.improvedSeen;
      this.deltaScale = state.deltaScale;
      this.priorLogitMean = Number.isFinite(state.priorLogitMean) ? (state.priorLogitMean as number) : 0;
      this.priorsSeen = Number.isInteger(state.priorsSeen) ? (state.priorsSeen as number) : 0;
    } else {
      this.classifier = new HashedLinear(bits, learningRate, l2);
      this.deltaModel = new HashedLinear(bits, DELTA_LEARNING_RATE, l2);
    }
    this.history = new OutcomeHistory(this.trainedOn > 0 ? this.improvedSeen / this.trainedOn : 0.3);
  }

  static fromJSON(json: unknown, options: LearnedPrmOptions = {}): LearnedPrm {
    if (!isLearnedPrmJson(json)) throw new Error('not a saved Genesis PRM (format genesis-learned-prm, version 1)');
    return new LearnedPrm(options, json);
  }

  toJSON(): LearnedPrmJson {
    return {
      format: 'genesis-learned-prm',
      version: 1,
      trainedOn: this.trainedOn,
      improvedSeen: this.improvedSeen,
      deltaScale: this.deltaScale,
      priorLogitMean: this.priorLogitMean,
      priorsSeen: this.priorsSeen,
      classifier: this.classifier.toJSON(),
      delta: this.deltaModel.toJSON(),
    };
  }

  /** Outcomes learned so far (saved ones included). */
  get outcomes(): number {
    return this.trainedOn;
  }

  async score(input: PrmInput): Promise<number> {
    return (await this.scoreDetailed(input)).probability;
  }

  async scoreDetailed(input: PrmInput): Promise<PrmScoreDetail> {
    const nodeTypes = await this.nodeTypesOf(input);
    return this.scoreWith(input, nodeTypes);
  }

  learn(input: PrmInput, outcome: PrmOutcome): void {
    const scored = this.scored.get(input) ?? this.prepare(input, undefined);
    this.scored.delete(input);
    const label = outcome.improved ? 1 : 0;
    const vectors = scored.hunkVectors;
    if (label === 1 || vectors.length === 1) {
      for (const x of vectors) this.classifier.step(x, sigmoid(this.classifier.dot(x)) - label);
    } else {
      // A failed multi-step child: blame the step the model already trusts least (the min).
      let worst = vectors[0];
      for (const x of vectors) if (this.classifier.dot(x) < this.classifier.dot(worst)) worst = x;
      this.classifier.step(worst, sigmoid(this.classifier.dot(worst)));
    }
    if (outcome.delta !== null && Number.isFinite(outcome.delta)) {
      const size = Math.abs(outcome.delta);
      this.deltaScale = this.deltaScale === null ? Math.max(size, 1e-12) : 0.95 * this.deltaScale + 0.05 * Math.max(size, 1e-12);
      const target = Math.max(-DELTA_CLIP, Math.min(DELTA_CLIP, outcome.delta / this.deltaScale));
      this.deltaModel.step(scored.wholeVector, this.deltaModel.dot(scored.wholeVector) - target);
    }
    this.trainedOn++;
    this.improvedSeen += label;
    if (this.options.contextFeatures) this.history.record(input, scored.features, outcome);
  }

  private scoreWith(input: PrmInput, nodeTypes: NodeTypeLines | undefined): PrmScoreDetail {
    const scored = this.prepare(input, nodeTypes);
    this.scored.set(input, scored);
    const n = this.trainedOn;
    const k = this.options.priorStrength;
    // The prior fades as outcomes arrive (equal weight at `priorStrength` outcomes). It is mixed
    // in log-odds, centred on its running mean: it shapes the ranking while the learned bias,
    // which tracks the real improvement rate, keeps the level (the calibration).
    const priorWeight = k / (n + k);
    const source: PrmScoreDetail['source'] = n === 0 ? 'prior' : n < 4 * k ? 'blend' : 'learned';
    const priorShift = priorWeight * (logit(scored.prior) - this.priorLogitMean);
    const hunks: HunkScore[] = scored.features.hunks.map((hunk, i) => {
      // With no data at all the score is the prior itself.
      const p = n === 0 ? scored.prior : sigmoid(this.classifier.dot(scored.hunkVectors[i]) + priorShift);
      return { index: hunk.index, parentLines: hunk.parentLines, childLines: hunk.childLines, probability: round(p) };
    });
    // A child that adds syntax errors never beats its parent: the engine fails it unevaluated.
    const probability = input.newSyntaxIssues > 0 ? 0 : Math.min(...hunks.map((h) => h.probability));
    const expectedDelta = this.deltaScale === null ? null : this.deltaModel.dot(scored.wholeVector) * this.deltaScale;
    return { probability, expectedDelta, hunks, combination: 'min', source, trainedOn: n };
  }

  private prepare(input: PrmInput, nodeTypes: NodeTypeLines | undefined): Scored {
    const features = candidateFeatures(input, nodeTypes);
    const priorValue = this.options.prior.score(input, features);
    const prior = Number.isFinite(priorValue) ? Math.min(0.999, Math.max(0.001, priorValue)) : 0.5;
    this.priorsSeen++;
    this.priorLogitMean += (logit(prior) - this.priorLogitMean) / Math.min(this.priorsSeen, 200);
    const context = this.options.contextFeatures ? this.history.context(input, features) : undefined;
    const shared = this.vectorOf([features.global, ...(context ? [context.global] : [])]);
    const hunkVectors = features.hunks.map((hunk, i) => concat(shared, this.vectorOf([hunk.features, ...(context ? [context.hunks[i]] : [])])));
    const wholeVector = concat(shared, this.vectorOf(features.hunks.map((h) => h.features)));
    return { features, prior, hunkVectors, wholeVector };
  }

  private vectorOf(maps: Map<string, number>[]): SparseVector {
    const indices: number[] = [];
    const values: number[] = [];
    for (const map of maps) {
      for (const [name, value] of map) {
        indices.push(this.indexOf(name));
        values.push(value);
      }
    }
    return { indices, values };
  }

  private indexOf(name: string): number {
    let index = this.indexCache.get(name);
    if (index === undefined) {
      // Hashing is cheap; the cache only saves re-hashing frequent names, so keep it small (memory).
      if (this.indexCache.size > 20_000) this.indexCache.clear();
      index = hashName(name) & ((1 << this.classifier.bits) - 1);
      this.indexCache.set(name, index);
    }
    return index;
  }

  private async nodeTypesOf(input: PrmInput): Promise<NodeTypeLines | undefined> {
    const source = this.options.nodeTypes;
    if (!source) return undefined;
    const of = (code: string) => {
      const key = `${input.language}\n${code}`;
      let lines = this.nodeTypeCache.get(key);
      if (!lines) {
        lines = source.nodeTypesByLine(code, input.language);
        this.nodeTypeCache.set(key, lines);
        // A failed parse is not cached: the next call retries.
        lines.catch(() => undefined);
      }
      return lines;
    };
    try {
      const [parent, child] = await Promise.all([of(input.parentCode), of(input.childCode)]);
      return { parent, child };
    } catch {
      // Node types are a refinement; score without them rather than not at all.
      return undefined;
    }
  }
}

function concat(a: SparseVector, b: SparseVector): SparseVector {
  return { indices: a.indices.concat(b.indices), values: a.values.concat(b.values) };
}

function round(p: number): number {
  return Math.round(p * 10000) / 10000;
}

function isLearnedPrmJson(value: unknown): value is LearnedPrmJson {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<LearnedPrmJson>;
  const linear = (m: unknown) =>
    typeof m === 'object' && m !== null && Number.isInteger((m as HashedLinearJson).bits) && (m as HashedLinearJson).bits >= 8 && (m as HashedLinearJson).bits <= 24 && Array.isArray((m as HashedLinearJson).weights);
  return (
    v.format === 'genesis-learned-prm' &&
    v.version === 1 &&
    typeof v.trainedOn === 'number' &&
    typeof v.improvedSeen === 'number' &&
    (v.deltaScale === null || typeof v.deltaScale === 'number') &&
    linear(v.classifier) &&
    linear(v.delta) &&
    v.classifier?.bits === v.delta?.bits
  );
}
