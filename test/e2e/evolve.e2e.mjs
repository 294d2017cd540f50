// End-to-end scenarios: a person evolves approx_exp in the example workspace, in a real VS Code
// (code-server) shown in headless Chromium. Run by test/harness/run-e2e.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  chooseFromContextMenu, findWebviewFrame, focusEditor, goToLine, numberIn, openFile, openViewContainer,
  runCommand, textOf, waitFor, waitForQuickPick,
} from './workbench.mjs';

const FILE = 'approx.py';
const FUNCTION = 'approx_exp';
const RUN_TIMEOUT_MS = Number(process.env.GENESIS_E2E_RUN_TIMEOUT_S ?? 300) * 1000;

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** The example's own evaluator, run by hand: { score, correct } of approx.py as it is on disk. */
export function evaluateOnDisk(workspace) {
  const r = spawnSync('python3', ['evaluate.py'], { cwd: workspace, encoding: 'utf8', timeout: 120_000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let result;
  try { result = JSON.parse(last); } catch { throw new Error(`evaluate.py printed no JSON (exit ${r.status}): ${r.stdout}${r.stderr}`); }
  return { score: result.score, correct: result.correct, exitCode: r.status };
}

/** A 1-based line inside the function's body (its return statement). */
function lineInsideFunction(workspace) {
  const lines = readFileSync(join(workspace, FILE), 'utf8').split('\n');
  const def = lines.findIndex((l) => l.startsWith(`def ${FUNCTION}(`));
  assert(def >= 0, `${FILE} defines ${FUNCTION}`);
  const ret = lines.findIndex((l, i) => i > def && l.trim().startsWith('return'));
  return (ret > def ? ret : def + 1) + 1;
}

/** Waits for the run in the panel to end; returns the final status text. */
async function waitForRunEnd(frame, log) {
  let last = '';
  const status = await waitFor('the run to complete', async () => {
    const text = await textOf(frame, '#run-status');
    if (text !== last) { log(`  status: ${text}`); last = text; }
    if (/\b(failed|error|stopped|cancelled)\b/i.test(text)) throw Object.assign(new Error(`run ended badly: ${text}`), { fatal: true });
    return /\bcompleted\b/i.test(text) ? text : null;
  }, { timeoutMs: RUN_TIMEOUT_MS, intervalMs: 1_000 });
  return status;
}

/** Starts the evolution from the editor's context menu, confirming the QuickPick with Enter. */
async function evolveFromContextMenu(page, workspace) {
  await openFile(page, FILE);
  await goToLine(page, lineInsideFunction(workspace));
  await chooseFromContextMenu(page, 'Evolve Function');
  await confirmQuickPick(page);
}

async function confirmQuickPick(page, expectItem) {
  await waitForQuickPick(page, `Genesis: evolve ${FUNCTION}`);
  const active = page.locator('.quick-input-widget .monaco-list-row.focused').first();
  await waitFor('the active QuickPick item to be "Start evolution"', async () => (await active.textContent())?.includes('Start evolution'), { timeoutMs: 10_000 });
  if (expectItem) {
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: expectItem }).first().waitFor({ state: 'visible', timeout: 10_000 });
  }
  await page.keyboard.press('Enter');
}

async function openPanelFrame(page) {
  await page.waitForSelector(`.tabs-container .tab[aria-label*="Genesis: ${FUNCTION}"]`, { timeout: 60_000 });
  return findWebviewFrame(page, '#run-status', { timeoutMs: 60_000 });
}

async function readScores(frame) {
  const best = numberIn(await textOf(frame, '#best-score'));
  const baseline = numberIn(await textOf(frame, '#baseline-score'));
  const rows = await frame.locator('.candidate[data-node-id]').count();
  return { best, baseline, rows };
}

