// Which test runners a workspace uses, from its config files and its test files' names and
// imports. Several can be found (a monorepo, a migration between runners); the caller keeps the
// ones that fit the function's language and that have tests exercising the function.
import { join } from 'node:path';
import type { LanguageId } from '../types';
import { readSmallText } from './workspaceFiles';

export type TestRunnerId = 'pytest' | 'node-test' | 'jest' | 'vitest' | 'cargo' | 'ctest' | 'gtest' | 'go';

export interface DetectedRunner {
  id: TestRunnerId;
  /** Why it was detected, for the user: "package.json devDependencies: jest". */
  evidence: string;
}

/** The runners that can test a function of each language. */
export const RUNNERS_FOR_LANGUAGE: Readonly<Record<LanguageId, readonly TestRunnerId[]>> = {
  python: ['pytest'],
  javascript: ['node-test', 'jest', 'vitest'],
  typescript: ['node-test', 'jest', 'vitest'],
  tsx: ['node-test', 'jest', 'vitest'],
  rust: ['cargo'],
  cpp: ['gtest', 'ctest'],
  go: ['go'],
};

const PYTHON_TEST_FILE = /(^|\/)(test_[^/]*|[^/]*_test)\.py$/;
const JS_TEST_FILE = /(^|\/)([^/]+\.(test|spec)\.[cm]?[jt]sx?|(test|tests|__tests__)\/[^/]+\.[cm]?[jt]sx?)$/;
const RUST_FILE = /\.rs$/;
const CPP_TEST_FILE = /(^|\/)[^/]*test[^/]*\.(cc|cpp|cxx)$/i;
const GO_TEST_FILE = /_test\.go$/;

/** Test files a runner would run, by name (content is checked later). */
export function isTestFileFor(runner: TestRunnerId, path: string): boolean {
  switch (runner) {
    case 'pytest':
      return PYTHON_TEST_FILE.test(path);
    case 'node-test':
    case 'jest':
    case 'vitest':
      return JS_TEST_FILE.test(path) && !/\.d\.ts$/.test(path);
    case 'cargo':
      return RUST_FILE.test(path);
    case 'ctest':
    case 'gtest':
      return CPP_TEST_FILE.test(path);
    case 'go':
      return GO_TEST_FILE.test(path);
  }
}

interface PackageJson {
  scripts?: Record<string, unknown>;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
}

function parsePackageJson(text: string): PackageJson | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as PackageJson) : undefined;
  } catch {
    return undefined; // a broken package.json says nothing about the runner
  }
}

/**
 * The runners of the workspace at `root`, given its file list (workspace-relative, `/`-separated).
 * Reads only small config files and a few test files' heads.
 */
export async function detectTestRunners(root: string, files: readonly string[]): Promise<DetectedRunner[]> {
  const found = new Map<TestRunnerId, string>();
  const add = (id: TestRunnerId, evidence: string) => {
    if (!found.has(id)) found.set(id, evidence);
  };
  const has = (name: string) => files.includes(name);

  // Python: pytest runs plain test_*.py files and unittest classes alike.
  for (const config of ['pytest.ini', 'conftest.py']) if (has(config)) add('pytest', config);
  if (has('pyproject.toml') && /\[tool\.pytest/.test(await readSmallText(join(root, 'pyproject.toml')))) add('pytest', 'pyproject.toml [tool.pytest]');
  if (has('setup.cfg') && /\[tool:pytest\]/.test(await readSmallText(join(root, 'setup.cfg')))) add('pytest', 'setup.cfg [tool:pytest]');
  const pythonTest = files.find((f) => PYTHON_TEST_FILE.test(f));
  if (pythonTest) add('pytest', `test file ${pythonTest}`);

  // JavaScript / TypeScript: package.json first, then what the test files import.
  const pkg = has('package.json') ? parsePackageJson(await readSmallText(join(root, 'package.json'))) : undefined;
  if (pkg) {
    const deps = { ...(pkg.dependencies ?? {}), ...(pkg.devDependencies ?? {}) };
    const testScript = typeof pkg.scripts?.test === 'string' ? pkg.scripts.test : '';
    if ('vitest' in deps || /\bvitest\b/.test(testScript)) add('vitest', 'package.json: vitest');
    if ('jest' in deps || /\bjest\b/.test(testScript)) add('jest', 'package.json: jest');
    if (/\bnode\b[^&|;]*--test\b/.test(testScript)) add('node-test', `package.json scripts.test: ${testScript}`);
  }
  for (const file of files.filter((f) => JS_TEST_FILE.test(f)).slice(0, 50)) {
    const head = (await readSmallText(join(root, file))).slice(0, 4000);
    if (/from\s+['"]node:test['"]|require\(\s*['"]node:test['"]\s*\)/.test(head)) add('node-test', `${file} imports node:test`);
    else if (/from\s+['"]vitest['"]/.test(head)) add('vitest', `${file} imports vitest`);
    else if (/@jest\/globals|\bjest\./.test(head)) add('jest', `${file} uses jest`);
  }

  if (has('Cargo.toml')) add('cargo', 'Cargo.toml');
  if (has('go.mod')) add('go', 'go.mod');
  const cmake = has('CMakeLists.txt') ? await readSmallText(join(root, 'CMakeLists.txt')) : '';
  if (/\bGTest\b|\bgtest\b/.test(cmake)) add('gtest', 'CMakeLists.txt uses GoogleTest');
  if (/\badd_test\s*\(|\benable_testing\s*\(|gtest_discover_tests/.test(cmake)) add('ctest', 'CMakeLists.txt adds tests');
  if (!found.has('gtest')) {
    for (const file of files.filter((f) => CPP_TEST_FILE.test(f)).slice(0, 50)) {
      if (/#include\s*[<"]gtest\/gtest\.h[>"]/.test(await readSmallText(join(root, file)))) {
        add('gtest', `${file} includes gtest`);
        break;
      }
    }
  }
  return [...found].map(([id, evidence]) => ({ id, evidence }));
}
