// "Genesis: Test Model Connection": one tiny real exchange with each model (the configured ones,
// or any spec the user picks) that says exactly what is wrong: bad or missing key, unknown model,
// server down, wrong URL, timeout, or no VS Code model for a vscode-lm spec. Results go to the
// log, a notification and (when run from the palette) a QuickPick with one line per model.
import * as vscode from 'vscode';
import { checkModel, type ConnectionCheck } from '../core/llm/connectionCheck';
import { parseModelSpec } from '../core/llm/modelSpec';
import type { Logger } from './log';
import type { ApiKeyStore } from './secrets';
import { readSettings } from './settings';
import { checkVscodeLanguageModel, type LanguageModelApi } from './vscodeLmSource';

export interface ConnectionTestDeps {
  keys: ApiKeyStore;
  log: Logger;
  lm: LanguageModelApi;
}

export interface ConnectionTestOptions {
  /** Limit of one model's check (default 20 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 20_000;

/**
 * Checks one model: vscode-lm specs through VS Code's Language Model API, others over HTTP with
 * the key from SecretStorage. The message names the key's target when the key is the problem.
 */
export async function checkOneModel(spec: string, deps: ConnectionTestDeps, signal: AbortSignal, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ConnectionCheck> {
  let kind: string;
  try {
    kind = parseModelSpec(spec).kind;
  } catch (error) {
    return { ok: false, model: spec, message: error instanceof Error ? error.message : String(error), latencyMs: 0 };
  }
  if (kind === 'vscode-lm') return checkVscodeLanguageModel(spec, deps.lm, signal, timeoutMs);
  const stored = kind === 'offline' ? undefined : await deps.keys.keyWithTarget(spec);
  const check = await checkModel(spec, stored?.key, signal, { timeoutMs });
  if (check.ok || !/\b401\b|bad API key/i.test(check.message)) return check;
  const hint = stored
    ? ` — the key stored for ${stored.target} was refused; replace it with Genesis: Set API Key`
    : ' — no key is stored for this model or its server; add one with Genesis: Set API Key';
  return { ...check, message: check.message + hint };
}

/** Checks every spec at once, reporting each result to the progress as it arrives. */
export async function checkModels(
  specs: readonly string[],
  deps: ConnectionTestDeps,
  signal: AbortSignal,
  options: ConnectionTestOptions = {},
  onResult?: (check: ConnectionCheck) => void,
): Promise<ConnectionCheck[]> {
  return Promise.all(
    specs.map(async (spec) => {
      const check = await checkOneModel(spec, deps, signal, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const line = `Test Model Connection: ${check.ok ? 'ok' : 'FAILED'} ${spec}: ${check.message}`;
      if (check.ok) deps.log.info(line);
      else deps.log.warn(line);
      onResult?.(check);
      return check;
    }),
  );
}

interface SpecItem extends vscode.QuickPickItem {
  specs?: string[];
  enter?: boolean;
}

/** Which models to check: all configured ones, one of them, or a spec typed in. */
async function pickSpecs(configured: readonly string[]): Promise<string[] | undefined> {
  const items: SpecItem[] = [
    { label: '$(checklist) All configured models', description: configured.join(', '), specs: [...configured] },
    ...configured.map((spec) => ({ label: spec, specs: [spec] })),
    { label: '$(edit) Enter a model spec…', enter: true },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Genesis: Test Model Connection', placeHolder: 'Which models to check' });
  if (!picked) return undefined;
  if (picked.specs) return picked.specs;
  const typed = await vscode.window.showInputBox({
    title: 'Genesis: Test Model Connection',
    prompt: 'A model spec: openai:MODEL, anthropic:MODEL, openai-compatible:URL#MODEL, anthropic-compatible:URL#MODEL or vscode-lm:VENDOR/FAMILY',
    validateInput: (value) => {
      try {
        parseModelSpec(value);
        return undefined;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },
  });
  return typed?.trim() ? [typed.trim()] : undefined;
}

function specsFrom(arg: unknown): string[] | undefined {
  if (typeof arg === 'string' && arg.trim()) return [arg.trim()];
  if (Array.isArray(arg) && arg.length > 0 && arg.every((s) => typeof s === 'string' && s.trim())) return arg.map((s: string) => s.trim());
  return undefined;
}

/**
 * Command `genesis.testModelConnection`. With a spec or a list of specs (tests, scripts) it
 * checks those without prompts and returns the results; from the palette it asks which models.
 */
export async function testModelConnectionCommand(deps: ConnectionTestDeps, specsArg?: unknown, optionsArg?: unknown): Promise<ConnectionCheck[] | undefined> {
  const given = specsFrom(specsArg);
  const interactive = given === undefined;
  const specs = given ?? (await pickSpecs(readSettings().models));
  if (!specs || specs.length === 0) return undefined;
  const timeoutMs = typeof (optionsArg as ConnectionTestOptions | undefined)?.timeoutMs === 'number' ? (optionsArg as ConnectionTestOptions).timeoutMs : undefined;

  const results = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Genesis: testing model connections', cancellable: true },
    async (progress, token): Promise<ConnectionCheck[] | undefined> => {
      const abort = new AbortController();
      const onCancel = token.onCancellationRequested(() => abort.abort(new Error('cancelled')));
      let finished = 0;
      try {
        return await checkModels(specs, deps, abort.signal, timeoutMs !== undefined ? { timeoutMs } : {}, (check) => {
          finished++;
          progress.report({ increment: 100 / specs.length, message: `${finished}/${specs.length}: ${check.model} ${check.ok ? 'ok' : 'failed'}` });
        });
      } catch (error) {
        if (!abort.signal.aborted) throw error;
        deps.log.info('Test Model Connection cancelled.');
        return undefined;
      } finally {
        onCancel.dispose();
      }
    },
  );
  if (!results) return undefined;
  // Keys were redacted by the core already; the log's redaction covers anything it did not know.
  const safe = results.map((r) => ({ ...r, message: deps.log.redact(r.message) }));
  announce(safe, interactive);
  return safe;
}

function announce(results: readonly ConnectionCheck[], interactive: boolean): void {
  const failed = results.filter((r) => !r.ok);
  if (interactive) {
    void showResults(results);
    return;
  }
  if (failed.length === 0) {
    void vscode.window.showInformationMessage(`Genesis: ${results.length === 1 ? `${results[0]!.model} answered` : `all ${results.length} models answered`}.`);
  } else {
    const first = failed[0]!;
    const more = failed.length > 1 ? ` (and ${failed.length - 1} more; see the Genesis log)` : '';
    void vscode.window.showWarningMessage(`Genesis: ${failed.length} of ${results.length} models failed. ${first.model}: ${first.message}${more}`);
  }
}

/** One line per model; picking a failed one offers to set its API key. */
async function showResults(results: readonly ConnectionCheck[]): Promise<void> {
  const items = results.map((r) => ({
    label: `${r.ok ? '$(pass)' : '$(error)'} ${r.model}`,
    description: r.ok ? `ok, ${r.latencyMs} ms` : 'failed',
    detail: r.message,
    check: r,
  }));
  const failed = results.filter((r) => !r.ok).length;
  const picked = await vscode.window.showQuickPick(items, {
    title: `Genesis: ${failed === 0 ? 'every model answered' : `${failed} of ${results.length} models failed`}`,
    placeHolder: failed > 0 ? 'Pick a failed model to set its API key' : 'All models answered',
    matchOnDetail: true,
  });
  if (picked && !picked.check.ok && /key/i.test(picked.check.message)) {
    await vscode.commands.executeCommand('genesis.setApiKey');
  }
}
