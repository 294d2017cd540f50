// A run that finishes its budget (or fails) says so in a notification, with a button that opens
// its panel: the user may be in another file, or the panel may be hidden.
import * as vscode from 'vscode';
import type { RunManager } from './runManager';
import { notifiesWhenEnded, runFinishedMessage } from './runText';

export function registerRunFinishedNotice(runs: RunManager, open: (runId: string) => Thenable<unknown>): vscode.Disposable {
  return runs.onRunEvent(({ runId, event }) => {
    if (event.type !== 'run-status' || !notifiesWhenEnded(event.status)) return;
    const live = runs.liveSummary(runId);
    if (!live) return;
    const show = 'Show';
    const notify = event.status === 'failed' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void notify(runFinishedMessage({ ...live.summary, status: event.status }), show).then((choice) => {
      if (choice === show) void open(runId);
    });
  });
}
