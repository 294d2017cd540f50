// Colours for the canvas views, read from VS Code's theme variables (light, dark and high
// contrast all set them). Re-read when the theme changes (VS Code swaps the body's class).

export interface Palette {
  foreground: string;
  muted: string;
  background: string;
  border: string;
  focus: string;
  best: string;
  failed: string;
  running: string;
  skipped: string;
  /** Low → high score: red, yellow, green. */
  low: [number, number, number];
  mid: [number, number, number];
  high: [number, number, number];
  highContrast: boolean;
  font: string;
}

function rgbOf(color: string): [number, number, number] {
  const m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(color);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [128, 128, 128];
}

/** Resolves `var(--name, fallback)` to a computed colour through a hidden probe element. */
function resolver(): (expression: string) => string {
  const probe = document.createElement('span');
  probe.style.display = 'none';
  document.body.append(probe);
  return (expression) => {
    probe.style.color = '';
    probe.style.color = expression;
    return getComputedStyle(probe).color;
  };
}

export function readPalette(): Palette {
  const resolve = resolver();
  const css = getComputedStyle(document.body);
  const palette: Palette = {
    foreground: resolve('var(--vscode-foreground, #cccccc)'),
    muted: resolve('var(--vscode-descriptionForeground, #999999)'),
    background: resolve('var(--vscode-editor-background, #1e1e1e)'),
    border: resolve('var(--vscode-panel-border, var(--vscode-widget-border, #80808066))'),
    focus: resolve('var(--vscode-focusBorder, #007fd4)'),
    best: resolve('var(--vscode-charts-green, #89d185)'),
    failed: resolve('var(--vscode-errorForeground, #f48771)'),
    running: resolve('var(--vscode-charts-blue, #3794ff)'),
    skipped: resolve('var(--vscode-disabledForeground, #808080)'),
    low: rgbOf(resolve('var(--vscode-charts-red, #f14c4c)')),
    mid: rgbOf(resolve('var(--vscode-charts-yellow, #cca700)')),
    high: rgbOf(resolve('var(--vscode-charts-green, #89d185)')),
    highContrast: document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light'),
    font: `${css.getPropertyValue('--vscode-font-size').trim() || '13px'} ${css.getPropertyValue('--vscode-font-family').trim() || 'sans-serif'}`,
  };
  return palette;
}

/** Colour of a score in [0, 1] (0 worst of the run, 1 best). */
export function scoreColor(palette: Palette, t: number): string {
  const clamped = Math.min(1, Math.max(0, t));
  const [a, b, u] = clamped < 0.5 ? [palette.low, palette.mid, clamped * 2] : [palette.mid, palette.high, (clamped - 0.5) * 2];
  const mix = (i: number) => Math.round(a[i]! + (b[i]! - a[i]!) * u);
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`;
}

/** Calls `onChange` when VS Code switches theme (the body's class list changes). */
export function watchTheme(onChange: () => void): void {
  new MutationObserver(() => onChange()).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
}
