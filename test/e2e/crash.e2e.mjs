// End to end: a run survives the window being reloaded and the extension host being killed, in a
// real VS Code (code-server) in headless Chromium. Run by test/harness/run-e2e.mjs (`scenarios`).
//   evolve from the command palette → evaluations under way → reload the window → the sidebar
//   shows the run stopped/interrupted → resume it from the sidebar → evaluations under way →
//   SIGKILL the extension host process → reload → the sidebar shows it interrupted → resume →
//   it completes. The evaluator keeps a ledger outside the work dir: every evaluation it
//   performed must be in the stored run, completed ones exactly once (never run again after being
//   recorded). Rows for the fault matrix go to GENESIS_CRASH_E2E_OUT when set.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { clickMenuItem, goToLine, openFile, runCommand, sleep, waitFor, waitForQuickPick } from './workbench.mjs';

const FILE = 'approx.py';
const FUNCTION = 'approx_exp';
const BUDGET = 20;
const RUN_TIMEOUT_MS = 240_000;

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** The fault evaluator of the fault matrix (test/faults/accounting.ts), as Python source. */
function faultEvaluatorSource(repoRoot) {
  const ts = readFileSync(join(repoRoot, 'test/faults/accounting.ts'), 'utf8');
  const m = /FAULT_EVAL_PY = String\.raw`([\s\S]*?)`;/.exec(ts);
  if (!m) throw new Error('FAULT_EVAL_PY not found in test/faults/accounting.ts');
  return m[1];
}

function ledger(path) {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => {
    const [kind, id, digest] = line.split(' ');
    return { kind, id, digest };
  });
}

/** The stored run as the extension would reload it: last state of every node, from events.jsonl. */
function storedRun(runsDir, runId) {
  const text = readFileSync(join(runsDir, runId, 'events.jsonl'), 'utf8');
  let source;
  const nodes = new Map();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let event;
    try { event = JSON.parse(line); } catch { continue; }
    if (event.type === 'run-started') {
      source = event.source;
      nodes.set(event.root.id, event.root);
    } else if (event.type === 'node-added' || event.type === 'node-updated') {
      // The log leaves out a node's code and diff while unchanged (a new node's code while it is
      // its parent's): fill them back in as the store's loader does.
      const node = event.node;
      const earlier = nodes.get(node.id);
      if (typeof node.code !== 'string') node.code = earlier?.code ?? (node.parentId != null ? nodes.get(node.parentId)?.code : undefined) ?? '';
      if (typeof node.diff !== 'string') node.diff = earlier?.diff ?? '';
      nodes.set(node.id, node);
    }
  }
  const summary = JSON.parse(readFileSync(join(runsDir, runId, 'summary.json'), 'utf8'));
  return { source, nodes, summary };
}

const sha16 = (text) => createHash('sha1').update(text).digest('hex').slice(0, 16);

/** Keys (`runId-node digest`) of the evaluations the store holds. */
function recordedKeys(run, runId) {
  const keys = new Set();
  for (const n of run.nodes.values()) {
    if (!n.evaluation) continue;
    const file = run.source.fileText.slice(0, run.source.startIndex) + n.code + run.source.fileText.slice(run.source.endIndex);
    keys.add(`${runId}-${n.id} ${sha16(file)}`);
  }
  return keys;
}

/** Ledger against store: lost evaluations, ones cancelled by a stop, and completed ones run again. */
function books(ledgerPath, run, runId, recordedBefore = new Set()) {
  const seen = new Map();
  for (const e of ledger(ledgerPath).filter((x) => x.id.startsWith(`${runId}-`))) {
    const key = `${e.id} ${e.digest}`;
    const k = seen.get(key) ?? { started: false, ended: 0 };
    if (e.kind === 'S') k.started = true;
    else k.ended++;
    seen.set(key, k);
  }
  const recorded = recordedKeys(run, runId);
  const lost = [];
  const cancelled = [];
  const rerun = [];
  for (const [key, k] of seen) {
    if (recorded.has(key)) {
      if (recordedBefore.has(key) && k.ended > 1) rerun.push(key);
      continue;
    }
    const node = run.nodes.get(key.split(' ')[0].slice(runId.length + 1));
    if (k.ended === 0 && node?.status === 'skipped' && /run stopped during evaluation/.test(node.reason ?? '')) cancelled.push(key);
    else lost.push(key);
  }
  return { evaluated: seen.size, lost, cancelled, rerun };
}

