// Evaluator faults: the real CLI runs the fault evaluator, which misbehaves on every third
// candidate (the original function always evaluates cleanly). The run must go on, record each
// failure with a clear reason, and leave nothing running behind it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import {
  account, crashSign, EXAMPLE_FILE, EXAMPLE_FUNCTION, hasCommand, lineMatching, loadRun, makeWorkspace, reasonMatching, runCli, runIdIn, sleep,
  type FaultOutcome, type FaultScenario,
} from '../lib';

const BUDGET = 8;

interface EvaluatorCase {
  name: string;
  mode: string;
  expect: RegExp;
  timeoutSec?: number;
  /** Stages containment and checks what was left; returns a problem or undefined. */
  around?: () => { contain?: string; skip?: string; after(): Promise<string | undefined> };
}

/** Processes whose command line contains `marker` (hang scenario: nothing may outlive the kill). */
function processesMatching(marker: string): number[] {
  const out = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' });
  return out.stdout.split('\n').filter(Boolean).map(Number).filter((pid) => pid !== process.pid);
}

/** A pids cgroup that holds the fork bomb (v1 or v2), or an unprivileged user with RLIMIT_NPROC. */
function forkBombContainment(): { contain?: string; skip?: string; after(): Promise<string | undefined> } {
  const name = `genesis-faults-${process.pid}`;
  const candidates = ['/sys/fs/cgroup/pids', '/sys/fs/cgroup'];
  for (const root of candidates) {
    const dir = `${root}/${name}`;
    try {
      if (!existsSync(`${root}/cgroup.procs`)) continue;
      mkdirSync(dir);
      if (!existsSync(`${dir}/pids.max`)) {
        rmdirSync(dir);
        continue;
      }
      writeFileSync(`${dir}/pids.max`, '64');
      return {
        contain: `cgroup:${dir}`,
        after: async () => {
          // Genesis killed the bomb's process group at the timeout: the cgroup must empty.
          for (let i = 0; i < 40 && readFileSync(`${dir}/pids.current`, 'utf8').trim() !== '0'; i++) await sleep(100);
          const left = readFileSync(`${dir}/pids.current`, 'utf8').trim();
          try {
            rmdirSync(dir);
          } catch {
            // still populated: reported below
          }
          return left === '0' ? undefined : `${left} fork-bomb processes survived the run`;
        },
      };
    } catch {
      // not writable here: try the next way
    }
  }
  if (process.getuid?.() === 0 && hasCommand('pgrep')) {
    return {
      contain: 'nproc',
      after: async () => {
        await sleep(500);
        const left = spawnSync('pgrep', ['-u', '65534'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;
        return left === 0 ? undefined : `${left} fork-bomb processes (user nobody) survived the run`;
      },
    };
  }
  return { skip: 'no pids cgroup and not root: a fork bomb cannot be contained here', after: async () => undefined };
}

const CASES: EvaluatorCase[] = [
  { name: 'evaluator: crash (exception, exit 1)', mode: 'crash', expect: /exited with code 1: RuntimeError: candidate crashed on purpose/ },
  { name: 'evaluator: crash (SIGSEGV)', mode: 'segfault', expect: /SIGSEGV|Segmentation fault|code 139/ },
  {
    name: 'evaluator: hang (child keeps the pipe)',
    mode: 'hang',
    // Long enough that the evaluations that do not hang finish on a loaded machine (at 2 s, six
    // in a row timed out under load and the run rightly stopped), short enough to keep the row quick.
    timeoutSec: 5,
    expect: /timed out after 5 s/,
    around: () => ({
      after: async () => {
        await sleep(300);
        const left = processesMatching('sleep 3600\\.');
        return left.length === 0 ? undefined : `${left.length} hung processes survived the timeout`;
      },
    }),
  },
  { name: 'evaluator: fork bomb', mode: 'forkbomb', timeoutSec: 5, expect: /timed out after 5 s|Cannot fork|exited with code|no result/, around: forkBombContainment },
  { name: 'evaluator: memory blow-up', mode: 'memory', expect: /memory limit exceeded\? \(limit 2048 MiB\).*MemoryError/ },
  { name: 'evaluator: 100 MB of output', mode: 'flood', expect: /output limit exceeded \(8 MiB\)/ },
  { name: 'evaluator: invalid JSON', mode: 'garbage', expect: /JSON/ },
  { name: 'evaluator: NaN score', mode: 'nan', expect: /NaN|not a finite/i },
];

function evaluatorCase(c: EvaluatorCase): FaultScenario {
  return {
    name: c.name,
    category: 'evaluator',
    async run(): Promise<FaultOutcome> {
      const staged = c.around?.();
      if (staged?.skip) return { seen: '', survived: false, lost: 0, evaluated: 0, skipped: staged.skip };
      const ws = makeWorkspace(c.mode);
      const started = Date.now();
      const result = await runCli(
        ['evolve', EXAMPLE_FILE, '--function', EXAMPLE_FUNCTION, '--evaluator', ws.evaluator(c.mode, { contain: staged?.contain }),
          '--budget', String(BUDGET), '--concurrency', '2', '--timeout', String(c.timeoutSec ?? 30), '--no-sandbox', '--json'],
        { cwd: ws.dir },
      );
      const leftover = await staged?.after();
      const runId = runIdIn(result.stderr);
      if (!runId) return { seen: result.stderr.trim().split('\n').pop() ?? '', survived: false, lost: 0, evaluated: 0, detail: 'no run started' };
      const stored = await loadRun(ws.runsDir, runId);
      const books = account(ws.ledger, stored);
      const reason = reasonMatching(stored, c.expect);
      const problems = [
        crashSign(result),
        stored.summary.status !== 'completed' ? `run ${stored.summary.status}: ${stored.summary.stopReason ?? ''}` : undefined,
        stored.summary.evaluations !== BUDGET ? `${stored.summary.evaluations}/${BUDGET} evaluations` : undefined,
        reason ? undefined : `no evaluation failed with ${c.expect} (reasons: ${[...new Set(stored.nodes.map((n) => n.reason).filter(Boolean))].join(' | ')})`,
        leftover,
      ].filter(Boolean);
      const line = (reason ? lineMatching(result.stderr, new RegExp(escapeRe(reason.slice(0, 30)))) : undefined) ?? lineMatching(result.stderr, / failed: /);
      return {
        seen: line ? progressReason(line) : (reason ?? '(nothing)'),
        survived: problems.length === 0,
        lost: books.lost.length,
        evaluated: books.evaluated,
        detail: [...problems, `${((Date.now() - started) / 1000).toFixed(1)} s`].join('; '),
      };
    },
  };
}

/** "[3/8] node 1 (…) failed: REASON | best -0.3" → "failed: REASON". */
export function progressReason(line: string): string {
  const at = line.indexOf(' failed: ');
  return (at >= 0 ? line.slice(at + 1) : line).replace(/ \| best [^|]*$/, '');
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const evaluatorScenarios: FaultScenario[] = CASES.map(evaluatorCase);
