// Genesis itself dies: the CLI is killed with SIGKILL while evaluations are in flight, then the
// user resumes the run. Completed evaluations must be there exactly once; in-flight ones run again.
// And the evaluation launcher (the helper process that starts evaluators) is killed mid-run: the
// evaluations it held end with a clear reason, nothing is left running, the run goes on.
import { spawnSync } from 'node:child_process';
import { LocalEvaluator } from '../../../src/core/evaluate/localEvaluator';
import {
  account, coreRun, crashSign, EXAMPLE_FILE, EXAMPLE_FUNCTION, ledgerStarts, loadRun, makeWorkspace, reasonMatching, recordedKeys, runCli, runIdIn, sleep,
  type FaultOutcome, type FaultScenario,
} from '../lib';

const BUDGET = 14;

const sigkillResume: FaultScenario = {
  name: 'process: CLI killed (SIGKILL) mid-run, resumed',
  category: 'process',
  async run(): Promise<FaultOutcome> {
    const ws = makeWorkspace('sigkill');
    const evaluator = ws.evaluator('none', { delaySec: 0.3 });
    const first = await runCli(
      ['evolve', EXAMPLE_FILE, '--function', EXAMPLE_FUNCTION, '--evaluator', evaluator, '--budget', String(BUDGET), '--concurrency', '3', '--no-sandbox', '--json'],
      { cwd: ws.dir, killWhen: (stderr) => /\[5\/14\]/.test(stderr) },
    );
    const runId = runIdIn(first.stderr);
    if (!runId) return { seen: first.stderr.trim(), survived: false, lost: 0, evaluated: 0, detail: 'no run started' };
    // Unsandboxed evaluations outlive the killed CLI (their own process groups); let them finish.
    await sleep(800);
    const listed = await runCli(['runs', 'list'], { cwd: ws.dir });
    const before = await loadRun(ws.runsDir, runId);
    const keysBefore = recordedKeys(before);
    const resumed = await runCli(['runs', 'resume', runId, '--no-sandbox', '--json', '--evaluator', evaluator], { cwd: ws.dir });
    const after = await loadRun(ws.runsDir, runId);
    const books = account(ws.ledger, after, keysBefore);
    const listedLine = listed.stdout.split('\n').find((l) => l.startsWith(runId)) ?? '';
    const problems = [
      first.signal === 'SIGKILL' ? undefined : 'the CLI was not killed mid-run',
      /\binterrupted\b/.test(listedLine) ? undefined : `runs list shows "${listedLine}", not interrupted`,
      crashSign(resumed),
      after.summary.status !== 'completed' ? `resumed run ${after.summary.status}` : undefined,
      after.summary.evaluations !== BUDGET ? `${after.summary.evaluations}/${BUDGET} evaluations after resume` : undefined,
      books.rerunAfterRecorded.length ? `evaluated again after being recorded: nodes ${books.rerunAfterRecorded.join(', ')}` : undefined,
      after.nodes.some((n) => n.status === 'evaluating' || n.status === 'generating') ? 'nodes left in flight' : undefined,
    ].filter(Boolean);
    const resumedLine = resumed.stderr.split('\n').find((l) => /: resuming /.test(l)) ?? resumed.stderr.split('\n')[0];
    return {
      seen: `runs list: "${listedLine.replace(/\s+/g, ' ').slice(0, 60)}"; runs resume: "${resumedLine.replace(/^genesis: run \S+: /, '').replace(/ \(evaluations: .*$/, '')}" → completed ${after.summary.evaluations}/${BUDGET}`,
      survived: problems.length === 0,
      lost: books.lost.length,
      evaluated: books.evaluated,
      detail: [...problems, `${keysBefore.size} recorded before the kill, ${books.evaluated} evaluated in all`].join('; '),
    };
  },
};

/** Pids of this process's children whose command line matches `pattern`. */
function childrenMatching(pattern: string): number[] {
  const out = spawnSync('pgrep', ['-P', String(process.pid), '-f', pattern], { encoding: 'utf8' });
  return out.stdout.split('\n').filter(Boolean).map(Number);
}

const launcherKilled: FaultScenario = {
  name: 'process: evaluation launcher killed (SIGKILL) mid-run',
  category: 'process',
  async run(): Promise<FaultOutcome> {
    const ws = makeWorkspace('launcher');
    const command = ws.evaluator('none', { delaySec: 0.4 });
    const evaluator = new LocalEvaluator({ workspaceRoot: ws.dir, command, sandbox: 'none', timeoutSec: 30, spawnFrom: 'launcher' });
    let killed: number | undefined;
    const killer = (async () => {
      for (let i = 0; i < 400 && ledgerStarts(ws.ledger) < 4; i++) await sleep(25);
      killed = childrenMatching('evaluation-launcher|launcherProcess')[0];
      if (killed !== undefined) process.kill(killed, 'SIGKILL');
    })();
    try {
      const { summary, runId } = await coreRun({ workspace: ws, evaluator, budget: 10, concurrency: 2, evaluatorCommand: command });
      await killer;
      // The session disposes the evaluator with the run: its waiting warm starts end then.
      await evaluator.dispose();
      const stored = await loadRun(ws.runsDir, runId);
      const books = account(ws.ledger, stored);
      const reason = reasonMatching(stored, /evaluation launcher exited/);
      await sleep(300);
      const leftovers = spawnSync('pgrep', ['-f', ws.ledger], { encoding: 'utf8' }).stdout.trim();
      const problems = [
        killed === undefined ? 'no launcher process was found to kill' : undefined,
        summary.status !== 'completed' ? `run ${summary.status}` : undefined,
        summary.evaluations !== 10 ? `${summary.evaluations}/10 evaluations` : undefined,
        reason ? undefined : 'no evaluation says the launcher exited',
        leftovers ? `evaluator processes left running: ${leftovers.replace(/\n/g, ' ')}` : undefined,
      ].filter(Boolean);
      return {
        seen: `${reason ?? '(no reason recorded)'}; run completed ${summary.evaluations}/10 with a new launcher`,
        survived: problems.length === 0,
        lost: books.lost.length,
        evaluated: books.evaluated,
        detail: problems.join('; ') || undefined,
      };
    } finally {
      await evaluator.dispose();
    }
  },
};

export const processScenarios: FaultScenario[] = [sigkillResume, launcherKilled];
