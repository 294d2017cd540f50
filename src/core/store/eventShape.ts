// A run's log is a file anyone can edit or damage: a line that is valid JSON but not an event
// (`null`, `[]`, `{"node": null}`, a numeric node id, models that are not a list) must be set
// aside with a reason, never reach the replay as a half-typed value that throws a TypeError.
// These checks cover what the replay, the summary, `runs show`, export and resume read.
import type { RunEvent } from '../types';

type Json = Record<string, unknown>;

const LANGUAGES = new Set(['python', 'typescript', 'tsx', 'javascript', 'rust', 'go', 'cpp']);
const RUN_STATUSES = new Set(['running', 'paused', 'stopped', 'completed', 'failed', 'interrupted']);
const NODE_STATUSES = new Set(['pending', 'generating', 'skipped', 'evaluating', 'done', 'failed']);
const EVALUATION_STATUSES = new Set(['ok', 'incorrect', 'error', 'timeout', 'cancelled']);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isScore = (v: unknown) => v === null || typeof v === 'number';
const optional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);

/** The first field that is missing or of the wrong type, as "field: what it must be". */
function firstProblem(checks: [string, boolean][]): string | undefined {
  return checks.find(([, ok]) => !ok)?.[0];
}

/** Why a value is not a candidate node, or undefined when it is one. */
export function nodeProblem(node: unknown): string | undefined {
  if (!isObject(node)) return 'node: must be an object';
  const mutation = node.mutation;
  const evaluation = node.evaluation;
  return firstProblem([
    ['node.id: must be a string of digits', isString(node.id) && /^\d+$/.test(node.id)],
    ['node.parentId: must be a node id or null', node.parentId === null || (isString(node.parentId) && /^\d+$/.test(node.parentId))],
    ['node.status: must be a node status', isString(node.status) && NODE_STATUSES.has(node.status)],
    // Absent while unchanged since the node's last event (the loader fills them back in).
    ['node.code: must be a string', optional(node.code, isString)],
    ['node.diff: must be a string', optional(node.diff, isString)],
    ['node.depth: must be a number', isNumber(node.depth)],
    ['node.score: must be a number or null', isScore(node.score)],
    ['node.prmScore: must be a number or null', isScore(node.prmScore)],
    ['node.tokensIn, tokensOut, costUsd, createdAt: must be numbers', [node.tokensIn, node.tokensOut, node.costUsd, node.createdAt].every(isNumber)],
    ['node.finishedAt: must be a number', optional(node.finishedAt, isNumber)],
    ['node.reason: must be a string', optional(node.reason, isString)],
    [
      'node.mutation: must hold kind, summary and model strings',
      mutation === undefined ||
        (isObject(mutation) && isString(mutation.kind) && isString(mutation.summary) && isString(mutation.model) && optional(mutation.prompt, isString) && optional(mutation.reply, isString)),
    ],
    [
      'node.evaluation: must hold a status and a score',
      evaluation === undefined ||
        (isObject(evaluation) &&
          isString(evaluation.status) &&
          EVALUATION_STATUSES.has(evaluation.status) &&
          isScore(evaluation.score) &&
          [evaluation.feedback, evaluation.stdoutTail, evaluation.stderrTail, evaluation.reason].every((t) => optional(t, isString)) &&
          optional(evaluation.metrics, isObject)),
    ],
  ]);
}

/** Why a run configuration cannot be resumed or shown (e.g. edited models), or undefined. */
export function configProblem(config: unknown): string | undefined {
  if (!isObject(config)) return 'config: must be an object';
  return firstProblem([
    ['config.language: must be a supported language', isString(config.language) && LANGUAGES.has(config.language)],
    ['config.functionName, filePath, relativePath, workspaceRoot: must be strings', [config.functionName, config.filePath, config.relativePath, config.workspaceRoot].every(isString)],
    ['config.evaluatorCommand: must be a string', isString(config.evaluatorCommand)],
    ['config.models: must be a non-empty list of model specs (strings)', Array.isArray(config.models) && config.models.length > 0 && config.models.every((m) => isString(m) && m.trim() !== '')],
    ['config.budget: must be a whole number ≥ 1', Number.isInteger(config.budget) && (config.budget as number) >= 1],
    ['config.concurrency: must be a whole number ≥ 1', Number.isInteger(config.concurrency) && (config.concurrency as number) >= 1],
    ['config.seed, timeoutSec: must be numbers', isNumber(config.seed) && isNumber(config.timeoutSec)],
    ['config.strategy: must be a string', optional(config.strategy, isString)],
    ['config.stages: must be a list', optional(config.stages, Array.isArray)],
  ]);
}

function summaryProblem(summary: unknown): string | undefined {
  if (!isObject(summary)) return 'summary: must be an object';
  return firstProblem([
    ['summary.runId, functionName, filePath, relativePath: must be strings', [summary.runId, summary.functionName, summary.filePath, summary.relativePath].every(isString)],
    ['summary.startedAt, budget: must be numbers', isNumber(summary.startedAt) && isNumber(summary.budget)],
    ['summary.status: must be a run status', isString(summary.status) && RUN_STATUSES.has(summary.status)],
  ]);
}

/** Why a summary.json is unusable (then the summary is rebuilt from the log), or undefined. */
export function storedSummaryProblem(summary: unknown): string | undefined {
  return (
    summaryProblem(summary) ??
    (isObject(summary)
      ? firstProblem([
          ['summary.evaluations, updatedAt, tokens, costUsd: must be numbers', [summary.evaluations, summary.updatedAt, summary.tokens, summary.costUsd].every(isNumber)],
          ['summary.baselineScore, bestScore: must be numbers or null', isScore(summary.baselineScore) && isScore(summary.bestScore)],
          ['summary.language: must be a supported language', isString(summary.language) && LANGUAGES.has(summary.language)],
        ])
      : undefined)
  );
}

/** Why a parsed log line is not a run event the replay can use, or undefined when it is one. */
export function eventProblem(value: unknown): string | undefined {
  if (!isObject(value)) return `${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}, not an event object`;
  switch (value.type) {
    case 'run-started': {
      const source = value.source;
      return (
        summaryProblem(value.summary) ??
        configProblem(value.config) ??
        nodeProblem(value.root) ??
        (source === undefined || (isObject(source) && isString(source.fileText) && Number.isInteger(source.startIndex) && Number.isInteger(source.endIndex))
          ? undefined
          : 'source: must hold fileText, startIndex and endIndex')
      );
    }
    case 'node-added':
    case 'node-updated':
      return nodeProblem(value.node);
    case 'run-status':
      return isString(value.status) && RUN_STATUSES.has(value.status) ? undefined : 'status: must be a run status';
    case 'budget-changed':
      return Number.isInteger(value.budget) && (value.budget as number) >= 1 ? undefined : 'budget: must be a whole number ≥ 1';
    case 'search-state':
      return isString(value.strategy) ? undefined : 'strategy: must be a string';
    default:
      // Other types (log lines, resumes, types a newer version writes) are not replayed.
      return isString(value.type) ? undefined : 'an object without an event type';
  }
}

/** The value as a RunEvent once eventProblem() found nothing wrong with it. */
export function asRunEvent(value: unknown): RunEvent {
  return value as RunEvent;
}
