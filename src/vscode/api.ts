// The API activate() returns, used by the integration tests (and other extensions).
import * as vscode from 'vscode';
import type { FunctionLocation, RunSummary } from '../core/types';
import { UNTRUSTED_MESSAGE } from './evolveCommand';
import { readSettings } from './settings';
import { acceptAndReport, startRunAndShow, type GenesisServices } from './services';

export interface RunOverrides {
  evaluatorCommand?: string;
  models?: string[];
  budget?: number;
  concurrency?: number;
  seed?: number;
  timeoutSec?: number;
  /** Open the Evolution panel (default true). */
  showPanel?: boolean;
}

export interface GenesisApi {
  /** Starts a run for the function at `position` without prompts; rejects with a clear message. */
  startRunForFunction(
    uri: vscode.Uri,
    position: vscode.Position,
    overrides?: RunOverrides,
  ): Promise<{ runId: string; done: Promise<RunSummary> }>;
  listRuns(): Promise<RunSummary[]>;
  acceptCandidate(runId: string, nodeId: string): Promise<boolean>;
  findFunctionAt(document: vscode.TextDocument, position: vscode.Position): Promise<FunctionLocation | null>;
  /** Whether SecretStorage holds a key for a model spec (the key itself is never exposed). */
  hasApiKey(modelSpec: string): Promise<boolean>;
  /** The items the Runs view shows, top to bottom (what a person sees in the sidebar). */
  runsViewItems(): Promise<RunsViewItem[]>;
}

export interface RunsViewItem {
  runId: string;
  label: string;
  description: string;
}

export function createApi(s: GenesisServices): GenesisApi {
  return {
    async startRunForFunction(uri, position, overrides = {}) {
      if (!vscode.workspace.isTrusted) throw new Error(`Genesis: ${UNTRUSTED_MESSAGE}`);
      const document = await vscode.workspace.openTextDocument(uri);
      const lookup = await s.locator.atCursor(document, position);
      if (!lookup.ok) throw new Error(lookup.message);
      const settings = readSettings(uri);
      const choices = {
        evaluatorCommand: overrides.evaluatorCommand ?? settings.evaluatorCommand,
        models: overrides.models ?? settings.models,
        budget: overrides.budget ?? settings.budget,
        concurrency: overrides.concurrency ?? settings.concurrency,
        seed: overrides.seed ?? settings.seed,
        timeoutSec: overrides.timeoutSec ?? settings.timeoutSeconds,
      };
      return startRunAndShow(s, document, lookup.language, lookup.location, choices, overrides.showPanel ?? true);
    },
    listRuns: () => s.runs.listRuns(),
    acceptCandidate: (runId, nodeId) => acceptAndReport(s, runId, nodeId),
    async findFunctionAt(document, position) {
      const lookup = await s.locator.atCursor(document, position);
      return lookup.ok ? lookup.location : null;
    },
    async hasApiKey(modelSpec) {
      return (await s.keys.keyFor(modelSpec)) !== undefined;
    },
    async runsViewItems() {
      const summaries = (await s.tree.getChildren()) ?? [];
      return summaries.map((summary) => {
        const item = s.tree.getTreeItem(summary);
        return { runId: summary.runId, label: String(item.label ?? ''), description: String(item.description ?? '') };
      });
    },
  };
}
