// Finds the function under the cursor (or by name) with tree-sitter. The service loads grammars
// lazily, so creating a locator at activation costs nothing.
import * as vscode from 'vscode';
import { TreeSitterService, wasmPathsIn } from '../core/lang/treeSitter';
import { languageFor, SUPPORTED_VSCODE_LANGUAGE_IDS } from '../core/lang/languages';
import type { FunctionLocation, LanguageId } from '../core/types';

export type CursorLookup =
  | { ok: true; language: LanguageId; location: FunctionLocation }
  | { ok: false; message: string };

export class FunctionLocator implements vscode.Disposable {
  private treeSitter: TreeSitterService | undefined;

  constructor(private readonly wasmDir: string) {}

  /** The one tree-sitter service of the window, shared with runs (grammars load once). */
  service(): TreeSitterService {
    this.treeSitter ??= new TreeSitterService(wasmPathsIn(this.wasmDir));
    return this.treeSitter;
  }

  dispose(): void {
    this.treeSitter?.dispose();
    this.treeSitter = undefined;
  }

  /** The function around `position`, or a message saying why there is none. */
  async atCursor(document: vscode.TextDocument, position: vscode.Position): Promise<CursorLookup> {
    const language = languageFor(document.languageId, document.fileName);
    if (!language) {
      return {
        ok: false,
        message: `Genesis: ${document.languageId} is not supported (supported: ${SUPPORTED_VSCODE_LANGUAGE_IDS.join(', ')}).`,
      };
    }
    const location = await this.service().findFunctionAt(document.getText(), language, document.offsetAt(position));
    if (!location) return { ok: false, message: 'Genesis: the cursor is not inside a function.' };
    return { ok: true, language, location };
  }

  /** The function called `name` in `text`, the one nearest to `nearLine` when several match. */
  async byName(text: string, language: LanguageId, name: string, nearLine: number): Promise<FunctionLocation | null> {
    return (await this.service().findFunctionByName(text, language, name, nearLine)) ?? null;
  }
}
