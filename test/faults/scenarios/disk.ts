// Disk faults through the CLI: a runs directory that cannot be created (a file stands where a
// folder should be), one on a read-only mount, and a disk that fills up mid-run (a small tmpfs;
// where mounting is not allowed, RLIMIT_FSIZE on the CLI process). Chmod is useless: we run as root.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  account, crashSign, EXAMPLE_FILE, EXAMPLE_FUNCTION, ledgerStarts, loadRun, makeWorkspace, runCli, runIdIn, type FaultOutcome, type FaultScenario, type Workspace,
} from '../lib';

const evolveArgs = (ws: Workspace, runsDir: string, budget: number, extra: string[] = []) => [
  'evolve', EXAMPLE_FILE, '--function', EXAMPLE_FUNCTION, '--evaluator', ws.evaluator('none'), '--budget', String(budget),
  '--runs-dir', runsDir, '--no-sandbox', '--json', ...extra,
];

function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `/tmp/genesis-faults-mount-probe-${process.pid}`;
  mkdirSync(probe, { recursive: true });
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', probe]).status === 0;
  if (ok) spawnSync('umount', [probe]);
  spawnSync('rmdir', [probe]);
  return ok;
}

/** The run refuses to start, says why, and evaluates nothing. */
async function refusesToStart(ws: Workspace, runsDir: string, expect: RegExp): Promise<FaultOutcome> {
  const result = await runCli(evolveArgs(ws, runsDir, 4), { cwd: ws.dir });
  const message = result.stderr.split('\n').find((l) => expect.test(l))?.trim();
  const evaluated = ledgerStarts(ws.ledger);
  const problems = [
    crashSign(result),
    result.code === 1 ? undefined : `exit code ${result.code}`,
    message ? undefined : `no message matching ${expect}: ${result.stderr.trim().slice(0, 300)}`,
    evaluated > 0 ? `${evaluated} evaluations ran with nowhere to record them` : undefined,
  ].filter(Boolean);
  return {
    seen: (message ?? result.stderr.trim()).replace(ws.dir, 'WS'),
    survived: problems.length === 0,
    lost: 0,
    evaluated,
    ...(problems.length ? { detail: problems.join('; ') } : {}),
  };
}

const fileInsteadOfDir: FaultScenario = {
  name: 'disk: runs dir unwritable (a file in the way)',
  category: 'disk',
  async run() {
    const ws = makeWorkspace('notdir');
    writeFileSync(join(ws.dir, 'blocker'), 'not a folder');
    return refusesToStart(ws, join(ws.dir, 'blocker', 'runs'), /cannot create the run folder .*(ENOTDIR|not a folder)/);
  },
};

const readOnlyMount: FaultScenario = {
  name: 'disk: runs dir on a read-only mount',
  category: 'disk',
  async run() {
    if (!canMount()) return { seen: '', survived: false, lost: 0, evaluated: 0, skipped: 'mount is not allowed here (needs root and CAP_SYS_ADMIN)' };
    const ws = makeWorkspace('rofs');
    const ro = join(ws.dir, '..', 'ro');
    mkdirSync(ro);
    if (spawnSync('mount', ['--bind', '-o', 'ro', ro, ro]).status !== 0) {
      return { seen: '', survived: false, lost: 0, evaluated: 0, skipped: 'read-only bind mount failed' };
    }
    try {
      return await refusesToStart(ws, join(ro, 'runs'), /cannot create the run folder .*(EROFS|read-only)/);
    } finally {
      spawnSync('umount', [ro]);
    }
  },
};

/**
 * The disk fills up mid-run. The user must be told, the run must not go on evaluating what it
 * cannot record, and once space is back `genesis runs resume` must finish it with every
 * evaluation recorded: the evaluator's ledger against the stored run.
 */
const diskFull: FaultScenario = {
  name: 'disk: disk full mid-run, then resumed',
  category: 'disk',
  async run(): Promise<FaultOutcome> {
    const ws = makeWorkspace('full');
    const budget = 40;
    const mountPoint = join(ws.dir, '..', 'small');
    mkdirSync(mountPoint);
    const runsDir = join(mountPoint, 'runs');
    let how: string;
    let first;
    const mounted = canMount() && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint]).status === 0;
    try {
      if (mounted) {
        how = 'a 64 KiB tmpfs';
        first = await runCli(evolveArgs(ws, runsDir, budget), { cwd: ws.dir });
        spawnSync('mount', ['-o', 'remount,size=16m', mountPoint]);
      } else {
        how = 'ulimit -f 64 on the CLI';
        first = await runCli(evolveArgs(ws, runsDir, budget), { cwd: ws.dir, shellPrefix: 'ulimit -f 64;' });
      }
      const runId = runIdIn(first.stderr);
      if (!runId) return { seen: first.stderr.trim(), survived: false, lost: 0, evaluated: 0, detail: 'no run started' };
      const told = first.stderr.split('\n').find((l) => /cannot write the run (log|summary)|could not be written/.test(l))?.trim();
      const firstBooks = account(ws.ledger, await loadRun(runsDir, runId));
      // Space is back: resume, as the message says.
      const resumed = await runCli(['runs', 'resume', runId, '--runs-dir', runsDir, '--no-sandbox', '--json', '--evaluator', ws.evaluator('none')], { cwd: ws.dir });
      const after = await loadRun(runsDir, runId);
      const books = account(ws.ledger, after);
      const problems = [
        crashSign(first),
        crashSign(resumed),
        told ? undefined : 'the user was not told that the run log cannot be written',
        // At most what was in flight (2) plus the one whose result hit the full disk may be missing before the resume.
        firstBooks.lost.length > 3 ? `${firstBooks.lost.length} evaluations were not recorded before the resume: the run went on evaluating what it could not record` : undefined,
        after.summary.status !== 'completed' ? `resumed run ${after.summary.status}: ${resumed.stderr.trim().split('\n').pop()}` : undefined,
      ].filter(Boolean);
      return {
        seen: (told ?? '(nothing)').replace(/\/tmp\/genesis-faults-[^ ]*\/small/, 'RUNS').replace(/^genesis: /, ''),
        survived: problems.length === 0,
        lost: books.lost.length,
        evaluated: books.evaluated,
        detail: [...problems, `disk filled with ${how}; ${after.summary.evaluations}/${budget} evaluations after resume`].join('; '),
      };
    } finally {
      if (mounted) spawnSync('umount', [mountPoint]);
    }
  },
};

export const diskScenarios: FaultScenario[] = [fileInsteadOfDir, readOnlyMount, diskFull];
