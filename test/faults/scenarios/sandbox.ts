// Sandbox faults: a machine where bubblewrap does not work (the CLI refuses to run candidates
// unsandboxed unless told to), a candidate that leaves its process group and closes its pipes
// (nothing of it may outlive the run), and a candidate that fills the disk (stopped at the limit,
// the run goes on).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalEvaluator } from '../../../src/core/evaluate/localEvaluator';
import {
  account, coreRun, crashSign, EXAMPLE_FILE, EXAMPLE_FUNCTION, loadRun, makeWorkspace, reasonMatching, runCli, runIdIn, sleep,
  type FaultOutcome, type FaultScenario,
} from '../lib';

const evolve = (evaluator: string, budget: number, extra: string[] = []) =>
  ['evolve', EXAMPLE_FILE, '--function', EXAMPLE_FUNCTION, '--evaluator', evaluator, '--budget', String(budget), '--concurrency', '2', ...extra, '--json'];

function processesMatching(marker: string): number[] {
  const out = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' });
  return out.stdout.split('\n').filter(Boolean).map(Number).filter((pid) => pid !== process.pid);
}

const noBubblewrap: FaultScenario = {
  name: 'sandbox: bubblewrap unusable, then --no-sandbox',
  category: 'sandbox',
  async run(): Promise<FaultOutcome> {
    const ws = makeWorkspace('no-bwrap');
    // A bwrap that fails as it does where user namespaces are off, first on PATH.
    const bin = join(ws.dir, '..', 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'bwrap'), '#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n');
    chmodSync(join(bin, 'bwrap'), 0o755);
    const env = { PATH: `${bin}:${process.env.PATH ?? ''}` };
    const refused = await runCli(evolve(ws.evaluator('none'), 4), { cwd: ws.dir, env });
    const message = refused.stderr.trim().split('\n')[0] ?? '';
    const allowed = await runCli(evolve(ws.evaluator('none'), 4, ['--no-sandbox']), { cwd: ws.dir, env });
    const runId = runIdIn(allowed.stderr);
    const stored = runId ? await loadRun(ws.runsDir, runId) : undefined;
    const books = stored ? account(ws.ledger, stored) : { lost: [], evaluated: 0 };
    const problems = [
      refused.code === 1 ? undefined : `without --no-sandbox the CLI exited ${refused.code}`,
      runIdIn(refused.stderr) ? 'a run started without a sandbox' : undefined,
      /apt install bubblewrap/.test(refused.stderr) && /--no-sandbox/.test(refused.stderr) ? undefined : 'the refusal does not say how to install bubblewrap or about --no-sandbox',
      crashSign(refused),
      crashSign(allowed),
      stored?.summary.status === 'completed' && stored.summary.evaluations === 4 ? undefined : `with --no-sandbox: ${stored ? `${stored.summary.status} ${stored.summary.evaluations}/4` : 'no run started'}`,
      /UNSANDBOXED|unsandboxed/.test(allowed.stderr) ? undefined : 'the unsandboxed run does not say so',
    ].filter(Boolean);
    return {
      seen: `${message.replace(/^genesis: /, '').slice(0, 70)}… (exit ${refused.code}); --no-sandbox: completed ${stored?.summary.evaluations ?? 0}/4 UNSANDBOXED`,
      survived: problems.length === 0,
      lost: books.lost.length,
      evaluated: books.evaluated,
      detail: problems.join('; ') || undefined,
    };
  },
};

const escapedProcess: FaultScenario = {
  name: 'sandbox: setsid nohup sleep & (--no-sandbox)',
  category: 'sandbox',
  async run(): Promise<FaultOutcome> {
    const ws = makeWorkspace('escape');
    const result = await runCli(evolve(ws.evaluator('escape', { every: 2 }), 6, ['--no-sandbox']), { cwd: ws.dir });
    await sleep(300);
    const left = processesMatching('sleep 3601\\.');
    for (const pid of left) process.kill(pid, 'SIGKILL');
    const runId = runIdIn(result.stderr);
    if (!runId) return { seen: result.stderr.trim().split('\n').pop() ?? '', survived: false, lost: 0, evaluated: 0, detail: 'no run started' };
    const stored = await loadRun(ws.runsDir, runId);
    const books = account(ws.ledger, stored);
    const problems = [
      crashSign(result),
      stored.summary.status !== 'completed' || stored.summary.evaluations !== 6 ? `run ${stored.summary.status} ${stored.summary.evaluations}/6` : undefined,
      left.length ? `${left.length} escaped processes outlived the run` : undefined,
    ].filter(Boolean);
    return {
      seen: `run completed ${stored.summary.evaluations}/6; escaped sleeps left running: ${left.length}`,
      survived: problems.length === 0,
      lost: books.lost.length,
      evaluated: books.evaluated,
      detail: problems.join('; ') || undefined,
    };
  },
};

const diskFiller: FaultScenario = {
  name: 'sandbox: candidate writes 400 MiB (limit 16)',
  category: 'sandbox',
  async run(): Promise<FaultOutcome> {
    const ws = makeWorkspace('disk-limit');
    const command = ws.evaluator('disk', { every: 3 });
    // The core: the disk limit has no CLI switch (its default is 1024 MiB).
    const evaluator = new LocalEvaluator({ workspaceRoot: ws.dir, command, sandbox: 'none', timeoutSec: 60, diskMb: 16 });
    try {
      const { summary, runId } = await coreRun({ workspace: ws, evaluator, budget: 6, concurrency: 2, evaluatorCommand: command });
      await evaluator.dispose();
      const stored = await loadRun(ws.runsDir, runId);
      const books = account(ws.ledger, stored);
      const reason = reasonMatching(stored, /disk limit exceeded/);
      const problems = [
        summary.status !== 'completed' || summary.evaluations !== 6 ? `run ${summary.status} ${summary.evaluations}/6` : undefined,
        reason ? undefined : `no evaluation stopped at the disk limit (reasons: ${[...new Set(stored.nodes.map((n) => n.reason).filter(Boolean))].join(' | ')})`,
        existsSync(ws.dir) ? undefined : 'the workspace vanished',
      ].filter(Boolean);
      return {
        seen: `${reason ?? '(no reason recorded)'}; run completed ${summary.evaluations}/6`,
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

export const sandboxScenarios: FaultScenario[] = [noBubblewrap, escapedProcess, diskFiller];
