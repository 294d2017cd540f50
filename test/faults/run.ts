// `npm run test:faults`: the fault matrix. Each scenario stages one fault in a real run (the CLI,
// or the core where a knob has no CLI switch), records what the user is told, and proves from the
// evaluator's own ledger that nothing evaluated was lost. Prints the table and writes
// test/bench/results/faults.json; exits 1 when a fault crashed Genesis or lost an evaluation.
//
// Env: GENESIS_FAULTS_GREP=<text in a scenario name>, GENESIS_FAULTS_EDITOR=run|skip (default:
// run when code-server is installed under .vscode-test), GENESIS_FAULTS_SCENARIO_TIMEOUT_S (default 480:
// two CLI calls at their limit), GENESIS_FAULTS_CLI_TIMEOUT_S (one CLI call; default 240, lib.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupScratch, killLiveClis, repo, type FaultOutcome, type FaultScenario } from './lib';
import { diskScenarios } from './scenarios/disk';
import { editorScenarios } from './scenarios/editor';
import { evaluatorScenarios } from './scenarios/evaluator';
import { modelScenarios } from './scenarios/model';
import { processScenarios } from './scenarios/process';
import { runFolderScenarios } from './scenarios/runFolder';
import { runnerScenarios } from './scenarios/runner';
import { sandboxScenarios } from './scenarios/sandbox';
import { trustScenarios } from './scenarios/trust';

interface Row extends FaultOutcome {
  fault: string;
  category: FaultScenario['category'];
  seconds: number;
}

// A row makes one to three CLI calls of 5–40 s each on an idle 2-core machine; the limit only
// catches a harness or Genesis that hangs outright (a hung CLI call is reported by lib.ts first).
const scenarioTimeoutMs = Number(process.env.GENESIS_FAULTS_SCENARIO_TIMEOUT_S ?? 480) * 1000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Temp paths, run ids and ports vary per run: the table shows placeholders. */
function stable(text: string): string {
  return text
    .replace(/\/tmp\/genesis-faults-[^\s/]+/g, 'TMP')
    .replace(/\b\d{8}-\d{6}-[0-9a-f]{4}\b/g, 'RUN')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');
}

function cell(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat.padEnd(width);
}

function printTable(rows: Row[]): void {
  const header = `${cell('fault', 40)} | ${cell('what the user sees', 110)} | survived | lost`;
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const r of rows) {
    const survived = r.skipped ? 'skipped' : r.survived ? 'yes' : 'NO';
    console.log(`${cell(r.fault, 40)} | ${cell(r.skipped ? `skipped: ${r.skipped}` : r.seen, 110)} | ${survived.padEnd(8)} | ${r.skipped ? '-' : r.lost}`);
  }
}

async function main(): Promise<number> {
  const grep = process.env.GENESIS_FAULTS_GREP;
  const all = [...modelScenarios, ...evaluatorScenarios, ...runnerScenarios, ...diskScenarios, ...processScenarios, ...sandboxScenarios, ...runFolderScenarios, ...editorScenarios, ...trustScenarios];
  const selected = all.filter((s) => !grep || s.name.includes(grep));
  const rows: Row[] = [];
  const t0 = Date.now();
  for (const scenario of selected) {
    const started = Date.now();
    let outcome: FaultOutcome;
    try {
      outcome = await withTimeout(scenario.run(), scenarioTimeoutMs, scenario.name);
    } catch (error) {
      // The harness or Genesis threw: the fault was not survived.
      outcome = { seen: '', survived: false, lost: 0, evaluated: 0, detail: `scenario threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` };
    }
    // A scenario that timed out may have left its CLI running: it must not load the next rows.
    const leftRunning = killLiveClis();
    if (leftRunning > 0 && outcome.survived) outcome = { ...outcome, survived: false, detail: `${outcome.detail ?? ''}; ${leftRunning} CLI process(es) still running after the row` };
    const row: Row = { fault: scenario.name, category: scenario.category, seconds: Math.round((Date.now() - started) / 100) / 10, ...outcome, seen: stable(outcome.seen) };
    rows.push(row);
    const mark = row.skipped ? '-' : row.survived && row.lost === 0 ? '✓' : '✗';
    console.error(`${mark} ${scenario.name} (${row.seconds} s)${row.skipped ? ` skipped: ${row.skipped}` : ''}${!row.survived && !row.skipped && row.detail ? `\n    ${row.detail}` : ''}${row.lost ? `\n    lost ${row.lost}` : ''}`);
  }
  cleanupScratch();
  console.log('');
  printTable(rows);
  const counted = rows.filter((r) => !r.skipped);
  const survived = counted.filter((r) => r.survived).length;
  const lost = counted.reduce((sum, r) => sum + r.lost, 0);
  const evaluated = counted.reduce((sum, r) => sum + r.evaluated, 0);
  const seconds = Math.round((Date.now() - t0) / 1000);
  const results = {
    faults: counted.length,
    survived,
    lost,
    evaluated,
    skipped: rows.filter((r) => r.skipped).map((r) => ({ fault: r.fault, reason: r.skipped })),
    seconds,
    at: new Date().toISOString(),
    rows,
  };
  const out = join(repo, 'test', 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'faults.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`\n${counted.length} faults, ${survived} survived, ${lost} evaluations lost (of ${evaluated} evaluated), ${results.skipped.length} skipped; ${seconds} s`);
  console.log(`wrote ${join('test', 'bench', 'results', 'faults.json')}`);
  // The plain line npm test (and CI) counts: a fault passes when it was survived with nothing lost.
  const passed = counted.filter((r) => r.survived && r.lost === 0).length;
  console.log(`${passed} passed, ${counted.length - passed} failed`);
  return survived === counted.length && lost === 0 && counted.length > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`fault matrix failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
