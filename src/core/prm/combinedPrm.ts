// Mixes the learned PRM with optional extra scorers (an LLM judge, a remote reward model): a
// weighted mean in log-odds space of the scores that came back. An extra scorer that fails or is
// down is left out of that candidate's score — it never blocks the run — and the learned model
// keeps the hunk detail.
import { logit, sigmoid } from './hashedLinear';
import type { DetailedPrmScorer, PrmInput, PrmOutcome, PrmScoreDetail, PrmScorer } from './types';

export interface WeightedScorer {
  scorer: PrmScorer;
  /** Relative weight in log-odds space (the primary has weight 1 unless set). */
  weight: number;
}

export class CombinedPrm implements DetailedPrmScorer {
  readonly name: string;
  /** The last failure of each extra scorer, by name (cleared on its next success). */
  readonly lastErrors = new Map<string, string>();

  constructor(
    private readonly primary: PrmScorer,
    private readonly extras: readonly WeightedScorer[],
    private readonly primaryWeight = 1,
  ) {
    this.name = [primary.name, ...extras.map((e) => e.scorer.name)].join('+');
  }

  async score(input: PrmInput): Promise<number> {
    return (await this.scoreDetailed(input)).probability;
  }

  async scoreDetailed(input: PrmInput): Promise<PrmScoreDetail> {
    const primaryDetail = await detailOf(this.primary, input);
    const extraScores = await Promise.all(
      this.extras.map(async ({ scorer }) => {
        try {
          const value = await scorer.score(input);
          if (!Number.isFinite(value)) throw new Error(`returned ${value}`);
          this.lastErrors.delete(scorer.name);
          return value;
        } catch (error) {
          this.lastErrors.set(scorer.name, error instanceof Error ? error.message : String(error));
          return undefined;
        }
      }),
    );
    const parts: Record<string, number> = { [this.primary.name]: primaryDetail.probability };
    let sum = this.primaryWeight * logit(primaryDetail.probability);
    let weights = this.primaryWeight;
    this.extras.forEach(({ scorer, weight }, i) => {
      const value = extraScores[i];
      if (value === undefined || weight <= 0) return;
      parts[scorer.name] = value;
      sum += weight * logit(value);
      weights += weight;
    });
    // A syntax-breaking child stays at 0 whatever the extras say.
    const probability = primaryDetail.probability === 0 ? 0 : Math.round(sigmoid(sum / weights) * 10000) / 10000;
    return { ...primaryDetail, probability, parts };
  }

  learn(input: PrmInput, outcome: PrmOutcome): void {
    this.primary.learn?.(input, outcome);
    for (const { scorer } of this.extras) scorer.learn?.(input, outcome);
  }
}

async function detailOf(scorer: PrmScorer, input: PrmInput): Promise<PrmScoreDetail> {
  if (isDetailed(scorer)) return scorer.scoreDetailed(input);
  const probability = await scorer.score(input);
  return { probability, expectedDelta: null, hunks: [], combination: 'min', source: 'prior', trainedOn: 0 };
}

function isDetailed(scorer: PrmScorer): scorer is DetailedPrmScorer {
  return typeof (scorer as Partial<DetailedPrmScorer>).scoreDetailed === 'function';
}
