// Holds the runs started (or resumed) in this window, starts new ones through the core, forwards
// their events, controls them (pause, resume, stop, budget, evaluate now, mutate from here), and
// reads stored runs. Every run failure ends up in the log, never as an unhandled rejection.
import * as vscode from 'vscode';
import { sandboxForRun } from './sandboxConsent';
import { UNTRUSTED_MESSAGE } from './evolveCommand';
import { dirname, join } from 'node:path';
import { resumeRun, startRun, type RunEnvironment, type StartedRun, type StartRunOptions } from '../core/session';
import type { EvolutionRun } from '../core/engine/run';
import { functionDiff } from '../core/mutate/functionDiff';
import { exportRunsToFiles, type ExportStats } from '../core/store/exportRuns';
import { RunStore } from '../core/store/runStore';
import type { CandidateNode, FunctionLocation, LanguageId, RunEvent, RunSummary } from '../core/types';
import type { NodeDetails, RunControls, RunnerView } from '../protocol';
import type { ApiKeyStore } from './secrets';
import type { FunctionLocator } from './functionAtCursor';
import { errorMessage, type Logger } from './log';
import { readSettings, runsDirFor, type GenesisSettings } from './settings';
import { buildExtraPrmScorers } from './prmScorers';
import { languageModelApi, vscodeLmSourceFor } from './vscodeLmSource';
import { rootOf, type RunSnapshot } from './runSnapshot';
import { sourceEncodingProblem } from './sourceEncoding';
import { confirmStoredCommands } from './storedCommandConfirm';

/** What the user chose in the evolve QuickPick (or a test passed through the API). */
export interface RunChoices {
  evaluatorCommand: string;
  models: string[];
  budget: number;
  concurrency?: number;
  seed?: number;
  timeoutSec?: number;
  /** Search strategy (default: the setting). */
  strategy?: string;
  /** Cost budget in USD, 0 = none (default: the setting). */
  budgetUsd?: number;
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
  runner: { sandboxed: boolean; description: string };
}

export interface RunEventMessage {
  runId: string;
  event: RunEvent;
}

/** The engine hook "Mutate from here" needs (not in the engine yet; used when it appears). */
interface MutateFromHook {
  mutateFrom?: (nodeId: string) => unknown;
}

/** A stored run whose status allows it to continue. */
export function isResumableStatus(status: RunSummary['status']): boolean {
  return status === 'stopped' || status === 'interrupted' || status === 'failed';
}

export class RunManager implements vscode.Disposable {
  private readonly live = new Map<string, LiveRun>();
  private readonly stores = new Map<string, RunStore>();
  /** Stored runs read from disk, reused while their log is unchanged (the inspector asks often). */
  private readonly storedCache = new Map<string, { mtime: number; size: number; snapshot: RunSnapshot }>();
  private readonly eventEmitter = new vscode.EventEmitter<RunEventMessage>();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** Every event of every live run. */
  readonly onRunEvent = this.eventEmitter.event;
  /** A run started, ended, resumed or was deleted. */
  readonly onRunsChanged = this.changeEmitter.event;

  constructor(
    private readonly locator: FunctionLocator,
    private readonly keys: ApiKeyStore,
    private readonly log: Logger,
    /** Where the consent to run unsandboxed is kept (sandboxConsent.ts). */
    private readonly workspaceState?: vscode.Memento,
  ) {}

  dispose(): void {
    for (const { run, finished } of this.live.values()) if (!finished) run.stop();
    this.eventEmitter.dispose();
    this.changeEmitter.dispose();
  }

