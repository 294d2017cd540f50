// Turns what an evaluation left behind (result JSON, output tails, exit status) into an
// EvaluationResult, for the local and the remote runners alike: the result file wins over stdout,
// contract validation from resultContract.ts, and a one-line reason for anything not 'ok'.
import type { EvaluationResult } from '../types';
import { findResultInStdout, parseResultFile, validateResult, type ContractVerdict } from './resultContract';

/** Kept in EvaluationResult and used in feedback: the last 4 KB of each stream. */
export const TAIL_CHARS = 4096;
/** Read internally so that a long result line at the end of stdout is still whole. */
export const READ_TAIL_BYTES = 256 * 1024;
/** A result file above this is refused. */
export const MAX_RESULT_BYTES = 1024 * 1024;

export interface EvaluatorOutput {
  stdoutTail: string;
  stderrTail: string;
  /** The last stdout line starting with `{` when the tail does not hold it whole (processRunner). */
  resultLine?: string;
  durationMs: number;
  /** Ran inside bubblewrap (local runner); remote runs are not sandboxed by Genesis. */
  sandboxed?: boolean;
}

function tail(text: string): string {
  return text.length > TAIL_CHARS ? text.slice(text.length - TAIL_CHARS) : text;
}

export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const line = lines[lines.length - 1] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** A result that is not 'ok': reason first, then the evaluator's feedback, then the stderr tail. */
export function notOkResult(
  status: EvaluationResult['status'],
  reason: string,
  output: EvaluatorOutput,
  verdict?: ContractVerdict,
): EvaluationResult {
  const stderrTail = tail(output.stderrTail);
  const parts = [reason];
  if (verdict?.feedback) parts.push(verdict.feedback);
  if (stderrTail.trim()) parts.push(`--- stderr (last lines) ---\n${stderrTail.trimEnd()}`);
  return {
    status,
    score: null,
    correct: false,
    metrics: verdict?.metrics ?? {},
    feedback: parts.join('\n'),
    reason,
    stdoutTail: tail(output.stdoutTail),
    stderrTail,
    durationMs: output.durationMs,
    sandboxed: output.sandboxed ?? false,
  };
}

/**
 * The stdout to look for the result in: the tail, with a long result line that began before it
 * put back whole in place of the tail's cut first line.
 */
function stdoutWithResultLine(output: EvaluatorOutput): string {
  if (output.resultLine === undefined) return output.stdoutTail;
  const firstNewline = output.stdoutTail.indexOf('\n');
  return `${output.resultLine}\n${firstNewline === -1 ? '' : output.stdoutTail.slice(firstNewline + 1)}`;
}

/**
 * The verdict of a finished evaluator: from the result file when there is one, else the last JSON
 * line of stdout; when neither holds a result, `explainFailure` says why (given the contract error).
 */
export function resultFromOutput(
  output: EvaluatorOutput,
  resultText: string | undefined,
  explainFailure: (contractError: string) => string,
): EvaluationResult {
  const found = resultText !== undefined && resultText.trim().length > 0 ? parseResultFile(resultText) : findResultInStdout(stdoutWithResultLine(output));
  if ('value' in found) {
    const verdict = validateResult(found.value);
    if (verdict.status === 'ok') {
      return { ...verdict, stdoutTail: tail(output.stdoutTail), stderrTail: tail(output.stderrTail), durationMs: output.durationMs, sandboxed: output.sandboxed ?? false };
    }
    return notOkResult(verdict.status, verdict.reason ?? 'incorrect', output, verdict);
  }
  return notOkResult('error', explainFailure(found.error), output);
}

/** Why an evaluator that wrote no result failed, from its exit status (as the local runner words it). */
export function explainExit(exitCode: number | null, signal: string | null, stderrTail: string, command: string, contractError: string): string {
  if (exitCode === 0 && !signal) return contractError;
  if (exitCode === 127) {
    const named = /:\s*([^:\n]+):\s*(?:command )?not found/.exec(stderrTail)?.[1]?.trim();
    return `evaluator command not found: ${named ?? command.trim().split(/\s+/)[0]}`;
  }
  const how = signal ? `evaluator was killed by ${signal}` : exitCode === null ? 'evaluator ended without an exit status' : `evaluator exited with code ${exitCode}`;
  const detail = lastLine(stderrTail);
  return detail ? `${how}: ${detail}` : how;
}
