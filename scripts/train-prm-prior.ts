// Builds the PRM prior shipped with Genesis (media/prm-prior.json).
//   npm run prm:prior                 train from the committed recordings (re-records missing tasks)
//   npm run prm:prior -- --record     record every task's runs again, then train
//   npm run prm:prior -- --record --tasks python-example,circle-packing
//
// 1. Record: seeded elitist runs of each task (the search benchmark's tasks and the evaluator
//    examples of every language) with two mutation sources — the offline operator and a seeded
//    stand-in model that writes SEARCH/REPLACE diffs and rewrites (scripts/prm-prior/standInModel.ts)
//    — evaluated by each task's real evaluator. Elitist search evaluates every admitted child and
//    never looks at the PRM, so what is recorded does not depend on the PRM. Every evaluated child
//    (what the PRM saw, and whether it beat its parent) goes to scripts/prm-prior/recordings/.
//    Runs of evaluators that score code only (not timing) repeat exactly; the timed ones (C++,
//    Rust, matmul) are why the recordings are committed.
// 2. Train: the learned PRM (tree-sitter node types on, as in the extension) replays all records,
//    tasks interleaved; the compact weights go to media/prm-prior.json.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvolutionRun } from '../src/core/engine/run';
import { createEvaluator } from '../src/core/evaluate/evaluatorFactory';
import { devWasmPaths, TreeSitterService } from '../src/core/lang/treeSitter';
import { OfflineMutationSource } from '../src/core/mutate/offline';
import { HeuristicPrm } from '../src/core/prm/heuristicPrm';
import { PRM_PRIOR_FILE_NAME, trainPrmPrior, type PrmRecord } from '../src/core/prm/prmPrior';
import type { PrmInput, PrmOutcome, PrmScorer } from '../src/core/prm/types';
import { ElitistStrategy } from '../src/core/search/elitist';
import type { Evaluator, LanguageId, RunConfig } from '../src/core/types';
import { BENCH_TASKS } from '../test/bench/tasks/index';
import { readAllRecordings, RECORDINGS_DIR, writeRecording } from './prm-prior/recordings';
import { StandInModelSource } from './prm-prior/standInModel';

const repo = join(__dirname, '..');

/** A task to record: a function in a workspace and how to evaluate its candidates. */
export interface RecordTask {
  name: string;
  language: LanguageId;
  workspace: string;
  file: string;
  functionName: string;
  /** Shell command for the evaluator examples; in-process evaluators for the benchmark tasks. */
  evaluatorCommand?: string;
  inProcess?: () => Evaluator;
  budget: number;
  seeds: number[];
  /** Why it cannot be recorded on this machine, or null. */
  unavailable?: () => string | null;
}

export const PRIOR_TASKS: RecordTask[] = [
  ...BENCH_TASKS.map((t): RecordTask => ({
    name: t.name, language: t.language, workspace: join(repo, 'test', 'bench', 'tasks', t.name), file: t.file, functionName: t.functionName,
    inProcess: () => t.createEvaluator(),
    budget: t.name === 'tiled-matmul' ? 40 : 150,
    seeds: t.name === 'tiled-matmul' ? [101] : [101, 102, 103, 104, 105, 106],
  })),
  example('python', 'python', 'approx.py', 'approx_exp', 'python3 evaluate.py', 80, [101, 102]),
  example('node', 'javascript', 'approx.js', 'approxSin', 'node evaluate.mjs', 80, [101, 102]),
  example('cpp', 'cpp', 'transpose.cpp', 'transpose', 'python3 evaluate.py', 40, [101]),
  example('rust', 'rust', 'src/lib.rs', 'isqrt', 'python3 evaluate.py', 24, [101]),
  {
    // tree-sitter's C++ grammar reads CUDA well enough for function ranges (FACTS.md).
    ...example('cuda', 'cpp', 'reduce.cu', 'gpuSum', 'python3 evaluate.py', 30, [101]),
    unavailable: () => (existsSync('/dev/nvidia0') ? null : 'no GPU on this machine: the CUDA example scores nothing without one'),
  },
];

function example(folder: string, language: LanguageId, file: string, functionName: string, evaluatorCommand: string, budget: number, seeds: number[]): RecordTask {
  return { name: `${folder}-example`, language, workspace: join(repo, 'evaluators', folder, 'example'), file, functionName, evaluatorCommand, budget, seeds };
}

