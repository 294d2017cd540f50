// "$(beaker) Genesis: N/B · best S · $C" for the newest running run; hidden when nothing runs.
import * as vscode from 'vscode';
import type { RunManager } from './runManager';
import { formatCostCompact, formatScore } from '../core/util/format';

export function registerRunStatusBar(runs: RunManager): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('genesis.runStatus', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Genesis run';
  let pending: ReturnType<typeof setTimeout> | undefined;

  const update = (): void => {
    pending = undefined;
    const running = runs.runningSummaries();
    const newest = running[0];
    if (!newest) {
      item.hide();
      return;
    }
    const more = running.length > 1 ? ` (+${running.length - 1})` : '';
    const icon = newest.status === 'paused' ? '$(debug-pause)' : '$(beaker)';
    item.text = `${icon} Genesis: ${newest.evaluations}/${newest.budget} · best ${formatScore(newest.bestScore)} · ${formatCostCompact(newest.costUsd)}${more}`;
    const percent = newest.budget > 0 ? Math.round((100 * newest.evaluations) / newest.budget) : 0;
    item.tooltip =
      `Genesis is evolving ${newest.functionName} (${newest.relativePath}): ${newest.status}, ${percent}% of the budget, ` +
      `baseline ${formatScore(newest.baselineScore)}, best ${formatScore(newest.bestScore)}, ${newest.tokens} tokens, ${formatCostCompact(newest.costUsd)}. Click to open the run.`;
    item.command = { title: 'Open run', command: 'genesis.openRun', arguments: [newest.runId] };
    item.show();
  };
  // Node events arrive in bursts; one repaint per 200 ms is plenty.
  const schedule = (): void => {
    pending ??= setTimeout(update, 200);
  };

  const subscriptions = [runs.onRunEvent(schedule), runs.onRunsChanged(update)];
  return new vscode.Disposable(() => {
    if (pending) clearTimeout(pending);
    for (const s of subscriptions) s.dispose();
    item.dispose();
  });
}
