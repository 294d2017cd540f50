#!/usr/bin/env node
// `npm run test:electron`: the same integration suites through @vscode/test-electron, the
// ecosystem's standard runner, for machines that can download VS Code from Microsoft. Where that
// download is impossible (these build machines) it stops at once and says so: use
// `npm run test:integration` (code-server) there. On Linux without a display, run it under xvfb-run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  copyExampleWorkspace, defaultUserSettings, repoRoot, runTag, stageExtension, sweepStaleRuns, tmpRoot,
} from './codeServer.mjs';
import { buildElectronTests } from './buildTests.mjs';

const UPDATE_HOST = 'https://update.code.visualstudio.com/api/releases/stable';

async function canDownloadVsCode() {
  try {
    const res = await fetch(UPDATE_HOST, { signal: AbortSignal.timeout(8000) });
    return res.ok ? null : `HTTP ${res.status}`;
  } catch (err) {
    return err.cause?.code ?? err.message;
  }
}

async function main() {
  const unreachable = await canDownloadVsCode();
  if (unreachable) {
    console.error(`test:electron needs to download VS Code from ${new URL(UPDATE_HOST).host}, which is not reachable here (${unreachable}).`);
    console.error('Run `npm run test:integration` instead: the same suites in code-server, installed from the npm registry.');
    console.log('0 passed, 1 failed');
    return 1;
  }
  sweepStaleRuns();
  const { runTests } = await import('@vscode/test-electron');
  stageExtension({ build: process.env.GENESIS_SKIP_BUILD !== '1' }); // builds dist/ for the development path
  const tests = await buildElectronTests();
  if (tests.suiteFiles.length === 0) throw new Error('no suites in test/integration/suites/*.test.ts');
  const workspace = copyExampleWorkspace('ws-electron');
  const userDataDir = join(tmpRoot, `electron-${runTag}-user-data`);
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User/settings.json'), JSON.stringify(defaultUserSettings, null, 2));
  // runTests rejects when run() throws, i.e. on any failing test; run() prints "N passed, N failed".
  await runTests({
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: tests.file,
    extensionTestsEnv: { GENESIS_TEST_GREP: process.env.GENESIS_TEST_GREP ?? '' },
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', `--user-data-dir=${userDataDir}`],
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`electron integration run failed: ${err.stack ?? err}`);
    process.exit(1);
  },
);
