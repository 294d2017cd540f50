// Which sandbox candidates run in here: bubblewrap on Linux, sandbox-exec on macOS. Where neither
// works, nothing runs unsandboxed unless the user said so (the CLI's --no-sandbox, the
// extension's once-per-workspace consent): SandboxUnavailableError says why and how to install one.
import { existsSync } from 'node:fs';
import { detectBubblewrap } from './bubblewrap';
import { SANDBOX_EXEC } from './sandboxExec';

export type SandboxKind = 'bwrap' | 'sandbox-exec';

export interface SandboxAvailability {
  kind?: SandboxKind;
  /** Why there is none (bwrap missing or not usable). */
  problem?: string;
}

/** The commands that install bubblewrap, per distribution family. */
export const BUBBLEWRAP_INSTALL: readonly { distribution: string; command: string }[] = [
  { distribution: 'Debian/Ubuntu', command: 'sudo apt install bubblewrap' },
  { distribution: 'Fedora', command: 'sudo dnf install bubblewrap' },
  { distribution: 'Arch', command: 'sudo pacman -S bubblewrap' },
];

/** What running candidates unsandboxed means, in one sentence. */
export const UNSANDBOXED_MEANING =
  'Unsandboxed, candidate code (written by a model) runs as you: it can read and change every file you can, read your keys and tokens, and reach the network.';

export function installHelp(): string {
  return `Install bubblewrap: ${BUBBLEWRAP_INSTALL.map((i) => `${i.distribution}: ${i.command}`).join(' · ')}.`;
}

export class SandboxUnavailableError extends Error {
  constructor(readonly problem: string) {
    super(`no sandbox for candidate code on this machine (${problem}), and candidates are not run unsandboxed unless you allow it. ${UNSANDBOXED_MEANING} ${installHelp()}`);
    this.name = 'SandboxUnavailableError';
  }
}

export async function detectSandbox(platform: NodeJS.Platform = process.platform): Promise<SandboxAvailability> {
  if (platform === 'darwin') {
    return existsSync(SANDBOX_EXEC) ? { kind: 'sandbox-exec' } : { problem: `${SANDBOX_EXEC} is missing` };
  }
  const probe = await detectBubblewrap();
  return probe.usable ? { kind: 'bwrap' } : { problem: probe.problem ?? 'bubblewrap is not usable' };
}
