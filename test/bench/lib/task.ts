// A benchmark task: one evolvable function in a file, and an in-process evaluator for it.
// `loadTask` finds the function with tree-sitter (as the CLI does) and gives the run harness
// what EvolutionRun needs: the root code and a way to put a candidate back into the file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TreeSitterService } from '../../../src/core/lang/treeSitter';
import type { Evaluator, LanguageId } from '../../../src/core/types';

export interface BenchTaskDefinition {
  /** Folder name under test/bench/tasks/, also the key in search.json. */
  name: string;
  /** One line for tables and plot titles. */
  title: string;
  language: LanguageId;
  functionName: string;
  /** The workspace file holding the function, relative to the task folder. */
  file: string;
  /** What the score means, for the plot axis (higher is always better). */
  scoreLabel: string;
  /** Evaluation budgets the benchmark reports (the largest is the run length). */
  budgets: number[];
  seeds: number;
  /** A fresh in-process evaluator (one per run; it may hold a sandbox or a build folder). */
  createEvaluator(): Evaluator;
}

export interface LoadedTask extends BenchTaskDefinition {
  dir: string;
  fileText: string;
  rootCode: string;
  /** The whole file with the function replaced by `code`. */
  candidateFile(code: string): string;
}

export const TASKS_DIR = join(__dirname, '..', 'tasks');

export async function loadTask(definition: BenchTaskDefinition, treeSitter: TreeSitterService): Promise<LoadedTask> {
  const dir = join(TASKS_DIR, definition.name);
  const fileText = readFileSync(join(dir, definition.file), 'utf8');
  const found = await treeSitter.findFunctionByName(fileText, definition.language, definition.functionName);
  if (!found) throw new Error(`task ${definition.name}: no function ${definition.functionName} in ${definition.file}`);
  const before = fileText.slice(0, found.startIndex);
  const after = fileText.slice(found.endIndex);
  return { ...definition, dir, fileText, rootCode: found.text, candidateFile: (code) => before + code + after };
}
