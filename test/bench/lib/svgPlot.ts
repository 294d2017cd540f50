// A dependency-free SVG line plot: median best score vs evaluations per strategy, with the
// interquartile range over seeds as a band. Enough for the README; no axis library needed.

export interface PlotSeries {
  label: string;
  /** x = evaluations (1-based index), one value per evaluation. */
  median: number[];
  q1: number[];
  q3: number[];
  emphasis?: boolean;
}

export interface PlotSpec {
  title: string;
  yLabel: string;
  series: PlotSeries[];
  /** A horizontal reference line (e.g. random search's final median). */
  reference?: { y: number; label: string };
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#7f7f7f', '#17becf', '#bcbd22'];
const W = 720;
const H = 420;
const M = { left: 70, right: 170, top: 36, bottom: 48 };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || 1;
  const step0 = span / count;
  const magnitude = Math.pow(10, Math.floor(Math.log10(step0)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => span / s <= count) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-12; t += step) ticks.push(Number(t.toPrecision(10)));
  return ticks;
}

export function renderPlot(spec: PlotSpec): string {
  const finite = (v: number) => Number.isFinite(v);
  const length = Math.max(...spec.series.map((s) => s.median.length));
  // Start the y range at the first finite medians so the baseline does not squash the curves.
  const values = spec.series.flatMap((s) => [...s.q1, ...s.q3, ...s.median]).filter(finite);
  if (spec.reference) values.push(spec.reference.y);
  let yLo = Math.min(...values);
  let yHi = Math.max(...values);
  const pad = (yHi - yLo) * 0.05 || 1;
  yLo -= pad;
  yHi += pad;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (i: number) => M.left + (plotW * i) / Math.max(1, length);
  const y = (v: number) => M.top + plotH * (1 - (v - yLo) / (yHi - yLo));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${M.left}" y="20" font-size="14" font-weight="bold">${escapeXml(spec.title)}</text>`);
  for (const t of niceTicks(yLo, yHi, 6)) {
    out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`);
  }
  for (const t of niceTicks(0, length, 8)) {
    out.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${M.top + plotH}" y2="${M.top + plotH + 4}" stroke="#333"/>`);
    out.push(`<text x="${x(t).toFixed(1)}" y="${M.top + plotH + 18}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${M.left + plotW / 2}" y="${H - 10}" text-anchor="middle">evaluations</text>`);
  out.push(`<text transform="translate(16 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);
  const clampY = (v: number) => y(Math.min(yHi, Math.max(yLo, v)));
  spec.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length];
    const pts = (arr: number[]) => arr.map((v, i) => (finite(v) ? `${x(i + 1).toFixed(1)},${clampY(v).toFixed(1)}` : '')).filter(Boolean);
    const band = [...pts(s.q3), ...pts(s.q1).reverse()];
    if (band.length > 2) out.push(`<polygon points="${band.join(' ')}" fill="${color}" fill-opacity="0.12" stroke="none"/>`);
    out.push(`<polyline points="${pts(s.median).join(' ')}" fill="none" stroke="${color}" stroke-width="${s.emphasis ? 2.6 : 1.4}"/>`);
    const ly = M.top + 14 + k * 18;
    out.push(`<line x1="${M.left + plotW + 12}" x2="${M.left + plotW + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="${s.emphasis ? 2.6 : 1.4}"/>`);
    out.push(`<text x="${M.left + plotW + 36}" y="${ly}">${escapeXml(s.label)}</text>`);
  });
  if (spec.reference) {
    const ry = y(spec.reference.y).toFixed(1);
    out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${ry}" y2="${ry}" stroke="#000" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${M.left + 4}" y="${Number(ry) - 4}" font-size="11">${escapeXml(spec.reference.label)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
