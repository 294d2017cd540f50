// Model faults: the real openai client in the real CLI against the fixture server, which
// misbehaves on some requests. Runs use one call at a time so that "one fault, then a burst the
// retry policy gives up on" lands on known calls.
import { join } from 'node:path';
import { devWasmPaths, TreeSitterService } from '../../../src/core/lang/treeSitter';
import { createMutationSource } from '../../../src/core/llm/sourceFactory';
import { startRun } from '../../../src/core/session';
import { startLlmServer, tunerReply, type Fault, type ReplyScript } from '../../fixtures/llmServer';
import {
  account, crashSign, EXAMPLE_FILE, EXAMPLE_FUNCTION, lineMatching, loadRun, makeWorkspace, reasonMatching, repo, runCli, runIdIn,
  type FaultOutcome, type FaultScenario,
} from '../lib';
import { progressReason } from './evaluator';

const BUDGET = 6;

/** Request 1 faults once (the retry must absorb it); requests 3..3+burst-1 fault in a row. */
function faultyScript(fault: Fault, burst: number): ReplyScript {
  return (request) => {
    if (request.index === 1) return fault;
    if (request.index >= 3 && request.index < 3 + burst) return fault;
    return tunerReply(request);
  };
}

const stablePort = (text: string) => text.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');

interface ModelCase {
  name: string;
  fault: Fault;
  /** Requests in a row that fail (the retry policy makes up to 4 attempts per call). */
  burst: number;
  /** The reason a failed child shows. */
  expect: RegExp;
}

const CASES: ModelCase[] = [
  { name: 'model: 429 rate limit (retry-after)', fault: { fault: 'rate-limit', retryAfterSec: 1 }, burst: 4, expect: /rate limited \(429\).*gave up after 4 attempts/ },
  { name: 'model: 500 server error', fault: { fault: 'server-error' }, burst: 4, expect: /server error 500 .*gave up after 4 attempts/ },
  { name: 'model: truncated stream', fault: { fault: 'truncate', text: 'x'.repeat(400), afterChunks: 3 }, burst: 1, expect: /truncated/ },
  { name: 'model: garbage (malformed JSON)', fault: { fault: 'malformed' }, burst: 1, expect: /malformed|JSON/i },
  { name: 'model: empty reply', fault: { fault: 'empty' }, burst: 1, expect: /empty|no (code|SEARCH|edit)|nothing/i },
];

function cliCase(c: ModelCase): FaultScenario {
  return {
    name: c.name,
    category: 'model',
    async run(): Promise<FaultOutcome> {
      const server = await startLlmServer({ reply: faultyScript(c.fault, c.burst) });
      try {
        const ws = makeWorkspace(c.name);
        const result = await runCli(
          ['evolve', EXAMPLE_FILE, '--function', EXAMPLE_FUNCTION, '--evaluator', ws.evaluator('none'), '--budget', String(BUDGET), '--concurrency', '1',
            '--model', `openai-compatible:${server.openaiBaseURL}#fixture-model`, '--no-sandbox', '--json'],
          { cwd: ws.dir },
        );
        const runId = runIdIn(result.stderr);
        if (!runId) return { seen: result.stderr.trim().split('\n').pop() ?? '', survived: false, lost: 0, evaluated: 0, detail: 'no run started' };
        const stored = await loadRun(ws.runsDir, runId);
        const books = account(ws.ledger, stored);
        const reason = reasonMatching(stored, c.expect);
        const crash = crashSign(result);
        const problems = [
          crash,
          stored.summary.status !== 'completed' ? `run ${stored.summary.status}` : undefined,
          stored.summary.evaluations !== BUDGET ? `${stored.summary.evaluations}/${BUDGET} evaluations` : undefined,
          reason ? undefined : `no child failed with ${c.expect}`,
          server.requests.length < BUDGET ? 'the fixture saw too few requests' : undefined,
        ].filter(Boolean);
        const line = reason ? lineMatching(result.stderr, new RegExp(escape(reason.slice(0, 40)))) : undefined;
        return {
          seen: stablePort(line ? progressReason(line) : (reason ?? '(nothing)')),
          survived: problems.length === 0,
          lost: books.lost.length,
          evaluated: books.evaluated,
          ...(problems.length ? { detail: problems.join('; ') } : {}),
        };
      } finally {
        await server.close();
      }
    },
  };
}

/** The model stalls mid-reply: the per-attempt timeout (120 s by default; 1.5 s here, set through the core) must end it. */
const timeoutCase: FaultScenario = {
  name: 'model: timeout (stalled stream)',
  category: 'model',
  async run(): Promise<FaultOutcome> {
    const server = await startLlmServer({ reply: faultyScript({ fault: 'slow', text: 'x'.repeat(200), chunkDelayMs: 2500 }, 2) });
    const treeSitter = new TreeSitterService(devWasmPaths(repo));
    try {
      const ws = makeWorkspace('model-timeout');
      const logs: string[] = [];
      const filePath = join(ws.dir, EXAMPLE_FILE);
      const { readFileSync } = await import('node:fs');
      const started = await startRun({
        workspaceRoot: ws.dir,
        filePath,
        fileText: readFileSync(filePath, 'utf8'),
        language: 'python',
        functionName: EXAMPLE_FUNCTION,
        evaluatorCommand: ws.evaluator('none'),
        models: [`openai-compatible:${server.openaiBaseURL}#fixture-model`],
        budget: BUDGET,
        concurrency: 1,
        runsDir: ws.runsDir,
        treeSitter,
        sandbox: 'none',
        sourceFor: (spec) => Promise.resolve(createMutationSource(spec, { timeoutMs: 1500, retry: { maxAttempts: 2, baseDelayMs: 100 } })),
        log: (level, message) => logs.push(`${level}: ${message}`),
      });
      const summary = await started.run.done;
      await started.evaluator.dispose();
      const stored = await loadRun(ws.runsDir, started.run.runId);
      const books = account(ws.ledger, stored);
      const reason = reasonMatching(stored, /timeout|within/);
      const problems = [
        summary.status !== 'completed' ? `run ${summary.status}: ${summary.stopReason ?? ''}` : undefined,
        summary.evaluations !== BUDGET ? `${summary.evaluations}/${BUDGET} evaluations` : undefined,
        reason ? undefined : 'no child failed with a timeout',
      ].filter(Boolean);
      return {
        seen: stablePort(reason ?? '(nothing)'),
        survived: problems.length === 0,
        lost: books.lost.length,
        evaluated: books.evaluated,
        ...(problems.length ? { detail: problems.join('; ') } : {}),
      };
    } finally {
      treeSitter.dispose();
      await server.close();
    }
  },
};

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const modelScenarios: FaultScenario[] = [...CASES.map(cliCase), timeoutCase];
