// Where the search tree sits in its view when it is fitted: the zoom and the offsets. Pure, so
// that the choice (whole tree, or legible labels around the best node) is tested without a DOM.
import { COLUMN_WIDTH, LABEL_OFFSET, LABEL_WIDTH, labelFontPx, ROW_HEIGHT } from './treeLayout';

export const MIN_SCALE = 0.02;
export const MAX_SCALE = 3;
const PAD = 16;
const MAX_FIT_SCALE = 1.2;

export interface FitInput {
  viewWidth: number;
  viewHeight: number;
  /** layout.bounds() of the drawn tree. */
  treeWidth: number;
  treeHeight: number;
  /** The node to keep in view when the tree does not fit (the best), in layout coordinates. */
  focus: { x: number; y: number } | undefined;
  /** 'all': the whole drawing; 'readable': the whole drawing if its labels stay legible, else legible labels around `focus`. */
  mode: 'readable' | 'all';
}

export interface Fit {
  scale: number;
  tx: number;
  ty: number;
}

/** The smallest zoom at which labels are drawn. */
export function legibleScale(): number {
  let scale = 0.05;
  while (labelFontPx(scale) === 0 && scale < MAX_SCALE) scale = Math.round((scale + 0.01) * 100) / 100;
  return scale;
}

export function fitTree(input: FitInput): Fit {
  const { viewWidth, viewHeight, treeWidth, treeHeight, focus, mode } = input;
  const drawnWidth = treeWidth - COLUMN_WIDTH + LABEL_OFFSET + LABEL_WIDTH;
  const widthFit = (viewWidth - 2 * PAD) / drawnWidth;
  const heightFit = (viewHeight - 2 * PAD) / treeHeight;
  const all = clamp(Math.min(widthFit, heightFit, MAX_FIT_SCALE), MIN_SCALE, MAX_SCALE);
  let scale = all;
  // Rows that fit but are too low for text are no better than the whole tree: zoom in to legible labels.
  if (mode === 'readable' && labelFontPx(all) === 0) scale = clamp(Math.max(Math.min(heightFit, MAX_FIT_SCALE), legibleScale()), all, MAX_SCALE);

  const halfRow = (ROW_HEIGHT / 2) * scale;
  let ty = Math.max(PAD, (viewHeight - treeHeight * scale) / 2) + halfRow;
  if (treeHeight * scale > viewHeight - 2 * PAD && focus) {
    // Taller than the view: the focus row in the middle, without scrolling past either end.
    ty = clamp(viewHeight / 2 - focus.y * scale, viewHeight - PAD - treeHeight * scale + halfRow, PAD + halfRow);
  }
  let tx = PAD;
  if (drawnWidth * scale > viewWidth - 2 * PAD) {
    // Wider than the view: the focus (else the deepest column) stays in view, at the right.
    const right = ((focus?.x ?? treeWidth - COLUMN_WIDTH) + LABEL_OFFSET + LABEL_WIDTH) * scale;
    tx = Math.min(PAD, viewWidth - PAD - right);
  }
  return { scale, tx, ty };
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
