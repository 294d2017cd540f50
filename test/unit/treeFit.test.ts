// Fitting the search tree to its view (webview/treeFit.ts): a tree too big to show whole with
// legible labels is zoomed to legible labels with the best node in view, never clipped away.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitTree, legibleScale } from '../../webview/treeFit';
import { COLUMN_WIDTH, labelFontPx, ROW_HEIGHT } from '../../webview/treeLayout';

describe('fitTree', () => {
  it('shows a small tree whole, labels drawn', () => {
    const fit = fitTree({ viewWidth: 600, viewHeight: 300, treeWidth: 3 * COLUMN_WIDTH, treeHeight: 5 * ROW_HEIGHT, focus: { x: 2 * COLUMN_WIDTH, y: 0 }, mode: 'readable' });
    assert.ok(labelFontPx(fit.scale) > 0, `labels at ${fit.scale}`);
    assert.equal(fit.tx, 16);
  });

  it('readable: a tree too tall and too wide for legible labels is zoomed to legible labels around the best node', () => {
    // 30 rows and 9 columns in a 600 × 300 view (the panel's tree in the README screenshot).
    const best = { x: 8 * COLUMN_WIDTH, y: 20 * ROW_HEIGHT };
    const fit = fitTree({ viewWidth: 600, viewHeight: 300, treeWidth: 9 * COLUMN_WIDTH, treeHeight: 30 * ROW_HEIGHT, focus: best, mode: 'readable' });
    assert.ok(labelFontPx(fit.scale) > 0, `labels are drawn at the fitted zoom ${fit.scale}`);
    const sx = best.x * fit.scale + fit.tx;
    const sy = best.y * fit.scale + fit.ty;
    assert.ok(sx > 0 && sx < 600, `the best node is in view horizontally (${sx})`);
    assert.ok(sy > 0 && sy < 300, `the best node is in view vertically (${sy})`);
  });

  it('readable: a tall tree never scrolls past its first or last row', () => {
    const top = fitTree({ viewWidth: 600, viewHeight: 300, treeWidth: 2 * COLUMN_WIDTH, treeHeight: 40 * ROW_HEIGHT, focus: { x: 0, y: 0 }, mode: 'readable' });
    assert.ok(top.ty <= 16 + ROW_HEIGHT * top.scale, `the first row is not pushed down (${top.ty})`);
    const bottom = fitTree({ viewWidth: 600, viewHeight: 300, treeWidth: 2 * COLUMN_WIDTH, treeHeight: 40 * ROW_HEIGHT, focus: { x: 0, y: 39 * ROW_HEIGHT }, mode: 'readable' });
    const lastRow = 39 * ROW_HEIGHT * bottom.scale + bottom.ty;
    assert.ok(lastRow < 300 && lastRow > 300 - 16 - ROW_HEIGHT * bottom.scale, `the last row sits at the bottom (${lastRow})`);
  });

  it("'all' shows the whole tree even when its labels are too small", () => {
    const fit = fitTree({ viewWidth: 600, viewHeight: 300, treeWidth: 9 * COLUMN_WIDTH, treeHeight: 30 * ROW_HEIGHT, focus: undefined, mode: 'all' });
    assert.ok(fit.scale < legibleScale());
    assert.ok(30 * ROW_HEIGHT * fit.scale <= 300);
  });

  it('legibleScale is the first zoom with labels', () => {
    assert.ok(labelFontPx(legibleScale()) > 0);
    assert.equal(labelFontPx(legibleScale() - 0.01), 0);
  });
});
