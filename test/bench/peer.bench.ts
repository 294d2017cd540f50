// Genesis next to a peer (OpenEvolve), on the same tasks with the same mutation source.
// Run: npm run build && npm run bench:peer [-- --budget N] [--update-baseline]
//
// Tasks: circle packing, n = 26 (test/bench/tasks/circle-packing, `node evaluate.mjs`) and a curve
// fit (evaluators/python/example: a cubic fitted to e^x, `python3 evaluate.py`). The mutation
// source is an OpenAI-protocol stand-in on 127.0.0.1 (test/fixtures/peerStandIn.ts): every reply is
// one seeded literal edit as a SEARCH/REPLACE block, whichever tool asks.
// - Genesis: the real CLI (dist/cli.js) with `--model openai-compatible:http://127.0.0.1:PORT/v1#stand-in`,
//   2 evaluations in flight, its default strategy, in a fresh copy of the task's folder.
// - OpenEvolve, when `python3 -c "import openevolve"` works: the same evaluator command wrapped
//   in OpenEvolve's evaluate(program_path), 2 parallel evaluations, diff-based evolution, its
//   default islands, the same budget. Skipped with a message otherwise.
// Reported per tool and task: evaluations to reach each threshold, best at 100 and at the budget,
// wall time, and the overhead per evaluation: wall − (evaluator time ÷ 2 in flight), per evaluation.
// The Genesis side is a regression guard: evaluations to each task's guard threshold must not
// grow past test/bench/peer-baseline.json (exit code 1 if they do; --update-baseline rewrites it).
// The baseline allows TOLERANCE more: the stand-in answers concurrent requests in the order they
// arrive, so two children of one parent asked in the same round can swap edits between runs.
// Writes test/bench/results/peer.json.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededEditReply } from '../fixtures/peerStandIn';
import { startLlmServer } from '../fixtures/llmServer';

const repo = join(__dirname, '..', '..');
const args = process.argv.slice(2);
const valueOf = (flag: string) => (args.indexOf(flag) >= 0 ? args[args.indexOf(flag) + 1] : undefined);
const BUDGET = Number(valueOf('--budget') ?? 300);
const EARLY = 100;
const CONCURRENCY = 2;
const SEED = 1;
const BASELINE_FILE = join(__dirname, 'peer-baseline.json');
/** Share of the baseline's evaluations a run may exceed it by before it counts as a regression. */
const TOLERANCE = 0.1;

interface PeerTask {
  name: string;
  workspace: string;
  file: string;
  functionName: string;
  language: 'javascript' | 'python';
  evaluatorCommand: string;
  /** Scores to reach (higher is better); the middle one is the regression guard. */
  thresholds: number[];
  guardThreshold: number;
}

const TASKS: PeerTask[] = [
  {
    name: 'circle-packing', workspace: join(repo, 'test', 'bench', 'tasks', 'circle-packing'), file: 'packing.js', functionName: 'packCircles',
    language: 'javascript', evaluatorCommand: 'node evaluate.mjs', thresholds: [2.3, 2.33, 2.36], guardThreshold: 2.33,
  },
  {
    name: 'curve-fit', workspace: join(repo, 'evaluators', 'python', 'example'), file: 'approx.py', functionName: 'approx_exp',
    language: 'python', evaluatorCommand: 'python3 evaluate.py', thresholds: [-0.1, -0.05, -0.03], guardThreshold: -0.05,
  },
];

/** One evaluation as the tool finished it, in order. */
interface Evaluation {
  score: number | null;
  durationMs: number;
}

interface ToolResult {
  evaluations: number;
  evaluationsToThreshold: Record<string, number | null>;
  bestAt: Record<string, number | null>;
  wallSeconds: number;
  evaluatorSecondsTotal: number;
  overheadMsPerEvaluation: number;
}

