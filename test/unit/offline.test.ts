import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findNumericLiterals, findOperatorSites, offlineEdit, OfflineMutationSource, perturbLiteral } from '../../src/core/mutate/offline';
import { seededRandom } from '../../src/core/util/random';
import type { MutationRequest } from '../../src/core/types';

const PY = `def approx_exp(x):
    """Approximate e**x with 3 terms; 2.5 in a docstring is not a literal."""
    # 7 in a comment is not a literal either
    label = "value 9"
    return 1.0 + 0.9 * x + 0.4 * x * x + 0.1 * x * x * x`;

describe('offline operator: literal discovery', () => {
  it('finds numeric literals outside strings and comments', () => {
    const values = findNumericLiterals(PY, 'python').map((l) => l.text);
    assert.deepEqual(values, ['1.0', '0.9', '0.4', '0.1']);
  });

  it('keeps type suffixes and skips hex, identifiers and tuple indices', () => {
    const rust = 'fn f(t: (u32, f64)) -> f64 { let a = 0x1F; let b = x1 + t.0 as f64; 2.5f64 * b + 3u32 as f64 }';
    const lits = findNumericLiterals(rust, 'rust');
    assert.deepEqual(lits.map((l) => [l.text, l.suffix]), [['2.5f64', 'f64'], ['3u32', 'u32']]);
    assert.equal(lits[0].isFloat, true);
    assert.equal(lits[1].isFloat, false);
  });

  it('ignores // and /* */ comments and template strings in TypeScript', () => {
    const ts = 'function f(x: number) { /* 4 */ const s = `x ${5}`; // 6\n  return x * 2.5; }';
    assert.deepEqual(findNumericLiterals(ts, 'typescript').map((l) => l.text), ['2.5']);
  });

  it('finds spaced binary operators only', () => {
    const code = 'def f(a, b):\n    if a < b:\n        return a + b\n    return -a - b';
    const sites = findOperatorSites(code, 'python');
    assert.deepEqual(sites.map((s) => `${s.text}->${s.replacement}`), ['<-><=', '+->-', '-->+']);
  });
});

describe('offline operator: perturbation', () => {
  it('keeps floats as floats and never changes sign', () => {
    const random = seededRandom(3);
    const lit = findNumericLiterals('x * 0.25', 'python')[0];
    for (let i = 0; i < 200; i++) {
      const text = perturbLiteral(lit, random);
      assert.match(text, /^\d+\.\d*(e[+-]?\d+)?$|^\d\.\d+e[+-]\d+$/);
      assert.ok(Number(text) >= 0);
    }
  });

  it('moves integers by whole steps scaled to magnitude', () => {
    const random = seededRandom(5);
    const small = findNumericLiterals('n = 3', 'python')[0];
    const big = findNumericLiterals('n = 1000', 'python')[0];
    const smallSteps = new Set<number>();
    let bigMax = 0;
    for (let i = 0; i < 100; i++) {
      smallSteps.add(Math.abs(Number(perturbLiteral(small, random)) - 3));
      bigMax = Math.max(bigMax, Math.abs(Number(perturbLiteral(big, random)) - 1000));
      assert.match(perturbLiteral(big, random), /^\d+$/);
    }
    assert.ok([...smallSteps].every((s) => s >= 1 && Number.isInteger(s)));
    assert.ok(bigMax > 10, `large integers move further (max step ${bigMax})`);
  });

  it('is reproducible for a seed and varies across seeds', () => {
    const a = offlineEdit(PY, 'python', 42);
    const b = offlineEdit(PY, 'python', 42);
    assert.deepEqual(a, b);
    const outputs = new Set<string>();
    for (let seed = 0; seed < 30; seed++) outputs.add(offlineEdit(PY, 'python', seed)?.code ?? '');
    assert.ok(outputs.size > 20, `expected variety, got ${outputs.size}`);
  });

  it('leaves docstrings, comments and strings untouched', () => {
    for (let seed = 0; seed < 50; seed++) {
      const edit = offlineEdit(PY, 'python', seed);
      assert.ok(edit);
      assert.ok(edit.code.includes('2.5 in a docstring'));
      assert.ok(edit.code.includes('# 7 in a comment'));
      assert.ok(edit.code.includes('"value 9"'));
    }
  });

  it('reports a clear error for a function with nothing to tune', async () => {
    const source = new OfflineMutationSource();
    const request: MutationRequest = {
      language: 'python', functionName: 'f', parentCode: 'def f(x):\n    return x', fileText: '', parentFeedback: '', parentScore: null, inspirations: [], seed: 1,
    };
    const proposal = await source.propose(request, new AbortController().signal);
    assert.equal(proposal.code, undefined);
    assert.match(proposal.error ?? '', /no numeric literals/);
  });
});