function cmdline(pid) {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch { return ''; }
}

function parentPid(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch { return 0; }
}

/** The extension host of this code-server: a node process with `extensionHost` in its command line, descended from the server that uses `userDataDir`. */
function extensionHostPid(userDataDir) {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (!/extensionHost|bootstrap-fork/.test(cmdline(pid)) || !/extensionHost/.test(cmdline(pid))) continue;
    for (let p = parentPid(pid), hops = 0; p > 1 && hops < 10; p = parentPid(p), hops++) {
      if (cmdline(p).includes(userDataDir)) return pid;
    }
  }
  return undefined;
}

/** The run's row in the sidebar: its label is the function name; its status is in the accessible label (the icon shows it). */
const runRow = (page, status) => page.locator(status.split('|')
  .map((s) => `.part.sidebar .monaco-list-row[aria-label^="${FUNCTION}, ${s},"]`).join(', ')).first();

/** Shows the Genesis sidebar whatever state the reload restored (its icon may be checked while the sidebar is hidden). */
async function showGenesisSidebar(page) {
  const item = page.locator('.part.activitybar .action-item a[aria-label^="Genesis"]').first();
  await item.waitFor({ state: 'visible', timeout: 60_000 });
  await waitFor('the Genesis sidebar', async () => {
    // The sidebar's title reads "Genesis: Runs" when the container shows (whatever element holds it).
    if (await page.locator('.part.sidebar', { hasText: 'Genesis: Runs' }).first().isVisible()) return true;
    // A short click timeout: the icon's progress badge may keep it from settling while the host starts.
    await item.click({ timeout: 5_000, force: true }).catch(() => {});
    await sleep(750);
    return false;
  }, { timeoutMs: 30_000, intervalMs: 250 });
}

/** Reopens the run from the sidebar after a reload: it must show as `status`; then Resume Run. */
async function resumeFromSidebar(page, status, log) {
  // The reloaded workbench restores the last view (the Genesis sidebar), not the explorer.
  await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: 60_000 });
  await showGenesisSidebar(page);
  const row = runRow(page, status);
  await row.waitFor({ state: 'visible', timeout: 60_000 });
  const text = (await row.getAttribute('aria-label')) ?? '';
  log(`  sidebar: ${text}`);
  await row.click({ button: 'right' });
  await clickMenuItem(page, 'Resume Run');
  return text;
}

/** What setup() made, for run() (the harness calls both, in order, in this process). */
let staged;

