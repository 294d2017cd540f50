// Number formatting shared by the tree view, the status bar and the webview (no vscode import here).

/** A score with up to 4 significant decimals, or an em dash when there is none. */
export function formatScore(score: number | null | undefined): string {
  if (score === null || score === undefined || !Number.isFinite(score)) return '—';
  if (score !== 0 && Math.abs(score) < 1e-3) return score.toExponential(2);
  return String(Number(score.toFixed(4)));
}

/** A score for prose (notifications): a true minus sign. */
export function formatScoreText(score: number | null | undefined): string {
  return formatScore(score).replace(/^-/, '−');
}

/** A change of score with its sign ("+0.278", "−0.01"), or an em dash when one side is missing. */
export function formatGain(from: number | null | undefined, to: number | null | undefined): string {
  if (from === null || from === undefined || to === null || to === undefined || !Number.isFinite(from) || !Number.isFinite(to)) return '—';
  const delta = to - from;
  return delta >= 0 ? `+${formatScore(delta)}` : formatScoreText(delta);
}
