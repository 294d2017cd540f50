// The test-runner extension: code-server has no --extensionTestsPath, so this extension, installed
// next to Genesis, runs the integration suites when the harness asks for it (GENESIS_TEST_RESULTS)
// and writes a JSON report there for the harness to read.
import * as vscode from 'vscode';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { runIntegrationTests, type IntegrationReport } from '../index';

const GENESIS_ID = 'genesis-dev.genesis-evolve';

export interface RunnerReport extends IntegrationReport {
  vscodeVersion: string;
  genesisActivationMs: number | null;
}

function writeReport(file: string, report: RunnerReport): void {
  mkdirSync(dirname(file), { recursive: true });
  // Written whole then renamed, so the harness never reads half a file.
  writeFileSync(`${file}.part`, JSON.stringify(report, null, 2));
  renameSync(`${file}.part`, file);
}

async function activateGenesis(): Promise<number> {
  const genesis = vscode.extensions.getExtension(GENESIS_ID);
  if (!genesis) throw new Error(`extension ${GENESIS_ID} is not installed in this extension host`);
  const t0 = Date.now();
  await genesis.activate();
  return Date.now() - t0;
}

async function runAndReport(resultsFile: string): Promise<void> {
  const base = { vscodeVersion: vscode.version };
  let genesisActivationMs: number;
  try {
    genesisActivationMs = await activateGenesis();
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    writeReport(resultsFile, {
      ...base, genesisActivationMs: null, suiteFiles: [], passes: 0, failures: 1, pending: 0, durationMs: 0, tests: [],
      fatal: `Genesis did not activate: ${message}`,
    });
    return;
  }
  const timeout = Number(process.env.GENESIS_TEST_TIMEOUT_MS);
  const report = await runIntegrationTests({
    grep: process.env.GENESIS_TEST_GREP || undefined,
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
  });
  writeReport(resultsFile, { ...base, genesisActivationMs, ...report });
}

export function activate(): void {
  const resultsFile = process.env.GENESIS_TEST_RESULTS;
  if (!resultsFile) return;
  // Not awaited: activation must finish so that the workbench (and Genesis) can carry on.
  void runAndReport(resultsFile).catch((err: unknown) => {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    writeReport(resultsFile, {
      vscodeVersion: vscode.version, genesisActivationMs: null, suiteFiles: [], passes: 0, failures: 1, pending: 0,
      durationMs: 0, tests: [], fatal: `runner crashed: ${message}`,
    });
  });
}

export function deactivate(): void {}
