// Two small canvas charts: best and current score vs evaluations, and spending vs evaluations.
// Each has a text summary (its accessible name) since a canvas says nothing to a screen reader.
import { formatCost, formatScore } from '../src/core/util/format';
import { el, setText } from './dom';
import { axisRange, type EvaluationPoint } from './model';
import { readPalette, watchTheme, type Palette } from './theme';

const PAD = { left: 52, right: 10, top: 10, bottom: 22 };

interface Plot {
  canvas: HTMLCanvasElement;
  caption: HTMLElement;
  /** CSS size from the ResizeObserver (reading it from the DOM would force a layout). */
  cssWidth: number;
  cssHeight: number;
  width: number;
  height: number;
}

export class Charts {
  private readonly score: Plot;
  private readonly cost: Plot;
  private palette: Palette;
  private points: EvaluationPoint[] = [];

  constructor(root: HTMLElement) {
    this.score = this.plot(root, 'chart-score', 'Score vs evaluations');
    this.cost = this.plot(root, 'chart-cost', 'Cost vs evaluations');
    this.palette = readPalette();
    watchTheme(() => {
      this.palette = readPalette();
      this.draw();
    });
    const observer = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const plot = entry.target === this.score.canvas ? this.score : this.cost;
        plot.cssWidth = entry.contentRect.width;
        plot.cssHeight = entry.contentRect.height;
      }
      this.draw();
    });
    observer.observe(this.score.canvas);
    observer.observe(this.cost.canvas);
  }

  update(points: EvaluationPoint[]): void {
    this.points = points;
    this.draw();
  }

  private plot(root: HTMLElement, id: string, title: string): Plot {
    const figure = el('figure', { class: 'chart' });
    const canvas = el('canvas', { id, role: 'img', 'aria-label': title });
    const caption = el('figcaption', {}, title);
    figure.append(canvas, caption);
    root.append(figure);
    return { canvas, caption, cssWidth: 0, cssHeight: 0, width: 0, height: 0 };
  }

  private draw(): void {
    const points = this.points;
    const last = points[points.length - 1];
    const scored = points.filter((p) => p.score !== null);
    this.drawSeries(this.score, points, [
      { values: points.map((p) => p.score), color: this.palette.running, dots: true },
      { values: points.map((p) => p.best), color: this.palette.best, step: true },
    ], formatScore, false);
    const scoreText = last
      ? `Score vs evaluations: ${points.length} evaluations, ${scored.length} scored, best ${formatScore(last.best)}, last ${formatScore(last.score)}`
      : 'Score vs evaluations: no evaluation yet';
    setText(this.score.caption, scoreText);
    this.score.canvas.setAttribute('aria-label', scoreText);

    const spent = last !== undefined && last.costUsd > 0;
    const useTokens = !spent && last !== undefined && last.tokens > 0;
    this.drawSeries(this.cost, points, [{ values: points.map((p) => (useTokens ? p.tokens : p.costUsd)), color: this.palette.foreground }], useTokens ? (v) => String(Math.round(v)) : formatCost, true);
    const costText = !last
      ? 'Cost vs evaluations: no evaluation yet'
      : spent
        ? `Cost vs evaluations: ${formatCost(last.costUsd)} after ${points.length} evaluations`
        : useTokens
          ? `Tokens vs evaluations (no prices known): ${last.tokens} tokens after ${points.length} evaluations`
          : `Cost vs evaluations: nothing spent (the offline operator calls no model)`;
    setText(this.cost.caption, costText);
    this.cost.canvas.setAttribute('aria-label', costText);
  }

  private drawSeries(
    plot: Plot,
    points: EvaluationPoint[],
    series: { values: (number | null)[]; color: string; dots?: boolean; step?: boolean }[],
    format: (v: number) => string,
    nonNegative: boolean,
  ): void {
    if (plot.cssWidth === 0) return; // not laid out yet: the ResizeObserver draws it then
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(120, Math.round(plot.cssWidth));
    const height = Math.max(80, Math.round(plot.cssHeight));
    if (plot.width !== width || plot.height !== height) {
      plot.canvas.width = width * dpr;
      plot.canvas.height = height * dpr;
      plot.width = width;
      plot.height = height;
    }
    const ctx = plot.canvas.getContext('2d');
    if (!ctx) return;
    const p = this.palette;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = p.font.replace(/^[\d.]+px/, '10px');
    ctx.fillStyle = p.muted;
    ctx.strokeStyle = p.border;
    ctx.lineWidth = 1;
    const plotW = width - PAD.left - PAD.right;
    const plotH = height - PAD.top - PAD.bottom;
    ctx.strokeRect(PAD.left, PAD.top, plotW, plotH);
    const range = axisRange(series.flatMap((s) => s.values), nonNegative);
    if (!range) return;
    const { min, max } = range;
    const n = Math.max(1, points.length);
    const x = (i: number) => PAD.left + (n === 1 ? plotW / 2 : (i / (n - 1)) * plotW);
    const y = (v: number) => PAD.top + plotH - ((v - min) / (max - min)) * plotH;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    ctx.fillText(format(max), PAD.left - 4, PAD.top + 4);
    ctx.fillText(format(min), PAD.left - 4, PAD.top + plotH - 4);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText('1', PAD.left, PAD.top + plotH + 4);
    ctx.fillText(String(points.length), PAD.left + plotW, PAD.top + plotH + 4);
    ctx.fillText('evaluations', PAD.left + plotW / 2, PAD.top + plotH + 4);
    for (const s of series) {
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = 2;
      if (s.dots) {
        const dots = new Path2D();
        if (n > plotW) {
          // More evaluations than pixels: one bar per pixel column, from its lowest to highest score.
          const low = new Float64Array(Math.ceil(plotW) + 1).fill(Infinity);
          const high = new Float64Array(Math.ceil(plotW) + 1).fill(-Infinity);
          s.values.forEach((v, i) => {
            if (v === null) return;
            const column = Math.round(x(i) - PAD.left);
            if (v < low[column]!) low[column] = v;
            if (v > high[column]!) high[column] = v;
          });
          for (let c = 0; c < low.length; c++) {
            if (low[c] === Infinity) continue;
            dots.rect(PAD.left + c - 0.5, y(high[c]!) - 1, 1.5, Math.max(2, y(low[c]!) - y(high[c]!) + 2));
          }
        } else {
          const r = n > 200 ? 1.5 : 2.5;
          s.values.forEach((v, i) => {
            if (v === null) return;
            dots.moveTo(x(i) + r, y(v));
            dots.arc(x(i), y(v), r, 0, Math.PI * 2);
          });
        }
        ctx.fill(dots);
        continue;
      }
      const line = new Path2D();
      let started = false;
      let lastY = 0;
      s.values.forEach((v, i) => {
        if (v === null) return;
        if (!started) line.moveTo(x(i), y(v));
        else if (s.step) line.lineTo(x(i), lastY);
        line.lineTo(x(i), y(v));
        lastY = y(v);
        started = true;
      });
      ctx.stroke(line);
    }
  }
}