function summarize(evaluations: Evaluation[], thresholds: number[], wallSeconds: number): ToolResult {
  let best = -Infinity;
  const bestAfter: number[] = [];
  for (const e of evaluations) {
    if (e.score !== null && Number.isFinite(e.score)) best = Math.max(best, e.score);
    bestAfter.push(best);
  }
  const reach = (t: number) => {
    const i = bestAfter.findIndex((b) => b >= t);
    return i < 0 ? null : i + 1;
  };
  const at = (n: number) => {
    const b = bestAfter[Math.min(n, bestAfter.length) - 1];
    return b === undefined || b === -Infinity ? null : round(b, 6);
  };
  const evaluatorSeconds = evaluations.reduce((s, e) => s + e.durationMs, 0) / 1000;
  return {
    evaluations: evaluations.length,
    evaluationsToThreshold: Object.fromEntries(thresholds.map((t) => [String(t), reach(t)])),
    bestAt: { [String(EARLY)]: at(EARLY), [String(BUDGET)]: at(BUDGET) },
    wallSeconds: round(wallSeconds, 2),
    evaluatorSecondsTotal: round(evaluatorSeconds, 2),
    overheadMsPerEvaluation: round(((wallSeconds - evaluatorSeconds / CONCURRENCY) * 1000) / Math.max(1, evaluations.length), 2),
  };
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

/** A fresh copy of the task's folder (the run writes .genesis/ there: no state carried between runs). */
function workspaceCopy(task: PeerTask): string {
  const dir = join(mkdtempSync(join(tmpdir(), `genesis-peer-${task.name}-`)), 'ws');
  cpSync(task.workspace, dir, { recursive: true, filter: (src) => !/(^|\/)(\.genesis|__pycache__|\.pytest_cache|node_modules|target)(\/|$)/.test(src.slice(task.workspace.length)) });
  return dir;
}

async function runGenesis(task: PeerTask, baseUrl: string): Promise<ToolResult> {
  const cli = join(repo, 'dist', 'cli.js');
  const ws = workspaceCopy(task);
  const runsDir = join(ws, '..', 'runs');
  const started = performance.now();
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [
      cli, 'evolve', task.file, '--function', task.functionName, '--evaluator', task.evaluatorCommand,
      '--model', `openai-compatible:${baseUrl}#stand-in`, '--budget', String(BUDGET), '--concurrency', String(CONCURRENCY),
      '--seed', String(SEED), '--json', '--runs-dir', runsDir, '--workspace', ws,
    ], { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`genesis CLI exited with ${code}: ${err}`))));
  });
  const wall = (performance.now() - started) / 1000;
  const { runId } = JSON.parse(stdout) as { runId: string };
  const evaluations: Evaluation[] = [];
  for (const line of readFileSync(join(runsDir, runId, 'events.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as { type: string; node?: { status: string; score: number | null; evaluation?: { durationMs: number } } };
    const node = event.node;
    if (event.type !== 'node-updated' || !node?.evaluation || (node.status !== 'done' && node.status !== 'failed')) continue;
    evaluations.push({ score: node.score, durationMs: node.evaluation.durationMs });
  }
  rmSync(join(ws, '..'), { recursive: true, force: true });
  return summarize(evaluations, task.thresholds, wall);
}

function openEvolveProblem(): string | null {
  try {
    execFileSync('python3', ['-c', 'import openevolve'], { stdio: 'ignore', timeout: 60_000 });
    return null;
  } catch {
    return 'OpenEvolve is not importable here (python3 -c "import openevolve" failed): the OpenEvolve side is skipped';
  }
}

/** OpenEvolve's evaluate(program_path) around the task's own evaluator command; it keeps a ledger. */
function openEvolveEvaluator(task: PeerTask, ledger: string): string {
  return `# Written by test/bench/peer.bench.ts: the task's Genesis evaluator, called the OpenEvolve way.
import json, os, shutil, subprocess, tempfile, time

WORKSPACE = ${JSON.stringify(task.workspace)}
COMMAND = ${JSON.stringify(task.evaluatorCommand)}
FILE = ${JSON.stringify(task.file)}
LEDGER = ${JSON.stringify(ledger)}

def evaluate(program_path):
    started = time.time()
    work = tempfile.mkdtemp(prefix="peer-oe-")
    try:
        ws = os.path.join(work, "ws")
        shutil.copytree(WORKSPACE, ws, ignore=shutil.ignore_patterns(".genesis", "__pycache__", ".pytest_cache"))
        candidate = os.path.join(ws, FILE)
        shutil.copyfile(program_path, candidate)
        env = dict(os.environ, GENESIS_CANDIDATE_FILE=candidate, GENESIS_WORKDIR=ws, GENESIS_RESULT=os.path.join(work, "result.json"))
        done = subprocess.run(COMMAND, shell=True, cwd=ws, env=env, capture_output=True, text=True, timeout=60)
        try:
            with open(os.path.join(work, "result.json")) as f:
                result = json.load(f)
        except Exception:
            lines = [l for l in done.stdout.splitlines() if l.strip()]
            result = json.loads(lines[-1]) if lines else {"score": None, "correct": False}
    except Exception:
        result = {"score": None, "correct": False}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    score = result.get("score")
    ok = result.get("correct") is not False and isinstance(score, (int, float))
    with open(LEDGER, "a") as f:
        f.write(json.dumps({"score": score if ok else None, "durationMs": (time.time() - started) * 1000}) + "\\n")
    return {"combined_score": float(score) if ok else -1e9, "correct": 1.0 if ok else 0.0}
`;
}

async function runOpenEvolve(task: PeerTask, baseUrl: string): Promise<ToolResult> {
  const dir = mkdtempSync(join(tmpdir(), `peer-openevolve-${task.name}-`));
  const ledger = join(dir, 'ledger.jsonl');
  const initial = join(dir, `initial${task.language === 'python' ? '.py' : '.js'}`);
  // The whole file, with the function marked as the part to evolve.
  const text = readFileSync(join(task.workspace, task.file), 'utf8');
  const comment = task.language === 'python' ? '#' : '//';
  const at = text.indexOf(task.language === 'python' ? `def ${task.functionName}` : `function ${task.functionName}`);
  const marked = at < 0 ? text : `${text.slice(0, at)}${comment} EVOLVE-BLOCK-START\n${text.slice(at)}\n${comment} EVOLVE-BLOCK-END\n`;
  writeFileSync(initial, marked);
  writeFileSync(join(dir, 'evaluator.py'), openEvolveEvaluator(task, ledger));
  writeFileSync(join(dir, 'config.yaml'), [
    `max_iterations: ${BUDGET}`, `random_seed: ${SEED}`, 'diff_based_evolution: true', `language: ${task.language}`, `file_suffix: "${task.language === 'python' ? '.py' : '.js'}"`,
    'llm:', `  api_base: "${baseUrl}"`, '  api_key: "stand-in"', '  models:', '    - name: "stand-in"', '      weight: 1.0',
    'evaluator:', `  parallel_evaluations: ${CONCURRENCY}`, '  cascade_evaluation: false', '  timeout: 60', '',
  ].join('\n'));
  const started = performance.now();
  execFileSync('python3', ['-c', 'import sys; from openevolve.cli import main; sys.exit(main())', initial, join(dir, 'evaluator.py'), '--config', join(dir, 'config.yaml'), '--iterations', String(BUDGET), '--output', join(dir, 'out')], { stdio: 'ignore', timeout: 600_000 });
  const wall = (performance.now() - started) / 1000;
  const evaluations = readFileSync(ledger, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Evaluation);
  rmSync(dir, { recursive: true, force: true });
  return summarize(evaluations, task.thresholds, wall);
}

interface Baseline {
  budget: number;
  tasks: Record<string, { threshold: number; evaluations: number | null }>;
}

async function main(): Promise<void> {
  if (!existsSync(join(repo, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run npm run build first');
  const started = performance.now();
  const server = await startLlmServer({ reply: seededEditReply(SEED) });
  const baseUrl = `${server.url}/v1`;
  const peerProblem = openEvolveProblem();
  if (peerProblem) process.stderr.write(`peer bench: ${peerProblem}\n`);
  const tasks: Record<string, { genesis: ToolResult; openevolve: ToolResult | { skipped: string }; thresholds: number[] }> = {};
  try {
    for (const task of TASKS) {
      process.stderr.write(`peer bench: ${task.name}: Genesis CLI, ${BUDGET} evaluations…\n`);
      const genesis = await runGenesis(task, baseUrl);
      process.stderr.write(`peer bench: ${task.name}: Genesis ${JSON.stringify(genesis)}\n`);
      let openevolve: ToolResult | { skipped: string } = { skipped: peerProblem ?? '' };
      if (!peerProblem) {
        process.stderr.write(`peer bench: ${task.name}: OpenEvolve, ${BUDGET} iterations…\n`);
        try {
          openevolve = await runOpenEvolve(task, baseUrl);
        } catch (error) {
          openevolve = { skipped: `OpenEvolve failed: ${error instanceof Error ? error.message : String(error)}` };
        }
      }
      tasks[task.name] = { genesis, openevolve, thresholds: task.thresholds };
    }
  } finally {
    await server.close();
  }

  // The regression guard.
  const current: Baseline = { budget: BUDGET, tasks: Object.fromEntries(TASKS.map((t) => [t.name, { threshold: t.guardThreshold, evaluations: tasks[t.name].genesis.evaluationsToThreshold[String(t.guardThreshold)] }])) };
  const baseline = existsSync(BASELINE_FILE) ? (JSON.parse(readFileSync(BASELINE_FILE, 'utf8')) as Baseline) : undefined;
  const regressions: string[] = [];
  if (baseline && baseline.budget === BUDGET && !args.includes('--update-baseline')) {
    for (const [name, now] of Object.entries(current.tasks)) {
      const before = baseline.tasks[name];
      if (!before || before.threshold !== now.threshold) continue;
      const limit = before.evaluations === null ? null : Math.floor(before.evaluations * (1 + TOLERANCE));
      const worse = limit !== null && (now.evaluations === null || now.evaluations > limit);
      if (worse) regressions.push(`${name}: ${now.evaluations ?? 'never'} evaluations to reach ${now.threshold}, baseline ${before.evaluations} (at most ${limit} allowed)`);
    }
  } else if (args.includes('--update-baseline') || !baseline) {
    writeFileSync(BASELINE_FILE, JSON.stringify(current, null, 2) + '\n');
    process.stderr.write(`peer bench: baseline written to ${BASELINE_FILE}\n`);
  }

  const result = {
    benchmark: 'peer',
    generatedAt: new Date().toISOString(),
    machine: { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', node: process.version },
    settings: { budget: BUDGET, concurrency: CONCURRENCY, seed: SEED, mutationSource: 'OpenAI-protocol stand-in: one seeded literal edit as a SEARCH/REPLACE block per request (test/fixtures/peerStandIn.ts)' },
    overheadDefinition: 'overhead per evaluation = (wall − evaluator seconds ÷ 2 in flight) ÷ evaluations',
    openevolve: peerProblem ?? 'ran',
    tasks,
    guard: { baseline: baseline ?? null, current, regressions },
    seconds: round((performance.now() - started) / 1000, 1),
  };
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'peer.json'), JSON.stringify(result, null, 2) + '\n');
  const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(44)} ${value}\n`);
  for (const [name, t] of Object.entries(tasks)) {
    for (const [tool, r] of [['Genesis', t.genesis], ['OpenEvolve', t.openevolve]] as const) {
      if ('skipped' in r) {
        line(`${name} ${tool}`, `skipped: ${r.skipped}`);
        continue;
      }
      line(`${name} ${tool}`, `to ${Object.entries(r.evaluationsToThreshold).map(([k, v]) => `${k}: ${v ?? 'never'}`).join(', ')}; best @${EARLY} ${r.bestAt[String(EARLY)]}, @${BUDGET} ${r.bestAt[String(BUDGET)]}; wall ${r.wallSeconds} s, overhead ${r.overheadMsPerEvaluation} ms/evaluation`);
    }
  }
  line('regression guard', regressions.length === 0 ? `ok (${Object.entries(current.tasks).map(([n, c]) => `${n} ${c.evaluations ?? 'never'} to ${c.threshold}`).join(', ')})` : `REGRESSION: ${regressions.join('; ')}`);
  line('written', join(dir, 'peer.json'));
  if (regressions.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`peer bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
