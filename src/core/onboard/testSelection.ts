// The existing tests that exercise a function: the test cases of the runner's test files whose
// body names the function. A case's body is the text from its header to the next case's header,
// which is what a reader would call "the test" in all five runners' usual layouts.
import type { TestRunnerId } from './testRunners';

export interface TestCase {
  /** Workspace-relative file. */
  file: string;
  /** The name the runner selects it by: `test_x` / `TestSuite::test_x` (pytest), the test title (JS), `Suite.Name` (gtest). */
  name: string;
  /** Its text (header to the next case), where harness inputs are looked for. */
  body: string;
}

interface Header {
  index: number;
  name: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Does `text` name the function as a whole word (not `my_sum` for `sum`)? */
export function mentionsFunction(text: string, functionName: string): boolean {
  return new RegExp(`(?<![\\w$])${escapeRegExp(functionName)}(?![\\w$])`).test(text);
}

function pythonHeaders(text: string): Header[] {
  const headers: Header[] = [];
  let testClass: string | undefined;
  for (const m of text.matchAll(/^([ \t]*)(?:class\s+(\w+)|(?:async\s+)?def\s+(\w+)\s*\()/gm)) {
    const indented = m[1].length > 0;
    if (m[2] !== undefined) {
      if (!indented) testClass = m[2].startsWith('Test') ? m[2] : undefined;
      continue;
    }
    if (!indented) testClass = undefined;
    if (!m[3].startsWith('test')) continue;
    if (indented && !testClass) continue; // a nested helper named test_*, not a test
    headers.push({ index: m.index ?? 0, name: indented && testClass ? `${testClass}::${m[3]}` : m[3] });
  }
  return headers;
}

function jsHeaders(text: string): Header[] {
  const headers: Header[] = [];
  const pattern = /\b(?:test|it)(?:\.(?:only|concurrent))?\s*\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g;
  for (const m of text.matchAll(pattern)) headers.push({ index: m.index ?? 0, name: m[2] });
  return headers;
}

function rustHeaders(text: string): Header[] {
  const headers: Header[] = [];
  for (const m of text.matchAll(/#\[(?:test|tokio::test)\][\s\S]{0,200}?\bfn\s+(\w+)/g)) headers.push({ index: m.index ?? 0, name: m[1] });
  return headers;
}

function gtestHeaders(text: string): Header[] {
  const headers: Header[] = [];
  for (const m of text.matchAll(/\bTEST(?:_F|_P)?\s*\(\s*(\w+)\s*,\s*(\w+)\s*\)/g)) headers.push({ index: m.index ?? 0, name: `${m[1]}.${m[2]}` });
  return headers;
}

function goHeaders(text: string): Header[] {
  const headers: Header[] = [];
  for (const m of text.matchAll(/^func\s+(Test\w*)\s*\(\s*\w+\s+\*testing\.T\s*\)/gm)) headers.push({ index: m.index ?? 0, name: m[1] });
  return headers;
}

function headersFor(runner: TestRunnerId, text: string): Header[] {
  switch (runner) {
    case 'pytest':
      return pythonHeaders(text);
    case 'node-test':
    case 'jest':
    case 'vitest':
      return jsHeaders(text);
    case 'cargo':
      return rustHeaders(text);
    case 'gtest':
    case 'ctest':
      return gtestHeaders(text);
    case 'go':
      return goHeaders(text);
  }
}

/** The cases of one test file that mention the function, in file order. */
export function testCasesExercising(runner: TestRunnerId, file: string, text: string, functionName: string): TestCase[] {
  if (!mentionsFunction(text, functionName)) return [];
  const headers = headersFor(runner, text);
  const cases: TestCase[] = [];
  headers.forEach((header, k) => {
    const body = text.slice(header.index, headers[k + 1]?.index ?? text.length);
    if (mentionsFunction(body, functionName)) cases.push({ file, name: header.name, body });
  });
  return cases;
}
