// The API activate() returns, used by the integration tests (and other extensions).
import * as vscode from 'vscode';
import type { FunctionLocation, RunSummary } from '../core/types';
import { UNTRUSTED_MESSAGE } from './evolveCommand';
import { readSettings } from './settings';
import { acceptAndReport, startRunAndShow, type GenesisServices } from './services';
import type { RunsTreeElement } from './runsTreeView';
import type { InlineView } from './inlineCandidate';

export type { InlineView } from './inlineCandidate';

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
  /** The items the Runs view shows, top to bottom (what a person sees in the sidebar); with a run id, that run's children (its best candidates). */
  runsViewItems(runId?: string): Promise<RunsViewItem[]>;
  /** The candidate shown inline in the editor (decorations + CodeLens), if any. */
  inlineCandidate(): { runId: string; nodeId: string } | undefined;
  /** What the inline diff draws in the editor now (lines, struck and inserted text), if anything. */
  inlineView(): InlineView | undefined;
}

export interface RunsViewItem {
  runId: string;
  label: string;
  description: string;
  /** The hover text (Markdown source for runs). */
  tooltip: string;
  /** The tree item's context value (which menu commands it offers). */
  contextValue: string;
  /** Set on candidate items. */
  nodeId?: string;
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
    async runsViewItems(runId) {
      let parent: RunsTreeElement | undefined;
      if (runId !== undefined) {
        parent = (await s.runs.listRuns()).find((r) => r.runId === runId);
        if (!parent) return [];
      }
      const elements = (await s.tree.getChildren(parent)) ?? [];
      return elements.map((element) => {
        const item = s.tree.getTreeItem(element);
        const view: RunsViewItem = {
          runId: element.runId,
          label: String(item.label ?? ''),
          description: String(item.description ?? ''),
          tooltip: typeof item.tooltip === 'string' ? item.tooltip : (item.tooltip?.value ?? ''),
          contextValue: item.contextValue ?? '',
        };
        if ('nodeId' in element) view.nodeId = element.nodeId;
        return view;
      });
    },
    inlineCandidate: () => s.inline.current(),
    inlineView: () => s.inline.view(),
  };
}
