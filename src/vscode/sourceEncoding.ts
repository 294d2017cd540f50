// The extension's side of core/lang/sourceEncoding: VS Code opens a file with invalid UTF-8 as
// text with U+FFFD in place of those bytes, and saving an edit would write them back changed.
import * as vscode from 'vscode';
import { decodeSourceFile } from '../core/lang/sourceEncoding';

/** Why the file on disk cannot be evolved or edited by Genesis, or undefined when it is UTF-8. */
export async function sourceEncodingProblem(uri: vscode.Uri): Promise<string | undefined> {
  if (uri.scheme !== 'file') return undefined;
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(uri);
  } catch {
    return undefined; // not on disk (yet): the document's own text is what there is
  }
  const decoded = decodeSourceFile(bytes, vscode.workspace.asRelativePath(uri));
  return decoded.ok ? undefined : decoded.error;
}
