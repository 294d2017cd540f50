// End-to-end: a person works the Evolution panel, the inline accept and the run history in a
// real VS Code (code-server) in headless Chromium. Run by test/harness/run-e2e.mjs (which loads
// `scenarios` from this file too). One scenario, in the order a person would go:
//   evolve → pause → raise the budget → resume → stop → close the panel → reopen the run from the
//   sidebar → resume it from the sidebar → it completes → click a node in the search tree → the
//   inspector shows it → open its diff → accept it inline through the CodeLens → the file is
//   better on disk.
// Screenshots for the README go to media/screenshots/ (evolution-panel, search-tree,
// run-history; candidate-diff and inline-accept come from inline.e2e.mjs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateOnDisk } from './evolve.e2e.mjs';
import {
  clickMenuItem, findWebviewFrame, focusEditor, goToLine, numberIn, openFile, openViewContainer, runCommand, sleep, textOf, waitFor,
  waitForQuickPick,
} from './workbench.mjs';

const FILE = 'approx.py';
const FUNCTION = 'approx_exp';
const FIRST_BUDGET = 24;
const RAISED_BUDGET = 30;
const RUN_TIMEOUT_MS = Number(process.env.GENESIS_E2E_RUN_TIMEOUT_S ?? 300) * 1000;

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

function lineInsideFunction(workspace) {
  const lines = readFileSync(join(workspace, FILE), 'utf8').split('\n');
  const def = lines.findIndex((l) => l.startsWith(`def ${FUNCTION}(`));
  assert(def >= 0, `${FILE} defines ${FUNCTION}`);
  return def + 2;
}

const panelTab = (page) => page.locator(`.tabs-container .tab[aria-label*="Genesis: ${FUNCTION}"]`).first();

/** "running — 5 / 24 evaluations" → { status, done, budget }. */
async function runState(frame) {
  const text = await textOf(frame, '#run-status');
  const m = /^(\w+)\s+—\s+(\d+)\s*\/\s*(\d+)/.exec(text);
  return m ? { text, status: m[1], done: Number(m[2]), budget: Number(m[3]) } : { text, status: '', done: 0, budget: 0 };
}

async function waitForState(frame, what, predicate, log, timeoutMs = RUN_TIMEOUT_MS) {
  let last = '';
  return waitFor(what, async () => {
    const state = await runState(frame);
    if (state.text !== last) {
      log(`  status: ${state.text}`);
      last = state.text;
    }
    if (/\bfailed\b/.test(state.status)) throw Object.assign(new Error(`run failed: ${state.text}`), { fatal: true });
    return predicate(state) ? state : null;
  }, { timeoutMs, intervalMs: 300 });
}

/** Clicks a vscode-button in the webview once it is shown. */
async function clickButton(frame, selector) {
  const button = frame.locator(selector).first();
  await button.waitFor({ state: 'visible', timeout: 15_000 });
  await button.click();
}

/** The panel's frame after (re)opening: the newest frame with #run-status. */
async function panelFrame(page) {
  await panelTab(page).waitFor({ state: 'visible', timeout: 60_000 });
  return findWebviewFrame(page, '#run-status', { timeoutMs: 60_000 });
}

