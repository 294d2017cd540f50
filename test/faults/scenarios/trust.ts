// Workspace trust: in a restricted (untrusted) workspace, Evolve Function must refuse with a
// message and start nothing. code-server's test harness runs with trust disabled, so this row
// drives the real command module against a minimal stand-in for the `vscode` module whose
// workspace is untrusted: the guard itself is what runs.
import Module from 'node:module';
import { createRequire } from 'node:module';
import type { FaultOutcome, FaultScenario } from '../lib';

interface Recorded {
  warnings: string[];
  commands: string[];
}

/** Just enough of the vscode API for the command's guard: an untrusted workspace that records what the user is shown. */
function untrustedVscode(recorded: Recorded): Record<string, unknown> {
  class Uri {
    constructor(readonly fsPath: string) {}
    toString(): string {
      return `file://${this.fsPath}`;
    }
  }
  return {
    Uri,
    workspace: { isTrusted: false, asRelativePath: (p: unknown) => String(p), getConfiguration: () => ({ get: () => undefined }) },
    window: {
      activeTextEditor: undefined,
      showWarningMessage: (message: string) => {
        recorded.warnings.push(message);
        return Promise.resolve(undefined);
      },
      showInformationMessage: (message: string) => {
        recorded.warnings.push(message);
        return Promise.resolve(undefined);
      },
      showErrorMessage: (message: string) => {
        recorded.warnings.push(message);
        return Promise.resolve(undefined);
      },
    },
    commands: {
      executeCommand: (id: string) => {
        recorded.commands.push(id);
        return Promise.resolve(undefined);
      },
    },
  };
}

type ModuleLoad = (request: string, parent: unknown, isMain: boolean) => unknown;

const untrustedEvolve: FaultScenario = {
  name: 'trust: Evolve in a restricted workspace',
  category: 'editor',
  async run(): Promise<FaultOutcome> {
    const recorded: Recorded = { warnings: [], commands: [] };
    const loader = Module as unknown as { _load: ModuleLoad };
    const original = loader._load;
    const stub = untrustedVscode(recorded);
    loader._load = (request, parent, isMain) => (request === 'vscode' ? stub : original(request, parent, isMain));
    let started = 0;
    try {
      const load = createRequire(__filename);
      const command = load('../../../src/vscode/evolveCommand') as typeof import('../../../src/vscode/evolveCommand');
      await command.evolveFunctionCommand(
        {
          state: { get: () => undefined, update: () => Promise.resolve(), keys: () => [] } as unknown as Parameters<typeof command.evolveFunctionCommand>[0]['state'],
          locator: {} as Parameters<typeof command.evolveFunctionCommand>[0]['locator'],
          start: () => {
            started++;
            return Promise.resolve();
          },
        },
        undefined,
      );
      const told = recorded.warnings.find((w) => w.includes(command.UNTRUSTED_MESSAGE));
      const problems = [
        started === 0 ? undefined : 'a run started in an untrusted workspace',
        told ? undefined : `no trust message (shown: ${recorded.warnings.join(' | ') || 'nothing'})`,
      ].filter(Boolean);
      return {
        seen: told ?? recorded.warnings.join(' | '),
        survived: problems.length === 0,
        lost: 0,
        evaluated: started,
        detail: [...problems, 'Resume, Re-run, Evaluate now and Mutate from here have no trust check yet (see the report)'].join('; '),
      };
    } finally {
      loader._load = original;
    }
  },
};

export const trustScenarios: FaultScenario[] = [untrustedEvolve];
