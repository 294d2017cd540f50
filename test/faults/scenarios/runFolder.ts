// Faults of the run folder itself, through the CLI: two `runs resume` of one run at once (one
// writer per run), a log with damaged lines (valid JSON of the wrong shape), and a run folder
// whose stored evaluator command is not this workspace's (someone else's run).
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  account, crashSign, EXAMPLE_FILE, EXAMPLE_FUNCTION, ledgerStarts, loadRun, makeWorkspace, recordedKeys, runCli, runIdIn, sleep, type FaultOutcome, type FaultScenario, type Workspace,
} from '../lib';

/** A run killed (SIGKILL) once `killAt` evaluations are done: an interrupted run to resume. */
async function interruptedRun(ws: Workspace, evaluator: string, budget: number, killAt: number): Promise<string | undefined> {
  const first = await runCli(
    ['evolve', EXAMPLE_FILE, '--function', EXAMPLE_FUNCTION, '--evaluator', evaluator, '--budget', String(budget), '--concurrency', '2', '--no-sandbox', '--json'],
    { cwd: ws.dir, killWhen: (stderr) => new RegExp(`\\[${killAt}/${budget}\\]`).test(stderr) },
  );
  // Unsandboxed evaluations outlive the killed CLI (their own process groups); let them finish.
  await sleep(800);
  return runIdIn(first.stderr);
}

/** Evaluations (id and candidate) the evaluator finished more than once. */
function finishedTwice(ledger: string, runId: string): string[] {
  const ends = new Map<string, number>();
  for (const line of readFileSync(ledger, 'utf8').split('\n')) {
    const [kind, id, digest] = line.split(' ');
    if (kind !== 'E' || !id?.startsWith(`${runId}-`)) continue;
    ends.set(`${id} ${digest}`, (ends.get(`${id} ${digest}`) ?? 0) + 1);
  }
  return [...ends].filter(([, n]) => n > 1).map(([key]) => key.split(' ')[0]);
}

const twoResumes: FaultScenario = {
  name: 'run folder: two resumes of one run at once',
  category: 'process',
  async run(): Promise<FaultOutcome> {
    const ws = makeWorkspace('two-resumes');
    const budget = 8;
    const evaluator = ws.evaluator('none', { delaySec: 0.3 });
    const runId = await interruptedRun(ws, evaluator, budget, 3);
    if (!runId) return { seen: '', survived: false, lost: 0, evaluated: 0, detail: 'no run started' };
    const keysBefore = recordedKeys(await loadRun(ws.runsDir, runId));
    const args = ['runs', 'resume', runId, '--no-sandbox', '--json', '--evaluator', evaluator];
    const [a, b] = await Promise.all([runCli(args, { cwd: ws.dir }), runCli(args, { cwd: ws.dir })]);
    const refused = [a, b].filter((r) => /is being written by process \d+/.test(r.stderr));
    const finished = [a, b].filter((r) => r.code === 0);
    const after = await loadRun(ws.runsDir, runId);
    const books = account(ws.ledger, after, keysBefore);
    const twice = finishedTwice(ws.ledger, runId);
    const told = refused[0]?.stderr.split('\n').find((l) => /is being written by/.test(l))?.trim() ?? '';
    const problems = [
      crashSign(a),
      crashSign(b),
      refused.length === 1 ? undefined : `${refused.length} resumes were refused (want exactly 1): ${a.stderr.slice(-200)} | ${b.stderr.slice(-200)}`,
      finished.length === 1 ? undefined : `${finished.length} resumes finished (want exactly 1)`,
      refused[0]?.code === 1 ? undefined : 'the refused resume did not exit with 1',
      after.summary.status !== 'completed' ? `run ${after.summary.status}` : undefined,
      after.summary.evaluations !== budget ? `${after.summary.evaluations}/${budget} evaluations` : undefined,
      twice.length ? `evaluated twice: nodes ${twice.join(', ')}` : undefined,
      books.rerunAfterRecorded.length ? `evaluated again after being recorded: nodes ${books.rerunAfterRecorded.join(', ')}` : undefined,
      existsSync(join(ws.runsDir, runId, 'writer.lock')) ? 'the writer lock was left behind' : undefined,
    ].filter(Boolean);
    return {
      seen: `${told.replace(/^genesis: /, '').replace(/ \(host [^)]*\)/, ' (host H, since T)')}; the other completed ${after.summary.evaluations}/${budget}`,
      survived: problems.length === 0,
      lost: books.lost.length,
      evaluated: books.evaluated,
      detail: [...problems, `${keysBefore.size} recorded before the resumes`].join('; '),
    };
  },
};

/** Valid JSON that is not an event, as a damaged disk or an editor leaves it. */
const DAMAGED_LINES = ['null', '{"node":null}', '{"type":"node-updated","node":{"id":7,"status":"done"}}', '[1,2,3]', '{"type":"node-added","node":null}', '{"type":"run-status","status":42}', '"text"', '{"type":"node-upd'];

