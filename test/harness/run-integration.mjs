#!/usr/bin/env node
// `npm run test:integration`: the integration suites inside a real VS Code extension host.
// code-server runs Genesis and the test-runner extension; a headless Chromium page connects
// (the extension host starts only for a browser client); the runner writes a JSON report.
//
// Env: GENESIS_TEST_SUITES=a,b (suite file names containing), GENESIS_TEST_GREP=<title regexp>,
//      GENESIS_INTEGRATION_TIMEOUT_S (default 900), GENESIS_SKIP_BUILD=1 (reuse dist/),
//      GENESIS_EXTENSION_DIR=<unpacked extension folder> (test that instead of this checkout).
import { existsSync, readFileSync, rmSync, cpSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  copyExampleWorkspace, findFiles, sweepStaleRuns, launchBrowser, openWorkbench, runTag, stageExtension, startCodeServer, tail, tmpRoot,
} from './codeServer.mjs';
import { buildRunnerExtension } from './buildTests.mjs';

const timeoutS = Number(process.env.GENESIS_INTEGRATION_TIMEOUT_S ?? 900);
const say = (msg) => console.log(msg);

async function waitForReport(file, server, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no integration report at ${file} after ${timeoutMs / 1000} s (see ${server.logFile} and test/.tmp/logs/)`);
}

/** Keeps VS Code's own logs (extension host output included) next to the harness's. */
function keepVsCodeLogs(server, label) {
  const dest = join(tmpRoot, 'logs', `${label}-vscode`);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  for (const f of findFiles(join(server.userDataDir, 'logs'), /\.log$/)) {
    cpSync(f, join(dest, `${basename(join(f, '..'))}-${basename(f)}`));
  }
  return dest;
}

function printReport(report) {
  say(`VS Code ${report.vscodeVersion}; Genesis activated in ${report.genesisActivationMs ?? '-'} ms; suites: ${report.suiteFiles.join(', ') || '(none)'}`);
  for (const t of report.tests) {
    const mark = t.state === 'passed' ? '  ✓' : t.state === 'failed' ? '  ✗' : '  -';
    say(`${mark} ${t.fullTitle} (${t.durationMs} ms)`);
    if (t.error) say(`      ${t.error.message.split('\n').join('\n      ')}`);
  }
  if (report.fatal) say(`  FATAL: ${report.fatal}`);
}

async function main() {
  const t0 = Date.now();
  // GENESIS_EXTENSION_DIR: an already unpacked extension folder to test instead of this checkout.
  sweepStaleRuns();
  const extensionDir = process.env.GENESIS_EXTENSION_DIR || stageExtension({ build: process.env.GENESIS_SKIP_BUILD !== '1' });
  const runner = await buildRunnerExtension();
  if (runner.suiteFiles.length === 0) throw new Error('no suites in test/integration/suites/*.test.ts');
  const workspace = copyExampleWorkspace('ws-integration');
  const resultsFile = join(tmpRoot, `integration-results-${runTag}.json`);
  rmSync(resultsFile, { force: true });

  const server = await startCodeServer({
    label: 'integration',
    workspace,
    extensionDirs: [extensionDir, runner.dir],
    env: { GENESIS_TEST_RESULTS: resultsFile },
  });
  let browser;
  let page;
  let report;
  try {
    browser = await launchBrowser();
    const wb = await openWorkbench(browser, server.workspaceUrl);
    page = wb.page;
    say(`workbench ready in ${(wb.readyMs / 1000).toFixed(1)} s at ${server.url}`);
    report = await waitForReport(resultsFile, server, timeoutS * 1000);
  } catch (err) {
    if (page) await page.screenshot({ path: join(tmpRoot, 'logs', 'integration-failure.png') }).catch(() => {});
    const logs = keepVsCodeLogs(server, 'integration');
    say(`--- code-server log (${server.logFile}) ---\n${tail(server.logFile, 40)}\nVS Code logs kept in ${logs}`);
    throw err;
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
  }

  printReport(report);
  const failed = report.failures + (report.fatal && report.failures === 0 ? 1 : 0);
  if (failed > 0 || report.passes === 0) {
    say(`VS Code logs kept in ${keepVsCodeLogs(server, 'integration')}; report: ${resultsFile}`);
  } else {
    server.removeState();
    rmSync(dirname(workspace), { recursive: true, force: true });
    rmSync(runner.dir, { recursive: true, force: true });
  }
  say(`integration: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  say(`${report.passes} passed, ${failed} failed`);
  return failed === 0 && report.passes > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`integration harness failed: ${err.stack ?? err}`);
    say('0 passed, 1 failed');
    process.exit(1);
  },
);
