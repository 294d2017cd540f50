// Shared machinery of the fault matrix: throw-away workspaces, the evaluator that keeps a ledger
// of what it evaluated (outside the work dir, so no sandbox copy can hide it), the CLI as a real
// child process, a core run wired like the session does, and the accounting that proves nothing
// evaluated was lost.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EvolutionRun } from '../../src/core/engine/run';
import { devWasmPaths, TreeSitterService } from '../../src/core/lang/treeSitter';
import { OfflineMutationSource } from '../../src/core/mutate/offline';
import { HeuristicPrm } from '../../src/core/prm/heuristicPrm';
import { newRunId, RunStore, type StoredRun } from '../../src/core/store/runStore';
import { FAULT_EVAL_PY } from './accounting';

export { account, FAULT_EVAL_PY, ledgerStarts, recordedKeys, type Accounting } from './accounting';
import type { Evaluator, RunConfig, RunSummary } from '../../src/core/types';

export const repo = join(__dirname, '..', '..');
/** The CLI under test: the sources by default; GENESIS_FAULTS_CLI may name dist/cli.js or another checkout's main.ts. */
const cliEntry = process.env.GENESIS_FAULTS_CLI ?? join(repo, 'src', 'cli', 'main.ts');
// Workspaces live outside the repo, so --import names tsx's loader by path.
const tsxLoader = pathToFileURL(join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** One row of the matrix. */
export interface FaultOutcome {
  /** What the user is told (CLI line, node reason, log message). */
  seen: string;
  /** Genesis did not crash and ended the run as it should (completed, or stopped and resumed). */
  survived: boolean;
  /** Evaluations the evaluator performed that the stored run does not hold. */
  lost: number;
  /** Evaluations the evaluator started (its ledger). */
  evaluated: number;
  /** Why `survived` is false, or notes worth reading. */
  detail?: string;
  /** Set when the fault could not be staged here (missing tool, no root); the row is not counted. */
  skipped?: string;
}

export interface FaultScenario {
  /** Short name shown in the table, e.g. "model: 429 rate limit". */
  name: string;
  category: 'model' | 'evaluator' | 'runner' | 'editor' | 'disk' | 'process' | 'sandbox';
  run(): Promise<FaultOutcome>;
}

const scratch: string[] = [];
export function cleanupScratch(): void {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface Workspace {
  dir: string;
  /** The evaluator's ledger, outside the workspace. */
  ledger: string;
  runsDir: string;
  /** The evaluator command for a fault mode. */
  evaluator(mode: string, options?: { every?: number; delaySec?: number; contain?: string }): string;
}

/** A copy of the Python example workspace plus the fault evaluator, in its own temp folder. */
export function makeWorkspace(label: string): Workspace {
  const root = mkdtempSync(join(tmpdir(), `genesis-faults-${label.replace(/\W+/g, '-')}-`));
  scratch.push(root);
  const dir = join(root, 'ws');
  mkdirSync(dir);
  cpSync(join(repo, 'evaluators', 'python', 'example'), dir, { recursive: true, filter: (s) => !/(__pycache__|\.genesis)$/.test(s) });
  writeFileSync(join(dir, 'fault_eval.py'), FAULT_EVAL_PY);
  const ledger = join(root, 'ledger.txt');
  writeFileSync(ledger, '');
  return {
    dir,
    ledger,
    runsDir: join(dir, '.genesis', 'runs'),
    evaluator: (mode, options = {}) =>
      ['python3', 'fault_eval.py', ledger, mode, String(options.every ?? 3), String(options.delaySec ?? 0), shellQuote(options.contain ?? '')].join(' '),
  };
}

export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the CLI was still running at its time limit and was killed: a hang, not a crash. */
  timedOutAfterSec?: number;
}

/**
 * How long one CLI call may run before it counts as hung. A row's calls take 5–40 s on an idle
 * 2-core machine and up to 140 s on one loaded eight times over; the limit sits above that, so
 * only a real hang reaches it (GENESIS_FAULTS_CLI_TIMEOUT_S overrides it).
 */
export const CLI_TIMEOUT_MS = Number(process.env.GENESIS_FAULTS_CLI_TIMEOUT_S ?? 240) * 1000;

/** CLIs still running: a scenario that timed out leaves none behind to load the next rows. */
const liveClis = new Set<ReturnType<typeof spawn>>();
export function killLiveClis(): number {
  const count = liveClis.size;
  for (const child of liveClis) child.kill('SIGKILL');
  liveClis.clear();
  return count;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Runs once per stderr chunk; return true to SIGKILL the CLI (a crash). */
  killWhen?: (stderr: string) => boolean;
  /** Prefix the command with a shell (e.g. `ulimit -f 64;`). */
  shellPrefix?: string;
  timeoutMs?: number;
}

/** Runs `genesis ARGS` as a user does: a real process (tsx over the sources, so always current). */
export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  const argv = ['--import', tsxLoader, cliEntry, ...args];
  const child = options.shellPrefix
    ? spawn('/bin/sh', ['-c', `${options.shellPrefix} exec ${[process.execPath, ...argv].map(shellQuote).join(' ')}`], { cwd: options.cwd, env: { ...process.env, ...options.env } })
    : spawn(process.execPath, argv, { cwd: options.cwd, env: { ...process.env, ...options.env } });
  liveClis.add(child);
  let stdout = '';
  let stderr = '';
  let killed = false;
  let timedOut = false;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (!killed && options.killWhen?.(stderr)) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  const limitMs = options.timeoutMs ?? CLI_TIMEOUT_MS;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, limitMs);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      liveClis.delete(child);
      resolve({ code, signal, stdout, stderr, ...(timedOut ? { timedOutAfterSec: limitMs / 1000 } : {}) });
    });
  });
}

