// End-to-end onboarding: a project with tests but no evaluator. In a real VS Code (code-server in
// headless Chromium) the user creates an evaluator from the function's tests, reviews it, evolves
// with the offline model, and the function's score improves. Run by test/harness/run-e2e.mjs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  chooseFromContextMenu, findWebviewFrame, numberIn, runCommand, sleep, textOf, waitFor,
  waitForQuickPick,
} from './workbench.mjs';

const RUN_TIMEOUT_MS = Number(process.env.GENESIS_E2E_RUN_TIMEOUT_S ?? 300) * 1000;

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** A 1-based line inside the function: the first line after its header. */
function lineInside(workspace, file, header) {
  const lines = readFileSync(join(workspace, file), 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith(header));
  assert(at >= 0, `${file} has "${header}"`);
  return at + 2;
}

/** Ctrl+G to a 1-based line, with waits long enough for a heavily loaded host. */
async function goToLine(page, line) {
  const input = page.locator('.quick-input-widget input.input').first();
  await page.keyboard.press('Control+G');
  await input.waitFor({ state: 'visible', timeout: 60_000 });
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
  await waitFor(`the status bar to show line ${line}`, async () => {
    const text = await page.locator('.statusbar-item[id="status.editor.selection"]').first().textContent({ timeout: 5_000 });
    return text?.includes(`Ln ${line},`);
  }, { timeoutMs: 60_000 });
}

/**
 * Opens a workspace file from the Explorer, as a person would (Quick Open needs the file search,
 * which can lag for minutes on a busy host).
 */
async function openWorkspaceFile(page, file) {
  const parts = file.split('/');
  const explorer = page.locator('.explorer-folders-view');
  for (const folder of parts.slice(0, -1)) {
    const row = explorer.locator(`.monaco-list-row[aria-label="${folder}"]`).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  }
  const name = parts[parts.length - 1];
  const fileRow = explorer.locator(`.monaco-list-row[aria-label="${name}"]`).first();
  await fileRow.waitFor({ state: 'visible', timeout: 30_000 });
  await fileRow.dblclick();
  await page.waitForSelector(`.tabs-container .tab.active[aria-label*="${name}"]`, { timeout: 30_000 });
  // A double-click opens the file pinned and focuses its editor; click into it if it did not.
  const focused = page.locator('.monaco-editor.focused').first();
  if (!(await focused.waitFor({ state: 'visible', timeout: 20_000 }).then(() => true, () => false))) {
    await page.locator('.part.editor .monaco-editor').first().click({ position: { x: 300, y: 400 } });
    await focused.waitFor({ state: 'visible', timeout: 30_000 });
  }
}

async function rightClickMenu(page, workspace, file, header, item) {
  await openWorkspaceFile(page, file);
  await goToLine(page, lineInside(workspace, file, header));
  await chooseFromContextMenu(page, item);
}

/**
 * Clicks a notification's button: on its toast, or, when the toast has already hidden itself (VS
 * Code hides them after a while, sooner than a busy machine lets a test click), in the
 * notification center, where the notification stays.
 */
async function clickNotificationButton(page, label) {
  const onToast = page.locator('.notifications-toasts .monaco-button', { hasText: label }).first();
  if (await onToast.click({ timeout: 5_000 }).then(() => true, () => false)) return;
  await page.locator('.statusbar-item[id="status.notifications"]').first().click();
  await page.locator('.notifications-center .monaco-button', { hasText: label }).first().click({ timeout: 30_000 });
}

