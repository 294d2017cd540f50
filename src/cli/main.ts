// The headless CLI over the same core as the extension: for scripts, CI and cluster login nodes.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { SandboxUnavailableError } from '../core/evaluate/sandboxChoice';
import { languageFor } from '../core/lang/languages';
import { decodeSourceFile } from '../core/lang/sourceEncoding';
import { devWasmPaths, TreeSitterService, wasmPathsIn, type TreeSitterPaths } from '../core/lang/treeSitter';
import {
  parseRunnersFile, parseStageFlag, parseStages, resolveRunner, RunnerConfigError, type RunnersConfig, type RunnersFile,
} from '../core/evaluate/runnerConfig';
import { parsePrice, type PriceOverrides } from '../core/llm/pricing';
import { resumeRun, startRun, type StartedRun } from '../core/session';
import { countNodes, modelUsageOf } from '../core/runCounts';
import { allocationWindows, describeWindows, strategyTallies } from '../core/search/allocation';
import { RunStore } from '../core/store/runStore';
import type { CandidateNode, RunSummary, StageConfig } from '../core/types';
import { integer, parseArgs, single, UsageError } from './args';
import { exportRunsCli } from './exportCommand';
import { printErr, printJson, printOut, quietOnClosedOutput } from './output';
import { applyAfterRun } from './applyBest';
import { INIT_USAGE, initCli } from './initCommand';
import { generatedEvaluatorCommand } from '../core/onboard/generatedEvaluator';
import { checkResume } from './resumeGuard';

