// The "Runs" view of the Genesis sidebar: every run of the workspace, newest first, each with
// its best candidates as children.
import * as vscode from 'vscode';
import type { RunSummary } from '../core/types';
import { acceptableCandidates } from './candidateRanking';
import { isResumableStatus, type RunManager } from './runManager';
import { formatScore } from '../core/util/format';
import { runRowDescription, runTooltipLines } from './runText';
import { errorMessage, type Logger } from './log';

export const RUNS_VIEW_ID = 'genesis.runs';
/** Best candidates listed under a run. */
const BEST_CANDIDATES = 5;

/** A best candidate under its run in the sidebar. */
export interface CandidateEntry {
  kind: 'candidate';
  runId: string;
  nodeId: string;
  rank: number;
  score: number | null;
  summary: string;
  model: string;
}

export type RunsTreeElement = RunSummary | CandidateEntry;

function isCandidate(element: RunsTreeElement): element is CandidateEntry {
  return (element as CandidateEntry).kind === 'candidate';
}

export function candidateTreeItem(entry: CandidateEntry): vscode.TreeItem {
  const item = new vscode.TreeItem(`#${entry.nodeId}  ${formatScore(entry.score)}`, vscode.TreeItemCollapsibleState.None);
  item.id = `${entry.runId}#${entry.nodeId}`;
  item.description = entry.summary;
  item.tooltip = `Candidate #${entry.nodeId}, rank ${entry.rank}, score ${formatScore(entry.score)}\n${entry.summary} · ${entry.model}\nClick to select it in the panel and show it in the editor.`;
  item.iconPath = new vscode.ThemeIcon(entry.rank === 1 ? 'star-full' : 'symbol-function');
  item.contextValue = 'genesisCandidate';
  item.command = { title: 'Show Candidate', command: 'genesis.showCandidate', arguments: [entry.runId, entry.nodeId] };
  return item;
}

export function runTreeItem(summary: RunSummary): vscode.TreeItem {
  // The status is the icon (and the hover): the row keeps room for when and how long.
  const item = new vscode.TreeItem(
    summary.functionName,
    summary.bestNodeId !== null ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
  item.id = summary.runId;
  // When and how long, short enough not to be cut off; the best candidates are the run's children
  // and everything else is in the hover.
  item.description = runRowDescription(summary);
  item.tooltip = new vscode.MarkdownString(runTooltipLines(summary).join('\n\n'));
  item.accessibilityInformation = { label: `${summary.functionName}, ${summary.status}, started ${runRowDescription(summary)}, best ${formatScore(summary.bestScore)}` };
  item.iconPath = new vscode.ThemeIcon(
    summary.status === 'running'
      ? 'sync~spin'
      : summary.status === 'paused'
        ? 'debug-pause'
        : summary.status === 'completed'
          ? 'pass'
          : summary.status === 'failed'
            ? 'error'
            : 'circle-outline',
  );
  item.contextValue =
    summary.status === 'running'
      ? 'genesisRun.running'
      : summary.status === 'paused'
        ? 'genesisRun.paused'
        : isResumableStatus(summary.status)
          ? 'genesisRun.resumable'
          : 'genesisRun';
  item.command = { title: 'Open Run', command: 'genesis.openRun', arguments: [summary.runId] };
  return item;
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsTreeElement>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.FileSystemWatcher[] = [];
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** Best candidates per run, valid while the run's updatedAt is unchanged. */
  private readonly bestCache = new Map<string, { updatedAt: number; entries: CandidateEntry[] }>();

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

  getTreeItem(element: RunsTreeElement): vscode.TreeItem {
    return isCandidate(element) ? candidateTreeItem(element) : runTreeItem(element);
  }

  async getChildren(parent?: RunsTreeElement): Promise<RunsTreeElement[]> {
    if (parent && isCandidate(parent)) return [];
    try {
      return parent ? await this.bestCandidates(parent) : await this.runs.listRuns();
    } catch (error) {
      this.log.error(`Listing runs failed: ${errorMessage(error)}`);
      return [];
    }
  }

  /** The run's best scored candidates, best first. */
  async bestCandidates(summary: RunSummary): Promise<CandidateEntry[]> {
    const cached = this.bestCache.get(summary.runId);
    if (cached && cached.updatedAt === summary.updatedAt) return cached.entries;
    const snapshot = await this.runs.snapshot(summary.runId);
    if (!snapshot) return [];
    const entries = acceptableCandidates(snapshot.nodes)
      .slice(0, BEST_CANDIDATES)
      .map((n, i): CandidateEntry => ({
        kind: 'candidate',
        runId: summary.runId,
        nodeId: n.id,
        rank: i + 1,
        score: n.score,
        summary: n.mutation?.summary ?? '',
        model: n.mutation?.model ?? n.sourceId ?? '',
      }));
    this.bestCache.set(summary.runId, { updatedAt: summary.updatedAt, entries });
    return entries;
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
