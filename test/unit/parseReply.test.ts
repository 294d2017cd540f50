import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyReply, functionNameOf } from '../../src/core/mutate/parseReply';
import { buildMutationPrompt, fileContext, firstLineIndentIn } from '../../src/core/mutate/prompt';
import { reindentRewrite } from '../../src/core/mutate/reindent';
import type { MutationRequest } from '../../src/core/types';

const block = (search: string, replace: string, marks = 7) =>
  `${'<'.repeat(marks)} SEARCH\n${search}\n${'='.repeat(marks)}\n${replace}\n${'>'.repeat(marks)} REPLACE`;

function expectOk(result: ReturnType<typeof applyReply>): { code: string; kind: string; blocks: number } {
  assert.ok(result.ok, `expected success, got: ${result.ok ? '' : result.error}`);
  return result;
}

function expectError(result: ReturnType<typeof applyReply>): string {
  assert.ok(!result.ok, `expected an error, got code:\n${result.ok ? result.code : ''}`);
  return result.error;
}

// A Python method as its code is cut from the file: first line at column 0, body at 8 spaces.
const METHOD = 'def score(self, x):\n        y = x * 0.5\n        if y > 3:\n            return y - 1\n        return y + 1';

describe('applyReply: SEARCH/REPLACE', () => {
  it('applies one exact block to a top-level function', () => {
    const parent = 'def f(x):\n    return x + 1';
    const r = expectOk(applyReply(parent, block('    return x + 1', '    return x + 2'), 'python'));
    assert.equal(r.code, 'def f(x):\n    return x + 2');
    assert.equal(r.kind, 'search-replace');
    assert.equal(r.blocks, 1);
  });

  it('applies several blocks in order, with prose, fences and odd marker lengths around them', () => {
    const reply = [
      'Two tweaks should help:',
      '```python',
      block('        y = x * 0.5', '        y = x * 0.55', 5),
      '```',
      'and then',
      '```',
      block('        return y + 1', '        return y + 2', 9),
      '```',
      'Hope that helps!',
    ].join('\n');
    const r = expectOk(applyReply(METHOD, reply, 'python'));
    assert.equal(r.blocks, 2);
    assert.equal(r.code, METHOD.replace('0.5', '0.55').replace('y + 1', 'y + 2'));
  });

  it('applies a later block to the result of an earlier one', () => {
    const parent = 'function f(a) {\n  let s = a;\n  return s;\n}';
    const reply = block('  let s = a;', '  let s = a * 2;') + '\n' + block('  let s = a * 2;\n  return s;', '  let s = a * 3;\n  return s;');
    const r = expectOk(applyReply(parent, reply, 'javascript'));
    assert.equal(r.code, 'function f(a) {\n  let s = a * 3;\n  return s;\n}');
  });

  it('matches an indented Python method whose SEARCH is dedented, and re-indents the REPLACE', () => {
    const reply = block('if y > 3:\n    return y - 1', 'if y > 4:\n    return y - 2\nprint("x")');
    const r = expectOk(applyReply(METHOD, reply, 'python'));
    assert.equal(
      r.code,
      'def score(self, x):\n        y = x * 0.5\n        if y > 4:\n            return y - 2\n        print("x")\n        return y + 1',
    );
  });

  it('accepts the first line echoed with its file indentation, and keeps it at column 0', () => {
    const reply = block('    def score(self, x):\n        y = x * 0.5', '    def score(self, x, k=2):\n        y = x * 0.5 * k');
    const r = expectOk(applyReply(METHOD, reply, 'python'));
    assert.ok(r.code.startsWith('def score(self, x, k=2):\n        y = x * 0.5 * k\n'), r.code);
  });

  it('ignores trailing whitespace and surrounding blank lines in SEARCH', () => {
    const parent = 'def f(x):\n    a = 1   \n    return x + a';
    const r = expectOk(applyReply(parent, block('\n    a = 1\n', '    a = 2'), 'python'));
    assert.equal(r.code, 'def f(x):\n    a = 2\n    return x + a');
  });

  it('handles a CRLF parent with an LF reply and keeps CRLF', () => {
    const parent = 'fn f(x: i32) -> i32 {\r\n    let y = x * 3;\r\n    y + 1\r\n}';
    const r = expectOk(applyReply(parent, block('    let y = x * 3;', '    let y = x * 4;'), 'rust'));
    assert.equal(r.code, 'fn f(x: i32) -> i32 {\r\n    let y = x * 4;\r\n    y + 1\r\n}');
  });

  it('handles a CRLF reply against an LF parent', () => {
    const parent = 'def f(x):\n    return x + 1';
    const reply = block('    return x + 1', '    return x + 5').replace(/\n/g, '\r\n');
    assert.equal(expectOk(applyReply(parent, reply, 'python')).code, 'def f(x):\n    return x + 5');
  });

  it('names the block that did not match and the line it stumbled on', () => {
    const parent = 'def f(x):\n    y = x\n    return y + 1';
    const reply = [
      block('    y = x', '    y = 2 * x'),
      block('    y = 2 * x\n    return x + 1', '    return x'),
      block('    return y + 1', '    return y'),
    ].join('\n');
    const error = expectError(applyReply(parent, reply, 'python'));
    assert.equal(error, 'SEARCH block 2 of 3 did not match the function: `    return x + 1`');
  });

  it('matches a SEARCH line whose inner spacing differs, as a last resort', () => {
    const parent = 'def f(x):\n    y = x  *  2\n    return y';
    const r = expectOk(applyReply(parent, block('  y = x * 2', '  y = x * 3'), 'python'));
    assert.equal(r.code, 'def f(x):\n    y = x * 3\n    return y');
  });

  it('names the unmatched SEARCH line in a field, for the lineage note', () => {
    const result = applyReply('def f(x):\n    return x', block('    return y', '    return 2'), 'python');
    assert.ok(!result.ok);
    assert.equal(result.unmatched, '    return y');
  });

  it('refuses an inconsistent indentation shift rather than guessing', () => {
    const reply = block('    y = x * 0.5\n        if y > 3:', '    y = 1');
    assert.match(expectError(applyReply(METHOD, reply, 'python')), /SEARCH block 1 of 1 did not match/);
  });

  it('reports unclosed and empty blocks', () => {
    const parent = 'def f(x):\n    return x + 1';
    assert.match(expectError(applyReply(parent, '<<<<<<< SEARCH\n    return x + 1\n=======\n    return 2', 'python')), /not closed/);
    assert.match(expectError(applyReply(parent, block('', '    return 2'), 'python')), /SEARCH block 1 of 1 is empty/);
  });

  it('reports a block that changes nothing as no change', () => {
    const parent = 'def f(x):\n    return x + 1';
    assert.equal(expectError(applyReply(parent, block('    return x + 1', '    return x + 1  '), 'python')), 'no change');
  });
});