  /** Starts a run; throws an Error with a message fit for the user. */
  async start(request: StartRequest): Promise<{ runId: string; done: Promise<RunSummary> }> {
    requireTrust();
    const { document, language, location, choices } = request;
    if (document.uri.scheme !== 'file') throw new Error('Genesis: save the file first; runs need a file on disk.');
    const encodingProblem = await sourceEncodingProblem(document.uri);
    if (encodingProblem) throw new Error(`Genesis: ${encodingProblem}`);
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    const workspaceRoot = folder?.uri.fsPath ?? dirname(document.uri.fsPath);
    const settings = readSettings(document.uri);
    if (settings.runnerError) throw new Error(`Genesis: genesis.runners / genesis.stages: ${settings.runnerError}`);
    const runsDir = runsDirFor(workspaceRoot, settings);
    const budgetUsd = choices.budgetUsd ?? settings.budgetUsd;
    // Typed as a variable: mutationMix and repair reach RunConfig once StartRunOptions carries them.
    const options: StartRunOptions & { mutationMix: GenesisSettings['mutationMix']; repair: boolean } = {
      ...(await this.modelEnvironment(settings)),
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
      strategy: choices.strategy ?? settings.strategy,
      ...(Object.keys(settings.strategyOptions).length > 0 ? { strategyOptions: settings.strategyOptions } : {}),
      ...(budgetUsd > 0 ? { budgetUsd } : {}),
      ...(settings.budgetTokens > 0 ? { budgetTokens: settings.budgetTokens } : {}),
      mutationMix: settings.mutationMix,
      repair: settings.repair,
      runsDir,
      treeSitter: this.locator.service(),
      sandbox: await sandboxForRun(settings.sandbox, this.workspaceState),
      runners: settings.runners,
      ...(settings.stages.length > 0 ? { stages: settings.stages } : {}),
      log: (level, message) => this.log.log(level, message),
    };
    const started = await startRun(options);
    const limits = [`${choices.budget} evaluations`, ...(budgetUsd > 0 ? [`$${budgetUsd}`] : []), ...(settings.budgetTokens > 0 ? [`${settings.budgetTokens} tokens`] : [])];
    this.log.info(
      `Run ${started.run.runId} started: ${location.name} in ${document.uri.fsPath}, evaluator "${choices.evaluatorCommand}", ` +
        `models ${choices.models.join(', ')}, strategy ${options.strategy}, budget ${limits.join(' / ')}.`,
    );
    return this.track(started, runsDir, location.startLine);
  }

  /** Continues a stored run (stopped, interrupted, failed) under its own id; throws a user-fit Error. */
  async resumeStored(runId: string, budget?: number): Promise<{ runId: string; done: Promise<RunSummary> }> {
    requireTrust();
    const entry = this.live.get(runId);
    if (entry && !entry.finished) throw new Error(`Genesis: run ${runId} is already running.`);
    const dir = entry?.runsDir ?? (await this.storedRunDir(runId));
    if (!dir) throw new Error(`Genesis: run ${runId} was not found.`);
    this.storedCache.delete(runId);
    // Another process (the CLI, another window) writing the run: say who, before anything else.
    this.store(dir).assertNoOtherWriter(runId);
    const stored = await this.store(dir).load(runId);
    if (!isResumableStatus(stored.summary.status)) throw new Error(`Genesis: run ${runId} is ${stored.summary.status}; only stopped, interrupted or failed runs can be resumed.`);
    const settings = readSettings(vscode.Uri.file(stored.config.filePath));
    if (settings.runnerError && (stored.config.runner || stored.config.stages)) throw new Error(`Genesis: genesis.runners / genesis.stages: ${settings.runnerError}`);
    if (!(await confirmStoredCommands('Resume', runId, stored.config, settings))) throw new Error(`Genesis: run ${runId} was not resumed: its stored command differs from the settings.`);
    const started = await resumeRun({
      runId,
      runsDir: dir,
      ...(budget !== undefined ? { budget } : {}),
      ...(await this.modelEnvironment(settings)),
      treeSitter: this.locator.service(),
      sandbox: await sandboxForRun(settings.sandbox, this.workspaceState),
      runners: settings.runners,
      log: (level, message) => this.log.log(level, message),
    });
    this.log.info(`Run ${runId} resumed (${stored.summary.evaluations} / ${stored.summary.budget} evaluations done).`);
    return this.track(started, dir, entry?.functionLine ?? started.location.startLine);
  }

