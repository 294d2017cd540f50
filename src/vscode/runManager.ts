// Holds the runs started in this window, starts new ones through the core, forwards their
// events, and reads stored runs. Every run failure ends up in the log, never as an unhandled
// rejection.
import * as vscode from 'vscode';
import { dirname, join } from 'node:path';
import { startRun } from '../core/session';
import type { EvolutionRun } from '../core/engine/run';
import { RunStore } from '../core/store/runStore';
import type { FunctionLocation, LanguageId, RunEvent, RunSummary } from '../core/types';
import type { ApiKeyStore } from './secrets';
import type { FunctionLocator } from './functionAtCursor';
import { errorMessage, type Logger } from './log';
import { readSettings, runsDirFor } from './settings';
import type { RunSnapshot } from './runSnapshot';

/** What the user chose in the evolve QuickPick (or a test passed through the API). */
export interface RunChoices {
  evaluatorCommand: string;
  models: string[];
  budget: number;
  concurrency?: number;
  seed?: number;
  timeoutSec?: number;
}

export interface StartRequest {
  document: vscode.TextDocument;
  language: LanguageId;
  location: FunctionLocation;
  choices: RunChoices;
}

interface LiveRun {
  run: EvolutionRun;
  runsDir: string;
  functionLine: number;
  finished: boolean;
}

export interface RunEventMessage {
  runId: string;
  event: RunEvent;
}

export class RunManager implements vscode.Disposable {
  private readonly live = new Map<string, LiveRun>();
  private readonly stores = new Map<string, RunStore>();
  private readonly eventEmitter = new vscode.EventEmitter<RunEventMessage>();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** Every event of every live run. */
  readonly onRunEvent = this.eventEmitter.event;
  /** A run started, ended or was deleted. */
  readonly onRunsChanged = this.changeEmitter.event;

  constructor(
    private readonly locator: FunctionLocator,
    private readonly keys: ApiKeyStore,
    private readonly log: Logger,
  ) {}

  dispose(): void {
    for (const { run, finished } of this.live.values()) if (!finished) run.stop();
    this.eventEmitter.dispose();
    this.changeEmitter.dispose();
  }

  /** Starts a run; throws an Error with a message fit for the user. */
  async start(request: StartRequest): Promise<{ runId: string; done: Promise<RunSummary> }> {
    const { document, language, location, choices } = request;
    if (document.uri.scheme !== 'file') throw new Error('Genesis: save the file first; runs need a file on disk.');
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    const workspaceRoot = folder?.uri.fsPath ?? dirname(document.uri.fsPath);
    const settings = readSettings(document.uri);
    const runsDir = runsDirFor(workspaceRoot, settings);
    const { run } = await startRun({
      workspaceRoot,
      filePath: document.uri.fsPath,
      fileText: document.getText(),
      language,
      functionName: location.name,
      functionStartLine: location.startLine,
      evaluatorCommand: choices.evaluatorCommand,
      models: choices.models,
      budget: choices.budget,
      concurrency: choices.concurrency ?? settings.concurrency,
      seed: choices.seed ?? settings.seed,
      timeoutSec: choices.timeoutSec ?? settings.timeoutSeconds,
      runsDir,
      treeSitter: this.locator.service(),
      apiKeyFor: (spec) => this.keys.keyFor(spec),
      sandbox: settings.sandbox,
      log: (level, message) => this.log.log(level, message),
    });
    const entry: LiveRun = { run, runsDir, functionLine: location.startLine, finished: false };
    this.live.set(run.runId, entry);
    // The session already sends the run's own log events to `log` above.
    const unsubscribe = run.onEvent((event) => this.eventEmitter.fire({ runId: run.runId, event }));
    this.log.info(
      `Run ${run.runId} started: ${location.name} in ${document.uri.fsPath}, evaluator "${choices.evaluatorCommand}", ` +
        `models ${choices.models.join(', ')}, budget ${choices.budget}.`,
    );
    this.changeEmitter.fire();
    const finish = (): void => {
      entry.finished = true;
      unsubscribe();
      this.changeEmitter.fire();
    };
    run.done.then(
      (summary) => {
        this.log.info(
          `Run ${run.runId} ${summary.status}: ${summary.evaluations}/${summary.budget} evaluations, ` +
            `baseline ${summary.baselineScore ?? '—'}, best ${summary.bestScore ?? '—'}.`,
        );
        finish();
      },
      (error: unknown) => {
        this.log.error(`Run ${run.runId} failed: ${errorMessage(error)}`);
        finish();
      },
    );
    return { runId: run.runId, done: run.done };
  }

