// Entry point: activate() creates the services, registers commands, views and providers, and
// returns the GenesisApi. Nothing else happens here; work starts only when the user asks.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { AcceptedEdits } from './vscode/acceptUndo';
import { createApi, type GenesisApi } from './vscode/api';
import { CANDIDATE_SCHEME, CandidateContentProvider } from './vscode/candidateDiff';
import { registerCommands } from './vscode/commands';
import { EVOLUTION_VIEW_TYPE, EvolutionPanels } from './vscode/evolutionPanel';
import { FunctionLocator } from './vscode/functionAtCursor';
import { InlineCandidates } from './vscode/inlineCandidate';
import { createLogger } from './vscode/log';
import { RunManager } from './vscode/runManager';
import { registerRunFinishedNotice } from './vscode/runFinishedNotice';
import { RUNS_VIEW_ID, RunsTreeProvider } from './vscode/runsTreeView';
import { ApiKeyStore } from './vscode/secrets';
import { acceptAndReport, resumeAndShow, type GenesisServices } from './vscode/services';
import { registerRunStatusBar } from './vscode/statusBar';

export type { GenesisApi } from './vscode/api';

export function activate(context: vscode.ExtensionContext): GenesisApi {
  const started = performance.now();
  const log = createLogger(context);
  const keys = new ApiKeyStore(context.secrets, log);
  const locator = new FunctionLocator(join(context.extensionPath, 'dist', 'wasm'));
  const runs = new RunManager(locator, keys, log, context.workspaceState);
  const diffs = new CandidateContentProvider(runs, locator);
  const tree = new RunsTreeProvider(runs, log);
  const inline = new InlineCandidates(runs, locator, log);
  const panels = new EvolutionPanels(
    context.extensionUri,
    runs,
    {
      openDiff: async (runId, nodeId, against) => void (await diffs.openDiff(runId, nodeId, against)),
      accept: async (runId, nodeId) => void (await acceptAndReport(services, runId, nodeId)),
      select: async (runId, nodeId) => void (await inline.show(runId, nodeId)),
      previewInline: async (runId, nodeId) => {
        const shown = await inline.show(runId, nodeId, { reveal: true });
        if (!shown.shown) panels.notice(runId, 'warn', shown.message);
      },
      resumeStored: async (runId) => void (await resumeAndShow(services, runId)),
    },
    log,
  );
  const services: GenesisServices = { context, log, keys, locator, runs, panels, diffs, tree, inline, accepted: new AcceptedEdits() };

  context.subscriptions.push(
    runs,
    locator,
    diffs,
    tree,
    panels,
    inline,
    vscode.languages.registerCodeLensProvider({ scheme: 'file' }, inline),
    vscode.workspace.registerTextDocumentContentProvider(CANDIDATE_SCHEME, diffs),
    vscode.window.registerTreeDataProvider(RUNS_VIEW_ID, tree),
    vscode.window.registerWebviewPanelSerializer(EVOLUTION_VIEW_TYPE, panels.serializer()),
    registerRunStatusBar(runs),
    registerRunFinishedNotice(runs, (runId) => vscode.commands.executeCommand('genesis.openRun', runId)),
    ...registerCommands(services),
  );
  log.info(`Genesis activated in ${(performance.now() - started).toFixed(1)} ms.`);
  return createApi(services);
}

export function deactivate(): void {
  // Disposables registered in activate() stop live runs and close panels.
}
