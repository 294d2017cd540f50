// Number formatting shared by the tree view, the status bar and the webview (no vscode import here).

/** A score with up to 4 significant decimals, or an em dash when there is none. */
export function formatScore(score: number | null | undefined): string {
  if (score === null || score === undefined || !Number.isFinite(score)) return '—';
  if (score !== 0 && Math.abs(score) < 1e-3) return score.toExponential(2);
  return String(Number(score.toFixed(4)));
}
