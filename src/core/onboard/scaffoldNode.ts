// The generated JavaScript/TypeScript evaluator: evaluators/node/template/evaluate.mjs with EDIT 1
// (file, function, the selected tests: node:test files and name patterns, or a jest/vitest
// command) and EDIT 2 (the timed call's arguments) filled in.
import { fillEditBlock } from './editBlocks';
import { generatedHeader, inputComment } from './scaffoldPython';
import type { TestRunnerId } from './testRunners';
import type { ScaffoldInput } from './scaffoldTypes';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One regular expression matching exactly the selected test names. */
export function exactNamesPattern(names: readonly string[]): string {
  return `^(${[...new Set(names)].map(escapeRegExp).join('|')})$`;
}

export function nodeEvaluator(template: string, input: ScaffoldInput, runner: TestRunnerId): string {
  const files = [...new Set(input.tests.map((t) => t.file))];
  const names = input.tests.map((t) => t.name);
  const js = (value: unknown) => JSON.stringify(value);
  const runnerLines =
    runner === 'node-test' || files.length === 0
      ? [
          `const NODE_TEST_FILES = ${js(files)}.map((f) => join(WORKDIR, f));`,
          `const NODE_TEST_NAME_PATTERNS = ${js(names.length > 0 ? [exactNamesPattern(names)] : [])};`,
          'const TEST_COMMAND = [];',
        ]
      : [
          'const NODE_TEST_FILES = [];',
          'const NODE_TEST_NAME_PATTERNS = [];',
          `const TEST_COMMAND = ${js(
            runner === 'jest'
              ? ['npx', '--no-install', 'jest', '--ci', '-t', exactNamesPattern(names), ...files]
              : ['npx', '--no-install', 'vitest', 'run', '-t', exactNamesPattern(names), ...files],
          )};`,
        ];
  const edit1 = [
    `const CANDIDATE_FALLBACK = join(WORKDIR, ${js(input.sourceFile)});`,
    `const FUNCTION_FALLBACK = ${js(input.functionName)};`,
    'const MODULE_TEST_FILES = [];',
    input.tests.length > 0
      ? `// The existing tests that exercise ${input.functionName}; add or remove some freely.`
      : `// No existing test calls ${input.functionName}: add tests here, or every faster but wrong candidate will win.`,
    ...runnerLines,
    'const WARMUP = 3;',
    'const REPEATS = 9;',
    'const MIN_SAMPLE_MS = 5;',
    '',
  ].join('\n');
  const edit2 = [
    '// GENESIS HARNESS INPUTS: edit freely. Make the call big enough to take well over a microsecond.',
    ...inputComment(input, '//'),
    'function makeArgs() {',
    input.timedCall
      ? `  return [${input.timedCall.args}];`
      : `  throw new Error(${js(`write the arguments of one timed call of ${input.functionName} here`)});`,
    '}',
    '',
  ].join('\n');
  const filled = fillEditBlock(fillEditBlock(template, 2, edit2), 1, edit1);
  return filled.replace(/^(#!.*\n)/, `$1${generatedHeader(input, '//')}`);
}
