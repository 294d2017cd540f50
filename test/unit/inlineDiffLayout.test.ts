// The inline diff drawn over a function in the editor: word-level edits, whole-line removals and
// replacements, pure insertions, and the one-line text of added lines.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { CandidateNode } from '../../src/core/types';
import { nextCandidate, previousCandidate } from '../../src/vscode/candidateRanking';
import { addedLinesText, layoutInlineDiff } from '../../src/vscode/inlineDiffLayout';

const ORIGINAL = ['def approx_exp(x):', '    y = 1.0 + x', '    return 1.0 + 0.9 * x'].join('\n');

describe('layoutInlineDiff', () => {
  it('draws a tuned literal as a word edit on its own line', () => {
    const layout = layoutInlineDiff(ORIGINAL, ORIGINAL.replace('0.9 * x', '0.93 * x'));
    assert.equal(layout.addedLines, 1);
    assert.equal(layout.removedLines, 1);
    assert.equal(layout.rows.length, 1);
    const row = layout.rows[0]!;
    assert.equal(row.kind, 'modified');
    assert.equal(row.line, 2);
    const oldLine = '    return 1.0 + 0.9 * x';
    assert.deepEqual(row.struck.map((r) => oldLine.slice(r.start, r.end)), ['0.9'], 'a number is one token');
    assert.deepEqual(row.insertions, [{ column: oldLine.indexOf('0.9') + 3, text: '0.93' }], 'the new number follows the struck one');
    assert.deepEqual(row.addedAfter, []);
  });

  it('strikes a rewritten line whole and shows its replacement after it', () => {
    const layout = layoutInlineDiff(ORIGINAL, ORIGINAL.replace('    y = 1.0 + x', '    z = math.exp(x) if x < 0 else 2'));
    const row = layout.rows[0]!;
    assert.equal(row.kind, 'removed');
    assert.equal(row.line, 1);
    assert.deepEqual(row.struck, [{ start: 4, end: '    y = 1.0 + x'.length }]);
    assert.deepEqual(row.addedAfter, ['    z = math.exp(x) if x < 0 else 2']);
  });

  it('puts added lines after the line above them, and extra removed lines struck', () => {
    const inserted = layoutInlineDiff(ORIGINAL, ORIGINAL.replace('    y = 1.0 + x\n', '    y = 1.0 + x\n    y *= 2\n    y += 1\n'));
    assert.deepEqual(inserted.rows, [{ line: 1, kind: 'anchor', struck: [], insertions: [], addedAfter: ['    y *= 2', '    y += 1'] }]);
    assert.equal(inserted.addedLines, 2);
    assert.equal(inserted.removedLines, 0);

    const dropped = layoutInlineDiff(ORIGINAL, ORIGINAL.replace('    y = 1.0 + x\n', ''));
    assert.equal(dropped.rows.length, 1);
    assert.equal(dropped.rows[0]!.kind, 'removed');
    assert.equal(dropped.rows[0]!.line, 1);
    assert.equal(dropped.removedLines, 1);
  });

  it('keeps line numbers right across several hunks and CRLF text', () => {
    const crlf = ORIGINAL.replace(/\n/g, '\r\n');
    const layout = layoutInlineDiff(crlf, ORIGINAL.replace('1.0 + x', '2.0 + x').replace('0.9 * x', '0.8 * x'));
    assert.deepEqual(layout.rows.map((r) => [r.line, r.kind]), [[1, 'modified'], [2, 'modified']]);
  });

  it('draws several tuned literals on one line as word edits', () => {
    const oldLine = '    return 1.0 + 0.9 * x + 0.4 * x * x + 0.1 * x * x * x';
    const newLine = '    return 1.0313 + 1.0371 * x + 0.48941 * x * x + 0.11348 * x * x * x';
    const row = layoutInlineDiff(oldLine, newLine).rows[0]!;
    assert.equal(row.kind, 'modified');
    assert.deepEqual(row.struck.map((r) => oldLine.slice(r.start, r.end)), ['1.0', '0.9', '0.4', '0.1']);
    assert.deepEqual(row.insertions.map((i) => i.text), ['1.0313', '1.0371', '0.48941', '0.11348']);
  });

  it('is empty for an identical candidate', () => {
    assert.deepEqual(layoutInlineDiff(ORIGINAL, ORIGINAL), { rows: [], addedLines: 0, removedLines: 0 });
  });
});

describe('addedLinesText', () => {
  it('joins trimmed lines and says how many more there are past the cap', () => {
    assert.equal(addedLinesText(['    a = 1', '    b = 2']), 'a = 1  ⏎  b = 2');
    const long = Array.from({ length: 30 }, (_, i) => `    value_${i} = compute(${i})`);
    const text = addedLinesText(long, 80);
    assert.match(text, /… \+\d+ more lines \(Open Diff\)$/);
    assert.ok(text.length < 140, text);
  });
});

describe('previousCandidate', () => {
  it('walks the ranking backwards, wraps, and skips rejected candidates', () => {
    const nodes = ['1', '2', '3'].map((id) => ({ id }) as CandidateNode);
    assert.equal(previousCandidate(nodes, '2', new Set())?.id, '1');
    assert.equal(previousCandidate(nodes, '1', new Set())?.id, '3');
    assert.equal(previousCandidate(nodes, '3', new Set(['2']))?.id, '1');
    assert.equal(nextCandidate(nodes, previousCandidate(nodes, '2', new Set())?.id, new Set())?.id, '2');
  });
});