const USAGE = `Usage:
  genesis evolve FILE (--function NAME | --line N) --evaluator "CMD" [options]
      --evaluator "CMD"   how to score a candidate (default: the one "genesis init" generated
                          for the function in genesis-evaluators/NAME/, if any)
      --apply             write the best candidate back into FILE when the run ends (refused,
                          exit code 3, if the function changed since the run started)
      --budget N          evaluations, baseline included (default 40)
      --model SPEC        offline | openai:MODEL | openai-compatible:URL#MODEL | anthropic:MODEL |
                          anthropic-compatible:URL#MODEL (repeat for an ensemble: a cost-aware
                          bandit picks the model of each child; default offline)
      --budget-usd X      stop generating once model calls cost X dollars (within one call)
      --budget-tokens N   stop generating once N tokens were used
      --price MODEL=IN,OUT  USD per million input/output tokens for MODEL (repeatable)
      --strategy NAME     search strategy: adaptive (default), elitist, best-of-n,
                          beam, mcts, islands or random
      --seed S            seed for reproducible runs (default 1)
      --concurrency C     evaluations in flight (default 2)
      --timeout SECONDS   per evaluation (default 60)
      --workspace DIR     root copied into the sandbox (default: the current directory if it
                          holds FILE, else FILE's directory); the evaluator runs there
      --runs-dir DIR      where runs are stored (default WORKSPACE/.genesis/runs)
      --no-sandbox        run candidates unsandboxed (needed where no sandbox works: without it the
                          CLI refuses to run candidates there)
      --runners-file FILE JSON {"runners": {...}, "stages": [...], "runner": NAME}: named runners
                          (local, ssh, slurm) as in the genesis.runners setting (evaluators/REMOTE.md)
      --runner NAME       evaluate every candidate on that runner (default local: this machine)
      --stage SPEC        a cascade stage, cheap first (repeatable; replaces the file's stages):
                          NAME[@RUNNER][,threshold=X][,timeout=S][,command=CMD]
      --json              print the summary as JSON on stdout (progress goes to stderr)
${INIT_USAGE}
  genesis runs list [--runs-dir DIR] [--json]
  genesis runs show RUN_ID [--runs-dir DIR] [--json]
  genesis runs export [RUN_ID...] --out FILE [--pairs FILE] [--runs-dir DIR]
      every evaluated mutation as JSONL (parent, child, diff, features, fitness delta, label),
      and preference pairs (better/worse child of one parent) for DPO-style training
  genesis runs resume RUN_ID [--budget N] [--runs-dir DIR] [--no-sandbox] [--runners-file FILE] [--json]
                    [--evaluator "CMD"] [--model SPEC] [--yes]
      continue a run that was interrupted (crash, Ctrl+C) or stopped: completed evaluations are
      kept, in-flight ones run again, the search and the model bandit continue. The run's stored
      evaluator command and models must match --evaluator/--model, else .vscode/settings.json,
      else the defaults; otherwise it is refused (both are printed) unless --yes
API keys come from GENESIS_API_KEY, else OPENAI_API_KEY (OpenAI-style) or ANTHROPIC_API_KEY
(Anthropic-style).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    printOut(USAGE + '\n');
    return command ? 0 : 2;
  }
  if (command === '--version') {
    printOut(`${readVersion()}\n`);
    return 0;
  }
  if (command === 'evolve') return evolve(rest);
  if (command === 'runs') return runs(rest);
  if (command === 'init') return withTreeSitter((treeSitter) => initCli(rest, treeSitter));
  throw new UsageError(`unknown command "${command}"`);
}

async function evolve(argv: string[]): Promise<number> {
  const args = parseArgs(
    argv,
    ['function', 'line', 'evaluator', 'budget', 'model', 'seed', 'concurrency', 'timeout', 'workspace', 'runs-dir', 'budget-usd', 'budget-tokens', 'price', 'strategy', 'runners-file', 'runner', 'stage'],
    ['json', 'no-sandbox', 'apply'],
  );
  if (args.positional.length !== 1) throw new UsageError('evolve needs exactly one FILE');
  const filePath = resolve(args.positional[0]);
  if (!existsSync(filePath)) throw new UsageError(`no such file: ${filePath}`);
  const functionName = single(args, 'function');
  const workspaceGuess = resolve(single(args, 'workspace') ?? defaultWorkspace(filePath));
  const evaluatorCommand = single(args, 'evaluator') ?? (functionName ? generatedEvaluatorCommand(workspaceGuess, functionName) : undefined);
  if (!evaluatorCommand) {
    throw new UsageError(`--evaluator "CMD" is required (e.g. --evaluator "python3 evaluate.py"), or create one first: genesis init --function NAME ${args.positional[0]}`);
  }
  if (!single(args, 'evaluator')) progress(`genesis: using the generated evaluator: ${evaluatorCommand}`);
  const lineText = single(args, 'line');
  if (!functionName && !lineText) throw new UsageError('give --function NAME or --line N');
  const language = languageFor(undefined, filePath);
  if (!language) throw new UsageError(`unsupported language for ${filePath} (supported: .py .ts .tsx .js .jsx .mjs .cjs .rs .go .cpp .cc .cxx .hpp .h .c .cu)`);
  // Not 'utf8' decoding: that would turn other encodings' bytes into U+FFFD silently.
  const decoded = decodeSourceFile(readFileSync(filePath), filePath);
  if (!decoded.ok) throw new Error(decoded.error);
  const fileText = decoded.text;
  const workspaceRoot = resolve(single(args, 'workspace') ?? defaultWorkspace(filePath));
  const runsDir = resolve(single(args, 'runs-dir') ?? join(workspaceRoot, '.genesis', 'runs'));
  const json = args.switches.has('json');
  const runnerSetup = runnerOptions(args);
  const treeSitter = new TreeSitterService(findWasm());

  let name = functionName;
  let startLine: number | undefined;
  if (!name) {
    const line = integer(args, 'line', 1);
    const offset = offsetOfLine(fileText, line - 1);
    if (offset === undefined) throw new UsageError(`--line ${line} is past the end of ${filePath}`);
    const found = await treeSitter.findFunctionAt(fileText, language, offset);
    if (!found) throw new UsageError(`line ${line} of ${filePath} is not inside a function`);
    name = found.name;
    startLine = found.startLine;
  }

  const started = await startRun({
    workspaceRoot,
    filePath,
    fileText,
    language,
    functionName: name,
    ...(startLine !== undefined ? { functionStartLine: startLine } : {}),
    evaluatorCommand,
    models: args.flags.get('model') ?? ['offline'],
    budget: integer(args, 'budget', 40),
    concurrency: integer(args, 'concurrency', 2),
    seed: integer(args, 'seed', 1, 0),
    timeoutSec: integer(args, 'timeout', 60),
    runsDir,
    treeSitter,
    sandbox: args.switches.has('no-sandbox') ? 'none' : 'auto',
    ...runnerSetup,
    apiKeyFor: async (spec) => process.env.GENESIS_API_KEY ?? (/^anthropic/.test(spec) ? process.env.ANTHROPIC_API_KEY : process.env.OPENAI_API_KEY),
    prices: priceOverrides(args.flags.get('price') ?? []),
    ...optionalNumber(args, 'budget-usd', 'budgetUsd'),
    ...optionalNumber(args, 'budget-tokens', 'budgetTokens'),
    ...(single(args, 'strategy') ? { strategy: single(args, 'strategy') } : {}),
    log: (level, message) => progress(`genesis: ${level}: ${message}`),
  });
  let code = await followRun(started, `evolving ${name} in ${filePath}`, runsDir, json);
  if (args.switches.has('apply')) code = await applyAfterRun(treeSitter, started.run, code, progress);
  treeSitter.dispose();
  return code;
}

const progress = (text: string) => printErr(text + '\n');

async function withTreeSitter(use: (treeSitter: TreeSitterService) => Promise<number>): Promise<number> {
  const treeSitter = new TreeSitterService(findWasm());
  try {
    return await use(treeSitter);
  } finally {
    treeSitter.dispose();
  }
}

async function resume(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['runs-dir', 'budget', 'runners-file', 'evaluator', 'model'], ['json', 'no-sandbox', 'yes']);
  const runId = args.positional[0];
  if (!runId) throw new UsageError('runs resume needs a RUN_ID');
  const runsDir = resolve(single(args, 'runs-dir') ?? join(process.cwd(), '.genesis', 'runs'));
  const evaluator = single(args, 'evaluator');
  const refusal = await checkResume(
    { runId, runsDir, workspaceRoot: process.cwd(), ...(evaluator !== undefined ? { evaluator } : {}), ...(args.flags.has('model') ? { models: args.flags.get('model') } : {}), confirmed: args.switches.has('yes') },
    progress,
  );
  if (refusal) {
    progress(refusal);
    return 1;
  }
  const budgetText = single(args, 'budget');
  const treeSitter = new TreeSitterService(findWasm());
  const started = await resumeRun({
    runId,
    runsDir,
    treeSitter,
    ...(budgetText !== undefined ? { budget: integer(args, 'budget', 1) } : {}),
    sandbox: args.switches.has('no-sandbox') ? 'none' : 'auto',
    // The stored run keeps its runner and stages; the runner definitions come from the file.
    runners: runnersFile(args).runners,
    apiKeyFor: async (spec) => process.env.GENESIS_API_KEY ?? (/^anthropic/.test(spec) ? process.env.ANTHROPIC_API_KEY : process.env.OPENAI_API_KEY),
    log: (level, message) => progress(`genesis: ${level}: ${message}`),
  });
  const code = await followRun(started, `resuming ${started.run.config.functionName}`, runsDir, args.switches.has('json'));
  treeSitter.dispose();
  return code;
}

/** Prints progress until the run ends (Ctrl+C stops it cleanly), then the summary. */
async function followRun({ run, evaluator }: StartedRun, what: string, runsDir: string, json: boolean): Promise<number> {
  progress(`genesis: run ${run.runId}: ${what} (evaluations: ${evaluator.description})`);
  run.onEvent((event) => {
    if (event.type !== 'node-updated') return;
    const node = event.node;
    if (node.status !== 'done' && node.status !== 'failed' && node.status !== 'skipped') return;
    const s = run.summary();
    const what = node.status === 'done' ? `score ${fmt(node.score)}` : `${node.status}: ${node.reason ?? ''}`;
    progress(`[${s.evaluations}/${s.budget}] node ${node.id}${node.mutation ? ` (${node.mutation.summary})` : ''} ${what} | best ${fmt(s.bestScore)}`);
  });
  const onSignal = () => {
    progress('genesis: stopping (in-flight evaluations are cancelled)…');
    run.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const summary = await run.done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const best = summary.bestNodeId ? run.node(summary.bestNodeId) : undefined;
  const report = summaryReport(summary, best, join(runsDir, summary.runId), run.config.models, run.nodes());
  if (json) printJson(report);
  else printHuman(report);
  return summary.status === 'failed' ? 1 : 0;
}

/** --runners-file, read and checked (no file: no named runners, only local). */
function runnersFile(args: ReturnType<typeof parseArgs>): RunnersFile {
  const file = single(args, 'runners-file');
  if (!file) return { runners: {} };
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`no such runners file: ${path}`);
  try {
    return parseRunnersFile(readFileSync(path, 'utf8'), file);
  } catch (error) {
    if (error instanceof RunnerConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** --runners-file, --runner and --stage: where candidates are evaluated. */
function runnerOptions(args: ReturnType<typeof parseArgs>): { runners: RunnersConfig; runner?: string; stages?: StageConfig[] } {
  const loaded = runnersFile(args);
  try {
    const runner = single(args, 'runner') ?? loaded.runner;
    if (runner) resolveRunner(runner, loaded.runners);
    const stageFlags = args.flags.get('stage') ?? [];
    const stages = stageFlags.length > 0 ? parseStages(stageFlags.map(parseStageFlag), loaded.runners) : (loaded.stages ?? []);
    return { runners: loaded.runners, ...(runner ? { runner } : {}), ...(stages.length > 0 ? { stages } : {}) };
  } catch (error) {
    if (error instanceof RunnerConfigError) throw new UsageError(error.message);
    throw error;
  }
}

function priceOverrides(values: string[]): PriceOverrides {
  const prices: PriceOverrides = {};
  for (const value of values) {
    const eq = value.lastIndexOf('=');
    if (eq <= 0) throw new UsageError(`--price needs MODEL=IN,OUT (got "${value}")`);
    try {
      prices[value.slice(0, eq)] = parsePrice(value.slice(eq + 1));
    } catch (error) {
      throw new UsageError(`--price ${value}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return prices;
}

