// Replies the way real models write them, through the real pipeline: the function located in a
// file by tree-sitter, the reply applied (applyReply, with the run's function name and its
// indentation in the file), the candidate file syntax-checked. Each shape is either applied to
// exactly the expected code, or rejected with a specific reason (the apply error or the syntax
// error the engine would record). Python candidates are also compiled by CPython when present.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TreeSitterService, devWasmPaths } from '../../src/core/lang/treeSitter';
import { applyReply } from '../../src/core/mutate/parseReply';
import { firstLineIndentIn } from '../../src/core/mutate/prompt';
import type { LanguageId } from '../../src/core/types';

const service = new TreeSitterService(devWasmPaths(join(__dirname, '..', '..')));
after(() => service.dispose());

const block = (search: string, replace: string) => `<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE`;
const fence = (code: string, info = 'python', marks = '```') => `${marks}${info}\n${code}\n${marks}`;

const PY = [
  'import math',
  '',
  '',
  'class Model:',
  '    def __init__(self):',
  '        self.k = 2',
  '',
  '    def score(self, x):',
  '        y = x * 0.5',
  '        if y > 3:',
  '            return y - 1',
  '        return y + 1',
  '',
  '',
  'def base(x):',
  '    return x * 2',
  '',
  '',
  'def predict(x):',
  '    if x < 1:',
  '        return 1.0',
  '    return predict(x - 1) * 0.5 + x',
  '',
  '',
  'def clamp(x):',
  '    x = max(x, 0)',
  '    x = min(x, 10)',
  '    x = max(x, 0)',
  '    return x',
  '',
  '',
  'def mix(a, b):',
  '    s = a * 0.5',
  '    t = b * 0.5',
  '    return s + t * 0.5',
  '',
].join('\n');

const PREDICT_FAST = 'def predict(x):\n    if x < 2:\n        return 1.0\n    return predict(x - 1) * 0.25 + x';

const JS = 'const K = 3;\n\nfunction area(r) {\n  return 3.14 * r * r;\n}\n\nmodule.exports = { area };\n';
const TS = 'export class Shape {\n  constructor(private readonly r: number) {}\n\n  area(scale: number): number {\n    return 3.14 * this.r * this.r * scale;\n  }\n}\n';
const RUST = 'pub fn area(r: f64) -> f64 {\n    3.14 * r * r\n}\n\nfn main() {\n    println!("{}", area(2.0));\n}\n';
const GO = 'package main\n\nfunc Area(r float64) float64 {\n\treturn 3.14 * r * r\n}\n\nfunc main() {\n\t_ = Area(2)\n}\n';
const CPP = '#include <cstdio>\n\ndouble area(double r) {\n  return 3.14 * r * r;\n}\n\nint main() {\n  std::printf("%f", area(2));\n}\n';

interface Shape {
  name: string;
  language: LanguageId;
  file: string;
  functionName: string;
  reply: string;
  /** The child function's code, exactly; or the reason it is refused. */
  expect: { code: string } | { reason: RegExp };
}

