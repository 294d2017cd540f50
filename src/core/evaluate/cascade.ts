// Cascade evaluation: a candidate goes through stages in order (e.g. compile + quick tests on this
// machine, then the expensive benchmark on a GPU runner) and stops at the first stage it fails or
// whose score is below the stage's threshold, so that bad candidates never reach the costly stage.
// Each stage is an Evaluator of its own, built with GENESIS_STAGE=<name> in its environment
// (see stageEnv); the cascade only orders them and merges their results.
import type { EvaluationRequest, EvaluationResult, Evaluator, StageOutcome } from '../types';
import { errorText } from '../util/errorText';
import { formatScorePrecise } from '../util/format';

export interface CascadeStage {
  name: string;
  /** The runner's name, recorded in the result (e.g. 'local', 'gpu'). */
  runner: string;
  evaluator: Evaluator;
  /** The next stage runs only when this stage's score is at least this. */
  threshold?: number;
}

/** The variables a stage's evaluator gets so that one script can serve several stages. */
export function stageEnv(stageName: string): Record<string, string> {
  return { GENESIS_STAGE: stageName };
}

export class CascadeEvaluator implements Evaluator {
  private readonly stages: readonly CascadeStage[];

  constructor(stages: CascadeStage[]) {
    if (stages.length === 0) throw new Error('a cascade needs at least one stage');
    const names = new Set<string>();
    for (const stage of stages) {
      if (names.has(stage.name)) throw new Error(`two cascade stages are named "${stage.name}"`);
      names.add(stage.name);
      if (stage.threshold !== undefined && !Number.isFinite(stage.threshold)) throw new Error(`stage ${stage.name}: threshold must be a finite number`);
    }
    this.stages = [...stages];
  }

  get stageNames(): string[] {
    return this.stages.map((s) => s.name);
  }

  async evaluate(request: EvaluationRequest, signal: AbortSignal): Promise<EvaluationResult> {
    const outcomes: StageOutcome[] = [];
    const metrics: Record<string, number> = {};
    const feedback: string[] = [];
    let durationMs = 0;
    let sandboxed = true;
    let last: EvaluationResult | undefined;

    const merged = (from: EvaluationResult, verdict: Pick<EvaluationResult, 'status' | 'score' | 'correct' | 'reason'>, lead?: string): EvaluationResult => ({
      status: verdict.status,
      score: verdict.score,
      correct: verdict.correct,
      ...(verdict.reason === undefined ? {} : { reason: verdict.reason }),
      metrics,
      feedback: [...(lead ? [lead] : []), ...feedback].join('\n'),
      stdoutTail: from.stdoutTail,
      stderrTail: from.stderrTail,
      durationMs,
      // Sandboxed only when every stage that ran was.
      sandboxed: outcomes.length > 0 && sandboxed,
      stages: outcomes,
    });

    for (const stage of this.stages) {
      if (signal.aborted) {
        const reason = `evaluation cancelled (before stage ${stage.name})`;
        return merged(last ?? emptyResult(), { status: 'cancelled', score: null, correct: false, reason });
      }
      const result = await this.runStage(stage, request, signal);
      durationMs += result.durationMs;
      sandboxed &&= result.sandboxed;
      for (const [key, value] of Object.entries(result.metrics)) metrics[`${stage.name}.${key}`] = value;
      if (result.score !== null) metrics[`${stage.name}.score`] = result.score;
      if (result.feedback.trim()) feedback.push(`[${stage.name}] ${result.feedback.trim()}`);
      const outcome: StageOutcome = { name: stage.name, runner: stage.runner, status: result.status, score: result.score, durationMs: result.durationMs };
      outcomes.push(outcome);
      last = result;

      if (result.status !== 'ok' || !result.correct || result.score === null) {
        outcome.reason = result.reason ?? result.status;
        const reason = result.status === 'cancelled' ? `evaluation cancelled (in stage ${stage.name})` : `stage ${stage.name} failed: ${outcome.reason}`;
        return merged(result, { status: result.status === 'ok' ? 'incorrect' : result.status, score: null, correct: false, reason });
      }
      if (stage.threshold !== undefined && result.score < stage.threshold) {
        const reason = `stage ${stage.name} score ${formatScorePrecise(result.score)} below threshold ${formatScorePrecise(stage.threshold)}`;
        outcome.reason = reason;
        return merged(result, { status: 'incorrect', score: null, correct: false, reason }, reason);
      }
    }
    const final = last ?? emptyResult();
    return merged(final, { status: 'ok', score: final.score, correct: true, reason: undefined });
  }

  /** One stage; an evaluator that throws counts as an error of that stage. */
  private async runStage(stage: CascadeStage, request: EvaluationRequest, signal: AbortSignal): Promise<EvaluationResult> {
    const started = Date.now();
    try {
      return await stage.evaluator.evaluate(request, signal);
    } catch (error) {
      const reason = `evaluator failed to run: ${errorText(error)}`;
      return { ...emptyResult(), status: signal.aborted ? 'cancelled' : 'error', reason, feedback: reason, durationMs: Date.now() - started };
    }
  }

  /** Disposes every stage's evaluator (each once), even when one of them fails. */
  async dispose(): Promise<void> {
    const evaluators = [...new Set(this.stages.map((s) => s.evaluator))];
    const settled = await Promise.allSettled(evaluators.map((e) => e.dispose?.()));
    const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    if (errors.length > 0) throw new AggregateError(errors, `could not dispose ${errors.length} cascade stage(s): ${errors.map(errorText).join('; ')}`);
  }
}

function emptyResult(): EvaluationResult {
  return { status: 'error', score: null, correct: false, metrics: {}, feedback: '', stdoutTail: '', stderrTail: '', durationMs: 0, sandboxed: false };
}
