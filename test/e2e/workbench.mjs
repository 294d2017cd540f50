// Driving the VS Code web workbench the way a person does: keyboard, clicks, menus.
// Selectors are VS Code's own DOM (1.139); every wait is generous because CI has 2 cores.

const SHORT = 15_000;
const LONG = 60_000;

export async function sleep(ms) {
  await new Promise((r) => setTimeout(r, ms));
}

/** Waits until `check` returns a truthy value (retrying on throw); returns that value. */
export async function waitFor(what, check, { timeoutMs = LONG, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      if (err?.fatal) throw err; // the check saw something that no amount of waiting fixes
      lastError = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ''}`);
}

/** The workbench is drawn and the extension host has connected (the status bar shows its items). */
export async function waitForWorkbench(page) {
  await page.waitForSelector('.monaco-workbench', { timeout: LONG });
  await page.waitForSelector('.part.statusbar', { timeout: LONG });
  // Explorer has listed the workspace: the file service round trip works.
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: LONG });
}

const quickInput = '.quick-input-widget';

async function waitQuickInputOpen(page) {
  await page.waitForSelector(`${quickInput} input.input`, { state: 'visible', timeout: SHORT });
}

/**
 * Opens a workspace file by name with Quick Open. Ctrl+P is taken by the browser, so: the command
 * palette (Ctrl+Shift+P), then Backspace to drop its '>' prefix, which leaves Quick Open.
 */
export async function openFile(page, fileName) {
  await waitFor(`Quick Open to list ${fileName}`, async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+P');
    await waitQuickInputOpen(page);
    await page.keyboard.press('Backspace');
    await page.keyboard.type(fileName, { delay: 20 });
    const row = page.locator(`${quickInput} .monaco-list-row`, { hasText: fileName }).first();
    await row.waitFor({ state: 'visible', timeout: 5_000 });
    return true;
  }, { timeoutMs: LONG, intervalMs: 1_000 });
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.tabs-container .tab[aria-label*="${fileName}"]`, { timeout: SHORT });
  await page.waitForSelector('.editor-instance .monaco-editor.focused', { timeout: SHORT });
}

/** Runs a command from the palette by its label, e.g. "Genesis: Evolve Function". */
export async function runCommand(page, label) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Shift+P');
  await waitQuickInputOpen(page);
  await page.keyboard.type(label, { delay: 10 });
  await page.locator(`${quickInput} .monaco-list-row`, { hasText: label }).first().waitFor({ state: 'visible', timeout: SHORT });
  await page.keyboard.press('Enter');
}

/** Ctrl+G, a line number, Enter: the cursor goes to the start of that (1-based) line. */
export async function goToLine(page, line) {
  await page.keyboard.press('Control+G');
  await waitQuickInputOpen(page);
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${quickInput}`, { state: 'hidden', timeout: SHORT });
  await waitFor(`status bar to show line ${line}`, async () => {
    const text = await page.locator('.statusbar-item[id="status.editor.selection"]').first().textContent();
    return text?.includes(`Ln ${line},`);
  }, { timeoutMs: SHORT });
}

/** Right-clicks on the text cursor of the focused editor, so the position stays where it is. */
export async function rightClickAtCursor(page) {
  const cursor = page.locator('.editor-instance .monaco-editor.focused .cursor').first();
  const box = await waitFor('the editor cursor to be drawn', async () => {
    const b = await cursor.boundingBox();
    return b && b.height > 0 ? b : null;
  }, { timeoutMs: SHORT });
  // A little right of the cursor: inside the line's text, not on the gutter.
  await page.mouse.click(box.x + 4, box.y + box.height / 2, { button: 'right' });
}

/**
 * Chooses an item of the open context menu (VS Code draws it in a shadow root; locators pierce
 * it). A click that comes right after the menu opened can be swallowed by the menu's guard
 * against the right-click's own mouseup; the item is then focused, so Enter chooses it.
 */
export async function clickMenuItem(page, label) {
  const menu = page.locator('.context-view .monaco-menu').first();
  const item = menu.locator('.action-item a.action-menu-item', { hasText: label }).first();
  await item.waitFor({ state: 'visible', timeout: SHORT });
  await sleep(300);
  await item.hover();
  await item.click();
  await sleep(500);
  if (await menu.isVisible().catch(() => false)) {
    await item.hover();
    await page.keyboard.press('Enter');
  }
  await menu.waitFor({ state: 'hidden', timeout: SHORT });
}

/**
 * Right-clicks at the cursor and chooses `label`. An extension's menu items appear only once the
 * extension host has registered it, which a loaded machine can delay past the workbench being
 * ready (CI saw a context menu without "Evolve Function"): close the menu and ask again.
 */
export async function chooseFromContextMenu(page, label, { timeoutMs = LONG } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await rightClickAtCursor(page);
    const menu = page.locator('.context-view .monaco-menu').first();
    const item = menu.locator('.action-item a.action-menu-item', { hasText: label }).first();
    if (await item.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false)) break;
    if (Date.now() > deadline) throw new Error(`the context menu has no "${label}" after ${Math.round(timeoutMs / 1000)} s`);
    await page.keyboard.press('Escape');
    await sleep(1_000);
  }
  await clickMenuItem(page, label);
}

/** The open QuickPick's title, once one with a matching title is shown. */
export async function waitForQuickPick(page, titlePart, { timeoutMs = LONG } = {}) {
  return waitFor(`a QuickPick titled "${titlePart}"`, async () => {
    const title = await page.locator(`${quickInput} .quick-input-title`).first().textContent({ timeout: 1_000 });
    const visible = await page.locator(quickInput).first().isVisible();
    return visible && title?.includes(titlePart) ? title : null;
  }, { timeoutMs });
}

/** The frame (inside the webview's two iframes) whose document contains `selector`. */
export async function findWebviewFrame(page, selector, { timeoutMs = LONG } = {}) {
  return waitFor(`a webview frame with ${selector}`, async () => {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      if (await frame.$(selector).catch(() => null)) return frame;
    }
    return null;
  }, { timeoutMs, intervalMs: 500 });
}

export async function textOf(frame, selector) {
  return ((await frame.locator(selector).first().textContent({ timeout: SHORT })) ?? '').trim();
}

/** The first number in a text ("best 0.0123", "-0.05"), or null. */
export function numberIn(text) {
  const m = /-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/i.exec(text ?? '');
  return m ? Number(m[0]) : null;
}

/** Clicks an activity bar entry by its label (e.g. "Genesis") and waits for its view. */
export async function openViewContainer(page, label) {
  const item = page.locator(`.part.activitybar .action-item a[aria-label^="${label}"]`).first();
  await item.waitFor({ state: 'visible', timeout: LONG });
  const checked = await item.evaluate((a) => a.closest('.action-item')?.classList.contains('checked'));
  if (!checked) await item.click();
  await page.waitForSelector('.part.sidebar .composite.title', { timeout: SHORT });
}

/** Focuses the editor of `fileName` (its tab), e.g. after working in a webview. */
export async function focusEditor(page, fileName) {
  await page.locator(`.tabs-container .tab[aria-label*="${fileName}"]`).first().click();
  await page.waitForSelector('.editor-instance .monaco-editor.focused', { timeout: SHORT });
}
