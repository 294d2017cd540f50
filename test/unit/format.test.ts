// The shared number formatting: each variant keeps the text its callers showed before the merge.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCost, formatCostCompact, formatGain, formatScore, formatScorePrecise, formatScoreText, formatWhyScore } from '../../src/core/util/format';

describe('shared formatting', () => {
  it('labels a score with up to 4 decimals, tiny ones in exponent form, none as an em dash', () => {
    assert.equal(formatScore(0.123456), '0.1235');
    assert.equal(formatScore(0.0001234), '1.23e-4');
    assert.equal(formatScore(null), '—');
    assert.equal(formatScoreText(-0.5), '−0.5');
    assert.equal(formatGain(1, 1.25), '+0.25');
    assert.equal(formatGain(1, 0.5), '−0.5');
  });
  it('writes why-line scores to 5 significant digits and "none" when unscored', () => {
    assert.equal(formatWhyScore(null), 'none');
    assert.equal(formatWhyScore(1.234567), '1.2346');
    assert.equal(formatWhyScore(12345), '1.235e+4');
  });
  it('writes precise scores to 6 significant digits, whole numbers exact only when asked', () => {
    assert.equal(formatScorePrecise(1.23456789), '1.23457');
    assert.equal(formatScorePrecise(1234567), '1234570');
    assert.equal(formatScorePrecise(1234567, true), '1234567');
  });
  it('keeps the status bar money text fixed-width and the webview text short', () => {
    assert.equal(formatCostCompact(0), '$0');
    assert.equal(formatCostCompact(0.0042), '$0.0042');
    assert.equal(formatCostCompact(1.254), '$1.25');
    assert.equal(formatCost(1.254), '$1.254');
    assert.equal(formatCost(-1), '−$1');
  });
});
