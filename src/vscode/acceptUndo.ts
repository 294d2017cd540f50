// Undo of the last Accept, from the notification's Undo button (or the command). While nothing
// touched the document since, it is the editor's own undo (one step; a file that was saved
// before is clean again); after other edits, the candidate's text is swapped back if it is still
// there, and otherwise nothing is changed.
import * as vscode from 'vscode';
import type { AppliedCandidate } from './acceptCandidate';

export type UndoResult = { undone: true; message: string; edit: AppliedCandidate } | { undone: false; message: string };

export class AcceptedEdits {
  private last: AppliedCandidate | undefined;

  remember(edit: AppliedCandidate): void {
    this.last = edit;
  }

  /** The Accept that Undo would revert, if any. */
  latest(): AppliedCandidate | undefined {
    return this.last;
  }

  async undo(): Promise<UndoResult> {
    const edit = this.last;
    if (!edit) return { undone: false, message: 'Genesis: no accepted candidate to undo.' };
    const document = await vscode.workspace.openTextDocument(edit.uri);
    const at = (text: string): boolean => document.getText().slice(edit.start, edit.start + text.length) === text;
    if (document.version === edit.versionAfter) {
      const visible = vscode.window.visibleTextEditors.find((e) => e.document === document);
      await vscode.window.showTextDocument(document, { viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One, preserveFocus: false, preview: false });
      await vscode.commands.executeCommand('undo');
    }
    if (!at(edit.originalText) && at(edit.candidateText)) {
      const replace = new vscode.WorkspaceEdit();
      replace.replace(document.uri, new vscode.Range(document.positionAt(edit.start), document.positionAt(edit.start + edit.candidateText.length)), edit.originalText);
      await vscode.workspace.applyEdit(replace);
    }
    if (!at(edit.originalText)) {
      return { undone: false, message: `Genesis: ${edit.functionName} changed after the Accept; nothing was undone (use Undo in the editor).` };
    }
    this.last = undefined;
    return { undone: true, message: `Genesis: undid candidate #${edit.nodeId}; ${edit.functionName} is as it was.`, edit };
  }
}