function optionalNumber<K extends string>(args: ReturnType<typeof parseArgs>, flag: string, key: K): Partial<Record<K, number>> {
  const text = single(args, flag);
  if (text === undefined) return {};
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${flag} must be a positive number (got "${text}")`);
  return { [key]: value } as Partial<Record<K, number>>;
}

/** Windows of the "allocation over the run" lines. */
const ALLOCATION_WINDOWS = 5;

function summaryReport(summary: RunSummary, best: CandidateNode | undefined, runDir: string, models: string[], nodes: readonly CandidateNode[]) {
  // One definition of each count (src/core/runCounts.ts), as the panel and the sidebar show them.
  const counts = countNodes(nodes);
  return {
    runId: summary.runId,
    status: summary.status,
    functionName: summary.functionName,
    file: summary.filePath,
    baselineScore: summary.baselineScore,
    bestScore: summary.bestScore,
    improved: summary.bestScore !== null && summary.baselineScore !== null && summary.bestScore > summary.baselineScore,
    evaluations: summary.evaluations,
    budget: summary.budget,
    candidates: counts.candidates,
    scored: counts.scored,
    failed: counts.failed,
    skipped: counts.skipped,
    modelCalls: counts.modelCalls,
    bestNodeId: summary.bestNodeId,
    bestDiff: best && best.id !== '0' ? best.diff : '',
    bestCode: best?.code ?? null,
    tokens: summary.tokens,
    costUsd: summary.costUsd,
    models: summary.models ?? modelUsageOf(nodes, models),
    /** Which strategy produced the children, and how that moved over the run (five windows of evaluations). */
    strategies: strategyTallies(nodes),
    allocation: allocationWindows(nodes, ALLOCATION_WINDOWS),
    ...(summary.stopReason ? { stopReason: summary.stopReason } : {}),
    runDir,
  };
}

function printHuman(report: ReturnType<typeof summaryReport>): void {
  const lines = [
    `run ${report.runId}: ${report.status}`,
    `function ${report.functionName} in ${report.file}`,
    `baseline ${fmt(report.baselineScore)} → best ${fmt(report.bestScore)} (node ${report.bestNodeId ?? '-'}) after ${report.evaluations}/${report.budget} evaluations`,
    `${report.candidates} candidates: ${report.scored} scored, ${report.failed} failed, ${report.skipped} skipped; ${report.modelCalls} model calls, ${report.tokens} tokens, $${report.costUsd.toFixed(4)}`,
    ...report.models.map((m) => `  model ${m.id}: ${m.pulls} pulls, mean reward ${fmt(m.meanReward)}, ${m.tokensIn + m.tokensOut} tokens, $${m.costUsd.toFixed(4)}`),
    ...report.strategies.map((t) => `  strategy ${t.strategy}: ${t.children} children, ${t.evaluated} evaluated, ${t.newBests} new bests`),
    ...(report.strategies.length > 1 ? ['  allocation of evaluations over the run:', ...describeWindows(report.allocation).map((line) => `    ${line}`)] : []),
    ...(report.stopReason ? [`stopped early: ${report.stopReason}`] : []),
    `stored in ${report.runDir}`,
  ];
  printOut(lines.join('\n') + '\n' + (report.bestDiff ? '\n' + report.bestDiff : '\nno candidate beat the baseline\n'));
}

async function runs(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'resume') return resume(rest);
  if (sub === 'export') {
    const treeSitter = new TreeSitterService(findWasm());
    try {
      return await exportRunsCli(rest, process.cwd(), treeSitter);
    } finally {
      treeSitter.dispose();
    }
  }
  const args = parseArgs(rest, ['runs-dir'], ['json']);
  const runsDir = resolve(single(args, 'runs-dir') ?? join(process.cwd(), '.genesis', 'runs'));
  const store = new RunStore(runsDir);
  const json = args.switches.has('json');
  if (sub === 'list') {
    const list = await store.list();
    if (json) printJson(list);
    else if (list.length === 0) printOut(`no runs in ${runsDir}\n`);
    else
      for (const s of list)
        printOut(`${s.runId}  ${s.status.padEnd(11)} ${s.functionName.padEnd(20)} ${s.evaluations}/${s.budget} evals  baseline ${fmt(s.baselineScore)}  best ${fmt(s.bestScore)}  ${s.relativePath}\n`);
    return 0;
  }
  if (sub === 'show') {
    const runId = args.positional[0];
    if (!runId) throw new UsageError('runs show needs a RUN_ID');
    const stored = await store.load(runId);
    for (const warning of stored.warnings) progress(`genesis: warning: run ${runId}: ${warning}`);
    const best = stored.summary.bestNodeId ? stored.nodes.find((n) => n.id === stored.summary.bestNodeId) : undefined;
    const report = summaryReport(stored.summary, best, store.runDir(runId), stored.config.models, stored.nodes);
    if (json) printJson({ ...report, config: stored.config, nodes: stored.nodes.map(nodeLine) });
    else {
      printHuman(report);
      for (const n of stored.nodes) {
        const line = nodeLine(n);
        printOut(`  node ${line.id.padStart(4)} ← ${String(line.parentId ?? '-').padStart(4)}  ${line.status.padEnd(10)} ${fmt(line.score).padStart(12)}  ${(line.strategy ?? '-').padEnd(9)} ${line.summary}${line.reason ? ` — ${line.reason}` : ''}\n`);
      }
    }
    return 0;
  }
  throw new UsageError('use "genesis runs list", "runs show RUN_ID", "runs resume RUN_ID" or "runs export"');
}

function nodeLine(n: CandidateNode) {
  return { id: n.id, parentId: n.parentId, status: n.status, score: n.score, prmScore: n.prmScore, strategy: n.strategy ?? null, summary: n.mutation?.summary ?? '', reason: n.reason ?? null };
}

function defaultWorkspace(filePath: string): string {
  const cwd = process.cwd();
  return filePath.startsWith(cwd + sep) ? cwd : dirname(filePath);
}

function offsetOfLine(text: string, line: number): number | undefined {
  let offset = 0;
  for (let i = 0; i < line; i++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return undefined;
    offset = nl + 1;
  }
  // Land on the first non-blank character so the position is inside the line's code.
  const m = /^[ \t]*/.exec(text.slice(offset));
  return offset + (m ? m[0].length : 0);
}

function findWasm(): TreeSitterPaths {
  const bundled = join(__dirname, 'wasm');
  if (existsSync(join(bundled, 'tree-sitter.wasm'))) return wasmPathsIn(bundled);
  return devWasmPaths(join(__dirname, '..', '..'));
}

function readVersion(): string {
  for (const candidate of [join(__dirname, '..', 'package.json'), join(__dirname, '..', '..', 'package.json')]) {
    if (existsSync(candidate)) return (JSON.parse(readFileSync(candidate, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

function fmt(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(4) : String(Number(value.toPrecision(6)));
}

quietOnClosedOutput();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      printErr(`genesis: ${error.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (error instanceof SandboxUnavailableError) {
      printErr(`genesis: ${error.message}\nTo run candidates unsandboxed anyway, pass --no-sandbox.\n`);
      process.exitCode = 1;
    } else {
      printErr(`genesis: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);