const panelScenario = {
  name: 'panel: pause, raise the budget, resume, stop; reopen and resume from the sidebar; tree → inspector → diff → inline accept',
  workspace: 'ws-e2e-ui',
  userSettings: { 'genesis.models': ['offline'], 'genesis.budget': FIRST_BUDGET, 'genesis.seed': 1, 'genesis.concurrency': 1 },
  async run({ page, workspace, log, screenshot }) {
    const before = evaluateOnDisk(workspace);
    const original = readFileSync(join(workspace, FILE), 'utf8');
    assert(before.correct === true, 'the example starts correct');

    // ---- evolve, then pause / raise the budget / resume / stop in the panel ----
    await openFile(page, FILE);
    await goToLine(page, lineInsideFunction(workspace));
    await runCommand(page, 'Genesis: Evolve Function');
    await waitForQuickPick(page, `Genesis: evolve ${FUNCTION}`);
    await page.keyboard.press('Enter');
    let frame = await panelFrame(page);
    await waitForState(frame, 'two evaluations', (s) => s.status === 'running' && s.done >= 2, log);

    await clickButton(frame, '#pause');
    const paused = await waitForState(frame, 'the run to pause', (s) => s.status === 'paused', log, 60_000);
    await frame.locator('#resume').waitFor({ state: 'visible', timeout: 10_000 });
    await sleep(4_000); // the round in flight finishes
    const held = (await runState(frame)).done;
    await sleep(2_500);
    assert((await runState(frame)).done === held, `no evaluation while paused (${held})`);
    log(`  paused at ${paused.done}, held at ${held}`);

    const budgetField = frame.locator('#budget-input input').first();
    await budgetField.click();
    await budgetField.fill(String(RAISED_BUDGET));
    await clickButton(frame, '#raise-budget');
    await waitForState(frame, `the budget to become ${RAISED_BUDGET}`, (s) => s.budget === RAISED_BUDGET, log, 30_000);

    await clickButton(frame, '#resume');
    await waitForState(frame, 'the run to go on', (s) => s.status === 'running' && s.done >= held + 2, log);
    await clickButton(frame, '#stop');
    const stopped = await waitForState(frame, 'the run to stop', (s) => s.status === 'stopped', log, 120_000);
    assert(stopped.done < RAISED_BUDGET, `stopped before the budget (${stopped.done})`);

    // ---- close the panel, reopen the run from the sidebar, resume it from there ----
    await panelTab(page).hover();
    await panelTab(page).locator('.tab-actions .action-label').first().click();
    await panelTab(page).waitFor({ state: 'hidden', timeout: 15_000 });
    await openViewContainer(page, 'Genesis');
    const runItem = runRow(page, 'stopped');
    await runItem.waitFor({ state: 'visible', timeout: 30_000 });
    await runItem.click();
    frame = await panelFrame(page);
    await waitForState(frame, 'the reopened panel to show the stopped run', (s) => s.status === 'stopped' && s.done === stopped.done, log, 30_000);
    assert(await frame.locator('#resume-run').isVisible(), 'the reopened panel offers Resume Run');
    // The reopened run shows what the live run counted: the model's pulls and the counts.
    const reopenedPulls = numberIn(await textOf(frame, '#models tbody tr td'));
    assert(reopenedPulls !== null && reopenedPulls > 0, `the reopened panel shows the model's pulls (${reopenedPulls})`);
    assert(/\d+ candidates · .*\d+ model calls/.test(await textOf(frame, '#run-counts')), 'the reopened panel shows the counts');

    await runItem.click({ button: 'right' });
    await clickMenuItem(page, 'Resume Run');
    frame = await panelFrame(page);
    const completed = await waitForState(frame, 'the resumed run to complete', (s) => s.status === 'completed', log);
    assert(completed.done === RAISED_BUDGET, `the resumed run finishes the raised budget (${completed.text})`);
    const best = numberIn(await textOf(frame, '#best-score'));
    const baseline = numberIn(await textOf(frame, '#baseline-score'));
    log(`  completed: baseline ${baseline}, best ${best}`);
    assert(best !== null && baseline !== null && best > baseline, `best ${best} beats baseline ${baseline}`);

    // The sidebar: the run (completed) with its best candidates under it.
    const completedItem = runRow(page, 'completed');
    await completedItem.waitFor({ state: 'visible', timeout: 30_000 });
    if ((await completedItem.getAttribute('aria-expanded')) !== 'true') await completedItem.locator('.monaco-tl-twistie').click();
    await page.locator('.part.sidebar .monaco-list-row[aria-level="2"]').first().waitFor({ state: 'visible', timeout: 15_000 });
    await screenshot('run-history');

    // ---- click the best node in the search tree: the inspector shows it ----
    const bestId = await frame.locator('#candidates .candidate[data-node-id]').first().getAttribute('data-node-id');
    assert(bestId, 'the list has a top candidate');
    await frame.locator(`#tree [data-node-id="${bestId}"]`).first().click();
    await waitFor('the inspector to show the node', async () => (await textOf(frame, '#inspector-title')).includes(`#${bestId}`), { timeoutMs: 15_000 });
    await waitFor('the inspector diff to load', async () => (await frame.locator('#inspector-diff .line.add').count()) > 0, { timeoutMs: 15_000 });
    assert((await frame.locator(`#candidates .candidate[data-node-id="${bestId}"].selected`).count()) === 1, 'the list row is selected too');
    const facts = await textOf(frame, '#inspector-facts');
    assert(/score/.test(facts) && /PRM score/.test(facts) && /evaluation/.test(facts), `the inspector lists the facts (${facts.slice(0, 120)})`);
    await panelTab(page).click();
    await screenshot('evolution-panel');
    // The tree: hover a node for its id, score and rank; the keyboard moves to its parent and back.
    await frame.locator('#tree').scrollIntoViewIfNeeded();
    const bestBox = await frame.locator(`#tree [data-node-id="${bestId}"]`).first().boundingBox();
    assert(bestBox, 'the best node is drawn');
    await frame.locator('#tree canvas').hover({ position: await treePoint(frame, bestBox), force: true });
    await waitFor('the hover text', async () => (await textOf(frame, '#tree-tooltip')).startsWith(`#${bestId} · score`), { timeoutMs: 10_000 });
    log(`  hover: ${await textOf(frame, '#tree-tooltip')}`);
    assert(/rank 1 of \d+/.test(await textOf(frame, '#tree-tooltip')), 'the best node ranks first');
    await screenshot('search-tree');
    await frame.locator('#tree').focus();
    // ← collapses a node with children shown, else moves to its parent: twice leaves the best.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await waitFor('the keyboard to select an ancestor', async () => !(await textOf(frame, '#inspector-title')).includes(`#${bestId}`), { timeoutMs: 10_000 });
    await page.keyboard.press('End');
    await waitFor('End to select the best again', async () => (await textOf(frame, '#inspector-title')).includes(`#${bestId}`), { timeoutMs: 10_000 });
    const legend = await textOf(frame, '#tree-legend');
    assert(/colour by rank/.test(legend), `the legend explains the colours (${legend})`);

    // ---- open its diff ----
    await clickButton(frame, '#inspect-open-diff');
    const diffTab = page.locator(`.tabs-container .tab[aria-label*="candidate #${bestId}"]`).first();
    await diffTab.waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForSelector('.monaco-diff-editor', { timeout: 30_000 });
    await sleep(800);
    await screenshot('candidate-diff-panel', { committed: false }); // the README's candidate-diff.png comes from inline.e2e.mjs
    // Close the diff: its tab's close button, else (a busy workbench) the command on the active diff.
    await diffTab.click({ timeout: 15_000 }).catch(() => {});
    const closed = await diffTab.locator('.tab-actions .action-label').first().click({ force: true, timeout: 15_000 }).then(() => true, () => false);
    if (!closed) await runCommand(page, 'View: Close Editor');
    await diffTab.waitFor({ state: 'hidden', timeout: 30_000 });
    // The diff tab hid the panel: its webview is made anew when it shows again.
    await panelTab(page).click();
    frame = await panelFrame(page);

    // ---- accept it inline: the CodeLens on the function ----
    await focusEditor(page, FILE);
    const acceptLens = page.locator('.monaco-editor .codelens-decoration a', { hasText: `Accept candidate #${bestId}` }).first();
    await waitFor('the Accept CodeLens', async () => {
      if (await acceptLens.isVisible().catch(() => false)) return true;
      // The selection is sent to the editor when a node is clicked; click again if the editor missed it.
      await frame.locator(`#tree [data-node-id="${bestId}"]`).first().click().catch(() => {});
      await focusEditor(page, FILE);
      return false;
    }, { timeoutMs: 30_000, intervalMs: 1_000 });
    for (const title of ['Reject', 'Next candidate', 'Open Diff']) {
      assert(await page.locator('.monaco-editor .codelens-decoration a', { hasText: title }).first().isVisible(), `the ${title} CodeLens is shown`);
    }
    await screenshot('inline-accept-panel', { committed: false }); // the README's inline-accept.png comes from inline.e2e.mjs
    await acceptLens.click();
    await waitFor('the panel to say the candidate was applied', async () => /applied candidate/i.test(await textOf(frame, '#notices')), { timeoutMs: 30_000 });
    await waitFor('the CodeLens to go away', async () => !(await acceptLens.isVisible().catch(() => false)), { timeoutMs: 15_000 });
    await focusEditor(page, FILE);
    await page.keyboard.press('Control+S');
    const saved = await waitFor(`${FILE} to change on disk`, () => {
      const now = readFileSync(join(workspace, FILE), 'utf8');
      return now !== original ? now : null;
    }, { timeoutMs: 30_000 });
    assert(saved.includes(`def ${FUNCTION}(`), 'the function is still there');
    const after = evaluateOnDisk(workspace);
    log(`  on disk: before ${before.score}, after ${after.score} (correct: ${after.correct})`);
    assert(after.correct === true, 'the accepted code passes its tests');
    assert(after.score > before.score, `the accepted code scores better (${after.score} > ${before.score})`);
  },
};

/** The run's row in the sidebar: its name, and its status in the row's accessible label (the icon shows it). */
function runRow(page, status) {
  return page.locator(`.part.sidebar .monaco-list-row[aria-label^="${FUNCTION}, ${status},"]`).first();
}

/** A point over a node's dot, relative to the tree canvas (its overlay element starts at the dot's left). */
async function treePoint(frame, box) {
  const canvas = await frame.locator('#tree canvas').boundingBox();
  return { x: box.x - canvas.x + box.height / 2, y: box.y - canvas.y + box.height / 2 };
}

export const scenarios = [panelScenario];
