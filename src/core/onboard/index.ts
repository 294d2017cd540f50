// Onboarding without an evaluator: from a function and its workspace, plan an evaluator built on
// the tests that already exercise the function (correctness) and a timing harness (speed), and
// write it where the user can review it. Used by "Genesis: Create Evaluator" and `genesis init`.
import { constants as fsConstants, promises as fs } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { LanguageId } from '../types';
import { evaluatorFolderFor } from './generatedEvaluator';
import { literalCallsIn, pickTimedCall, type InferredCall } from './harnessInputs';
import { compiledEvaluator, type CompiledTarget } from './scaffoldCompiled';
import { nodeEvaluator } from './scaffoldNode';
import { pythonEvaluator } from './scaffoldPython';
import type { GeneratedFile, ScaffoldInput } from './scaffoldTypes';
import { detectTestRunners, isTestFileFor, RUNNERS_FOR_LANGUAGE, type DetectedRunner, type TestRunnerId } from './testRunners';
import { testCasesExercising, type TestCase } from './testSelection';
import { listWorkspaceFiles, readSmallText } from './workspaceFiles';

export type { DetectedRunner, TestRunnerId } from './testRunners';
export type { TestCase } from './testSelection';
export type { GeneratedFile } from './scaffoldTypes';

export { EVALUATORS_FOLDER, evaluatorFolderFor, evaluatorScriptMissing, generatedEvaluatorCommand } from './generatedEvaluator';

export class OnboardError extends Error {}

export interface OnboardRequest {
  workspaceRoot: string;
  /** Absolute path of the function's file, inside the workspace. */
  filePath: string;
  language: LanguageId;
  functionName: string;
  /** The function's text as it is now (C++ declarations are made from it). */
  functionText: string;
  /** Folder holding `<language>/template/` (the repo's evaluators/, or the bundle's copy). */
  templatesDir: string;
}

export interface EvaluatorPlan {
  /** The runner the evaluator uses; undefined when none fits the language. */
  runner?: DetectedRunner;
  /** Every runner detected for this language, the chosen one first. */
  runners: DetectedRunner[];
  tests: TestCase[];
  timedCall?: InferredCall;
  files: GeneratedFile[];
  /** Workspace-relative path of the file to open for review. */
  evaluatorFile: string;
  /** The evaluator command, run from the workspace root. */
  command: string;
  /** Things the user must know before the first run. */
  warnings: string[];
}

const RUNNER_LABELS: Readonly<Record<TestRunnerId, string>> = {
  pytest: 'pytest', 'node-test': 'node:test', jest: 'jest', vitest: 'vitest', cargo: 'cargo test', ctest: 'ctest', gtest: 'GoogleTest (ctest)', go: 'go test',
};

/** The runner used when none is detected: what a project of that language would use first. */
const DEFAULT_RUNNER: Readonly<Record<LanguageId, TestRunnerId>> = {
  python: 'pytest', javascript: 'node-test', typescript: 'node-test', tsx: 'node-test', rust: 'cargo', cpp: 'ctest', go: 'go',
};

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

interface RunnerTests {
  runner: TestRunnerId;
  tests: TestCase[];
  calls: InferredCall[];
}

async function testsFor(root: string, files: readonly string[], runner: TestRunnerId, req: OnboardRequest): Promise<RunnerTests> {
  const tests: TestCase[] = [];
  const calls: InferredCall[] = [];
  for (const file of files) {
    if (!isTestFileFor(runner, file)) continue;
    const text = await readSmallText(join(root, file));
    const cases = testCasesExercising(runner, file, text, req.functionName);
    tests.push(...cases);
    for (const c of cases) calls.push(...literalCallsIn(c.body, c.file, req.functionName, req.language));
  }
  return { runner, tests, calls };
}

async function compiledTarget(root: string, sourceFile: string, language: LanguageId, files: readonly string[]): Promise<CompiledTarget> {
  if (language === 'rust') {
    const cargo = await readSmallText(join(root, 'Cargo.toml'));
    const name = /^\s*name\s*=\s*"([^"]+)"/m.exec(cargo.split(/^\[(?!package\])/m)[0] ?? '')?.[1];
    const modulePath = sourceFile.replace(/^src\//, '').replace(/(^|\/)(lib|mod)\.rs$/, '').replace(/\.rs$/, '').split('/').filter(Boolean).join('::');
    return { rustCrate: (name ?? 'my_crate').replace(/-/g, '_'), rustModulePath: modulePath };
  }
  if (language === 'go') {
    const text = await readSmallText(join(root, sourceFile));
    return { goPackage: /^package\s+(\w+)/m.exec(text)?.[1] ?? 'main' };
  }
  const stem = sourceFile.replace(/\.[^./]+$/, '');
  const header = ['.h', '.hpp', '.hh', '.hxx', '.cuh'].map((ext) => stem + ext).find((h) => h !== sourceFile && files.includes(h));
  return header ? { cppHeader: header } : {};
}

