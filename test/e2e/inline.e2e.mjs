// End-to-end: a candidate shown in the real editor as an inline red/green diff, in code-server
// in headless Chromium. A person evolves approx_exp, picks "Show Candidate in Editor", sees the
// struck and inserted text with Accept · Reject · Previous · Next · Open Diff above the function,
// steps with the keyboard, opens the diff beside the file, accepts (a notification with the
// score gain and Undo), undoes in one step (the file is clean again, nothing drawn), and finally
// accepts by keyboard and saves: the file is better on disk.
// Screenshots for the README: inline-accept (the inline diff), candidate-diff (Open Diff).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateOnDisk } from './evolve.e2e.mjs';
import { focusEditor, goToLine, openFile, runCommand, sleep, waitFor, waitForQuickPick } from './workbench.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FILE = 'approx.py';
const FUNCTION = 'approx_exp';
const RUN_TIMEOUT_MS = Number(process.env.GENESIS_E2E_RUN_TIMEOUT_S ?? 300) * 1000;

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** The run's summary on disk once it is no longer running (the panel is not needed for this). */
function finishedRun(workspace) {
  const dir = join(workspace, '.genesis', 'runs');
  if (!existsSync(dir)) return null;
  for (const id of readdirSync(dir)) {
    const file = join(dir, id, 'summary.json');
    if (!existsSync(file)) continue;
    try {
      const summary = JSON.parse(readFileSync(file, 'utf8'));
      if (summary.status === 'completed') return summary;
      if (/failed|error/.test(summary.status)) throw Object.assign(new Error(`run ended ${summary.status}`), { fatal: true });
    } catch (err) {
      if (err.fatal) throw err; // a torn summary is read again on the next poll
    }
  }
  return null;
}

const tab = (page, text) => page.locator(`.tabs-container .tab[aria-label*="${text}"]`).first();
const lens = (page, text) => page.locator('.monaco-editor .codelens-decoration a', { hasText: text }).first();

/** The id in the Accept CodeLens ("Accept candidate #12 (score …)"), or null when none is shown. */
async function shownCandidate(page) {
  const text = await lens(page, 'Accept candidate #').textContent({ timeout: 1_000 }).catch(() => null);
  const m = /Accept\s+candidate\s+#(\d+)/.exec((text ?? '').replace(/\u00a0/g, ' '));
  return m ? m[1] : null;
}

/**
 * What the editor draws: struck spans, and lines whose rendered text is not in the file. Text an
 * extension adds with `before`/`after` decorations is CSS generated content (::before/::after on
 * an empty span), which textContent does not see, so each leaf span's generated content is read
 * from its computed style and put where the editor shows it.
 */
