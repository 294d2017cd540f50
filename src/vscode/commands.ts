// Registers the genesis.* commands; each one is a thin entry into the services.
import * as vscode from 'vscode';
import type { RunSummary } from '../core/types';
import { evolveFunctionCommand } from './evolveCommand';
import { createEvaluatorCommand, offerEvaluatorIfMissing, templatesDirOf } from './createEvaluator';
import { isResumableStatus } from './runManager';
import { errorMessage } from './log';
import { setApiKeyCommand } from './secrets';
import { testModelConnectionCommand } from './testConnection';
import { languageModelApi } from './vscodeLmSource';
import { acceptableCandidates } from './candidateRanking';
import { formatScore } from '../core/util/format';
import { acceptAndReport, resumeAndShow, showCandidate, startRunAndShow, undoAcceptAndReport, type GenesisServices } from './services';

/** Tree items pass a RunSummary (or a candidate entry), the panel and tests pass a run id. */
function runIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg) return arg;
  if (typeof arg === 'object' && arg !== null && typeof (arg as RunSummary).runId === 'string') return (arg as RunSummary).runId;
  return undefined;
}

/** A node id passed as the second argument, or carried by a candidate tree item. */
function nodeIdOf(arg: unknown, second: unknown): string | undefined {
  if (typeof second === 'string' && second) return second;
  if (typeof arg === 'object' && arg !== null && typeof (arg as { nodeId?: unknown }).nodeId === 'string') return (arg as { nodeId: string }).nodeId;
  return undefined;
}

function describe(summary: RunSummary): vscode.QuickPickItem & { runId: string } {
  return {
    runId: summary.runId,
    label: `${summary.functionName} — ${summary.status}`,
    description: summary.relativePath,
    detail: `${summary.evaluations} / ${summary.budget} evaluations, started ${new Date(summary.startedAt).toLocaleString()}`,
  };
}

async function pickRun(runs: RunSummary[], title: string): Promise<string | undefined> {
  if (runs.length === 0) {
    void vscode.window.showInformationMessage('Genesis: no runs yet.');
    return undefined;
  }
  if (runs.length === 1) return runs[0]!.runId;
  return (await vscode.window.showQuickPick(runs.map(describe), { title }))?.runId;
}

/** A quick pick of the run's scored candidates, best first. */
async function pickCandidate(s: GenesisServices, runId: string): Promise<string | undefined> {
  const snapshot = await s.runs.snapshot(runId);
  const ranked = snapshot ? acceptableCandidates(snapshot.nodes) : [];
  if (ranked.length === 0) {
    void vscode.window.showInformationMessage('Genesis: that run has no scored candidate yet.');
    return undefined;
  }
  const items = ranked.map((n) => ({
    nodeId: n.id,
    label: `#${n.id}  score ${formatScore(n.score)}`,
    description: n.mutation?.summary ?? '',
  }));
  return (await vscode.window.showQuickPick(items, { title: `Genesis: show a candidate of ${snapshot?.config.functionName ?? runId}` }))?.nodeId;
}

/** Runs a command body; failures become an error message and a log line, never a rejection. */
function guarded<A extends unknown[]>(s: GenesisServices, name: string, body: (...args: A) => Promise<unknown>) {
  return async (...args: A): Promise<unknown> => {
    try {
      return await body(...args);
    } catch (error) {
      const message = s.log.redact(errorMessage(error));
      s.log.error(`${name} failed: ${message}`);
      void vscode.window.showErrorMessage(message.startsWith('Genesis') ? message : `Genesis: ${message}`);
      return undefined;
    }
  };
}

