// Hosts the Evolution panel: one WebviewPanel per run, strict CSP, typed messages, node
// updates batched so a fast run does not flood the webview, run controls forwarded to the
// RunManager, node details (prompt, reply, evaluator output) sent on demand.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import {
  isPanelState,
  isWebviewToHost,
  runDetailsOf,
  toNodeView,
  type HostToWebview,
  type DiffSide,
  type NodeView,
  type NoticeLevel,
  type WebviewToHost,
} from '../protocol';
import type { RunStatus } from '../core/types';
import type { RunEventMessage, RunManager } from './runManager';
import { errorMessage, type Logger } from './log';

export const EVOLUTION_VIEW_TYPE = 'genesis.evolution';
const FLUSH_MS = 100;

/** What the panel asks of the rest of the extension when the user clicks. */
export interface PanelActions {
  openDiff(runId: string, nodeId: string, against: DiffSide): Promise<void>;
  accept(runId: string, nodeId: string): Promise<void>;
  /** The selection changed in the panel: the editor shows that candidate inline. */
  select(runId: string, nodeId: string): Promise<void>;
  /** Show the candidate inline and reveal the file. */
  previewInline(runId: string, nodeId: string): Promise<void>;
  /** Continue the stored run. */
  resumeStored(runId: string): Promise<void>;
}

function isActive(status: RunStatus): boolean {
  return status === 'running' || status === 'paused';
}

class EvolutionPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly pendingNodes = new Map<string, NodeView>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private ready = false;
  /** Whether the run was live at the last init: a run resumed meanwhile needs a fresh init. */
  private initLive = false;
  /** A selection asked for while the webview was hidden, sent after the next init. */
  private pendingSelect: string | undefined;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly runId: string,
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunManager,
    private readonly actions: PanelActions,
    private readonly log: Logger,
    onDisposed: () => void,
  ) {
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'genesis.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      runs.onRunEvent((message) => this.onRunEvent(message)),
      runs.onRunsChanged(() => {
        if (this.ready && this.runs.liveSummary(this.runId)?.running === true && !this.initLive) void this.sendInit();
        else void this.postSummary();
      }),
      // A hidden webview is torn down; it says 'ready' again when shown and gets a fresh init.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => {
        this.dispose();
        onDisposed();
      }),
    );
  }

  dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  notice(level: NoticeLevel, message: string): void {
    this.post({ type: 'notice', level, message });
  }

  select(nodeId: string): void {
    if (this.ready) this.post({ type: 'select', nodeId });
    else this.pendingSelect = nodeId;
  }

  private post(message: HostToWebview): void {
    // A hidden webview (retainContextWhenHidden is off) drops messages; it asks again with 'ready'.
    if (!this.ready) return;
    void this.panel.webview.postMessage(message).then(undefined, (error: unknown) => {
      this.log.warn(`Panel message for run ${this.runId} not delivered: ${errorMessage(error)}`);
    });
  }

  private receive(message: unknown): void {
    if (!isWebviewToHost(message)) {
      this.log.warn(`Ignored a malformed message from the panel of run ${this.runId}.`);
      return;
    }
    this.handle(message).catch((error: unknown) => {
      this.log.error(`Panel action ${message.type} failed: ${errorMessage(error)}`);
      this.notice('error', `Genesis: ${errorMessage(error)}`);
    });
  }

  private async handle(message: WebviewToHost): Promise<void> {
    const { runs, runId } = this;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        await this.sendInit();
        return;
      case 'stop':
        if (!runs.stop(runId)) this.notice('info', 'Genesis: this run is not running.');
        return;
      case 'pause':
        if (runs.pause(runId)) this.notice('info', 'Genesis: pausing after the current round.');
        else this.notice('info', 'Genesis: this run is not running.');
        await this.postSummary();
        return;
      case 'resume':
        if (!runs.resume(runId)) this.notice('info', 'Genesis: this run is not paused.');
        await this.postSummary();
        return;
      case 'resumeRun':
        await this.actions.resumeStored(runId);
        return;
      case 'setBudget': {
        const budget = runs.setBudget(runId, message.budget);
        if (budget === undefined) this.notice('info', 'Genesis: this run is not running; its budget cannot change.');
        else this.notice('info', budget === message.budget ? `Genesis: budget set to ${budget} evaluations.` : `Genesis: budget set to ${budget} evaluations (not below what is spent or in flight).`);
        await this.postSummary();
        return;
      }
      case 'openDiff':
        await this.actions.openDiff(runId, message.nodeId, message.against ?? 'current');
        return;
      case 'accept':
        await this.actions.accept(runId, message.nodeId);
        return;
      case 'select':
        await this.actions.select(runId, message.nodeId);
        return;
      case 'previewInline':
        await this.actions.previewInline(runId, message.nodeId);
        return;
      case 'nodeDetails': {
        let details = null;
        let error: string | undefined;
        try {
          details = await runs.nodeDetails(runId, message.nodeId);
        } catch (e) {
          error = errorMessage(e);
        }
        this.post({ type: 'nodeDetails', requestId: message.requestId, nodeId: message.nodeId, details, ...(error ? { error } : {}) });
        return;
      }
      case 'evaluateNow': {
        this.notice('info', `Genesis: evaluating candidate #${message.nodeId}…`);
        const node = await runs.evaluateNow(runId, message.nodeId);
        this.notice(node.status === 'done' ? 'info' : 'warn', `Genesis: candidate #${node.id} ${node.status === 'done' ? `scored ${node.score}` : `${node.status}: ${node.reason ?? ''}`}`);
        return;
      }
      case 'mutateFrom':
        await runs.mutateFrom(runId, message.nodeId);
        this.notice('info', `Genesis: the next child will be made from candidate #${message.nodeId}.`);
        return;
    }
  }

  private async sendInit(): Promise<void> {
    const snapshot = await this.runs.snapshot(this.runId);
    if (!snapshot) {
      this.post({ type: 'notice', level: 'error', message: `Genesis: run ${this.runId} was not found (deleted?).` });
      return;
    }
    this.pendingNodes.clear();
    this.panel.title = `Genesis: ${snapshot.config.functionName}`;
    const running = snapshot.running && isActive(snapshot.summary.status);
    this.initLive = running;
    this.post({
      type: 'init',
      runId: this.runId,
      summary: snapshot.summary,
      details: runDetailsOf(snapshot.config, this.runs.runner(this.runId, snapshot.nodes)),
      nodes: snapshot.nodes.map(toNodeView),
      running,
      controls: await this.runs.controls(this.runId, snapshot.summary),
    });
    if (this.pendingSelect !== undefined) {
      this.post({ type: 'select', nodeId: this.pendingSelect });
      this.pendingSelect = undefined;
    }
  }

  private onRunEvent({ runId, event }: RunEventMessage): void {
    if (runId !== this.runId || !this.ready) return;
    switch (event.type) {
      case 'node-added':
      case 'node-updated':
        this.pendingNodes.set(event.node.id, toNodeView(event.node));
        this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
        return;
      case 'run-status':
        this.flush();
        this.post(event.message === undefined ? { type: 'status', status: event.status } : { type: 'status', status: event.status, message: event.message });
        if (event.message && event.status === 'failed') this.notice('error', event.message);
        return;
      case 'log':
        if (event.level === 'error') this.notice('error', event.message);
        return;
      case 'run-started':
      case 'run-resumed':
        void this.sendInit();
        return;
      default:
        return;
    }
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pendingNodes.size > 0) {
      this.post({ type: 'nodes', nodes: [...this.pendingNodes.values()] });
      this.pendingNodes.clear();
    }
    void this.postSummary();
  }

  /** Only live runs change; a stored run's panel got everything with init (controls may change). */
  private async postSummary(): Promise<void> {
    const live = this.runs.liveSummary(this.runId);
    if (live) {
      const controls = await this.runs.controls(this.runId, live.summary);
      this.post({ type: 'summary', summary: live.summary, running: live.running && isActive(live.summary.status), controls });
    }
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js'));
    const css = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css'));
    const csp = [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css.toString()}">
<title>Genesis</title>
</head>
<body data-run-id="${encodeURIComponent(this.runId)}">
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }
}