/** Confirms the Evolve QuickPick after checking that it proposes the generated evaluator. */
async function startFromQuickPick(page, functionName, evaluatorCommand) {
  await waitForQuickPick(page, `Genesis: evolve ${functionName}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: `Evaluator: ${evaluatorCommand}` }).first()
    .waitFor({ state: 'visible', timeout: 10_000 });
  const active = page.locator('.quick-input-widget .monaco-list-row.focused').first();
  await waitFor('"Start evolution" to be active', async () => (await active.textContent())?.includes('Start evolution'), { timeoutMs: 10_000 });
  await page.keyboard.press('Enter');
}

/** Waits for the run's panel to report completion; returns { baseline, best, rows }. */
async function runToCompletion(page, functionName, log) {
  await page.waitForSelector(`.tabs-container .tab[aria-label*="Genesis: ${functionName}"]`, { timeout: 60_000 });
  const frame = await findWebviewFrame(page, '#run-status', { timeoutMs: 60_000 });
  let last = '';
  await waitFor('the run to complete', async () => {
    const text = await textOf(frame, '#run-status');
    if (text !== last) { log(`  status: ${text}`); last = text; }
    if (/\b(failed|error|stopped|cancelled)\b/i.test(text)) throw Object.assign(new Error(`run ended badly: ${text}`), { fatal: true });
    return /\bcompleted\b/i.test(text) ? text : null;
  }, { timeoutMs: RUN_TIMEOUT_MS, intervalMs: 1_000 });
  return {
    best: numberIn(await textOf(frame, '#best-score')),
    baseline: numberIn(await textOf(frame, '#baseline-score')),
    rows: await frame.locator('.candidate[data-node-id]').count(),
  };
}

async function waitForEvaluatorTab(page, workspace, relativePath) {
  const name = relativePath.split('/').pop();
  await page.waitForSelector(`.tabs-container .tab.active[aria-label*="${name}"]`, { timeout: 120_000 });
  assert(existsSync(join(workspace, relativePath)), `${relativePath} was written into the workspace`);
  const text = readFileSync(join(workspace, relativePath), 'utf8');
  assert(text.includes('GENESIS HARNESS INPUTS'), 'the evaluator has the editable harness-inputs block');
  return text;
}

const offlineSettings = { 'genesis.models': ['offline'], 'genesis.budget': 12, 'genesis.seed': 1, 'genesis.concurrency': 2 };

const python = {
  name: 'onboarding: pytest project without an evaluator → Evolve offers Create Evaluator → review → evolve improves sum_of_squares',
  workspace: 'ws-onboard-py',
  workspaceSource: 'test/fixtures/onboarding/python-pytest',
  userSettings: offlineSettings,
  async run({ page, workspace, log, screenshot }) {
    const evaluator = 'genesis-evaluators/sum_of_squares/evaluate.py';
    assert(!existsSync(join(workspace, 'evaluate.py')) && !existsSync(join(workspace, 'genesis-evaluators')), 'the workspace starts with no evaluator');
    await rightClickMenu(page, workspace, 'stats.py', 'def sum_of_squares(', 'Evolve Function');

    const dialog = page.locator('.monaco-dialog-box').first();
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    assert(/no evaluator found for sum_of_squares/.test((await dialog.textContent()) ?? ''), 'the dialog says no evaluator was found');
    await screenshot('onboarding-offer');
    await dialog.locator('.monaco-button', { hasText: 'Create Evaluator' }).first().click();

    const text = await waitForEvaluatorTab(page, workspace, evaluator);
    assert(text.includes('"tests/test_stats.py::test_floats"') && !text.includes('test_mean'), 'the tests that call sum_of_squares, and only those, are selected');
    assert(text.includes('return ([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5],)'), 'the timed call comes from the tests');
    await page.locator('.notifications-toasts .monaco-button', { hasText: 'Evolve Now' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await screenshot('onboarding-review');
    await clickNotificationButton(page, 'Evolve Now');

    await startFromQuickPick(page, 'sum_of_squares', `python3 ${evaluator}`);
    const t0 = Date.now();
    const { best, baseline, rows } = await runToCompletion(page, 'sum_of_squares', log);
    log(`  ${rows} candidates in ${((Date.now() - t0) / 1000).toFixed(1)} s, baseline ${baseline}, best ${best}`);
    assert(baseline !== null && best !== null, 'baseline and best scores are shown (the generated evaluator scored the original)');
    assert(best > baseline, `best ${best} beats baseline ${baseline}`);
    await screenshot('onboarding-python-panel');
  },
};

const node = {
  name: 'onboarding: node:test project → Genesis: Create Evaluator → Evolve Function uses it and improves sumOfSquares',
  workspace: 'ws-onboard-node',
  workspaceSource: 'test/fixtures/onboarding/node-test',
  userSettings: offlineSettings,
  async run({ page, workspace, log, screenshot }) {
    const evaluator = 'genesis-evaluators/sumOfSquares/evaluate.mjs';
    await openWorkspaceFile(page, 'src/stats.js');
    await goToLine(page, lineInside(workspace, 'src/stats.js', 'export function sumOfSquares('));
    await runCommand(page, 'Genesis: Create Evaluator');

    const text = await waitForEvaluatorTab(page, workspace, evaluator);
    assert(text.includes('const NODE_TEST_NAME_PATTERNS = ["^(small list|empty list|floats)$"];'), 'the node:test tests that call sumOfSquares are selected by name');
    assert(text.includes('return [[0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]];'), 'the timed call comes from the tests');
    await sleep(500);
    await screenshot('onboarding-node-review');

    await rightClickMenu(page, workspace, 'src/stats.js', 'export function sumOfSquares(', 'Evolve Function');
    await startFromQuickPick(page, 'sumOfSquares', `node ${evaluator}`);
    const { best, baseline, rows } = await runToCompletion(page, 'sumOfSquares', log);
    log(`  ${rows} candidates, baseline ${baseline}, best ${best}`);
    assert(baseline !== null && best !== null, 'baseline and best scores are shown');
    assert(best > baseline, `best ${best} beats baseline ${baseline}`);
    await screenshot('onboarding-node-panel');
  },
};

export const scenarios = [python, node];
