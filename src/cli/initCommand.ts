// `genesis init --function NAME FILE`: scaffold an evaluator for a function from the tests that
// already exercise it (src/core/onboard), so `genesis evolve` works without writing one.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { languageFor } from '../core/lang/languages';
import type { TreeSitterService } from '../core/lang/treeSitter';
import { OnboardError, planEvaluator, writeEvaluator } from '../core/onboard/index';
import { parseArgs, single, UsageError } from './args';
import { printJson, printOut } from './output';

export const INIT_USAGE = `  genesis init --function NAME FILE [--workspace DIR] [--force] [--json]
      scaffold an evaluator for NAME from the workspace's tests that exercise it (pytest,
      node:test, jest, vitest, cargo test, ctest/GoogleTest, go test) plus a timing harness, in
      genesis-evaluators/NAME/; review it, then "genesis evolve FILE --function NAME" uses it`;

/** The evaluator templates: next to the bundle (dist/evaluators), else the repository's. */
export function findTemplatesDir(): string {
  for (const dir of [join(__dirname, 'evaluators'), join(__dirname, '..', '..', 'evaluators')]) {
    if (existsSync(join(dir, 'python', 'template', 'evaluate.py'))) return dir;
  }
  throw new Error('the evaluator templates were not found next to the Genesis CLI: reinstall Genesis');
}

/** The workspace root: --workspace, else the current directory when it holds FILE, else FILE's folder. */
export function workspaceFor(filePath: string, given: string | undefined): string {
  if (given) return resolve(given);
  const cwd = process.cwd();
  return filePath.startsWith(cwd + sep) ? cwd : dirname(filePath);
}

export async function initCli(argv: string[], treeSitter: TreeSitterService): Promise<number> {
  const args = parseArgs(argv, ['function', 'workspace'], ['force', 'json']);
  if (args.positional.length !== 1) throw new UsageError('init needs exactly one FILE');
  const functionName = single(args, 'function');
  if (!functionName) throw new UsageError('init needs --function NAME');
  const filePath = resolve(args.positional[0]);
  if (!existsSync(filePath)) throw new UsageError(`no such file: ${filePath}`);
  const language = languageFor(undefined, filePath);
  if (!language) throw new UsageError(`unsupported language for ${filePath}`);
  const text = readFileSync(filePath, 'utf8');
  const location = await treeSitter.findFunctionByName(text, language, functionName);
  if (!location) {
    const names = (await treeSitter.listFunctions(text, language)).map((f) => f.name);
    throw new UsageError(`no function "${functionName}" in ${filePath}${names.length > 0 ? ` (functions there: ${names.slice(0, 12).join(', ')})` : ''}`);
  }
  const workspaceRoot = workspaceFor(filePath, single(args, 'workspace'));
  try {
    const plan = await planEvaluator({ workspaceRoot, filePath, language, functionName, functionText: location.text, templatesDir: findTemplatesDir() });
    const written = await writeEvaluator(workspaceRoot, plan, { overwrite: args.switches.has('force') });
    if (args.switches.has('json')) {
      printJson({
        command: plan.command, evaluatorFile: plan.evaluatorFile, files: written, runner: plan.runner?.id ?? null,
        tests: plan.tests.map((t) => `${t.file}::${t.name}`), timedCall: plan.timedCall?.args ?? null, warnings: plan.warnings,
      });
      return 0;
    }
    const lines = [
      `wrote ${written.length === 1 ? plan.evaluatorFile : plan.files.map((f) => f.path).join(', ')}`,
      `test runner: ${plan.runner ? `${plan.runner.id} (${plan.runner.evidence})` : 'none found'}`,
      `tests that exercise ${functionName}: ${plan.tests.length === 0 ? 'none' : plan.tests.map((t) => `${t.file}::${t.name}`).join(', ')}`,
      `timed call: ${plan.timedCall ? `${functionName}(${plan.timedCall.args.replace(/\s+/g, ' ')})` : 'none inferred: edit GENESIS HARNESS INPUTS'}`,
      ...plan.warnings.map((w) => `warning: ${w}`),
      `review ${plan.evaluatorFile}, then run:`,
      `  genesis evolve ${args.positional[0]} --function ${functionName}   (uses --evaluator "${plan.command}")`,
    ];
    // Test names, file names and call arguments come from the workspace: printed terminal-safe.
    printOut(lines.join('\n') + '\n');
    return 0;
  } catch (error) {
    if (error instanceof OnboardError) throw new UsageError(error.message);
    throw error;
  }
}
