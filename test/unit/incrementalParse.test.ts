// Incremental parses must give exactly the trees a full parse gives.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import TreeSitter = require('web-tree-sitter');
import { commonEnds, IncrementalParser } from '../../src/core/lang/incrementalParse';
import { devWasmPaths } from '../../src/core/lang/treeSitter';
import { offlineEdit } from '../../src/core/mutate/offline';
import { seededRandom } from '../../src/core/util/random';

const repo = join(__dirname, '..', '..');
let python: TreeSitter.Parser;

before(async () => {
  const paths = devWasmPaths(repo);
  await TreeSitter.Parser.init({ locateFile: () => paths.runtimeWasm });
  python = new TreeSitter.Parser();
  python.setLanguage(await TreeSitter.Language.load(join(paths.grammarDir, 'tree-sitter-python.wasm')));
});

function sexp(parser: { parse(text: string): TreeSitter.Tree | null }, text: string): string {
  const tree = parser.parse(text);
  assert.ok(tree);
  try {
    return tree.rootNode.toString();
  } finally {
    tree.delete();
  }
}

describe('incremental parsing', () => {
  it('matches a full parse for hundreds of random edits, syntax errors and non-ASCII text included', () => {
    const base = readFileSync(join(repo, 'evaluators/python/example/approx.py'), 'utf8') + '\n# é 🚀 done\n';
    const incremental = new IncrementalParser(python);
    const random = seededRandom(7);
    let text = base;
    for (let i = 0; i < 300; i++) {
      const roll = random();
      if (roll < 0.6) text = offlineEdit(base, 'python', i)?.code ?? base;
      else if (roll < 0.8) {
        const at = Math.floor(random() * text.length);
        text = text.slice(0, at) + ['(', ')', ':', '\n    ', 'é', '🚀', 'def g():\n    pass\n'][i % 7] + text.slice(at);
      } else text = base.slice(0, Math.floor(random() * base.length));
      assert.equal(sexp(incremental, text), sexp(python, text), `edit ${i}`);
    }
    incremental.dispose();
  });

  it('never splits a surrogate pair when it finds the changed region', () => {
    const { prefix, suffix } = commonEnds('a🚀b', 'a🚁b');
    assert.equal(prefix, 1);
    assert.equal(suffix, 1);
  });
});
