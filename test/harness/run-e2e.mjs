#!/usr/bin/env node
// `npm run test:e2e`: the scenarios of every test/e2e/*.e2e.mjs in a real VS Code (code-server) shown
// in headless Chromium. Each scenario gets a fresh workspace copy, code-server and browser.
//
// Env: GENESIS_E2E_GREP=<text in a scenario name>, GENESIS_E2E_TIMEOUT_S (per scenario, default 600),
//      GENESIS_SKIP_BUILD=1, GENESIS_EXTENSION_DIR=<unpacked extension>, CI (screenshots are then
//      kept under test/.tmp/e2e only, not copied to media/screenshots/).
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { basename, dirname, join } from 'node:path';
import {
  copyExampleWorkspace, findFiles, sweepStaleRuns, launchBrowser, openWorkbench, repoRoot, stageExtension, startCodeServer, tail, tmpRoot,
} from './codeServer.mjs';
import { waitForWorkbench } from '../e2e/workbench.mjs';

const scenarioTimeoutMs = Number(process.env.GENESIS_E2E_TIMEOUT_S ?? 600) * 1000;
const outDir = join(tmpRoot, 'e2e');
const committedShots = join(repoRoot, 'media/screenshots');
const say = (msg) => console.log(msg);

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function keepVsCodeLogs(server, label) {
  const dest = join(outDir, `${label}-logs`);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  cpSync(server.logFile, join(dest, 'code-server.log'));
  for (const f of findFiles(join(server.userDataDir, 'logs'), /\.log$/)) {
    cpSync(f, join(dest, `${basename(join(f, '..'))}-${basename(f)}`));
  }
  return dest;
}

async function runScenario(scenario, index, extensionDir) {
  const label = `e2e-${index + 1}`;
  const workspace = copyExampleWorkspace(scenario.workspace, scenario.workspaceSource ? { source: scenario.workspaceSource } : {});
  const prepared = scenario.setup ? await scenario.setup({ repoRoot }) : {};
  const server = await startCodeServer({
    label,
    workspace,
    extensionDirs: [extensionDir],
    userSettings: { ...scenario.userSettings, ...prepared.userSettings },
    env: prepared.env,
  });
  let browser;
  let page;
  let succeeded = false;
  try {
    browser = await launchBrowser();
    const wb = await openWorkbench(browser, server.workspaceUrl);
    page = wb.page;
    await waitForWorkbench(page);
    say(`  workbench ready in ${(wb.readyMs / 1000).toFixed(1)} s`);
    const screenshot = async (name, { committed = true } = {}) => {
      const file = join(outDir, `${name}.png`);
      await page.screenshot({ path: file });
      if (committed && !process.env.CI) {
        mkdirSync(committedShots, { recursive: true });
        cpSync(file, join(committedShots, `${name}.png`));
      }
      say(`  screenshot ${name}.png`);
    };
    await withTimeout(scenario.run({ page, workspace, server, log: say, screenshot }), scenarioTimeoutMs, scenario.name);
    succeeded = true;
  } catch (err) {
    if (page) await page.screenshot({ path: join(outDir, `${label}-failure.png`) }).catch(() => {});
    const logs = keepVsCodeLogs(server, label);
    say(`  --- code-server log tail ---\n${tail(server.logFile, 25)}`);
    say(`  failure screenshot and VS Code logs: ${join(outDir, `${label}-failure.png`)}, ${logs}`);
    throw err;
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
    await prepared.cleanup?.();
    if (succeeded) {
      server.removeState();
      rmSync(dirname(workspace), { recursive: true, force: true });
    }
  }
}

/** The `scenarios` of every test/e2e/*.e2e.mjs, files in name order. */
async function loadScenarios() {
  const dir = join(repoRoot, 'test/e2e');
  const all = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.e2e.mjs')).sort()) {
    const mod = await import(pathToFileURL(join(dir, file)).href);
    if (!Array.isArray(mod.scenarios)) throw new Error(`test/e2e/${file} exports no \`scenarios\` array`);
    all.push(...mod.scenarios);
  }
  return all;
}

async function main() {
  const t0 = Date.now();
  mkdirSync(outDir, { recursive: true });
  sweepStaleRuns();
  const extensionDir = process.env.GENESIS_EXTENSION_DIR || stageExtension({ build: process.env.GENESIS_SKIP_BUILD !== '1' });
  const grep = process.env.GENESIS_E2E_GREP;
  const selected = (await loadScenarios()).filter((s) => !grep || s.name.includes(grep));
  let passed = 0;
  let failed = 0;
  for (const [i, scenario] of selected.entries()) {
    const started = Date.now();
    say(`e2e: ${scenario.name}`);
    try {
      await runScenario(scenario, i, extensionDir);
      passed += 1;
      say(`  ✓ ${scenario.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failed += 1;
      say(`  ✗ ${scenario.name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n      ${String(err.stack ?? err).split('\n').slice(0, 6).join('\n      ')}`);
    }
  }
  say(`e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  say(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`e2e harness failed: ${err.stack ?? err}`);
    say('0 passed, 1 failed');
    process.exit(1);
  },
);