/** The run id the CLI announces on stderr. */
export function runIdIn(stderr: string): string | undefined {
  return /genesis: run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(stderr)?.[1];
}

/** A JS stack trace or the engine's "internal error" in the output: Genesis itself broke. */
export function crashSign(result: CliResult): string | undefined {
  if (result.timedOutAfterSec !== undefined) return `the CLI hung: still running after ${result.timedOutAfterSec} s, killed`;
  if (result.signal) return `the CLI died of ${result.signal}`;
  if (result.code !== 0 && result.code !== 1) return `the CLI exited with code ${result.code}`;
  const text = result.stdout + result.stderr;
  if (/internal error/i.test(text)) return 'the run ended with an internal error';
  if (/^\s+at .+:\d+:\d+\)?$/m.test(text)) return 'a stack trace was printed';
  if (/Unhandled|UnhandledPromiseRejection/i.test(text)) return 'an unhandled rejection';
  return undefined;
}

export function loadRun(runsDir: string, runId: string): Promise<StoredRun> {
  return new RunStore(runsDir).load(runId);
}

/** The first stored reason matching `pattern` (what the panel and `runs show` display). */
export function reasonMatching(stored: StoredRun, pattern: RegExp): string | undefined {
  return stored.nodes.map((n) => n.reason ?? '').find((r) => pattern.test(r));
}

/** The first stderr line matching `pattern`, trimmed of the progress prefix. */
export function lineMatching(text: string, pattern: RegExp): string | undefined {
  return text.split('\n').find((l) => pattern.test(l))?.trim();
}

export const EXAMPLE_FILE = 'approx.py';
export const EXAMPLE_FUNCTION = 'approx_exp';

export interface CoreRunOptions {
  workspace: Workspace;
  evaluator: Evaluator;
  budget: number;
  concurrency: number;
  timeoutSec?: number;
  evaluatorCommand?: string;
}

/**
 * A run through the core with a caller-made evaluator (the remote runners have no CLI switch):
 * the same engine, store and recorder wiring as src/core/session.ts, the offline mutation source.
 */
export async function coreRun(options: CoreRunOptions): Promise<{ summary: RunSummary; runId: string; logs: string[] }> {
  const { workspace } = options;
  const treeSitter = new TreeSitterService(devWasmPaths(repo));
  const filePath = join(workspace.dir, EXAMPLE_FILE);
  const fileText = readFileSync(filePath, 'utf8');
  const location = await treeSitter.findFunctionByName(fileText, 'python', EXAMPLE_FUNCTION);
  if (!location) throw new Error(`${EXAMPLE_FUNCTION} not found in ${filePath}`);
  const config: RunConfig = {
    language: 'python',
    functionName: location.name,
    filePath,
    relativePath: EXAMPLE_FILE,
    workspaceRoot: workspace.dir,
    evaluatorCommand: options.evaluatorCommand ?? '(remote)',
    models: ['offline'],
    budget: options.budget,
    concurrency: options.concurrency,
    seed: 1,
    timeoutSec: options.timeoutSec ?? 60,
    strategy: 'elitist',
  };
  const source = { fileText, startIndex: location.startIndex, endIndex: location.endIndex };
  const logs: string[] = [];
  const runId = newRunId();
  const recorder = new RunStore(workspace.runsDir).openRecorder(runId, (error) => logs.push(`error: ${error.message}`));
  const run: EvolutionRun = new EvolutionRun(config, { runId, rootCode: location.text }, {
    sources: [new OfflineMutationSource()],
    evaluator: options.evaluator,
    prm: new HeuristicPrm(),
    candidateFile: (code) => fileText.slice(0, location.startIndex) + code + fileText.slice(location.endIndex),
    source,
    syntaxIssues: (text) => treeSitter.syntaxIssues(text, 'python'),
    record: (event) => recorder.record(event, run.summary()),
  });
  run.onEvent((event) => {
    if (event.type === 'log') logs.push(`${event.level}: ${event.message}`);
  });
  try {
    const summary = await run.start();
    return { summary, runId, logs };
  } finally {
    recorder.close();
    treeSitter.dispose();
  }
}

/** Whether a command exists on PATH. */
export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