/** Passes scoring to the heuristic and keeps every outcome. */
class RecordingScorer implements PrmScorer {
  readonly name = 'recording';
  readonly records: PrmRecord[] = [];
  private readonly heuristic = new HeuristicPrm();
  constructor(private readonly task: string) {}
  score(input: PrmInput): number {
    return this.heuristic.score(input);
  }
  learn(input: PrmInput, outcome: PrmOutcome): void {
    this.records.push({ task: this.task, input, outcome });
  }
}

export async function recordTask(task: RecordTask, treeSitter: TreeSitterService, log: (line: string) => void): Promise<PrmRecord[]> {
  const fileText = readFileSync(join(task.workspace, task.file), 'utf8');
  const found = await treeSitter.findFunctionByName(fileText, task.language, task.functionName);
  if (!found) throw new Error(`${task.name}: no function ${task.functionName} in ${task.file}`);
  const loaded = { rootCode: found.text, candidateFile: (code: string) => fileText.slice(0, found.startIndex) + code + fileText.slice(found.endIndex) };
  const records: PrmRecord[] = [];
  for (const seed of task.seeds) {
    const config: RunConfig = {
      language: task.language, functionName: task.functionName, filePath: join(task.workspace, task.file), relativePath: task.file,
      workspaceRoot: task.workspace, evaluatorCommand: task.evaluatorCommand ?? `bench:${task.name}`, models: ['offline', 'stand-in'],
      budget: task.budget, concurrency: 2, seed, timeoutSec: 120,
    };
    const prepared = task.inProcess ? { evaluator: task.inProcess(), dispose: async () => undefined } : await createEvaluator(config, { sandbox: 'auto' });
    const scorer = new RecordingScorer(task.name);
    const started = performance.now();
    try {
      const run = new EvolutionRun(config, { runId: `prm-prior-${task.name}-${seed}`, rootCode: loaded.rootCode }, {
        sources: [new OfflineMutationSource(), new StandInModelSource()],
        evaluator: prepared.evaluator,
        prm: scorer,
        strategy: new ElitistStrategy(),
        candidateFile: loaded.candidateFile,
        syntaxIssues: (text) => treeSitter.syntaxIssues(text, task.language),
      });
      const summary = await run.start();
      const improved = scorer.records.filter((r) => r.outcome.improved).length;
      log(`${task.name} seed ${seed}: ${scorer.records.length} children, ${improved} improved, best ${summary.bestScore} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    } finally {
      await prepared.dispose();
    }
    records.push(...scorer.records);
  }
  return records;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const rerecord = args.includes('--record');
  const tasksArg = args.indexOf('--tasks') >= 0 ? args[args.indexOf('--tasks') + 1].split(',') : undefined;
  const log = (line: string) => process.stderr.write(`prm prior: ${line}\n`);
  const treeSitter = new TreeSitterService(devWasmPaths(repo));
  const existing = readAllRecordings();
  for (const task of PRIOR_TASKS) {
    if (tasksArg && !tasksArg.includes(task.name)) continue;
    if (!rerecord && existing.has(task.name)) continue;
    const why = task.unavailable?.();
    if (why) {
      log(`${task.name}: not recorded (${why})`);
      continue;
    }
    log(`${task.name}: recording ${task.seeds.length} run(s) × ${task.budget} evaluations…`);
    const records = await recordTask(task, treeSitter, log);
    const path = writeRecording(task.name, task.language, { seeds: task.seeds, budget: task.budget, strategy: 'elitist', sources: ['offline', 'stand-in'] }, records);
    log(`${task.name}: ${records.length} records → ${path}`);
  }
  const all = readAllRecordings();
  const records = [...all.values()].flat();
  if (records.length === 0) throw new Error(`no recordings in ${RECORDINGS_DIR}`);
  const prior = await trainPrmPrior(records, { nodeTypes: treeSitter });
  treeSitter.dispose();
  const out = join(repo, 'media', PRM_PRIOR_FILE_NAME);
  const text = JSON.stringify(prior);
  writeFileSync(out, text + '\n');
  log(`trained on ${records.length} outcomes of ${all.size} tasks (${[...all.keys()].join(', ')}); ${prior.classifier.weights.length} weights, ${(text.length / 1024).toFixed(1)} KB → ${out}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`prm prior failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