/** All open Evolution panels, one per run. */
export class EvolutionPanels implements vscode.Disposable {
  private readonly panels = new Map<string, EvolutionPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunManager,
    private readonly actions: PanelActions,
    private readonly log: Logger,
  ) {}

  dispose(): void {
    for (const p of [...this.panels.values()]) p.panel.dispose();
  }

  /** Reveals the run's panel, creating it beside the editor when needed. */
  open(runId: string, functionName?: string): void {
    const existing = this.panels.get(runId);
    if (existing) {
      existing.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      EVOLUTION_VIEW_TYPE,
      functionName ? `Genesis: ${functionName}` : 'Genesis',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, enableFindWidget: true, retainContextWhenHidden: false },
    );
    this.attach(panel, runId);
  }

  close(runId: string): void {
    this.panels.get(runId)?.panel.dispose();
  }

  notice(runId: string, level: NoticeLevel, message: string): boolean {
    const panel = this.panels.get(runId);
    panel?.notice(level, message);
    return panel !== undefined;
  }

  /** Moves the panel's selection (when the run's panel is open). */
  select(runId: string, nodeId: string): void {
    this.panels.get(runId)?.select(nodeId);
  }

  isOpen(runId: string): boolean {
    return this.panels.has(runId);
  }

  /** Re-attaches a panel VS Code restored after a reload (its webview state names the run). */
  serializer(): vscode.WebviewPanelSerializer<unknown> {
    return {
      deserializeWebviewPanel: async (panel, state) => {
        if (!isPanelState(state)) {
          panel.dispose();
          return;
        }
        this.attach(panel, state.runId);
      },
    };
  }

  private attach(panel: vscode.WebviewPanel, runId: string): void {
    const host = new EvolutionPanel(panel, runId, this.extensionUri, this.runs, this.actions, this.log, () => {
      if (this.panels.get(runId) === host) this.panels.delete(runId);
    });
    this.panels.set(runId, host);
  }
}
