// API keys live in SecretStorage only, keyed by a model spec or by a base URL, so one key can
// serve every model of a server. Keys never go to settings, logs or the webview: every key read
// or stored here is handed to the logger's redaction first.
import * as vscode from 'vscode';
import type { Logger } from './log';
import { readSettings } from './settings';
import { parseModelSpec } from '../core/llm/modelSpec';

/** The base URL a model spec talks to, or undefined (offline, or not a valid spec). */
export function baseUrlOfModelSpec(spec: string): string | undefined {
  try {
    const parsed = parseModelSpec(spec);
    return 'baseURL' in parsed ? parsed.baseURL : undefined;
  } catch {
    return undefined;
  }
}

function normalizeTarget(target: string): string {
  return target.trim().replace(/\/+$/, '');
}

function secretKey(target: string): string {
  return `genesis.apiKey:${normalizeTarget(target)}`;
}

export class ApiKeyStore {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: Logger,
  ) {}

  /** The key for a model spec: one stored for the exact spec wins over one for its base URL. */
  async keyFor(modelSpec: string): Promise<string | undefined> {
    return (await this.keyWithTarget(modelSpec))?.key;
  }

  /** The key for a model spec and what it is stored under (the spec itself or its base URL). */
  async keyWithTarget(modelSpec: string): Promise<{ key: string; target: string } | undefined> {
    const exact = await this.secrets.get(secretKey(modelSpec));
    if (exact) {
      this.log.protect(exact);
      return { key: exact, target: normalizeTarget(modelSpec) };
    }
    const base = baseUrlOfModelSpec(modelSpec);
    const shared = base ? await this.secrets.get(secretKey(base)) : undefined;
    if (!shared || !base) return undefined;
    this.log.protect(shared);
    return { key: shared, target: normalizeTarget(base) };
  }

  /** The key stored for a base URL (or any target) as written, without the spec fallback. */
  async keyForTarget(target: string): Promise<string | undefined> {
    const key = await this.secrets.get(secretKey(target));
    if (key) this.log.protect(key);
    return key;
  }

  async store(target: string, key: string): Promise<void> {
    this.log.protect(key);
    await this.secrets.store(secretKey(target), key);
    this.log.info(`API key stored for ${normalizeTarget(target)}.`);
  }

  async remove(target: string): Promise<void> {
    await this.secrets.delete(secretKey(target));
    this.log.info(`API key removed for ${normalizeTarget(target)}.`);
  }
}

/** Targets worth offering: each configured HTTP model (OpenAI, Anthropic, compatible, the LLM judge) and its base URL, and the reward-model server. */
function suggestedTargets(): string[] {
  const settings = readSettings();
  const targets = new Set<string>();
  for (const spec of [...settings.models, ...(settings.llmJudge ? [settings.llmJudge.model] : [])]) {
    const base = baseUrlOfModelSpec(spec);
    if (base) {
      targets.add(base);
      targets.add(spec);
    }
  }
  if (settings.remotePrm) targets.add(normalizeTarget(settings.remotePrm.url));
  return [...targets];
}

async function pickTarget(): Promise<string | undefined> {
  const other = '$(edit) Enter a base URL or model spec…';
  const suggestions = suggestedTargets();
  const choice = suggestions.length
    ? await vscode.window.showQuickPick([...suggestions, other], { title: 'Genesis: Set API Key for…' })
    : other;
  if (choice !== other) return choice;
  return vscode.window.showInputBox({
    title: 'Genesis: Set API Key',
    prompt: 'Base URL (e.g. https://api.openai.com/v1, https://api.anthropic.com) or a model spec (openai:MODEL, anthropic:MODEL, openai-compatible:URL#MODEL)',
    validateInput: (v) => (v.trim() ? undefined : 'Enter a base URL or a model spec'),
  });
}

/**
 * Command `genesis.setApiKey`. With arguments (target, key) it runs without prompts (tests,
 * scripts); an empty key removes the stored one.
 */
export async function setApiKeyCommand(store: ApiKeyStore, target?: unknown, key?: unknown): Promise<boolean> {
  const chosenTarget = typeof target === 'string' && target.trim() ? target : await pickTarget();
  if (!chosenTarget) return false;
  const chosenKey =
    typeof key === 'string'
      ? key
      : await vscode.window.showInputBox({
          title: `Genesis: API key for ${normalizeTarget(chosenTarget)}`,
          prompt: 'Stored in VS Code SecretStorage. Leave empty to remove the stored key.',
          password: true,
          ignoreFocusOut: true,
        });
  if (chosenKey === undefined) return false;
  if (chosenKey.trim() === '') await store.remove(chosenTarget);
  else await store.store(chosenTarget, chosenKey.trim());
  return true;
}