const offline = {
  name: 'offline: right-click → Evolve Function → panel → Accept improves approx.py',
  workspace: 'ws-e2e',
  userSettings: { 'genesis.models': ['offline'], 'genesis.budget': 40, 'genesis.seed': 1 },
  async run({ page, workspace, log, screenshot }) {
    const before = evaluateOnDisk(workspace);
    const original = readFileSync(join(workspace, FILE), 'utf8');
    assert(before.correct === true && typeof before.score === 'number', `the example starts correct with a score (${JSON.stringify(before)})`);

    const t0 = Date.now();
    await evolveFromContextMenu(page, workspace);
    const frame = await openPanelFrame(page);
    log(`  panel open after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const status = await waitForRunEnd(frame, log);
    log(`  run completed in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${status}`);

    const { best, baseline, rows } = await readScores(frame);
    log(`  ${rows} candidates, baseline ${baseline}, best ${best}`);
    assert(rows > 0, 'the panel lists candidates');
    assert(best !== null && baseline !== null, 'best and baseline scores are shown');
    assert(best > baseline, `best ${best} beats baseline ${baseline}`);
    assert(Math.abs(baseline - before.score) <= 1e-3 * Math.max(1, Math.abs(before.score)),
      `panel baseline ${baseline} matches evaluate.py's ${before.score}`);
    const firstScore = numberIn(await textOf(frame, '.candidate[data-node-id] .score'));
    assert(firstScore !== null && Math.abs(firstScore - best) <= 1e-9 + 1e-3 * Math.abs(best), `rows are best first (${firstScore} vs ${best})`);
    await page.locator(`.tabs-container .tab[aria-label*="Genesis: ${FUNCTION}"]`).first().click().catch(() => {});
    await screenshot('panel');

    // The default strategy (adaptive) shows which strategies produced the evaluations, over the run.
    const allocation = frame.locator('#chart-allocation');
    await allocation.waitFor({ state: 'visible', timeout: 15_000 });
    const allocationText = await textOf(frame, '#chart-allocation figcaption');
    log(`  ${allocationText}`);
    assert(/^Strategy allocation: first evaluations mostly (elitist|best-of-n|beam|mcts|islands) \d+%/.test(allocationText), `the allocation chart describes itself: ${allocationText}`);
    const strategiesShown = await frame.locator('#chart-allocation .allocation-legend li').count();
    assert(strategiesShown >= 2, `the legend lists the strategies that made children (${strategiesShown})`);
    assert((await frame.locator('#chart-allocation rect').count()) > 0, 'the chart has columns');
    await allocation.scrollIntoViewIfNeeded();
    await screenshot('panel-allocation', { committed: false });

    await openViewContainer(page, 'Genesis');
    // The row's label is the function name; its status is in the accessible label (the icon shows it).
    const runItem = page.locator(`.part.sidebar .monaco-list-row[aria-label^="${FUNCTION}, "]`).first();
    await runItem.waitFor({ state: 'visible', timeout: 30_000 });
    const runLabel = (await runItem.getAttribute('aria-label')) ?? '';
    assert(runLabel.startsWith(`${FUNCTION}, completed,`), `the Runs view shows the completed run (${runLabel})`);
    await screenshot('sidebar');

    const notices = await textOf(frame, '#notices').catch(() => '');
    await frame.locator('.candidate[data-node-id]').first().locator('.accept').click();
    await waitFor('a notice after Accept', async () => {
      const now = await textOf(frame, '#notices');
      return now && now !== notices ? now : null;
    }, { timeoutMs: 30_000 }).then((n) => log(`  notice: ${n}`));

    await focusEditor(page, FILE);
    await page.keyboard.press('Control+S');
    const saved = await waitFor(`${FILE} to change on disk`, () => {
      const now = readFileSync(join(workspace, FILE), 'utf8');
      return now !== original ? now : null;
    }, { timeoutMs: 30_000 });
    assert(saved.includes(`def ${FUNCTION}(`), 'the function is still there after Accept');

    const after = evaluateOnDisk(workspace);
    log(`  on disk: before ${before.score}, after ${after.score} (correct: ${after.correct})`);
    assert(after.correct === true, 'the accepted code still passes its tests');
    assert(after.score > before.score, `the accepted code scores better on disk (${after.score} > ${before.score})`);
    const tests = spawnSync('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], { cwd: workspace, encoding: 'utf8' });
    if (tests.status === 0) log(`  pytest: ${tests.stdout.trim().split('\n').pop()}`);
    else assert(/No module named pytest/.test(tests.stderr), `pytest passes on the saved file:\n${tests.stdout}${tests.stderr}`);
  },
};

/** The LLM stand-in (test/fixtures/llmServerMain.ts) as a process; resolves with its base URL. */
function startLlmFixture(repoRoot) {
  return new Promise((resolveUrl, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/llmServerMain.ts', '--port', '0'], {
      cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`LLM fixture did not start: ${out}`)); }, 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /LISTENING (\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolveUrl({ url: m[1].replace(/\/$/, ''), stop: () => child.kill('SIGTERM') }); }
    });
    child.stderr.on('data', (d) => { out += d; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`LLM fixture exited (${code}): ${out}`)); });
  });
}

const openaiCompatible = {
  name: 'openai-compatible: the palette command evolves approx_exp with the fixture LLM server',
  workspace: 'ws-e2e-llm',
  async setup({ repoRoot }) {
    const fixture = await startLlmFixture(repoRoot);
    return {
      userSettings: { 'genesis.models': [`openai-compatible:${fixture.url}/v1#fixture-model`], 'genesis.budget': 12, 'genesis.seed': 1 },
      cleanup: fixture.stop,
    };
  },
  async run({ page, workspace, log, screenshot }) {
    const t0 = Date.now();
    await openFile(page, FILE);
    await goToLine(page, lineInsideFunction(workspace));
    await runCommand(page, 'Genesis: Evolve Function');
    await confirmQuickPick(page, 'openai-compatible');
    const frame = await openPanelFrame(page);
    const status = await waitForRunEnd(frame, log);
    log(`  run completed in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${status}`);
    const { best, baseline, rows } = await readScores(frame);
    log(`  ${rows} candidates, baseline ${baseline}, best ${best}`);
    assert(rows > 0, 'candidates from the LLM appear in the panel');
    const scored = await frame.locator('.candidate[data-node-id] .score').allTextContents();
    assert(scored.some((s) => numberIn(s) !== null), `at least one candidate has a score (${scored.join(', ')})`);
    const rowsText = (await frame.locator('#candidates').first().textContent()) ?? '';
    assert(rowsText.includes('fixture-model'), 'the candidates came from the fixture model, not the offline operator');
    await screenshot('panel-openai-compatible', { committed: false });
  },
};

export const scenarios = [offline, openaiCompatible];
