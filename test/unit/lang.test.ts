import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
// The same module object the service uses, so a test can count grammar loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import TreeSitter = require('web-tree-sitter');
import { GRAMMAR_FILE, LANGUAGE_IDS, SUPPORTED_VSCODE_LANGUAGE_IDS, languageFor } from '../../src/core/lang/languages';
import { TreeSitterService, devWasmPaths, wasmPathsIn } from '../../src/core/lang/treeSitter';
import type { FunctionLocation, LanguageId } from '../../src/core/types';

const repoRoot = join(__dirname, '..', '..');
const paths = devWasmPaths(repoRoot);

/** Offset of the first occurrence of `needle` (plus `delta`); fails loudly when absent. */
function offsetOf(text: string, needle: string, delta = 0): number {
  const index = text.indexOf(needle);
  assert.notEqual(index, -1, `fixture lacks ${JSON.stringify(needle)}`);
  return index + delta;
}

/** The location must describe exactly the slice of `text` it claims. */
function assertConsistent(text: string, found: FunctionLocation): void {
  assert.equal(found.text, text.slice(found.startIndex, found.endIndex));
  assert.equal(found.startLine, text.slice(0, found.startIndex).split('\n').length - 1);
  assert.equal(found.endLine, text.slice(0, found.endIndex).split('\n').length - 1);
}

describe('languageFor', () => {
  it('maps VS Code language ids', () => {
    const expected: Record<string, LanguageId> = {
      python: 'python', typescript: 'typescript', typescriptreact: 'tsx', javascript: 'javascript',
      javascriptreact: 'javascript', rust: 'rust', go: 'go', cpp: 'cpp', c: 'cpp', 'cuda-cpp': 'cpp',
    };
    for (const [id, language] of Object.entries(expected)) assert.equal(languageFor(id, 'untitled'), language, id);
    assert.deepEqual([...SUPPORTED_VSCODE_LANGUAGE_IDS].sort(), Object.keys(expected).sort());
  });

  it('falls back to the file extension, and knows what it cannot parse', () => {
    const expected: Record<string, LanguageId> = {
      'a.py': 'python', 'a.ts': 'typescript', 'a.tsx': 'tsx', 'a.js': 'javascript', 'a.jsx': 'javascript',
      'a.mjs': 'javascript', 'a.rs': 'rust', 'a.go': 'go', 'a.c': 'cpp', 'a.h': 'cpp', 'k.cu': 'cpp',
      'k.cuh': 'cpp', 'a.cc': 'cpp', 'a.cpp': 'cpp', 'a.hpp': 'cpp', 'a.cxx': 'cpp', '/x/Y.CPP': 'cpp',
    };
    for (const [file, language] of Object.entries(expected)) assert.equal(languageFor(undefined, file), language, file);
    assert.equal(languageFor('plaintext', 'notes.txt'), undefined);
    assert.equal(languageFor('markdown', 'main.py'), 'python'); // unknown id: the name decides
    assert.equal(languageFor('toString', 'a.txt'), undefined);
    assert.equal(languageFor(undefined, 'constructor'), undefined);
  });

  it('names a grammar that exists for every language', async () => {
    const { existsSync } = await import('node:fs');
    for (const language of LANGUAGE_IDS) assert.ok(existsSync(join(paths.grammarDir, GRAMMAR_FILE[language])), language);
    assert.ok(existsSync(paths.runtimeWasm));
    assert.deepEqual(wasmPathsIn('/opt/dist/wasm'), { grammarDir: '/opt/dist/wasm', runtimeWasm: '/opt/dist/wasm/tree-sitter.wasm' });
  });
});

