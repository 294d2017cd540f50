// Run folders written by hand, as a damaged disk, an editor or someone else's machine would
// leave them: a valid start event, nodes, and whatever extra lines a test needs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CandidateNode, RunConfig, RunEvent, RunSummary } from '../../src/core/types';

export const ROOT_CODE = 'def approx_exp(x):\n    return 1.0 + 0.9 * x';

export function storedNode(id: string, overrides: Partial<CandidateNode> = {}): CandidateNode {
  return {
    id, parentId: id === '0' ? null : '0', depth: id === '0' ? 0 : 1, status: 'done', code: ROOT_CODE, diff: '',
    prmScore: null, score: -Number(id) - 1, tokensIn: 0, tokensOut: 0, costUsd: 0, createdAt: 1_000 + Number(id), finishedAt: 1_001 + Number(id),
    evaluation: { status: 'ok', score: -Number(id) - 1, correct: true, metrics: {}, feedback: '', stdoutTail: '', stderrTail: '', durationMs: 1, sandboxed: false },
    ...overrides,
  };
}

export function storedConfig(workspaceRoot: string, overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    language: 'python', functionName: 'approx_exp', filePath: join(workspaceRoot, 'approx.py'), relativePath: 'approx.py', workspaceRoot,
    evaluatorCommand: 'python3 evaluate.py', models: ['offline'], budget: 4, concurrency: 1, seed: 1, timeoutSec: 30, strategy: 'elitist',
    ...overrides,
  };
}

export interface StoredRunOptions {
  config?: Partial<RunConfig>;
  /** Nodes after the root (id '0' is made from ROOT_CODE). */
  nodes?: CandidateNode[];
  /** Raw lines appended after the events. */
  extraLines?: string[];
  status?: RunSummary['status'];
  /** The source file text (default: the root function alone). */
  fileText?: string;
}

/** Writes runsDir/runId/events.jsonl (no summary.json: it is rebuilt from the log). */
export function writeStoredRun(runsDir: string, runId: string, workspaceRoot: string, options: StoredRunOptions = {}): void {
  const config = storedConfig(workspaceRoot, options.config);
  const fileText = options.fileText ?? `${ROOT_CODE}\n`;
  const start = fileText.indexOf(ROOT_CODE);
  const summary: RunSummary = {
    runId, functionName: config.functionName, filePath: config.filePath, relativePath: config.relativePath, language: config.language,
    status: 'running', startedAt: 1_000, updatedAt: 1_000, evaluations: 0, budget: config.budget, baselineScore: null, bestScore: null,
    bestNodeId: null, tokens: 0, costUsd: 0,
  };
  const events: RunEvent[] = [
    { type: 'run-started', summary, config, root: storedNode('0'), source: { fileText, startIndex: start, endIndex: start + ROOT_CODE.length } },
    ...(options.nodes ?? []).map((node): RunEvent => ({ type: 'node-added', node })),
    { type: 'run-status', status: options.status ?? 'stopped' },
  ];
  mkdirSync(join(runsDir, runId), { recursive: true });
  const lines = [...events.map((e) => JSON.stringify(e)), ...(options.extraLines ?? [])];
  writeFileSync(join(runsDir, runId, 'events.jsonl'), lines.join('\n') + '\n');
}
