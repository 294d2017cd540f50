// "Which strategy produced the evaluations": a stacked-column chart of each strategy's share of
// the evaluated children, in windows over the run, with a legend and a text summary (the chart's
// accessible name). Shown when more than one strategy produced children (the adaptive strategy,
// repairs, "Mutate from here").
import type { NodeView } from '../src/protocol';
import { allocationWindows, strategyTallies } from '../src/core/search/allocation';
import { el, setText } from './dom';

const SVG = 'http://www.w3.org/2000/svg';
const WINDOWS = 20;
const WIDTH = 200;
const HEIGHT = 60;

/** One theme colour per strategy, stable across runs (VS Code's chart colours). */
const COLORS: Record<string, string> = {
  elitist: 'var(--vscode-charts-blue, #3794ff)',
  beam: 'var(--vscode-charts-green, #89d185)',
  'best-of-n': 'var(--vscode-charts-yellow, #cca700)',
  mcts: 'var(--vscode-charts-purple, #b180d7)',
  islands: 'var(--vscode-charts-orange, #d18616)',
  repair: 'var(--vscode-charts-red, #f14c4c)',
};
const OTHER = 'var(--vscode-descriptionForeground, #999999)';

export function strategyColor(strategy: string): string {
  return COLORS[strategy] ?? OTHER;
}

export class AllocationChart {
  private readonly figure: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly legend: HTMLElement;
  private readonly caption: HTMLElement;
  private lastKey = '';

  constructor(root: HTMLElement) {
    this.figure = el('figure', { class: 'chart allocation-chart', id: 'chart-allocation' });
    this.svg = document.createElementNS(SVG, 'svg');
    this.svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    this.svg.setAttribute('preserveAspectRatio', 'none');
    this.svg.setAttribute('role', 'img');
    this.svg.style.width = '100%';
    this.svg.style.height = '6rem';
    this.svg.style.display = 'block';
    this.legend = el('ul', { class: 'allocation-legend', 'aria-hidden': 'true' });
    this.legend.style.listStyle = 'none';
    this.legend.style.padding = '0';
    this.legend.style.margin = '0.2rem 0 0';
    this.legend.style.display = 'flex';
    this.legend.style.flexWrap = 'wrap';
    this.legend.style.gap = '0.2rem 0.8rem';
    this.caption = el('figcaption', {}, 'Strategy allocation over the run');
    this.figure.append(this.svg, this.legend, this.caption);
    this.figure.hidden = true;
    root.append(this.figure);
  }

  update(nodes: readonly NodeView[]): void {
    const tallies = strategyTallies(nodes).filter((t) => t.children > 0);
    const windows = allocationWindows(nodes, WINDOWS);
    const show = tallies.length > 1 && windows.length > 0 && windows[windows.length - 1].to > 0;
    this.figure.hidden = !show;
    if (!show) return;
    const key = JSON.stringify(windows);
    if (key === this.lastKey) return;
    this.lastKey = key;
    const order = tallies.map((t) => t.strategy);
    const columns: SVGElement[] = [];
    const step = WIDTH / windows.length;
    windows.forEach((w, i) => {
      const total = w.to - w.from + 1;
      let y = HEIGHT;
      for (const strategy of order) {
        const n = w.counts[strategy] ?? 0;
        if (n === 0) continue;
        const h = (HEIGHT * n) / total;
        y -= h;
        const rect = document.createElementNS(SVG, 'rect');
        rect.setAttribute('x', String(i * step));
        rect.setAttribute('y', String(y));
        rect.setAttribute('width', String(Math.max(0.5, step - 0.6)));
        rect.setAttribute('height', String(h));
        rect.style.fill = strategyColor(strategy);
        rect.dataset.strategy = strategy;
        const title = document.createElementNS(SVG, 'title');
        title.textContent = `evaluations ${w.from}–${w.to}: ${strategy} ${n} of ${total}`;
        rect.append(title);
        columns.push(rect);
      }
    });
    this.svg.replaceChildren(...columns);
    this.legend.replaceChildren(
      ...tallies.map((t) => {
        const swatch = el('span');
        swatch.style.display = 'inline-block';
        swatch.style.width = '0.7em';
        swatch.style.height = '0.7em';
        swatch.style.marginRight = '0.3em';
        swatch.style.background = strategyColor(t.strategy);
        const item = el('li', { 'data-strategy': t.strategy });
        item.append(swatch, `${t.strategy} ${t.evaluated} eval · ${t.newBests} best`);
        return item;
      }),
    );
    const first = windows[0];
    const last = windows[windows.length - 1];
    const lead = (w: (typeof windows)[number]) => {
      const [name, n] = Object.entries(w.counts).sort((a, b) => b[1] - a[1])[0] ?? ['none', 0];
      return `${name} ${Math.round((100 * n) / (w.to - w.from + 1))}%`;
    };
    const text = `Strategy allocation: first evaluations mostly ${lead(first)}, latest (${last.from}–${last.to}) mostly ${lead(last)}; new bests: ${tallies
      .filter((t) => t.newBests > 0)
      .map((t) => `${t.strategy} ${t.newBests}`)
      .join(', ') || 'none'}`;
    setText(this.caption, text);
    this.svg.setAttribute('aria-label', text);
  }
}
