// Editor faults need the real VS Code: they run in code-server. The function edited, deleted or
// its file closed mid-run are cases of test/integration/suites/genesis-reliability.test.ts (inside
// the extension host, through the GenesisApi); the window reloaded (and the extension host killed)
// is the scenario of test/e2e/crash.e2e.mjs, driven in Chromium. Each writes its rows to a JSON
// file this module names; the matrix runs both harnesses once and reads the rows back.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repo, type FaultOutcome, type FaultScenario } from '../lib';

export interface EditorFaultRow extends FaultOutcome {
  fault: string;
}

const installed = () => existsSync(join(repo, '.vscode-test', 'code-server-4.139.1', '.installed.json')) && ['/usr/bin/chromium', '/usr/bin/chromium-browser'].some(existsSync);

function mode(): 'run' | 'skip' {
  const asked = process.env.GENESIS_FAULTS_EDITOR;
  if (asked === 'run' || asked === 'skip') return asked;
  return installed() ? 'run' : 'skip';
}

interface HarnessRun {
  rows: EditorFaultRow[];
  problem?: string;
}

let built = false;

function runHarness(script: string, env: Record<string, string>, outFile: string): Promise<HarnessRun> {
  rmSync(outFile, { force: true });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repo, 'test', 'harness', script)], {
      cwd: repo,
      env: { ...process.env, ...env, ...(built ? { GENESIS_SKIP_BUILD: '1' } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => {
      built = true;
      let rows: EditorFaultRow[] = [];
      try {
        rows = (JSON.parse(readFileSync(outFile, 'utf8')) as { rows: EditorFaultRow[] }).rows;
      } catch {
        // no rows: reported below
      }
      const tail = output.trim().split('\n').slice(-8).join('\n');
      resolve({ rows, ...(code !== 0 || rows.length === 0 ? { problem: `${script} exited ${code}: ${tail}` } : {}) });
    });
  });
}

const integrationOut = join(repo, 'test', 'bench', 'results', 'editor-faults.json');
const e2eOut = join(repo, 'test', 'bench', 'results', 'crash-e2e.json');
let integration: Promise<HarnessRun> | undefined;
let e2e: Promise<HarnessRun> | undefined;

function rowFrom(run: HarnessRun, fault: string): FaultOutcome {
  const row = run.rows.find((r) => r.fault === fault);
  if (!row) return { seen: '', survived: false, lost: 0, evaluated: 0, detail: run.problem ?? `no row "${fault}" in the harness results` };
  const { fault: _name, ...outcome } = row;
  return outcome;
}

function editorScenario(fault: string, source: 'integration' | 'e2e'): FaultScenario {
  return {
    name: `editor: ${fault}`,
    category: 'editor',
    async run() {
      if (mode() === 'skip') {
        return { seen: '', survived: false, lost: 0, evaluated: 0, skipped: 'needs code-server + Chromium (npm run test:integration installs them; GENESIS_FAULTS_EDITOR=run forces)' };
      }
      if (source === 'integration') {
        integration ??= runHarness('run-integration.mjs', { GENESIS_TEST_SUITES: 'genesis-reliability', GENESIS_EDITOR_FAULTS_OUT: integrationOut }, integrationOut);
        return rowFrom(await integration, fault);
      }
      e2e ??= runHarness('run-e2e.mjs', { GENESIS_E2E_GREP: 'crash', GENESIS_CRASH_E2E_OUT: e2eOut }, e2eOut);
      return rowFrom(await e2e, fault);
    },
  };
}

/** The rows the integration suite and the e2e scenario write (names must match theirs). */
export const EDITOR_FAULTS = {
  edited: 'function edited mid-run',
  deleted: 'function deleted mid-run',
  closed: 'file closed mid-run',
  reloaded: 'window reloaded mid-run, resumed',
  killed: 'extension host killed (SIGKILL), resumed',
} as const;

export const editorScenarios: FaultScenario[] = [
  editorScenario(EDITOR_FAULTS.edited, 'integration'),
  editorScenario(EDITOR_FAULTS.deleted, 'integration'),
  editorScenario(EDITOR_FAULTS.closed, 'integration'),
  editorScenario(EDITOR_FAULTS.reloaded, 'e2e'),
  editorScenario(EDITOR_FAULTS.killed, 'e2e'),
];