describe('TreeSitterService', () => {
  let service: TreeSitterService;
  before(() => {
    service = new TreeSitterService(paths);
  });
  after(() => service.dispose());

  it('measures grammar loads and a lookup in a 2,000-line Python file', async () => {
    const fresh = new TreeSitterService(paths);
    try {
      // First in the file, so these are cold loads; the first one includes the runtime's start.
      const loads: string[] = [];
      for (const language of LANGUAGE_IDS) {
        const started = performance.now();
        await fresh.preload(language);
        loads.push(`${language} ${(performance.now() - started).toFixed(1)} ms`);
      }
      const lines: string[] = [];
      for (let i = 0; lines.length < 2000; i++) {
        lines.push(`def f${i}(x, y=${i}):`, `    """Doc ${i}."""`, `    z = x * y + ${i}`, '    if z > 10:', '        return z - 1', '    return [v for v in range(z)]', '');
      }
      const text = lines.join('\n');
      const offset = offsetOf(text, 'def f150(', 20);
      const timed = async (): Promise<number> => {
        const started = performance.now();
        assert.equal((await fresh.findFunctionAt(text, 'python', offset))?.name, 'f150');
        return performance.now() - started;
      };
      const firstMs = await timed();
      const times: number[] = [];
      for (let i = 0; i < 30; i++) times.push(await timed());
      const medianMs = times.sort((a, b) => a - b)[times.length >> 1];
      const listStarted = performance.now();
      const all = await fresh.listFunctions(text, 'python');
      const listMs = performance.now() - listStarted;
      assert.equal(all.length, Math.ceil(2000 / 7));
      console.log(`[lang] grammar loads: ${loads.join(', ')}`);
      console.log(`[lang] ${lines.length}-line Python, parse + findFunctionAt: first ${firstMs.toFixed(1)} ms, median of 30 ${medianMs.toFixed(1)} ms; listFunctions ${listMs.toFixed(1)} ms`);
    } finally {
      fresh.dispose();
    }
  });

  async function at(language: LanguageId, text: string, needle: string, delta = 0): Promise<FunctionLocation | null> {
    const found = await service.findFunctionAt(text, language, offsetOf(text, needle, delta));
    if (found) assertConsistent(text, found);
    return found;
  }

  describe('python', () => {
    const source = [
      'import functools',
      '',
      '@functools.lru_cache(maxsize=None)',
      '@trace',
      'async def fetch(url, retries=3):',
      '    def backoff(attempt):',
      '        return 2 ** attempt',
      '    total = 0',
      '    return total',
      '',
      'class Model:',
      '    def __init__(self):',
      '        self.w = 0.5',
      '',
      '    @property',
      '    def weight(self):',
      '        return self.w',
      '',
      'RESULT = fetch("x")',
      '',
    ].join('\n');

    it('includes decorators in a decorated async function', async () => {
      const found = await at('python', source, 'total = 0');
      assert.equal(found?.name, 'fetch');
      assert.equal(found?.kind, 'function_definition');
      assert.equal(found?.startLine, 2);
      assert.equal(found?.endLine, 8);
      assert.ok(found?.text.startsWith('@functools.lru_cache(maxsize=None)\n@trace\nasync def fetch'));
      assert.ok(found?.text.endsWith('return total'));
    });

    it('finds the function from a decorator line', async () => {
      assert.equal((await at('python', source, '@trace', 2))?.name, 'fetch');
      assert.equal((await at('python', source, '@functools', 0))?.name, 'fetch');
    });

    it('picks the innermost of nested functions', async () => {
      const inner = await at('python', source, '2 ** attempt');
      assert.equal(inner?.name, 'backoff');
      assert.equal(inner?.text, 'def backoff(attempt):\n        return 2 ** attempt');
    });

    it('finds methods, their decorators included, and from the indentation', async () => {
      assert.equal((await at('python', source, 'self.w = 0.5'))?.name, '__init__');
      const weight = await at('python', source, 'return self.w');
      assert.equal(weight?.name, 'weight');
      assert.ok(weight?.text.startsWith('@property\n    def weight'));
      assert.equal((await at('python', source, '    def __init__', 1))?.name, '__init__');
    });

    it('returns null outside any function', async () => {
      assert.equal(await at('python', source, 'RESULT ='), null);
      assert.equal(await at('python', source, 'import functools'), null);
      assert.equal(await at('python', source, 'class Model', 3), null);
      assert.equal(await service.findFunctionAt(source, 'python', source.length), null);
    });

    it('lists every function in source order', async () => {
      const names = (await service.listFunctions(source, 'python')).map((f) => f.name);
      assert.deepEqual(names, ['fetch', 'backoff', '__init__', 'weight']);
    });
  });

  describe('typescript', () => {
    const source = [
      'import { dec } from "./dec";',
      'export function scale(a: number): number {',
      '  return [a].map((v) => v * 2)[0];',
      '}',
      'class Box {',
      '  @dec()',
      '  area(w: number, h: number): number { return w * h; }',
      '  grow = (by: number) => by + 1;',
      '  #secret(): void {}',
      '}',
      'export const double = async (z: number): Promise<number> => z * 2;',
      'const first = () => 1, second = function named() { return 2; };',
      'items.forEach((item) => console.log(item));',
      'function* ids() { yield 1; }',
      'export default function () { return 0; }',
      '',
    ].join('\n');

    it('includes `export` in an exported function, and skips the callback inside it', async () => {
      const found = await at('typescript', source, 'v * 2');
      assert.equal(found?.name, 'scale');
      assert.equal(found?.kind, 'function_declaration');
      assert.ok(found?.text.startsWith('export function scale'));
      assert.ok(found?.text.endsWith('}'));
    });

    it('finds methods with their decorators', async () => {
      const found = await at('typescript', source, 'w * h');
      assert.equal(found?.name, 'area');
      assert.equal(found?.kind, 'method_definition');
      assert.ok(found?.text.startsWith('@dec()\n  area('));
      assert.equal((await at('typescript', source, '@dec', 1))?.name, 'area');
      assert.equal((await at('typescript', source, '#secret', 2))?.name, '#secret');
    });

    it('finds class-field arrows', async () => {
      const found = await at('typescript', source, 'by + 1');
      assert.equal(found?.name, 'grow');
      assert.equal(found?.kind, 'arrow_function');
      assert.ok(found?.text.startsWith('grow = (by: number) => by + 1'));
    });

    it('takes the whole exported const statement for an arrow bound to a name', async () => {
      const found = await at('typescript', source, 'z * 2');
      assert.equal(found?.name, 'double');
      assert.equal(found?.text, 'export const double = async (z: number): Promise<number> => z * 2;');
      assert.equal((await at('typescript', source, 'export const double'))?.name, 'double');
    });

    it('takes only the declarator when a statement declares several', async () => {
      const first = await at('typescript', source, '=> 1');
      assert.deepEqual([first?.name, first?.text], ['first', 'first = () => 1']);
      const second = await at('typescript', source, 'return 2');
      assert.deepEqual([second?.name, second?.kind], ['second', 'function_expression']);
      assert.ok(second?.text.startsWith('second = function named()'));
    });

    it('skips anonymous callbacks that belong to no function', async () => {
      assert.equal(await at('typescript', source, 'console.log(item)'), null);
    });

    it('finds generators and default exports', async () => {
      assert.equal((await at('typescript', source, 'yield 1'))?.kind, 'generator_function_declaration');
      const anonymous = await at('typescript', source, 'return 0');
      assert.equal(anonymous?.name, 'default');
      assert.ok(anonymous?.text.startsWith('export default function'));
    });
  });

  it('tsx: a component, through the callbacks in its JSX', async () => {
    const source = [
      'export function List({ items }: { items: string[] }) {',
      '  return <ul>{items.map((item) => <li key={item}>{item}</li>)}</ul>;',
      '}',
      'export const Badge = (p: { n: number }) => <b>{p.n}</b>;',
    ].join('\n');
    assert.equal((await at('tsx', source, '<li key'))?.name, 'List');
    const badge = await at('tsx', source, '<b>');
    assert.equal(badge?.name, 'Badge');
    assert.equal(badge?.startIndex, offsetOf(source, 'export const Badge'));
    assert.deepEqual(await service.syntaxIssues(source, 'tsx'), []);
  });

  it('javascript: JSX, class fields, function expressions', async () => {
    const source = [
      'function App() {',
      '  return <div onClick={() => go()}>hi</div>;',
      '}',
      'class Counter {',
      '  count = 0;',
      '  bump = () => { this.count += 1; };',
      '  reset() { this.count = 0; }',
      '}',
      'var legacy = function () { return 42; };',
    ].join('\n');
    assert.equal((await at('javascript', source, 'go()'))?.name, 'App');
    const bump = await at('javascript', source, 'this.count += 1');
    assert.equal(bump?.name, 'bump');
    assert.ok(bump?.text.startsWith('bump = () =>'));
    assert.equal((await at('javascript', source, 'this.count = 0'))?.name, 'reset');
    assert.equal((await at('javascript', source, 'return 42'))?.text, 'var legacy = function () { return 42; };');
    assert.equal(await at('javascript', source, 'count = 0'), null);
    assert.deepEqual(await service.syntaxIssues(source, 'javascript'), []);
  });

  it('rust: free functions with attributes, and functions in impl blocks', async () => {
    const source = [
      '#[inline]',
      'pub fn clamp(x: f64) -> f64 { x.max(0.0).min(1.0) }',
      'impl Solver {',
      '    pub fn step(&mut self, dt: f64) {',
      '        self.t += dt;',
      '    }',
      '}',
    ].join('\n');
    const clamp = await at('rust', source, 'x.max');
    assert.equal(clamp?.name, 'clamp');
    assert.ok(clamp?.text.startsWith('#[inline]\npub fn clamp'));
    const step = await at('rust', source, 'self.t');
    assert.deepEqual([step?.name, step?.kind, step?.startLine, step?.endLine], ['step', 'function_item', 3, 5]);
    assert.equal(await at('rust', source, 'impl Solver'), null);
  });

  it('go: functions and methods', async () => {
    const source = [
      'package main',
      '',
      'func Add(a, b int) int { return a + b }',
      '',
      'func (s *Stack) Push(v int) {',
      '\ts.items = append(s.items, v)',
      '} // done pushing',
    ].join('\n');
    assert.deepEqual(
      [(await at('go', source, 'a + b'))?.name, (await at('go', source, 'append'))?.name, (await at('go', source, 'append'))?.kind],
      ['Add', 'Push', 'method_declaration'],
    );
    assert.equal(await at('go', source, 'package'), null);
    assert.equal(await at('go', source, 'done pushing'), null); // only indentation retries at the line start
  });

  describe('cpp', () => {
    const source = [
      '#include <vector>',
      'static int square(int x) { return x * x; }',
      'class Foo {',
      ' public:',
      '  int inline_method() { return 1; }',
      '  int bar(int x) const;',
      '  ~Foo();',
      '};',
      'int Foo::bar(int x) const { return x + 1; }',
      'Foo::~Foo() { cleanup(); }',
      'template <typename T>',
      'T max_of(T a, T b) { return a > b ? a : b; }',
      'int* make() { return nullptr; }',
      'const std::vector<int>& ref() { return items; }',
      'bool operator==(const Foo& a, const Foo& b) { return true; }',
      'namespace ns { void inner() { go(); } }',
    ].join('\n');

    it('finds free functions, in-class and out-of-class methods', async () => {
      assert.equal((await at('cpp', source, 'x * x'))?.name, 'square');
      assert.equal((await at('cpp', source, 'return 1;'))?.name, 'inline_method');
      const bar = await at('cpp', source, 'x + 1');
      assert.equal(bar?.name, 'Foo::bar');
      assert.equal(bar?.text, 'int Foo::bar(int x) const { return x + 1; }');
      assert.equal((await at('cpp', source, 'cleanup'))?.name, 'Foo::~Foo');
      assert.equal((await at('cpp', source, 'bar(int x) const;')), null); // a declaration, no body
    });

    it('includes `template <...>` and follows pointer / reference / operator declarators', async () => {
      const max = await at('cpp', source, 'a > b');
      assert.equal(max?.name, 'max_of');
      assert.ok(max?.text.startsWith('template <typename T>\nT max_of'));
      assert.equal((await at('cpp', source, 'template <', 3))?.name, 'max_of');
      assert.equal((await at('cpp', source, 'nullptr'))?.name, 'make');
      assert.equal((await at('cpp', source, 'return items'))?.name, 'ref');
      assert.equal((await at('cpp', source, 'return true'))?.name, 'operator==');
      assert.equal((await at('cpp', source, 'go()'))?.name, 'inner');
    });

    it('finds an out-of-class method by its short name', async () => {
      const bar = await service.findFunctionByName(source, 'cpp', 'bar');
      assert.equal(bar?.name, 'Foo::bar');
      assert.equal((await service.findFunctionByName(source, 'cpp', 'Foo::bar'))?.startLine, 8);
    });

    it('parses C with the C++ grammar', async () => {
      const c = [
        '#include <stdlib.h>',
        'struct point { double x, y; };',
        'static double norm2(const struct point *p) {',
        '    return p->x * p->x + p->y * p->y;',
        '}',
        'int main(int argc, char **argv) {',
        '    int *buf = malloc(sizeof *buf * 4);',
        '    free(buf);',
        '    return 0;',
        '}',
      ].join('\n');
      const norm = await at('cpp', c, 'p->x * p->x');
      assert.deepEqual([norm?.name, norm?.startLine, norm?.endLine], ['norm2', 2, 4]);
      assert.equal((await at('cpp', c, 'free(buf)'))?.name, 'main');
      assert.deepEqual((await service.listFunctions(c, 'cpp')).map((f) => f.name), ['norm2', 'main']);
    });

    it('parses CUDA kernels with the C++ grammar, ranges right despite ERROR nodes', async () => {
      const cuda = [
        '#include <cuda_runtime.h>',
        '__global__ void saxpy(int n, float a, const float *x, float *y) {',
        '    int i = blockIdx.x * blockDim.x + threadIdx.x;',
        '    if (i < n) y[i] = a * x[i] + y[i];',
        '}',
        '__constant__ float coeff[4];',
        '__global__ void tiled(float *out) {',
        '    __shared__ float tile[256];',
        '    extern __shared__ float dynamic[];',
        '    tile[threadIdx.x] = coeff[0];',
        '    __syncthreads();',
        '    out[threadIdx.x] = tile[threadIdx.x];',
        '}',
        'static __device__ __forceinline__ float sq(float v) { return v * v; }',
        'extern "C" __global__ void __launch_bounds__(256) fill(float *x) { x[threadIdx.x] = 1.0f; }',
        'int main() {',
        '    saxpy<<<(n + 255) / 256, 256>>>(n, 2.0f, x, y);',
        '    fill<<<grid, block, 0, stream>>>(y);',
        '    return cudaDeviceSynchronize();',
        '}',
      ].join('\n');
      const kernel = await at('cpp', cuda, 'threadIdx.x;');
      assert.equal(kernel?.name, 'saxpy');
      assert.deepEqual([kernel?.startLine, kernel?.endLine], [1, 4]);
      assert.ok(kernel?.text.startsWith('__global__ void saxpy('));
      assert.ok(kernel?.text.endsWith('}'));
      const sq = await at('cpp', cuda, 'v * v');
      assert.equal(sq?.name, 'sq');
      assert.ok(sq?.text.startsWith('static __device__ __forceinline__ float sq'));
      assert.equal((await at('cpp', cuda, 'x[threadIdx.x]'))?.name, 'fill');
      assert.equal((await at('cpp', cuda, 'saxpy<<<'))?.name, 'main');
      const tiled = await at('cpp', cuda, '__syncthreads');
      assert.deepEqual([tiled?.name, tiled?.startLine, tiled?.endLine], ['tiled', 6, 12]);
      assert.deepEqual((await service.listFunctions(cuda, 'cpp')).map((f) => f.name), ['saxpy', 'tiled', 'sq', 'fill', 'main']);
      // The grammar's stumbles on CUDA syntax are not reported as the user's syntax errors...
      assert.deepEqual(await service.syntaxIssues(cuda, 'cpp'), []);
      // ...but real errors in a CUDA file still are.
      const broken = cuda.replace('if (i < n) y[i]', 'if (i < n y[i]');
      const issues = await service.syntaxIssues(broken, 'cpp');
      assert.ok(issues.length > 0);
      assert.equal(issues[0].line, 3);
    });
  });

  it('returns string indices, not byte offsets, after non-ASCII text', async () => {
    const source = [
      '# Café ☕ — données 😀😀',
      'GREETING = "héllo 🌍"',
      'def target(x):',
      '    label = "ünïcödé 🎉"',
      '    return x * 2',
      '',
      'def after():',
      '    return "✓"',
    ].join('\n');
    const found = await at('python', source, 'return x * 2');
    assert.equal(found?.name, 'target');
    assert.equal(found?.startIndex, offsetOf(source, 'def target'));
    assert.equal(found?.text, 'def target(x):\n    label = "ünïcödé 🎉"\n    return x * 2');
    const last = await at('python', source, '"✓"');
    assert.equal(last?.text, 'def after():\n    return "✓"');
    assert.equal(last?.endIndex, source.length);
    // Columns are UTF-16 too: the `)` missing after the emoji string.
    const line = 'int main() { const char *s = "😀é😀"; return 0';
    assert.deepEqual(await service.syntaxIssues(`${line}\n}\n`, 'cpp'), [{ line: 0, column: line.length, message: 'missing `;`' }]);
  });

  describe('syntaxIssues', () => {
    it('reports nothing for valid code', async () => {
      assert.deepEqual(await service.syntaxIssues('def f(x):\n    return x\n', 'python'), []);
      assert.deepEqual(await service.syntaxIssues('fn main() { let x = 1; }', 'rust'), []);
    });

    it('reports MISSING tokens with their position', async () => {
      assert.deepEqual(await service.syntaxIssues('int main() {\n  return 0\n}\n', 'cpp'), [
        { line: 1, column: 10, message: 'missing `;`' },
      ]);
      const python = await service.syntaxIssues('def f(:\n    return 1\n', 'python');
      assert.deepEqual(python, [{ line: 0, column: 6, message: 'missing `)`' }]);
    });

    it('reports ERROR nodes with the text near them', async () => {
      const issues = await service.syntaxIssues('function f() {\n  let x = ;\n  return x;\n}\n', 'typescript');
      assert.equal(issues.length, 1);
      assert.equal(issues[0].line, 1);
      assert.match(issues[0].message, /^syntax error near `.+`$/);
      const go = await service.syntaxIssues('package main\nfunc f() {\n\tx := (1 +\n}\n', 'go');
      assert.ok(go.length > 0 && go.every((issue) => issue.line >= 2), JSON.stringify(go));
    });

    it('reports the Python indentation errors tree-sitter parses without ERROR nodes', async () => {
      // A helper's body pasted one level too deep, then a dedent to no outer level.
      const misplaced = 'class Model:\n    def _scale(v):\n        return v * 2\n\n            def score(self, x):\n            return _scale(x)\n    def other(self):\n      pass\n  x = 1\n';
      const issues = await service.syntaxIssues(misplaced, 'python');
      assert.deepEqual(issues.map((issue) => [issue.line, issue.message]), [
        [4, 'unexpected indent (IndentationError)'],
        [8, 'unindent does not match any outer indentation level (IndentationError)'],
      ]);
      const noBody = await service.syntaxIssues('def f(x):\nreturn x\n', 'python');
      assert.ok(noBody.length > 0, 'a def without an indented body is an error');
      const tabs = await service.syntaxIssues('def f(x):\n\ty = 1\n        return y\n', 'python');
      assert.deepEqual(tabs.map((issue) => issue.message), ['inconsistent use of tabs and spaces in indentation (TabError)']);
      const fine = 'def f(a,\n      b):  # comment:\n    s = """doc\nnot code:\n  at all\n"""\n    t = (a +\n         b)\n    if t: return s\n    return t\n';
      assert.deepEqual(await service.syntaxIssues(fine, 'python'), []);
    });

    it('caps the number of issues', async () => {
      const garbage = Array.from({ length: 200 }, (_, i) => `def f${i}(:\n    pass\n`).join('');
      const issues = await service.syntaxIssues(garbage, 'python');
      assert.equal(issues.length, 20);
    });
  });

  describe('findFunctionByName', () => {
    const source = [
      'class A:',              // 0
      '    def run(self):',    // 1
      '        return 1',
      '',
      'class B:',              // 4
      '    def run(self):',    // 5
      '        return 2',
      '',
      'def solo():',           // 8
      '    return 3',
    ].join('\n');

    it('picks the same-named function nearest the line', async () => {
      assert.equal((await service.findFunctionByName(source, 'python', 'run'))?.startLine, 1);
      assert.equal((await service.findFunctionByName(source, 'python', 'run', 0))?.startLine, 1);
      assert.equal((await service.findFunctionByName(source, 'python', 'run', 6))?.startLine, 5);
      assert.equal((await service.findFunctionByName(source, 'python', 'run', 100))?.text, 'def run(self):\n        return 2');
      assert.equal((await service.findFunctionByName(source, 'python', 'solo', 0))?.startLine, 8);
    });

    it('returns null for an unknown name', async () => {
      assert.equal(await service.findFunctionByName(source, 'python', 'missing'), null);
    });
  });

  it('loads a grammar once for concurrent first calls', async () => {
    const fresh = new TreeSitterService(paths);
    const originalLoad = TreeSitter.Language.load;
    const loaded: string[] = [];
    TreeSitter.Language.load = (input) => {
      if (typeof input === 'string') loaded.push(input);
      return originalLoad.call(TreeSitter.Language, input);
    };
    try {
      const text = 'package p\nfunc F() {}\n';
      const results = await Promise.all([
        fresh.findFunctionAt(text, 'go', 20),
        fresh.listFunctions(text, 'go'),
        fresh.syntaxIssues(text, 'go'),
      ]);
      assert.equal(results[0]?.name, 'F');
      await fresh.listFunctions(text, 'go');
      assert.deepEqual(loaded, [join(paths.grammarDir, GRAMMAR_FILE.go)]);
    } finally {
      TreeSitter.Language.load = originalLoad;
      fresh.dispose();
    }
  });

  it('explains a missing grammar, and refuses work once disposed', async () => {
    const broken = new TreeSitterService({ ...paths, grammarDir: '/nonexistent/wasm' });
    await assert.rejects(broken.listFunctions('x = 1', 'python'), /grammar for python from \/nonexistent\/wasm/);
    broken.dispose();
    await assert.rejects(broken.listFunctions('x = 1', 'python'), /disposed/);
  });

});
