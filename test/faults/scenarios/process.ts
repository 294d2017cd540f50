// Genesis itself dies: the CLI is killed with SIGKILL while evaluations are in flight, then the
// user resumes the run. Completed evaluations must be there exactly once; in-flight ones run again.
import { account, crashSign, EXAMPLE_FILE, EXAMPLE_FUNCTION, loadRun, makeWorkspace, recordedKeys, runCli, runIdIn, sleep, type FaultOutcome, type FaultScenario } from '../lib';

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
    const resumed = await runCli(['runs', 'resume', runId, '--no-sandbox', '--json'], { cwd: ws.dir });
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

export const processScenarios: FaultScenario[] = [sigkillResume];