/** Works out the evaluator for the request; reads the workspace, writes nothing. */
export async function planEvaluator(req: OnboardRequest): Promise<EvaluatorPlan> {
  const root = req.workspaceRoot;
  const sourcePath = relative(root, req.filePath);
  if (sourcePath.startsWith('..') || isAbsolute(sourcePath)) throw new OnboardError(`${req.filePath} is not inside the workspace ${root}`);
  const sourceFile = toPosix(sourcePath);
  const files = await listWorkspaceFiles(root);
  const applicable = new Set(RUNNERS_FOR_LANGUAGE[req.language]);
  const detected = (await detectTestRunners(root, files)).filter((r) => applicable.has(r.id));

  // Among the detected runners, the one whose tests exercise the function the most.
  const candidates = await Promise.all(detected.map((r) => testsFor(root, files, r.id, req)));
  candidates.sort((a, b) => b.tests.length - a.tests.length);
  const chosen = candidates[0];
  const runnerId = chosen?.runner ?? DEFAULT_RUNNER[req.language];
  const runner = detected.find((r) => r.id === runnerId);
  const tests = chosen?.tests ?? [];
  const calls = chosen?.calls ?? [];
  const timedCall = pickTimedCall(calls);
  const warnings: string[] = [];
  if (!runner) warnings.push(`No ${RUNNERS_FOR_LANGUAGE[req.language].map((r) => RUNNER_LABELS[r]).join(' / ')} tests were found in the workspace; the evaluator is set up for ${RUNNER_LABELS[runnerId]}.`);
  if (tests.length === 0) warnings.push(`No existing test exercises ${req.functionName}: the evaluator only times it, so a faster but wrong candidate would win. Add a test before evolving.`);
  if (!timedCall) warnings.push(`No call of ${req.functionName} with literal arguments was found in the tests: write the timed call's arguments in the GENESIS HARNESS INPUTS block.`);
  if (detected.length > 1) warnings.push(`Several test runners were found (${detected.map((r) => RUNNER_LABELS[r.id]).join(', ')}); using ${RUNNER_LABELS[runnerId]}.`);

  const evaluatorDir = evaluatorFolderFor(req.functionName);
  const input: ScaffoldInput = {
    sourceFile, functionName: req.functionName, functionText: req.functionText, tests, timedCall, otherCalls: calls,
    runnerLabel: RUNNER_LABELS[runnerId], evaluatorDir,
  };
  let generated: GeneratedFile[];
  if (req.language === 'python') {
    const template = await readTemplate(req.templatesDir, 'python', 'evaluate.py');
    generated = [{ path: `${evaluatorDir}/evaluate.py`, content: pythonEvaluator(template, input) }];
  } else if (req.language === 'javascript' || req.language === 'typescript' || req.language === 'tsx') {
    const template = await readTemplate(req.templatesDir, 'node', 'evaluate.mjs');
    generated = [{ path: `${evaluatorDir}/evaluate.mjs`, content: nodeEvaluator(template, input, runnerId) }];
    if (req.language !== 'javascript') warnings.push('The evaluator strips TypeScript types with the workspace\'s esbuild: `npm i -D esbuild` if it is not installed.');
  } else {
    generated = compiledEvaluator(input, runnerId, await compiledTarget(root, sourceFile, req.language, files));
  }
  const evaluatorFile = generated[0].path;
  const interpreter = evaluatorFile.endsWith('.mjs') ? 'node' : 'python3';
  return { ...(runner ? { runner } : {}), runners: detected, tests, ...(timedCall ? { timedCall } : {}), files: generated, evaluatorFile, command: `${interpreter} ${evaluatorFile}`, warnings };
}

async function readTemplate(templatesDir: string, language: string, name: string): Promise<string> {
  const path = join(templatesDir, language, 'template', name);
  try {
    return await fs.readFile(path, 'utf8');
  } catch {
    throw new OnboardError(`the ${language} evaluator template is missing (${path}): reinstall Genesis`);
  }
}

/**
 * Writes the plan's files under the workspace. Refuses, writing nothing, when one exists and
 * `overwrite` is false: an evaluator the user edited is never replaced silently.
 */
export async function writeEvaluator(workspaceRoot: string, plan: EvaluatorPlan, options: { overwrite?: boolean } = {}): Promise<string[]> {
  const targets = plan.files.map((f) => ({ ...f, full: join(workspaceRoot, ...f.path.split('/')) }));
  if (!options.overwrite) {
    for (const t of targets) {
      const exists = await fs.access(t.full, fsConstants.F_OK).then(() => true, () => false);
      if (exists) throw new OnboardError(`${t.path} already exists: review or delete it (or overwrite it on purpose)`);
    }
  }
  for (const t of targets) {
    await fs.mkdir(dirname(t.full), { recursive: true });
    await fs.writeFile(t.full, t.content, 'utf8');
  }
  return targets.map((t) => t.full);
}
