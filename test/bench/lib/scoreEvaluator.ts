// Wraps a task's scoring function (file text → contract-v1 JSON) as an engine Evaluator, so a
// benchmark run needs no process per evaluation. The verdict goes through the real contract
// validation, so what counts as ok / incorrect is what `genesis evolve` would decide.
import { validateResult } from '../../../src/core/evaluate/resultContract';
import type { EvaluationRequest, EvaluationResult, Evaluator } from '../../../src/core/types';
import type { ContractScore } from '../tasks/contract';

export type ScoreFunction = (candidateFileText: string) => ContractScore | Promise<ContractScore>;

export class ScoreFunctionEvaluator implements Evaluator {
  constructor(private readonly score: ScoreFunction) {}

  async evaluate(request: EvaluationRequest, signal: AbortSignal): Promise<EvaluationResult> {
    const started = performance.now();
    if (signal.aborted) return cancelled();
    const raw = await this.score(request.candidateFileText);
    const verdict = validateResult({ ...raw });
    return { ...verdict, stdoutTail: '', stderrTail: '', durationMs: performance.now() - started, sandboxed: false };
  }
}

function cancelled(): EvaluationResult {
  return { status: 'cancelled', score: null, correct: false, metrics: {}, feedback: '', reason: 'evaluation cancelled', stdoutTail: '', stderrTail: '', durationMs: 0, sandboxed: false };
}