describe('applyReply: full rewrite', () => {
  it('takes a fenced block and re-indents a dedented method onto the parent', () => {
    const reply = 'Here is a faster version:\n\n```python\ndef score(self, x):\n    y = x * 0.6\n    return y + 1\n```\nIt avoids a branch.';
    const r = expectOk(applyReply(METHOD, reply, 'python'));
    assert.equal(r.kind, 'full-rewrite');
    assert.equal(r.blocks, 0);
    assert.equal(r.code, 'def score(self, x):\n        y = x * 0.6\n        return y + 1');
  });

  it('keeps a rewrite already at the file indentation where it is (first line to column 0)', () => {
    const reply = '```python\n    def score(self, x):\n        return x * 2\n```';
    assert.equal(expectOk(applyReply(METHOD, reply, 'python')).code, 'def score(self, x):\n        return x * 2');
  });

  it('prefers the fenced block that defines the function over other snippets', () => {
    const parent = 'function f(a) {\n    return a + 1;\n  }';
    const reply = 'Usage:\n```js\nconsole.log(f(2)); // prints a lot of text here to be longer than the function\n```\n```js\nfunction f(a) {\n  return a + 2;\n}\n```';
    assert.equal(expectOk(applyReply(parent, reply, 'javascript')).code, 'function f(a) {\n    return a + 2;\n  }');
  });

  it('accepts an unfenced reply that starts like the function', () => {
    const parent = 'func Add(a int) int {\n\treturn a + 1\n}';
    const r = expectOk(applyReply(parent, 'func Add(a int) int {\n\treturn a + 2\n}\n', 'go'));
    assert.equal(r.code, 'func Add(a int) int {\n\treturn a + 2\n}');
  });

  it('keeps CRLF for a rewrite of a CRLF parent', () => {
    const parent = 'def f(x):\r\n    return x + 1';
    assert.equal(expectOk(applyReply(parent, '```\ndef f(x):\n    return x + 3\n```', 'python')).code, 'def f(x):\r\n    return x + 3');
  });

  it('errors on prose without code, on an empty reply, and on a rewrite equal to the parent', () => {
    const parent = 'def f(x):\n    return x + 1';
    assert.equal(
      expectError(applyReply(parent, 'I think you should use a better algorithm for f(x).', 'python')),
      'reply contained no SEARCH/REPLACE block and no code block',
    );
    assert.equal(expectError(applyReply(parent, '  \n\n', 'python')), 'empty reply');
    assert.equal(expectError(applyReply(parent, '```python\ndef f(x):\n    return x + 1\n```', 'python')), 'no change');
  });
});

