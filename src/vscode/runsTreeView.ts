// The "Runs" view of the Genesis sidebar: every run of the workspace, newest first.
import * as vscode from 'vscode';
import type { RunSummary } from '../core/types';
import type { RunManager } from './runManager';
import { formatScore } from './format';
import { errorMessage, type Logger } from './log';

export const RUNS_VIEW_ID = 'genesis.runs';

export function runTreeItem(summary: RunSummary): vscode.TreeItem {
  const item = new vscode.TreeItem(`${summary.functionName} — ${summary.status}`, vscode.TreeItemCollapsibleState.None);
  item.id = summary.runId;
  item.description = `best ${formatScore(summary.bestScore)}`;
  item.tooltip = new vscode.MarkdownString(
    [
      `**${summary.functionName}** in \`${summary.relativePath}\``,
      `${summary.status}, ${summary.evaluations} / ${summary.budget} evaluations`,
      `baseline ${formatScore(summary.baselineScore)}, best ${formatScore(summary.bestScore)}`,
      `started ${new Date(summary.startedAt).toLocaleString()}`,
      `run id \`${summary.runId}\``,
    ].join('\n\n'),
  );
  item.iconPath = new vscode.ThemeIcon(
    summary.status === 'running' ? 'sync~spin' : summary.status === 'completed' ? 'pass' : summary.status === 'failed' ? 'error' : 'circle-outline',
  );
  item.contextValue = summary.status === 'running' ? 'genesisRun.running' : 'genesisRun';
  item.command = { title: 'Open Run', command: 'genesis.openRun', arguments: [summary.runId] };
  return item;
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunSummary>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.FileSystemWatcher[] = [];
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly runs: RunManager,
    private readonly log: Logger,
  ) {
    this.disposables.push(
      runs.onRunsChanged(() => this.refresh()),
      // Best scores change with node events; the tree only needs a repaint now and then.
      runs.onRunEvent(({ event }) => {
        if (event.type !== 'log') this.refreshSoon();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.watchRunsDirs()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('genesis.runsDirectory')) this.watchRunsDirs();
      }),
    );
    this.watchRunsDirs();
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const w of this.watchers) w.dispose();
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }

  refresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.changed.fire();
  }

  getTreeItem(summary: RunSummary): vscode.TreeItem {
    return runTreeItem(summary);
  }

  async getChildren(parent?: RunSummary): Promise<RunSummary[]> {
    if (parent) return [];
    try {
      return await this.runs.listRuns();
    } catch (error) {
      this.log.error(`Listing runs failed: ${errorMessage(error)}`);
      return [];
    }
  }

  private refreshSoon(): void {
    this.refreshTimer ??= setTimeout(() => this.refresh(), 500);
  }

  /** Runs written by another window or the CLI show up through these watchers. */
  private watchRunsDirs(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = this.runs.runsDirs().map((dir) => {
      // Run folders (a deleted run) and their logs (a new or growing run).
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '{*,*/events.jsonl}'));
      watcher.onDidCreate(() => this.refreshSoon());
      watcher.onDidChange(() => this.refreshSoon());
      watcher.onDidDelete(() => this.refreshSoon());
      return watcher;
    });
    this.refresh();
  }
}
