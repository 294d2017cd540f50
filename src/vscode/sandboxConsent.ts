// Candidates never run unsandboxed without the user's word: where no sandbox works here
// (bubblewrap missing or unusable), the first run in a workspace asks in a modal what the core's
// SandboxUnavailableError says (what unsandboxed means, how to install bubblewrap); a yes is
// remembered for the workspace (workspaceState), a no starts nothing.
import * as vscode from 'vscode';
import { BUBBLEWRAP_INSTALL, detectSandbox, UNSANDBOXED_MEANING } from '../core/evaluate/sandboxChoice';

const CONSENT_KEY = 'genesis.unsandboxedRunsAllowed';
export const RUN_UNSANDBOXED = 'Run Unsandboxed in This Workspace';

/** The modal's text below its title. */
export function consentDetail(problem: string): string {
  return [
    `No sandbox works on this machine (${problem}).`,
    UNSANDBOXED_MEANING,
    '',
    'To sandbox candidates, install bubblewrap and start the run again:',
    ...BUBBLEWRAP_INSTALL.map((i) => `  ${i.distribution}: ${i.command}`),
    '',
    'Your answer is remembered for this workspace.',
  ].join('\n');
}

/** The sandbox setting a run uses; throws a user-fit Error when the user declines. */
export async function sandboxForRun(setting: 'auto' | 'none', state: vscode.Memento | undefined): Promise<'auto' | 'none'> {
  if (setting === 'none') return 'none';
  const found = await detectSandbox();
  if (found.kind) return 'auto';
  if (state?.get<boolean>(CONSENT_KEY) === true) return 'none';
  const choice = await vscode.window.showWarningMessage(
    'Genesis: run candidate code without a sandbox?',
    { modal: true, detail: consentDetail(found.problem ?? 'bubblewrap is not usable') },
    RUN_UNSANDBOXED,
  );
  if (choice !== RUN_UNSANDBOXED) {
    throw new Error(`Genesis: the run was not started: no sandbox here. Install bubblewrap (${BUBBLEWRAP_INSTALL[0].command}) or allow unsandboxed runs for this workspace.`);
  }
  await state?.update(CONSENT_KEY, true);
  return 'none';
}