describe('reindent and prompt helpers', () => {
  it('reindentRewrite aligns the closing brace of a nested function', () => {
    const parent = ['method() {', '    return 1;', '  }'];
    assert.deepEqual(reindentRewrite(parent, ['method() {', '  return 2;', '}']), ['method() {', '    return 2;', '  }']);
  });

  it('functionNameOf skips decorators and keywords', () => {
    assert.equal(functionNameOf(['@lru_cache(maxsize=None)', 'def fib(n):', '    return n']), 'fib');
    assert.equal(functionNameOf(['pub fn solve<T>(x: T) -> T {']), 'solve');
    assert.equal(functionNameOf(['export async function run(a) {']), 'run');
  });

  it('firstLineIndentIn finds the method column in the file', () => {
    const file = 'class A:\n    def score(self, x):\n        return x\n';
    assert.equal(firstLineIndentIn(file, 'def score(self, x):\n        return x'), '    ');
    assert.equal(firstLineIndentIn(file, 'def score(self, x):\n        return 2 * x'), '    ');
  });

  it('fileContext caps a long file around the function and marks what it left out', () => {
    const filler = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}_${i} = ${i}`).join('\n');
    const fn = 'def target(x):\n    return x';
    const file = `${filler(400, 'above')}\n${fn}\n${filler(400, 'below')}\n`;
    const context = fileContext(file, fn, 'target', 2000);
    assert.ok(context.length <= 2100, `context is ${context.length} chars`);
    assert.match(context, /^\.\.\. \(\d+ lines above omitted\)/);
    assert.match(context, /\.\.\. \(\d+ lines below omitted\)$/);
    assert.match(context, /<function `target`: the current version is shown above>/);
  });

  it('buildMutationPrompt carries everything the model needs', () => {
    const request: MutationRequest = {
      language: 'python',
      functionName: 'score',
      parentCode: METHOD,
      fileText: `import math\n\nclass Model:\n    ${METHOD.replace('0.5', '0.4')}\n`,
      parentFeedback: 'AssertionError: score(2) too low',
      parentScore: 0.75,
      inspirations: [{ code: METHOD.replace('0.5', '0.7'), score: 0.9 }],
      seed: 7,
    };
    const { system, user } = buildMutationPrompt(request);
    assert.match(system, /higher score is better/i);
    assert.match(user, /Language: Python/);
    assert.match(user, /Function: `score`/);
    assert.match(user, /score: 0\.75/);
    assert.match(user, /AssertionError: score\(2\) too low/);
    assert.match(user, /### Version 1 \(score: 0\.9\)/);
    assert.match(user, /class Model:/);
    assert.match(user, /<<<<<<< SEARCH\n[^]*\n=======\n[^]*\n>>>>>>> REPLACE/);
    // The parent is shown at its column in the file, so SEARCH lines copied from it match exactly.
    assert.ok(user.includes('```python\n    def score(self, x):\n        y = x * 0.5\n'), user);
  });
});