  stop(runId: string): boolean {
    const entry = this.live.get(runId);
    if (!entry || entry.finished) return false;
    entry.run.stop();
    this.log.info(`Run ${runId} stop requested.`);
    return true;
  }

  /** The current summary of a run started in this window; undefined for stored-only runs. */
  liveSummary(runId: string): { summary: RunSummary; running: boolean } | undefined {
    const entry = this.live.get(runId);
    return entry ? { summary: entry.run.summary(), running: !entry.finished } : undefined;
  }

  /** Summaries of live runs that are still working, newest first. */
  runningSummaries(): RunSummary[] {
    return [...this.live.values()]
      .filter((e) => !e.finished)
      .map((e) => e.run.summary())
      .sort((a, b) => b.startedAt - a.startedAt);
  }

  /** Folders where this window's runs persist: one per workspace folder, plus live runs' folders. */
  runsDirs(): string[] {
    const dirs = new Set<string>();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      dirs.add(runsDirFor(folder.uri.fsPath, readSettings(folder.uri)));
    }
    for (const e of this.live.values()) dirs.add(e.runsDir);
    return [...dirs];
  }

  /** Every run: stored ones, with live summaries winning; newest first. */
  async listRuns(): Promise<RunSummary[]> {
    const byId = new Map<string, RunSummary>();
    for (const dir of this.runsDirs()) {
      try {
        for (const summary of await this.store(dir).list()) byId.set(summary.runId, summary);
      } catch (error) {
        this.log.warn(`Could not list runs in ${dir}: ${errorMessage(error)}`);
      }
    }
    for (const [runId, e] of this.live) byId.set(runId, e.run.summary());
    return [...byId.values()].sort((a, b) => b.startedAt - a.startedAt);
  }

  async snapshot(runId: string): Promise<RunSnapshot | undefined> {
    const entry = this.live.get(runId);
    if (entry) {
      return {
        summary: entry.run.summary(),
        config: entry.run.config,
        nodes: entry.run.nodes(),
        running: !entry.finished,
        functionLineHint: entry.functionLine,
      };
    }
    const dir = await this.storedRunDir(runId);
    if (!dir) return undefined;
    const loaded = await this.store(dir).load(runId);
    return { summary: loaded.summary, config: loaded.config, nodes: loaded.nodes, running: false };
  }

  async deleteRun(runId: string): Promise<void> {
    const entry = this.live.get(runId);
    if (entry && !entry.finished) {
      entry.run.stop();
      await entry.run.done.catch(() => undefined);
    }
    const dir = entry?.runsDir ?? (await this.storedRunDir(runId));
    this.live.delete(runId);
    if (dir) await this.store(dir).delete(runId);
    this.log.info(`Run ${runId} deleted.`);
    this.changeEmitter.fire();
  }

  private async storedRunDir(runId: string): Promise<string | undefined> {
    for (const dir of this.runsDirs()) {
      try {
        await vscode.workspace.fs.stat(vscode.Uri.file(join(dir, runId, 'events.jsonl')));
        return dir;
      } catch {
        // Not in this folder; try the next one.
      }
    }
    return undefined;
  }

  private store(dir: string): RunStore {
    let store = this.stores.get(dir);
    if (!store) {
      store = new RunStore(dir);
      this.stores.set(dir, store);
    }
    return store;
  }
}