const SHAPES: Shape[] = [
  { name: 'rewrite in a ```python fence', language: 'python', file: PY, functionName: 'predict', reply: fence(PREDICT_FAST), expect: { code: PREDICT_FAST } },
  { name: 'rewrite in a fence without a language', language: 'python', file: PY, functionName: 'predict', reply: fence(PREDICT_FAST, ''), expect: { code: PREDICT_FAST } },
  { name: 'rewrite in a ~~~ fence', language: 'python', file: PY, functionName: 'predict', reply: fence(PREDICT_FAST, 'py', '~~~'), expect: { code: PREDICT_FAST } },
  {
    name: 'prose before and after the code',
    language: 'python', file: PY, functionName: 'predict',
    reply: `Sure! Here is a faster version of \`predict(x)\`:\n\n${fence(PREDICT_FAST)}\n\nIt halves the recursion weight. Call predict(3) to try it.`,
    expect: { code: PREDICT_FAST },
  },
  {
    name: 'markdown headings around SEARCH/REPLACE blocks',
    language: 'python', file: PY, functionName: 'clamp',
    reply: `## Analysis\nThe upper bound is too low.\n\n### Change 1\n${block('    x = min(x, 10)', '    x = min(x, 12)')}\n\n## Expected effect\nHigher scores.`,
    expect: { code: 'def clamp(x):\n    x = max(x, 0)\n    x = min(x, 12)\n    x = max(x, 0)\n    return x' },
  },
  {
    name: '<think> block holding a draft SEARCH block the model dropped',
    language: 'python', file: PY, functionName: 'predict',
    reply: `<think>\nMaybe:\n${block('        return 1.0', '        return 7.0')}\nNo, too big.\n</think>\n${block('        return 1.0', '        return 2.0')}`,
    expect: { code: 'def predict(x):\n    if x < 1:\n        return 2.0\n    return predict(x - 1) * 0.5 + x' },
  },
  {
    name: '<think> block that never closes (cut before the answer)',
    language: 'python', file: PY, functionName: 'predict',
    reply: '<think>\nThe recursion could be memoized, and then',
    expect: { reason: /only a <think> block that never closed/ },
  },
  {
    name: 'a lone </think> (the server stripped the opening tag)',
    language: 'python', file: PY, functionName: 'predict',
    reply: `I will try a draft ${fence('def predict(x):\n    return 0')} hmm no.\n</think>\n${fence(PREDICT_FAST)}`,
    expect: { code: PREDICT_FAST },
  },
  {
    name: 'CRLF line endings in the reply',
    language: 'python', file: PY, functionName: 'mix',
    reply: block('    s = a * 0.5', '    s = a * 0.75').replace(/\n/g, '\r\n'),
    expect: { code: 'def mix(a, b):\n    s = a * 0.75\n    t = b * 0.5\n    return s + t * 0.5' },
  },
  {
    name: 'CRLF file, LF reply: the candidate keeps CRLF',
    language: 'python', file: PY.replace(/\n/g, '\r\n'), functionName: 'mix',
    reply: block('    t = b * 0.5', '    t = b * 0.25'),
    expect: { code: 'def mix(a, b):\r\n    s = a * 0.5\r\n    t = b * 0.25\r\n    return s + t * 0.5' },
  },
  {
    name: 'spaces in the reply for a tab-indented Go function',
    language: 'go', file: GO, functionName: 'Area',
    reply: fence('func Area(r float64) float64 {\n    if r < 0 {\n        return 0\n    }\n    return 3.14159 * r * r\n}', 'go'),
    expect: { code: 'func Area(r float64) float64 {\n\tif r < 0 {\n\t\treturn 0\n\t}\n\treturn 3.14159 * r * r\n}' },
  },
  {
    name: 'tabs in a SEARCH/REPLACE block for a space-indented Python function',
    language: 'python', file: PY, functionName: 'score',
    reply: block('\tif y > 3:\n\t\treturn y - 1', '\tif y > 4:\n\t\treturn y - 2'),
    expect: { code: 'def score(self, x):\n        y = x * 0.5\n        if y > 4:\n            return y - 2\n        return y + 1' },
  },
  {
    name: 'SEARCH lines with trailing whitespace the function does not have',
    language: 'python', file: PY, functionName: 'mix',
    reply: block('    s = a * 0.5   \n    t = b * 0.5\t', '    s = a * 0.6\n    t = b * 0.4'),
    expect: { code: 'def mix(a, b):\n    s = a * 0.6\n    t = b * 0.4\n    return s + t * 0.5' },
  },
  {
    name: 'several SEARCH blocks, each in its own fence',
    language: 'python', file: PY, functionName: 'score',
    reply: `${fence(block('        y = x * 0.5', '        y = x * 0.6'))}\nand\n${fence(block('        return y + 1', '        return y + 2'))}`,
    expect: { code: 'def score(self, x):\n        y = x * 0.6\n        if y > 3:\n            return y - 1\n        return y + 2' },
  },
  {
    name: 'empty REPLACE: the lines are deleted',
    language: 'python', file: PY, functionName: 'clamp',
    reply: block('    x = min(x, 10)\n    x = max(x, 0)', ''),
    expect: { code: 'def clamp(x):\n    x = max(x, 0)\n    return x' },
  },
  {
    name: 'a SEARCH that matches two places is refused as ambiguous',
    language: 'python', file: PY, functionName: 'clamp',
    reply: block('    x = max(x, 0)', '    x = max(x, 1)'),
    expect: { reason: /SEARCH block 1 of 1 matches 2 places \(lines 2, 4 of the function\); it must match exactly one/ },
  },
  {
    name: 'the same line with its neighbour: one place, applied',
    language: 'python', file: PY, functionName: 'clamp',
    reply: block('    x = min(x, 10)\n    x = max(x, 0)', '    x = min(x, 10)\n    x = max(x, 1)'),
    expect: { code: 'def clamp(x):\n    x = max(x, 0)\n    x = min(x, 10)\n    x = max(x, 1)\n    return x' },
  },
  {
    name: 'a part-line SEARCH found 3 times: "matches 3 places", not "did not match"',
    language: 'python', file: PY, functionName: 'mix',
    reply: block('* 0.5', '* 0.25'),
    expect: { reason: /SEARCH block 1 of 1 matches 3 places \(part of lines 2, 3, 4\)/ },
  },
  {
    name: 'a part-line SEARCH found once is applied in its line',
    language: 'python', file: PY, functionName: 'mix',
    reply: block('a * 0.5', 'a * 0.25'),
    expect: { code: 'def mix(a, b):\n    s = a * 0.25\n    t = b * 0.5\n    return s + t * 0.5' },
  },
  {
    name: 'a SEARCH that matches nothing names the line',
    language: 'python', file: PY, functionName: 'mix',
    reply: block('    u = a + b', '    u = a - b'),
    expect: { reason: /SEARCH block 1 of 1 did not match the function: `    u = a \+ b`/ },
  },
  {
    name: 'cut stream: half a SEARCH block',
    language: 'python', file: PY, functionName: 'predict',
    reply: '<<<<<<< SEARCH\n        return 1.0\n===',
    expect: { reason: /SEARCH block 1 is not closed \(the reply may be truncated\)/ },
  },
  {
    name: 'cut stream: a rewrite that stops mid-expression fails the syntax check',
    language: 'python', file: PY, functionName: 'predict',
    reply: '```python\ndef predict(x):\n    if x < 2:\n        return 1.0\n    return predict(x - 1) * (0.25 +',
    expect: { reason: /^syntax error at line 22/ },
  },
  {
    name: 'a rewrite whose body lost its indentation fails the syntax check (IndentationError)',
    language: 'python', file: PY, functionName: 'predict',
    reply: fence('def predict(x):\n    if x < 2:\n    return 1.0\n    return predict(x - 1) * 0.25 + x'),
    expect: { reason: /^syntax error at line 21: expected an indented block \(IndentationError\)/ },
  },
  {
    name: 'helper function before the target (module level, two blank lines)',
    language: 'python', file: PY, functionName: 'predict',
    reply: fence('def _weight(x):\n    return 0.25 if x > 4 else 0.5\n\ndef predict(x):\n    if x < 1:\n        return 1.0\n    return predict(x - 1) * _weight(x) + x'),
    expect: { code: 'def _weight(x):\n    return 0.25 if x > 4 else 0.5\n\n\ndef predict(x):\n    if x < 1:\n        return 1.0\n    return predict(x - 1) * _weight(x) + x' },
  },
  {
    name: "a method's helper method lands beside it in the class",
    language: 'python', file: PY, functionName: 'score',
    reply: fence('def score(self, x):\n    y = self._half(x)\n    if y > 3:\n        return y - 1\n    return y + 1\n\ndef _half(self, v):\n    return v * 0.45'),
    expect: { code: 'def score(self, x):\n        y = self._half(x)\n        if y > 3:\n            return y - 1\n        return y + 1\n\n    def _half(self, v):\n        return v * 0.45' },
  },
  {
    name: "a method's helper written as a free function it calls bare is refused with the reason",
    language: 'python', file: PY, functionName: 'score',
    reply: fence('def half(v):\n    return v * 0.45\n\ndef score(self, x):\n    y = half(x)\n    return y + 1'),
    expect: { reason: /adds `half` as a free function called from a method.*self\.half/ },
  },
  {
    name: 'an import the rewrite needs goes before the function',
    language: 'python', file: PY, functionName: 'predict',
    reply: fence('import functools\n\n@functools.lru_cache(maxsize=None)\ndef predict(x):\n    if x < 1:\n        return 1.0\n    return predict(x - 1) * 0.5 + x'),
    expect: { code: 'import functools\n\n\n@functools.lru_cache(maxsize=None)\ndef predict(x):\n    if x < 1:\n        return 1.0\n    return predict(x - 1) * 0.5 + x' },
  },
  {
    name: 'a renamed rewrite (predict_v2, recursion included) is renamed back',
    language: 'python', file: PY, functionName: 'predict',
    reply: `Here is predict_v2:\n${fence('def predict_v2(x):\n    if x < 2:\n        return 1.0\n    return predict_v2(x - 1) * 0.25 + x')}`,
    expect: { code: PREDICT_FAST },
  },
  {
    name: 'a SEARCH/REPLACE that renames the signature is renamed back',
    language: 'python', file: PY, functionName: 'mix',
    reply: block('def mix(a, b):\n    s = a * 0.5', 'def mix_fast(a, b):\n    s = a * 0.7'),
    expect: { code: 'def mix(a, b):\n    s = a * 0.7\n    t = b * 0.5\n    return s + t * 0.5' },
  },
  {
    name: 'a rename onto a name the function already uses is refused',
    language: 'python', file: PY.replace('    return predict(x - 1) * 0.5 + x', '    return predict(x - 1) * 0.5 + base(x)'), functionName: 'predict',
    reply: fence('def base(x):\n    if x < 1:\n        return 1.0\n    return base(x - 1) * 0.5 + x'),
    expect: { reason: /renames `predict` to `base`, a name the function already uses/ },
  },
  {
    name: 'Rust: a renamed target plus a new helper: renamed back, helper kept',
    language: 'rust', file: RUST, functionName: 'area',
    reply: fence('fn sq(v: f64) -> f64 {\n    v * v\n}\n\npub fn area_fast(r: f64) -> f64 {\n    3.14159 * sq(r)\n}', 'rust'),
    expect: { code: 'fn sq(v: f64) -> f64 {\n    v * v\n}\n\npub fn area(r: f64) -> f64 {\n    3.14159 * sq(r)\n}' },
  },
  {
    name: 'a reply with two new functions and not the target is refused',
    language: 'python', file: PY, functionName: 'mix',
    reply: fence('def blend(a, b):\n    return a * 0.4 + b * 0.6\n\ndef weights():\n    return (0.4, 0.6)'),
    expect: { reason: /defines `blend`, `weights` but not `mix`; keep the function's name/ },
  },
  {
    name: 'a huge reply (1 MB of prose around one block)',
    language: 'python', file: PY, functionName: 'mix',
    reply: `${'Thinking about the weights. '.repeat(20_000)}\n${block('    t = b * 0.5', '    t = b * 0.3')}\n${'More notes. '.repeat(40_000)}`,
    expect: { code: 'def mix(a, b):\n    s = a * 0.5\n    t = b * 0.3\n    return s + t * 0.5' },
  },
  {
    name: 'invalid UTF-8 in the reply (U+FFFD from a broken stream) is refused',
    language: 'python', file: PY, functionName: 'mix',
    reply: block('    t = b * 0.5', '    t = b * 0.\uFFFD3'),
    expect: { reason: /not valid UTF-8 \(U\+FFFD or a lone surrogate\)/ },
  },
  { name: 'an empty reply', language: 'python', file: PY, functionName: 'mix', reply: '  \n\n', expect: { reason: /^empty reply$/ } },
  {
    name: 'prose without code',
    language: 'python', file: PY, functionName: 'mix',
    reply: 'I would lower the weights in mix(a, b), but I am not sure by how much.',
    expect: { reason: /no SEARCH\/REPLACE block and no code block/ },
  },
  {
    name: 'JavaScript: helper function after the target',
    language: 'javascript', file: JS, functionName: 'area',
    reply: fence('function area(r) {\n  return PI * square(r);\n}\n\nfunction square(v) {\n  return v * v;\n}', 'js'),
    expect: { code: 'function area(r) {\n  return PI * square(r);\n}\n\nfunction square(v) {\n  return v * v;\n}' },
  },
  {
    name: 'TypeScript: a method and a private helper method, at the class indentation',
    language: 'typescript', file: TS, functionName: 'area',
    reply: fence('area(scale: number): number {\n  return this.squared() * 3.14159 * scale;\n}\n\nprivate squared(): number {\n  return this.r * this.r;\n}', 'ts'),
    expect: { code: 'area(scale: number): number {\n    return this.squared() * 3.14159 * scale;\n  }\n\n  private squared(): number {\n    return this.r * this.r;\n  }' },
  },
  {
    name: 'Rust: helper fn after the target',
    language: 'rust', file: RUST, functionName: 'area',
    reply: fence('pub fn area(r: f64) -> f64 {\n    std::f64::consts::PI * sq(r)\n}\n\nfn sq(v: f64) -> f64 {\n    v * v\n}', 'rust'),
    expect: { code: 'pub fn area(r: f64) -> f64 {\n    std::f64::consts::PI * sq(r)\n}\n\nfn sq(v: f64) -> f64 {\n    v * v\n}' },
  },
  {
    name: 'Go: helper func after the target, tabs kept',
    language: 'go', file: GO, functionName: 'Area',
    reply: fence('func Area(r float64) float64 {\n\treturn 3.14159 * sq(r)\n}\n\nfunc sq(v float64) float64 {\n\treturn v * v\n}', 'go'),
    expect: { code: 'func Area(r float64) float64 {\n\treturn 3.14159 * sq(r)\n}\n\nfunc sq(v float64) float64 {\n\treturn v * v\n}' },
  },
  {
    name: 'C++: helper defined before the target (declared before use)',
    language: 'cpp', file: CPP, functionName: 'area',
    reply: fence('static inline double sq(double v) {\n  return v * v;\n}\n\ndouble area(double r) {\n  return 3.14159 * sq(r);\n}', 'cpp'),
    expect: { code: 'static inline double sq(double v) {\n  return v * v;\n}\n\ndouble area(double r) {\n  return 3.14159 * sq(r);\n}' },
  },
];

/** What the engine would record: the child code, or the reason there is none. */
async function outcome(shape: Shape): Promise<{ code: string; candidate: string } | { reason: string }> {
  const found = await service.findFunctionByName(shape.file, shape.language, shape.functionName);
  assert.ok(found, `${shape.functionName} is in the fixture`);
  const applied = applyReply(found.text, shape.reply, shape.language, {
    functionName: shape.functionName,
    baseIndent: firstLineIndentIn(shape.file, found.text),
  });
  if (!applied.ok) return { reason: applied.error };
  const candidate = shape.file.slice(0, found.startIndex) + applied.code + shape.file.slice(found.endIndex);
  const before = await service.syntaxIssues(shape.file, shape.language);
  const issues = await service.syntaxIssues(candidate, shape.language);
  if (issues.length > before.length) return { reason: `syntax error at line ${issues[0].line + 1}: ${issues[0].message}` };
  return { code: applied.code, candidate };
}

const pythonAvailable = spawnSync('python3', ['--version']).status === 0;

/** CPython's own verdict on a candidate file (compile only, nothing runs). */
function cpythonCompiles(source: string): string | null {
  const r = spawnSync('python3', ['-c', 'import sys; compile(sys.stdin.read(), "candidate.py", "exec")'], { input: source, encoding: 'utf8' });
  return r.status === 0 ? null : r.stderr.trim().split('\n').pop() ?? 'does not compile';
}

describe('reply quirks', () => {
  let passed = 0;
  before(async () => {
    for (const language of new Set(SHAPES.map((s) => s.language))) await service.preload(language);
  });
  after(() => {
    console.log(`reply quirks: ${passed}/${SHAPES.length} applied or rejected with a reason`);
  });

  it('covers at least 25 shapes', () => {
    assert.ok(SHAPES.length >= 25, `${SHAPES.length} shapes`);
  });

  for (const shape of SHAPES) {
    it(shape.name, async () => {
      const got = await outcome(shape);
      if ('reason' in shape.expect) {
        assert.ok('reason' in got, `expected a refusal, got code:\n${'code' in got ? got.code : ''}`);
        assert.match(got.reason, shape.expect.reason);
      } else {
        assert.ok('code' in got, `expected code, got: ${'reason' in got ? got.reason : ''}`);
        assert.equal(got.code, shape.expect.code);
        if (shape.language === 'python' && pythonAvailable) assert.equal(cpythonCompiles(got.candidate), null, 'CPython compiles the candidate');
      }
      passed++;
    });
  }
});
