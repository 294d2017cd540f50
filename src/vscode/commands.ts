// Registers the genesis.* commands; each one is a thin entry into the services.
import * as vscode from 'vscode';
import type { RunSummary } from '../core/types';
import { evolveFunctionCommand } from './evolveCommand';
import { errorMessage } from './log';
import { setApiKeyCommand } from './secrets';
import { acceptAndReport, startRunAndShow, type GenesisServices } from './services';

/** Tree items pass a RunSummary, the panel and tests pass a run id. */
function runIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg) return arg;
  if (typeof arg === 'object' && arg !== null && typeof (arg as RunSummary).runId === 'string') return (arg as RunSummary).runId;
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

/** Runs a command body; failures become an error message and a log line, never a rejection. */
function guarded<A extends unknown[]>(s: GenesisServices, name: string, body: (...args: A) => Promise<unknown>) {
  return async (...args: A): Promise<unknown> => {
    try {
      return await body(...args);
    } catch (error) {
      const message = errorMessage(error);
      s.log.error(`${name} failed: ${message}`);
      void vscode.window.showErrorMessage(message.startsWith('Genesis') ? message : `Genesis: ${message}`);
      return undefined;
    }
  };
}

export function registerCommands(s: GenesisServices): vscode.Disposable[] {
  const { runs, panels, diffs, tree, locator, keys, context } = s;

  const updateRunningContext = (): void => {
    void vscode.commands.executeCommand('setContext', 'genesis.hasRunningRun', runs.runningSummaries().length > 0);
  };

  const register = <A extends unknown[]>(id: string, body: (...args: A) => Promise<unknown>): vscode.Disposable =>
    vscode.commands.registerCommand(id, guarded(s, id, body));

  return [
    runs.onRunsChanged(updateRunningContext),
    register('genesis.evolveFunction', (uri?: unknown) =>
      evolveFunctionCommand(
        {
          state: context.workspaceState,
          locator,
          start: (document, language, location, choices) => startRunAndShow(s, document, language, location, choices),
        },
        uri,
      ),
    ),
    register('genesis.setApiKey', (target?: unknown, key?: unknown) => setApiKeyCommand(keys, target, key)),
    register('genesis.openRun', async (arg?: unknown) => {
      const runId = runIdOf(arg) ?? (await pickRun(await runs.listRuns(), 'Genesis: open run'));
      if (!runId) return false;
      const snapshot = await runs.snapshot(runId);
      if (!snapshot) {
        void vscode.window.showWarningMessage(`Genesis: run ${runId} was not found.`);
        return false;
      }
      panels.open(runId, snapshot.config.functionName);
      return true;
    }),
    register('genesis.stopRun', async (arg?: unknown) => {
      const runId = runIdOf(arg) ?? (await pickRun(runs.runningSummaries(), 'Genesis: stop run'));
      if (!runId) return false;
      const stopped = runs.stop(runId);
      if (!stopped) void vscode.window.showInformationMessage('Genesis: that run is not running.');
      return stopped;
    }),
    register('genesis.openCandidateDiff', async (runId?: unknown, nodeId?: unknown) => {
      if (typeof runId !== 'string' || typeof nodeId !== 'string') throw new Error('Genesis: Open Diff needs a run id and a node id.');
      if (!(await diffs.openDiff(runId, nodeId))) void vscode.window.showWarningMessage(`Genesis: run ${runId} was not found.`);
    }),
    register('genesis.acceptCandidate', async (runId?: unknown, nodeId?: unknown) => {
      if (typeof runId !== 'string' || typeof nodeId !== 'string') throw new Error('Genesis: Accept needs a run id and a node id.');
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