export function registerCommands(s: GenesisServices): vscode.Disposable[] {
  const { runs, panels, diffs, tree, locator, keys, context } = s;

  const updateRunningContext = (): void => {
    const running = runs.runningSummaries();
    void vscode.commands.executeCommand('setContext', 'genesis.hasRunningRun', running.length > 0);
    void vscode.commands.executeCommand('setContext', 'genesis.hasPausedRun', running.some((r) => r.status === 'paused'));
  };

  const onboarding = { locator, templatesDir: templatesDirOf(context) };

  const register = <A extends unknown[]>(id: string, body: (...args: A) => Promise<unknown>): vscode.Disposable =>
    vscode.commands.registerCommand(id, guarded(s, id, body));

  return [
    runs.onRunsChanged(updateRunningContext),
    // "Next candidate" in the editor moves the panel's selection too.
    s.inline.onDidSelect(({ runId, nodeId }) => panels.select(runId, nodeId)),
    register('genesis.evolveFunction', (uri?: unknown) =>
      evolveFunctionCommand(
        {
          state: context.workspaceState,
          locator,
          start: (document, language, location, choices) => startRunAndShow(s, document, language, location, choices),
          offerEvaluator: (document, language, location, missing) =>
            offerEvaluatorIfMissing(onboarding, document, language, location, missing),
        },
        uri,
      ),
    ),
    register('genesis.createEvaluator', () => createEvaluatorCommand(onboarding)),
    register('genesis.setApiKey', (target?: unknown, key?: unknown) => setApiKeyCommand(keys, target, key)),
    register('genesis.testModelConnection', (specs?: unknown, options?: unknown) =>
      testModelConnectionCommand({ keys, log: s.log, lm: languageModelApi(vscode) }, specs, options),
    ),
    register('genesis.openRun', async (arg?: unknown, nodeId?: unknown) => {
      const runId = runIdOf(arg) ?? (await pickRun(await runs.listRuns(), 'Genesis: open run'));
      if (!runId) return false;
      const snapshot = await runs.snapshot(runId);
      if (!snapshot) {
        void vscode.window.showWarningMessage(`Genesis: run ${runId} was not found.`);
        return false;
      }
      panels.open(runId, snapshot.config.functionName);
      const selected = nodeIdOf(arg, nodeId);
      if (selected) panels.select(runId, selected);
      return true;
    }),
    register('genesis.pauseRun', async (arg?: unknown) => {
      const runId = runIdOf(arg) ?? (await pickRun(runs.runningSummaries().filter((r) => r.status === 'running'), 'Genesis: pause run'));
      if (!runId) return false;
      const paused = runs.pause(runId);
      if (!paused) void vscode.window.showInformationMessage('Genesis: that run is not running.');
      return paused;
    }),
    register('genesis.resumeRun', async (arg?: unknown) => {
      const candidates = (await runs.listRuns()).filter((r) => r.status === 'paused' || isResumableStatus(r.status));
      const runId = runIdOf(arg) ?? (await pickRun(candidates, 'Genesis: resume run'));
      if (!runId) return false;
      if (runs.resume(runId)) return true;
      await resumeAndShow(s, runId);
      return true;
    }),
    register('genesis.rerunRun', async (arg?: unknown) => {
      const runId = runIdOf(arg) ?? (await pickRun(await runs.listRuns(), 'Genesis: re-run'));
      if (!runId) return undefined;
      const started = await runs.rerun(runId);
      const snapshot = await runs.snapshot(started.runId);
      panels.open(started.runId, snapshot?.config.functionName);
      return started.runId;
    }),
    register('genesis.setRunBudget', async (arg?: unknown, budget?: unknown) => {
      const runId = runIdOf(arg) ?? (await pickRun(runs.runningSummaries(), 'Genesis: set the budget of a run'));
      if (!runId) return undefined;
      const current = runs.liveSummary(runId);
      if (!current?.running) throw new Error('Genesis: that run is not running; its budget cannot change.');
      let value = typeof budget === 'number' ? budget : undefined;
      if (value === undefined) {
        const typed = await vscode.window.showInputBox({
          title: `Genesis: budget of ${current.summary.functionName}`,
          prompt: `Evaluations in all (${current.summary.evaluations} done)`,
          value: String(current.summary.budget),
          validateInput: (text) => (/^\d+$/.test(text.trim()) && Number(text) >= 1 ? undefined : 'A whole number ≥ 1'),
        });
        if (typed === undefined) return undefined;
        value = Number(typed.trim());
      }
      return runs.setBudget(runId, value);
    }),
    register('genesis.exportRun', async (arg?: unknown, target?: unknown) => {
      const runId = runIdOf(arg) ?? (await pickRun(await runs.listRuns(), 'Genesis: export run'));
      if (!runId) return undefined;
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const uri =
        target instanceof vscode.Uri
          ? target
          : await vscode.window.showSaveDialog({
              title: 'Genesis: export the run as JSONL',
              saveLabel: 'Export',
              filters: { 'JSON Lines': ['jsonl'] },
              ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `genesis-${runId}.jsonl`) } : {}),
            });
      if (!uri) return undefined;
      const stats = await runs.exportRun(runId, uri.fsPath);
      void vscode.window.showInformationMessage(`Genesis: exported ${stats.mutations} evaluated mutations of run ${runId} to ${uri.fsPath}.`);
      return stats.mutations;
    }),
    register('genesis.showCandidate', async (arg?: unknown, nodeId?: unknown) => {
      const runId = runIdOf(arg) ?? (await pickRun(await runs.listRuns(), 'Genesis: show a candidate of run'));
      if (!runId) return false;
      const node = nodeIdOf(arg, nodeId) ?? (await pickCandidate(s, runId));
      if (!node) return false;
      return showCandidate(s, runId, node);
    }),
    register('genesis.inlineAccept', async (runId?: unknown, nodeId?: unknown) => {
      const target = typeof runId === 'string' && typeof nodeId === 'string' ? { runId, nodeId } : s.inline.current();
      if (!target) {
        void vscode.window.showInformationMessage('Genesis: no candidate is shown in the editor.');
        return false;
      }
      return acceptAndReport(s, target.runId, target.nodeId);
    }),
    register('genesis.inlineReject', async () => {
      const rejected = await s.inline.reject();
      if (rejected) panels.notice(rejected.runId, 'info', `Genesis: candidate #${rejected.nodeId} rejected; Next candidate skips it.`);
      return rejected !== undefined;
    }),
    register('genesis.inlineNext', async () => {
      const moved = await s.inline.next();
      if (!moved) void vscode.window.showInformationMessage('Genesis: no other candidate to show.');
      return moved?.nodeId;
    }),
    register('genesis.inlinePrevious', async () => {
      const moved = await s.inline.previous();
      if (!moved) void vscode.window.showInformationMessage('Genesis: no other candidate to show.');
      return moved?.nodeId;
    }),
    // The function changed since the run: its candidates cannot be applied; start again from it.
    register('genesis.inlineRerun', async (arg?: unknown) => {
      const runId = runIdOf(arg) ?? s.inline.current()?.runId;
      if (!runId) return undefined;
      await s.inline.clear();
      return vscode.commands.executeCommand<string>('genesis.rerunRun', runId);
    }),
    register('genesis.undoAccept', async () => undoAcceptAndReport(s)),
    register('genesis.stopRun', async (arg?: unknown) => {
      const runId = runIdOf(arg) ?? (await pickRun(runs.runningSummaries(), 'Genesis: stop run'));
      if (!runId) return false;
      const stopped = runs.stop(runId);
      if (!stopped) void vscode.window.showInformationMessage('Genesis: that run is not running.');
      return stopped;
    }),
    register('genesis.openCandidateDiff', async (arg?: unknown, nodeIdArg?: unknown, against?: unknown) => {
      const runId = runIdOf(arg);
      const nodeId = nodeIdOf(arg, nodeIdArg);
      if (!runId || !nodeId) throw new Error('Genesis: Open Diff needs a run id and a node id.');
      if (!(await diffs.openDiff(runId, nodeId, against === 'parent' ? 'parent' : 'current'))) void vscode.window.showWarningMessage(`Genesis: run ${runId} was not found.`);
    }),
    register('genesis.acceptCandidate', async (arg?: unknown, nodeIdArg?: unknown) => {
      const runId = runIdOf(arg);
      const nodeId = nodeIdOf(arg, nodeIdArg);
      if (!runId || !nodeId) throw new Error('Genesis: Accept needs a run id and a node id.');
      return acceptAndReport(s, runId, nodeId);
    }),
    register('genesis.refreshRuns', async () => tree.refresh()),
    register('genesis.deleteRun', async (arg?: unknown) => {
      const runId = runIdOf(arg) ?? (await pickRun(await runs.listRuns(), 'Genesis: delete run'));
      if (!runId) return false;
      const summary = (await runs.listRuns()).find((r) => r.runId === runId);
      const what = summary ? `${summary.functionName} (${summary.relativePath}, ${summary.status})` : runId;
      const answer = await vscode.window.showWarningMessage(
        `Delete the Genesis run of ${what}? Its stored candidates are removed from disk.`,
        { modal: true },
        'Delete',
      );
      if (answer !== 'Delete') return false;
      panels.close(runId);
      await runs.deleteRun(runId);
      return true;
    }),
  ];
}