async function drawnDiff(page, fileText) {
  const drawn = await page.evaluate(() => {
    const generated = (el, pseudo) => {
      const content = getComputedStyle(el, pseudo).content;
      if (!content || content === 'none' || content === 'normal' || !/^["']/.test(content)) return '';
      return content.slice(1, -1).replace(/\\([0-9a-fA-F]{1,6}) ?|\\(.)/g, (_, hex, ch) => (hex ? String.fromCodePoint(parseInt(hex, 16)) : ch));
    };
    const lines = [...document.querySelectorAll('.editor-instance .monaco-editor .view-lines .view-line')];
    const leaves = (line) => [...line.querySelectorAll('span')].filter((s) => s.children.length === 0);
    const struck = lines.flatMap(leaves)
      .filter((s) => (s.textContent ?? '').trim() !== '' && `${getComputedStyle(s).textDecorationLine} ${getComputedStyle(s).textDecoration}`.includes('line-through'))
      .map((s) => s.textContent);
    const rendered = lines.map((line) =>
      leaves(line).map((s) => `${generated(s, '::before')}${s.textContent ?? ''}${generated(s, '::after')}`).join('').replace(/\u00a0/g, ' '));
    return { struck, rendered };
  });
  const fileLines = new Set(fileText.split('\n').map((l) => l.trimEnd()));
  const inserted = drawn.rendered.filter((l) => l.trim() !== '' && !fileLines.has(l.trimEnd()));
  return { struck: drawn.struck, inserted };
}

/** The editor's rendered lines as HTML (test/.tmp/e2e), to read what the editor really drew. */
async function dumpViewLines(page, name) {
  const html = await page.evaluate(() => {
    const lines = [...document.querySelectorAll('.editor-instance .monaco-editor .view-lines')].map((v) => v.outerHTML);
    // The decorations' own CSS (extension decorations are classes in a stylesheet).
    const rules = [...document.styleSheets].flatMap((sheet) => { try { return [...sheet.cssRules]; } catch { return []; } })
      .map((r) => r.cssText).filter((t) => t.includes('TextEditorDecorationType'));
    return [...lines, '<!--', ...rules, '-->'].join('\n\n');
  }).catch((err) => String(err));
  const dir = join(repoRoot, 'test/.tmp/e2e');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.html`), html);
}

async function closePanel(page) {
  const panel = tab(page, `Genesis: ${FUNCTION}`);
  if (!(await panel.isVisible().catch(() => false))) return;
  await panel.hover();
  await panel.locator('.tab-actions .action-label').first().click();
  await panel.waitFor({ state: 'hidden', timeout: 15_000 }).catch(() => {});
}

async function showBestCandidate(page) {
  await runCommand(page, 'Genesis: Show Candidate in Editor');
  await waitForQuickPick(page, `Genesis: show a candidate of ${FUNCTION}`);
  await page.keyboard.press('Enter');
  return waitFor('the Accept CodeLens of the shown candidate', () => shownCandidate(page), { timeoutMs: 30_000 });
}


const inlineScenario = {
  name: 'inline: a candidate as an inline diff in the editor, Next/Previous by keyboard, Open Diff beside, Accept, Undo in one step',
  workspace: 'ws-e2e-inline',
  // VS Code in a browser saves after a delay by default (the desktop does not): off, so the
  // scenario can see Accept leave the file dirty and Undo make it clean again, as on the desktop.
  userSettings: { 'genesis.models': ['offline'], 'genesis.budget': 12, 'genesis.seed': 1, 'genesis.concurrency': 2, 'files.autoSave': 'off' },
  async run({ page, workspace, log, screenshot }) {
    const before = evaluateOnDisk(workspace);
    const original = readFileSync(join(workspace, FILE), 'utf8');
    const lines = original.split('\n');
    const def = lines.findIndex((l) => l.startsWith(`def ${FUNCTION}(`));
    assert(def >= 0, `${FILE} defines ${FUNCTION}`);

    // On a loaded machine the editor can take longer to take focus than openFile waits.
    await openFile(page, FILE).catch(async () => {
      // Quick Open's file search can lag far behind on a loaded machine; the Explorer lists the file.
      await page.keyboard.press('Escape');
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: FILE }).first().dblclick();
      await focusEditor(page, FILE);
    });
    await goToLine(page, def + 2);
    // Under heavy load the extension host can still be starting: "command not found" means try again.
    await waitFor('Evolve Function to ask for the run settings', async () => {
      await runCommand(page, 'Genesis: Evolve Function');
      const dialog = page.locator('.monaco-dialog-box', { hasText: 'not found' }).first();
      const outcome = await Promise.race([
        waitForQuickPick(page, `Genesis: evolve ${FUNCTION}`, { timeoutMs: 30_000 }).then(() => 'pick', () => 'timeout'),
        dialog.waitFor({ state: 'visible', timeout: 30_000 }).then(() => 'not found', () => 'timeout'),
      ]);
      if (outcome === 'pick') return true;
      if (outcome === 'not found') await dialog.locator('.monaco-button', { hasText: 'OK' }).first().click();
      await sleep(3_000);
      return false;
    }, { timeoutMs: 180_000, intervalMs: 500 });
    await page.keyboard.press('Enter');
    const summary = await waitFor('the run to complete', () => finishedRun(workspace), { timeoutMs: RUN_TIMEOUT_MS, intervalMs: 1_000 });
    log(`  run ${summary.runId} completed: baseline ${summary.baselineScore}, best ${summary.bestScore}`);
    await focusEditor(page, FILE);

    // ---- the best candidate, drawn over the function (the editor alone, full width) ----
    const best = await showBestCandidate(page);
    await closePanel(page);
    await focusEditor(page, FILE);
    for (const title of ['Reject', 'Previous', 'Next candidate', 'Open Diff']) {
      await lens(page, title).waitFor({ state: 'visible', timeout: 10_000 });
    }
    const drawn = await waitFor('struck and inserted text in the editor', async () => {
      const d = await drawnDiff(page, original);
      return d.struck.length > 0 && d.inserted.length > 0 ? d : null;
    }, { timeoutMs: 15_000 }).catch(async (err) => {
      await dumpViewLines(page, 'inline-view-lines');
      throw err;
    });
    await dumpViewLines(page, 'inline-view-lines');
    log(`  candidate #${best}: struck ${JSON.stringify(drawn.struck)}, inserted ${JSON.stringify(drawn.inserted)}`);
    assert(!(await tab(page, FILE).evaluate((t) => t.classList.contains('dirty'))), 'showing a candidate leaves the file clean');
    await goToLine(page, def + 1);
    await screenshot('inline-accept');

    // ---- Next / Previous with the keyboard: the drawing follows at once ----
    await page.keyboard.press('Control+Alt+BracketRight');
    const second = await waitFor('Next to show another candidate', async () => {
      const id = await shownCandidate(page);
      return id && id !== best ? id : null;
    }, { timeoutMs: 5_000, intervalMs: 50 });
    const afterNext = await drawnDiff(page, original);
    log(`  Next → #${second}: struck ${JSON.stringify(afterNext.struck)}, inserted ${JSON.stringify(afterNext.inserted)}`);
    await screenshot('inline-next', { committed: false });
    await page.keyboard.press('Control+Alt+BracketLeft');
    await waitFor('Previous to come back to the best', async () => (await shownCandidate(page)) === best, { timeoutMs: 5_000, intervalMs: 50 });

    // ---- Open Diff: its own tab beside the file (the side bar hidden, so both columns are readable) ----
    await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
    await page.locator('.part.sidebar').first().waitFor({ state: 'hidden', timeout: 10_000 });
    await focusEditor(page, FILE);
    await lens(page, 'Open Diff').click();
    const diffTab = tab(page, `candidate #${best}`);
    await diffTab.waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForSelector('.monaco-diff-editor', { timeout: 30_000 });
    assert(await tab(page, FILE).isVisible(), 'the file keeps its tab');
    const groups = await page.locator('.editor-group-container').count();
    assert(groups >= 2, `the diff opens in a group beside the file (${groups} groups)`);
    await sleep(800);
    await screenshot('candidate-diff');

    // ---- Accept: one edit, a notification with the gain and Undo; the diff tab closes ----
    await focusEditor(page, FILE);
    await lens(page, `Accept candidate #${best}`).click();
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: `accepted candidate #${best}` }).first();
    await toast.waitFor({ state: 'visible', timeout: 30_000 });
    const toastText = ((await toast.textContent()) ?? '').replace(/\u00a0/g, ' ');
    log(`  notification: ${toastText.trim().slice(0, 160)}`);
    assert(/score .*\(from .*[+−-]\d/.test(toastText), `the notification gives the score gain (${toastText})`);
    await diffTab.waitFor({ state: 'hidden', timeout: 15_000 });
    await waitFor('the file to be edited (dirty)', () => tab(page, FILE).evaluate((t) => t.classList.contains('dirty')), { timeoutMs: 10_000 });
    await waitFor('the inline diff to go away', async () => (await drawnDiff(page, original)).struck.length === 0 && !(await shownCandidate(page)), { timeoutMs: 10_000 });
    await screenshot('inline-accepted', { committed: false });

    // ---- Undo from the notification: one step, the file clean again, nothing left drawn ----
    if (!(await toast.isVisible())) {
      // A toast hides after a while (this machine can be slow): the notification centre keeps it.
      await runCommand(page, 'Notifications: Show Notifications');
    }
    const notification = page.locator('.notification-list-item', { hasText: `accepted candidate #${best}` }).first();
    await notification.locator('.monaco-button', { hasText: 'Undo' }).first().click();
    await waitFor('the file to be clean after Undo', async () => !(await tab(page, FILE).evaluate((t) => t.classList.contains('dirty'))), { timeoutMs: 15_000 });
    // The tab's dirty mark clears before the editor repaints its lines: wait for the repaint.
    let afterUndo = null;
    await waitFor('nothing drawn after Undo', async () => {
      afterUndo = await drawnDiff(page, original);
      return afterUndo.struck.length === 0 && afterUndo.inserted.length === 0;
    }, { timeoutMs: 10_000, intervalMs: 100 }).catch(() => {
      throw new Error(`assertion failed: nothing is drawn after Undo (${JSON.stringify(afterUndo)})`);
    });
    assert(!(await shownCandidate(page)), 'no CodeLens after Undo');
    assert(readFileSync(join(workspace, FILE), 'utf8') === original, 'the file on disk was never touched');

    // ---- show it again, accept by keyboard, save: better on disk ----
    await focusEditor(page, FILE);
    assert((await showBestCandidate(page)) === best, 'the best candidate is shown again');
    await closePanel(page);
    await focusEditor(page, FILE);
    await page.keyboard.press('Control+Alt+Enter');
    await waitFor('the keyboard Accept to edit the file', () => tab(page, FILE).evaluate((t) => t.classList.contains('dirty')), { timeoutMs: 15_000 });
    await focusEditor(page, FILE);
    await page.keyboard.press('Control+S');
    await waitFor(`${FILE} to change on disk`, () => readFileSync(join(workspace, FILE), 'utf8') !== original, { timeoutMs: 30_000 });
    const after = evaluateOnDisk(workspace);
    log(`  on disk: before ${before.score}, after ${after.score} (correct: ${after.correct})`);
    assert(after.correct === true && after.score > before.score, `the accepted code scores better (${after.score} > ${before.score})`);
  },
};

export const scenarios = [inlineScenario];