  /** Starts a new run of the same function with the same settings as a stored one. */
  async rerun(runId: string): Promise<{ runId: string; done: Promise<RunSummary> }> {
    requireTrust();
    const snapshot = await this.snapshot(runId);
    if (!snapshot) throw new Error(`Genesis: run ${runId} was not found.`);
    const { config } = snapshot;
    if (!snapshot.running && !(await confirmStoredCommands('Re-run', runId, config, readSettings(vscode.Uri.file(config.filePath))))) {
      throw new Error(`Genesis: run ${runId} was not re-run: its stored command differs from the settings.`);
    }
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(config.filePath));
    const location = await this.locator.byName(document.getText(), config.language, config.functionName, snapshot.functionLineHint ?? 0);
    if (!location) throw new Error(`Genesis: ${config.functionName} no longer exists in ${config.relativePath}; cannot re-run.`);
    return this.start({
      document,
      language: config.language,
      location,
      choices: {
        evaluatorCommand: config.evaluatorCommand,
        models: config.models,
        budget: config.budget,
        concurrency: config.concurrency,
        seed: config.seed,
        timeoutSec: config.timeoutSec,
        ...(config.strategy !== undefined ? { strategy: config.strategy } : {}),
        budgetUsd: config.budgetUsd ?? 0,
      },
    });
  }

  /** Keys, VS Code models, prices and extra PRM scorers from the settings, for a new or resumed run. */
  private async modelEnvironment(settings: GenesisSettings): Promise<Pick<RunEnvironment, 'apiKeyFor' | 'sourceFor' | 'prices' | 'extraPrmScorers'>> {
    for (const warning of settings.warnings) this.log.warn(`Settings: ${warning}`);
    const prm = await buildExtraPrmScorers(settings, this.keys);
    for (const warning of prm.warnings) this.log.warn(warning);
    for (const line of prm.described) this.log.info(line);
    return {
      apiKeyFor: (spec) => this.keys.keyFor(spec),
      sourceFor: vscodeLmSourceFor(languageModelApi(vscode), { prices: settings.prices, warn: (message) => this.log.warn(message) }),
      prices: settings.prices,
      ...(prm.scorers.length > 0 ? { extraPrmScorers: prm.scorers } : {}),
    };
  }

  private track(started: StartedRun, runsDir: string, functionLine: number): { runId: string; done: Promise<RunSummary> } {
    const { run } = started;
    const entry: LiveRun = { run, runsDir, functionLine, finished: false, runner: { sandboxed: started.evaluator.sandboxed, description: started.evaluator.description } };
    this.live.set(run.runId, entry);
    // The session already sends the run's own log events to the log.
    const unsubscribe = run.onEvent((event) => this.eventEmitter.fire({ runId: run.runId, event }));
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

  private active(runId: string): EvolutionRun | undefined {
    const entry = this.live.get(runId);
    return entry && !entry.finished && entry.run.isActive ? entry.run : undefined;
  }

  stop(runId: string): boolean {
    const run = this.active(runId);
    if (!run) return false;
    run.stop();
    this.log.info(`Run ${runId} stop requested.`);
    return true;
  }

  pause(runId: string): boolean {
    const run = this.active(runId);
    if (!run || run.summary().status !== 'running') return false;
    run.pause();
    this.log.info(`Run ${runId} paused (the current round finishes first).`);
    this.changeEmitter.fire();
    return true;
  }

  resume(runId: string): boolean {
    const run = this.active(runId);
    if (!run || run.summary().status !== 'paused') return false;
    run.resume();
    this.log.info(`Run ${runId} resumed.`);
    this.changeEmitter.fire();
    return true;
  }

  /** Sets the budget of a live run; returns the budget in force (never below what is spent). */
  setBudget(runId: string, budget: number): number | undefined {
    const run = this.active(runId);
    if (!run) return undefined;
    run.setBudget(budget);
    const now = run.summary().budget;
    this.log.info(`Run ${runId}: budget set to ${now} evaluations.`);
    this.changeEmitter.fire();
    return now;
  }

  /** Evaluates a node the PRM skipped; throws a user-fit Error when the run or node does not allow it. */
  async evaluateNow(runId: string, nodeId: string): Promise<CandidateNode> {
    requireTrust();
    const run = this.active(runId);
    if (!run) throw new Error('Genesis: this run is not running; resume it to evaluate more candidates.');
    return run.evaluateNow(nodeId);
  }

  /** Whether the engine offers "mutate from here" for this live run. */
  canMutateFrom(runId: string): boolean {
    const run = this.active(runId) as (EvolutionRun & MutateFromHook) | undefined;
    return typeof run?.mutateFrom === 'function';
  }

  async mutateFrom(runId: string, nodeId: string): Promise<void> {
    requireTrust();
    const run = this.active(runId) as (EvolutionRun & MutateFromHook) | undefined;
    if (!run) throw new Error('Genesis: this run is not running; resume it first.');
    if (typeof run.mutateFrom !== 'function') throw new Error('Genesis: "Mutate from here" needs engine support that this version does not have.');
    await run.mutateFrom(nodeId);
  }

  /** What the panel's controls may do for a run. */
  async controls(runId: string, summary?: RunSummary): Promise<RunControls> {
    const live = this.active(runId) !== undefined;
    const status = summary?.status ?? (await this.snapshot(runId))?.summary.status;
    return {
      live,
      resumable: !live && status !== undefined && isResumableStatus(status),
      mutateFrom: this.canMutateFrom(runId),
    };
  }

  /** Where evaluations run: bubblewrap or not (live runs know; stored runs tell by their evaluations). */
  runner(runId: string, nodes: readonly CandidateNode[]): RunnerView {
    const entry = this.live.get(runId);
    if (entry) {
      return entry.runner;
    }
    const evaluated = nodes.find((n) => n.evaluation !== undefined);
    if (!evaluated?.evaluation) return { sandboxed: null, description: 'local (no evaluation recorded)' };
    const stages = evaluated.evaluation.stages;
    if (stages && stages.length > 0) {
      return { sandboxed: evaluated.evaluation.sandboxed, description: `cascade: ${stages.map((s) => `${s.name} on ${s.runner}`).join(' → ')} (as recorded)` };
    }
    return evaluated.evaluation.sandboxed
      ? { sandboxed: true, description: 'local, sandboxed (as recorded)' }
      : { sandboxed: false, description: 'local, not sandboxed (as recorded)' };
  }

  /** The long texts of one node, for the inspector. */
  async nodeDetails(runId: string, nodeId: string): Promise<NodeDetails | null> {
    const snapshot = await this.snapshot(runId);
    const node = snapshot?.nodes.find((n) => n.id === nodeId);
    if (!snapshot || !node) return null;
    const root = rootOf(snapshot);
    const parent = node.parentId !== null ? snapshot.nodes.find((n) => n.id === node.parentId) : undefined;
    const name = snapshot.config.functionName;
    const details: NodeDetails = {
      nodeId,
      code: node.code,
      diffVsOriginal: root && root.id !== node.id ? functionDiff(root.code, node.code, name) : '',
      diffVsParent: parent ? functionDiff(parent.code, node.code, name) : '',
    };
    if (parent) details.parentCode = parent.code;
    // A live run drops prompt and reply from memory once they are in its log: read them back.
    let mutation = node.mutation;
    if (mutation && mutation.prompt === undefined && mutation.reply === undefined && mutation.model !== 'offline' && mutation.model !== '-') {
      const entry = this.live.get(runId);
      const stored = entry ? await new RunStore(entry.runsDir).load(runId).catch(() => undefined) : undefined;
      mutation = stored?.nodes.find((n) => n.id === nodeId)?.mutation ?? mutation;
    }
    if (mutation?.prompt !== undefined) details.prompt = mutation.prompt;
    if (mutation?.reply !== undefined) details.reply = mutation.reply;
    if (node.lineageNote !== undefined) details.lineageNote = node.lineageNote;
    if (node.evaluation) {
      const e = node.evaluation;
      details.evaluation = {
        status: e.status,
        feedback: e.feedback,
        stdoutTail: e.stdoutTail,
        stderrTail: e.stderrTail,
        metrics: e.metrics,
        durationMs: e.durationMs,
        sandboxed: e.sandboxed,
      };
      if (e.reason !== undefined) details.evaluation.reason = e.reason;
    }
    return details;
  }

  /** Writes the run's evaluated mutations as JSONL (see core/store/exportRuns). */
  async exportRun(runId: string, outFile: string): Promise<ExportStats> {
    const dir = this.live.get(runId)?.runsDir ?? (await this.storedRunDir(runId));
    if (!dir) throw new Error(`Genesis: run ${runId} was not found.`);
    const stats = await exportRunsToFiles(this.store(dir), [runId], outFile);
    const skipped = stats.skipped[0];
    if (skipped) throw new Error(`Genesis: run ${runId} could not be exported: ${skipped.reason}`);
    return stats;
  }

  /** The current summary of a run live in this window; undefined for stored-only runs. */
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
    for (const dir of this.runsDirs()) {
      let stat: vscode.FileStat;
      try {
        stat = await vscode.workspace.fs.stat(vscode.Uri.file(join(dir, runId, 'events.jsonl')));
      } catch {
        continue; // not in this folder
      }
      const cached = this.storedCache.get(runId);
      if (cached && cached.mtime === stat.mtime && cached.size === stat.size) return cached.snapshot;
      const loaded = await this.store(dir).load(runId);
      const snapshot: RunSnapshot = { summary: loaded.summary, config: loaded.config, nodes: loaded.nodes, running: false };
      this.storedCache.set(runId, { mtime: stat.mtime, size: stat.size, snapshot });
      return snapshot;
    }
    return undefined;
  }

  async deleteRun(runId: string): Promise<void> {
    const entry = this.live.get(runId);
    if (entry && !entry.finished) {
      entry.run.stop();
      await entry.run.done.catch(() => undefined);
    }
    const dir = entry?.runsDir ?? (await this.storedRunDir(runId));
    this.live.delete(runId);
    this.storedCache.delete(runId);
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

/** Every path that runs candidate code (start, resume, re-run, evaluate now, mutate) checks trust. */
function requireTrust(): void {
  if (!vscode.workspace.isTrusted) throw new Error(`Genesis: ${UNTRUSTED_MESSAGE}`);
}