const damagedLog: FaultScenario = {
  name: 'run folder: damaged log lines, then resumed',
  category: 'disk',
  async run(): Promise<FaultOutcome> {
    const ws = makeWorkspace('damaged-log');
    const budget = 6;
    const evaluator = ws.evaluator('none');
    const runId = await interruptedRun(ws, evaluator, budget, 3);
    if (!runId) return { seen: '', survived: false, lost: 0, evaluated: 0, detail: 'no run started' };
    const log = join(ws.runsDir, runId, 'events.jsonl');
    // A torn last line from the kill is possible: the damage starts on a line of its own.
    appendFileSync(log, '\n' + DAMAGED_LINES.join('\n') + '\n');
    const keysBefore = recordedKeys(await loadRun(ws.runsDir, runId));
    const shown = await runCli(['runs', 'show', runId], { cwd: ws.dir });
    const listed = await runCli(['runs', 'list'], { cwd: ws.dir });
    const exported = await runCli(['runs', 'export', '--out', 'export.jsonl'], { cwd: ws.dir });
    const resumed = await runCli(['runs', 'resume', runId, '--no-sandbox', '--json', '--evaluator', evaluator], { cwd: ws.dir });
    const after = await loadRun(ws.runsDir, runId);
    const books = account(ws.ledger, after, keysBefore);
    const warning = shown.stderr.split('\n').find((l) => /not events of the right shape/.test(l))?.trim() ?? '';
    const problems = [
      ...[shown, listed, exported, resumed].map(crashSign),
      shown.code === 0 ? undefined : `runs show exited ${shown.code}: ${shown.stderr.trim().slice(-300)}`,
      /TypeError/.test(shown.stderr + listed.stderr + exported.stderr + resumed.stderr) ? 'a TypeError reached the user' : undefined,
      warning ? undefined : 'runs show did not say lines were set aside',
      listed.stdout.includes(runId) ? undefined : 'runs list does not show the run',
      exported.code === 0 ? undefined : `runs export exited ${exported.code}: ${exported.stderr.trim().slice(-300)}`,
      after.summary.status !== 'completed' ? `resumed run ${after.summary.status}: ${resumed.stderr.trim().split('\n').pop()}` : undefined,
      after.summary.evaluations !== budget ? `${after.summary.evaluations}/${budget} evaluations after resume` : undefined,
      books.rerunAfterRecorded.length ? `evaluated again after being recorded: nodes ${books.rerunAfterRecorded.join(', ')}` : undefined,
    ].filter(Boolean);
    return {
      seen: `runs show: "${warning.replace(/^genesis: warning: run \S+: /, '').slice(0, 70)}…"; resume completed ${after.summary.evaluations}/${budget}`,
      survived: problems.length === 0,
      lost: books.lost.length,
      evaluated: books.evaluated,
      detail: problems.join('; ') || undefined,
    };
  },
};

const foreignCommand: FaultScenario = {
  name: 'run folder: stored command is not the workspace\'s',
  category: 'process',
  async run(): Promise<FaultOutcome> {
    const ws = makeWorkspace('foreign-command');
    const budget = 5;
    const evaluator = ws.evaluator('none');
    const runId = await interruptedRun(ws, evaluator, budget, 2);
    if (!runId) return { seen: '', survived: false, lost: 0, evaluated: 0, detail: 'no run started' };
    // Someone else's run: its log now runs their command, which leaves a marker when it runs.
    const marker = join(ws.dir, '..', 'foreign-command-ran');
    const foreign = `touch ${marker}; ${evaluator}`;
    const log = join(ws.runsDir, runId, 'events.jsonl');
    const text = readFileSync(log, 'utf8');
    writeFileSync(log, text.split(JSON.stringify(evaluator)).join(JSON.stringify(foreign)));
    const logBefore = readFileSync(log, 'utf8');
    const startsBefore = ledgerStarts(ws.ledger);
    const refused = await runCli(['runs', 'resume', runId, '--no-sandbox', '--json', '--evaluator', evaluator], { cwd: ws.dir });
    const refusedCleanly = refused.code === 1 && !existsSync(marker) && ledgerStarts(ws.ledger) === startsBefore && readFileSync(log, 'utf8') === logBefore;
    const told = refused.stderr.split('\n').find((l) => /would run something other than this workspace/.test(l))?.trim() ?? '';
    const printsBoth = refused.stderr.includes(`stored in the run: ${foreign}`) && refused.stderr.includes(`this workspace (--evaluator, the default models): ${evaluator}`);
    // The user checks it and accepts: the run completes with nothing lost.
    const accepted = await runCli(['runs', 'resume', runId, '--no-sandbox', '--json', '--yes'], { cwd: ws.dir });
    const after = await loadRun(ws.runsDir, runId);
    const books = account(ws.ledger, after);
    const problems = [
      crashSign(refused),
      crashSign(accepted),
      refusedCleanly ? undefined : `the refused resume ran or wrote something (exit ${refused.code}, marker ${existsSync(marker)})`,
      told ? undefined : `no refusal message: ${refused.stderr.trim().slice(-300)}`,
      printsBoth ? undefined : 'the refusal does not print both commands',
      after.summary.status !== 'completed' ? `accepted resume ${after.summary.status}` : undefined,
    ].filter(Boolean);
    return {
      seen: `${told.replace(/^genesis: /, '')} (both printed); with --yes it completed ${after.summary.evaluations}/${budget}`,
      survived: problems.length === 0,
      lost: books.lost.length,
      evaluated: books.evaluated,
      detail: problems.join('; ') || undefined,
    };
  },
};

export const runFolderScenarios: FaultScenario[] = [twoResumes, damagedLog, foreignCommand];
