// Evaluator contract v1: reading and validating the result JSON an evaluator produces.
// Pure functions, no I/O.
import type { EvaluationResult } from '../types';

/** What the result JSON says, validated; the process-level fields are added by the runner. */
export type ContractVerdict = Pick<EvaluationResult, 'status' | 'score' | 'correct' | 'metrics' | 'feedback' | 'reason'>;

/** A result that could not be read at all (no JSON, unparsable JSON, not an object). */
export interface ContractFailure {
  error: string;
}

const NON_FINITE_SENTINEL = '\u0000genesis-non-finite:';
const NON_FINITE_TOKENS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const MAX_REASON_CHARS = 300;

/**
 * JSON.parse that also accepts the bare `NaN`, `Infinity` and `-Infinity` tokens Python's json
 * module writes by default (outside strings only).
 */
export function parseJsonLenient(text: string): unknown {
  let out = '';
  let i = 0;
  let sawToken = false;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const token = ['-Infinity', 'Infinity', 'NaN'].find((t) => text.startsWith(t, i));
    if (token) {
      out += JSON.stringify(NON_FINITE_SENTINEL + token);
      i += token.length;
      sawToken = true;
      continue;
    }
    out += ch;
    i++;
  }
  if (!sawToken) return JSON.parse(text);
  return JSON.parse(out, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(NON_FINITE_SENTINEL)
      ? NON_FINITE_TOKENS[value.slice(NON_FINITE_SENTINEL.length)]
      : value,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clip(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'number') return String(value);
  return clip(JSON.stringify(value) ?? String(value), 60);
}

/**
 * Finds the result on stdout: the last line that parses as a JSON object.
 * Returns the parsed object, or an error naming what the output ended with.
 */
export function findResultInStdout(stdout: string): { value: Record<string, unknown> } | ContractFailure {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  let firstParseError: string | undefined;
  for (let k = lines.length - 1; k >= 0; k--) {
    const line = lines[k];
    if (!line.startsWith('{')) continue;
    try {
      const value = parseJsonLenient(line);
      if (isPlainObject(value)) return { value };
    } catch (error) {
      firstParseError ??= error instanceof Error ? error.message : String(error);
    }
  }
  const last = lines.length > 0 ? clip(lines[lines.length - 1], 120) : '';
  if (firstParseError) {
    return { error: `evaluator printed invalid result JSON: ${firstParseError} (last line: ${last})` };
  }
  return { error: `evaluator printed no result JSON (last line: ${last || '<empty output>'})` };
}

/** Parses the content of the GENESIS_RESULT file. */
export function parseResultFile(text: string): { value: Record<string, unknown> } | ContractFailure {
  let value: unknown;
  try {
    value = parseJsonLenient(text.trim());
  } catch (error) {
    return { error: `result file is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!isPlainObject(value)) return { error: `result file does not hold a JSON object (got ${describe(value)})` };
  return { value };
}

function readMetrics(raw: unknown): { metrics: Record<string, number>; dropped: string[] } {
  const metrics: Record<string, number> = {};
  const dropped: string[] = [];
  if (!isPlainObject(raw)) return { metrics, dropped: raw === undefined ? [] : ['metrics (not an object)'] };
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'number' && Number.isFinite(value)) metrics[name] = value;
    else if (typeof value === 'boolean') metrics[name] = value ? 1 : 0;
    else dropped.push(name);
  }
  return { metrics, dropped };
}

/**
 * Validates a parsed result object against contract v1. A candidate is 'ok' only with a finite
 * numeric score and `correct` not false; otherwise it is 'incorrect' with a one-line reason and a
 * null score (the reported score, when finite, is kept in metrics as `reported_score`).
 */
export function validateResult(value: Record<string, unknown>): ContractVerdict {
  const { metrics, dropped } = readMetrics(value.metrics);
  const feedbackRaw = value.feedback;
  let feedback = typeof feedbackRaw === 'string' ? feedbackRaw : feedbackRaw === undefined ? '' : JSON.stringify(feedbackRaw);
  if (dropped.length > 0) feedback += `${feedback ? '\n' : ''}(non-numeric metrics ignored: ${dropped.join(', ')})`;
  const score = value.score;
  const incorrect = (reason: string): ContractVerdict => {
    if (typeof score === 'number' && Number.isFinite(score)) metrics.reported_score = score;
    return { status: 'incorrect', score: null, correct: false, metrics, feedback, reason: clip(reason, MAX_REASON_CHARS) };
  };

  const correct = value.correct;
  if (correct !== undefined && typeof correct !== 'boolean') {
    return incorrect(`"correct" must be true or false (got ${describe(correct)})`);
  }
  if (correct === false) {
    const firstLine = feedback.split('\n').find((l) => l.trim().length > 0);
    return incorrect(`evaluator reported correct: false${firstLine ? ` — ${firstLine.trim()}` : ''}`);
  }
  if (score === undefined || score === null) return incorrect('result has no score');
  if (typeof score !== 'number') return incorrect(`score is not a number (got ${describe(score)})`);
  if (Number.isNaN(score)) return incorrect('score is NaN');
  if (!Number.isFinite(score)) return incorrect(`score is ${score > 0 ? 'Infinity' : '-Infinity'}`);
  return { status: 'ok', score, correct: true, metrics, feedback };
}