const crashScenario = {
  name: 'crash: window reloaded and extension host killed mid-run; resumed from the sidebar, nothing lost',
  workspace: 'ws-e2e-crash',
  async setup({ repoRoot }) {
    const scratch = mkdtempSync(join(tmpdir(), 'genesis-crash-e2e-'));
    const ledgerPath = join(scratch, 'ledger.txt');
    writeFileSync(ledgerPath, '');
    const evaluatorPath = join(scratch, 'fault_eval.py');
    writeFileSync(evaluatorPath, faultEvaluatorSource(repoRoot));
    staged = { ledgerPath };
    return {
      // Unsandboxed so that the evaluator can append to its ledger outside the work dir.
      userSettings: {
        'genesis.models': ['offline'],
        'genesis.budget': BUDGET,
        'genesis.concurrency': 2,
        'genesis.seed': 5,
        'genesis.sandbox': 'none',
        'genesis.evaluatorCommand': `python3 ${evaluatorPath} ${ledgerPath} none 3 0.6`,
      },
      cleanup: async () => rmSync(scratch, { recursive: true, force: true }),
    };
  },
  async run({ page, workspace, server, log, screenshot }) {
    assert(staged, 'setup() ran first');
    const { ledgerPath } = staged;
    const runsDir = join(workspace, '.genesis', 'runs');
    const ended = () => ledger(ledgerPath).filter((e) => e.kind === 'E').length;
    const rows = [];

    // ---- evolve from the command palette ----
    await openFile(page, FILE);
    const lines = readFileSync(join(workspace, FILE), 'utf8').split('\n');
    await goToLine(page, lines.findIndex((l) => l.startsWith(`def ${FUNCTION}(`)) + 2);
    await runCommand(page, 'Genesis: Evolve Function');
    await waitForQuickPick(page, `Genesis: evolve ${FUNCTION}`);
    await page.keyboard.press('Enter');
    await waitFor('three evaluations', () => ended() >= 3, { timeoutMs: 120_000 });
    const runId = await waitFor('the run folder', () => (existsSync(runsDir) ? readdirSync(runsDir)[0] : undefined));
    log(`  run ${runId}: ${ended()} evaluations done, reloading the window`);

    // ---- fault 1: the window is reloaded mid-run ----
    await page.reload();
    await sleep(2_000); // what the reload cancelled settles
    const afterReload = storedRun(runsDir, runId);
    const keysAfterReload = recordedKeys(afterReload, runId);
    const sidebar1 = await resumeFromSidebar(page, 'stopped|interrupted', log);
    const resumedAt = ended();
    await waitFor('evaluations after the resume', () => ended() >= resumedAt + 3, { timeoutMs: 120_000 });

    // ---- fault 2: the extension host is killed with SIGKILL while evaluations are in flight ----
    const hostPid = extensionHostPid(server.userDataDir);
    assert(hostPid, 'found the extension host process');
    const inFlight = ledger(ledgerPath).filter((e) => e.kind === 'S').length - ended();
    log(`  SIGKILL extension host ${hostPid} with ${inFlight} evaluation(s) in flight`);
    process.kill(hostPid, 'SIGKILL');
    await sleep(2_500); // unsandboxed evaluations outlive the host: let them finish
    const afterKill = storedRun(runsDir, runId);
    const keysAfterKill = recordedKeys(afterKill, runId);
    await page.reload();
    const sidebar2 = await resumeFromSidebar(page, 'interrupted', log);
    await waitFor('the resumed run to complete', () => {
      try { return storedRun(runsDir, runId).summary.status === 'completed'; } catch { return false; }
    }, { timeoutMs: RUN_TIMEOUT_MS });
    await showGenesisSidebar(page);
    await runRow(page, 'completed').waitFor({ state: 'visible', timeout: 30_000 });
    await screenshot('crash-resumed', { committed: false });

    const final = storedRun(runsDir, runId);
    const evaluations = [...final.nodes.values()].filter((n) => n.evaluation).length;
    const account1 = books(ledgerPath, final, runId, keysAfterReload);
    const account2 = books(ledgerPath, final, runId, keysAfterKill);
    log(`  completed: ${evaluations}/${BUDGET} evaluations, ledger ${account2.evaluated}, lost ${account2.lost.length}, cancelled by the reload ${account2.cancelled.length}, run again after being recorded ${account2.rerun.length}`);
    const common = { lost: account2.lost.length, evaluated: account2.evaluated };
    const problems1 = [
      /stopped|interrupted/.test(sidebar1) ? undefined : `sidebar showed "${sidebar1}"`,
      account1.rerun.length ? `run again after being recorded: ${account1.rerun.join(', ')}` : undefined,
    ].filter(Boolean);
    rows.push({
      fault: 'window reloaded mid-run, resumed',
      seen: `sidebar: "${sidebar1}" → Resume Run → completed ${evaluations}/${BUDGET}`,
      survived: problems1.length === 0,
      ...common,
      detail: [...problems1, `${account2.cancelled.length} in-flight evaluation(s) cancelled by the reload (recorded as stopped, not re-queued)`].join('; '),
    });
    const problems2 = [
      /interrupted/.test(sidebar2) ? undefined : `sidebar showed "${sidebar2}"`,
      final.summary.status === 'completed' ? undefined : `run ${final.summary.status}`,
      evaluations === BUDGET ? undefined : `${evaluations}/${BUDGET} evaluations`,
      account2.rerun.length ? `run again after being recorded: ${account2.rerun.join(', ')}` : undefined,
      [...final.nodes.values()].some((n) => n.status === 'evaluating' || n.status === 'generating') ? 'nodes left in flight' : undefined,
    ].filter(Boolean);
    rows.push({ fault: 'extension host killed (SIGKILL), resumed', seen: `sidebar: "${sidebar2}" → Resume Run → completed ${evaluations}/${BUDGET}`, survived: problems2.length === 0, ...common, ...(problems2.length ? { detail: problems2.join('; ') } : {}) });
    const out = process.env.GENESIS_CRASH_E2E_OUT;
    if (out) {
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, JSON.stringify({ rows }, null, 2) + '\n');
    }
    assert(problems1.length === 0 && problems2.length === 0, [...problems1, ...problems2].join('; '));
    assert(account2.lost.length === 0, `evaluations lost: ${account2.lost.join(', ')}`);
  },
};

export const scenarios = [crashScenario];
