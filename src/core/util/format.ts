// Number formatting shared by the engine's texts, the tree view, the status bar and the webview.
// Pure (no vscode, no node:), so the webview may import it. Variants differ on purpose: a label
// wants few digits, a prompt or a stage reason wants enough to tell two scores apart.

/** A score label with up to 4 decimals, or an em dash when there is none. */
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

/** Short score text for a strategy's `why` line: 5 significant digits, exponent for very large or small. */
export function formatWhyScore(score: number | null): string {
  if (score === null) return 'none';
  return Math.abs(score) >= 1000 || (score !== 0 && Math.abs(score) < 0.001) ? score.toExponential(3) : String(Number(score.toPrecision(5)));
}

/** A score to 6 significant digits (prompts, stage reasons); `exactIntegers` keeps whole numbers as they are. */
export function formatScorePrecise(score: number, exactIntegers = false): string {
  return exactIntegers && Number.isInteger(score) ? String(score) : String(Number(score.toPrecision(6)));
}

/** "$0.0123" / "$0" / "—" for money (webview labels). */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return '—';
  if (usd === 0) return '$0';
  if (usd < 0) return `−${formatCost(-usd)}`;
  if (usd < 0.0001) return `$${usd.toExponential(1)}`;
  return `$${Number(usd.toFixed(4))}`;
}

/** Money in a fixed-width status bar: "$0", "$0.0042", "$1.25". */
export function formatCostCompact(usd: number): string {
  return usd === 0 ? '$0' : usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}
