// The runner settings schema: genesis.runners, genesis.stages, the CLI's --runners-file and --stage.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeRunner, parseRunners, parseRunnersFile, parseStageFlag, parseStages, resolveRunner, RunnerConfigError, type RunnersConfig,
} from '../../src/core/evaluate/runnerConfig';

/** The problems a call reports (fails the test when it does not throw a RunnerConfigError). */
function problemsOf(call: () => unknown): string[] {
  try {
    call();
  } catch (error) {
    assert.ok(error instanceof RunnerConfigError, `expected a RunnerConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected the settings to be refused');
}

const GOOD: RunnersConfig = {
  cpu: { type: 'local', sandbox: 'bwrap', memoryMb: 4096 },
  gpu: { type: 'ssh', host: 'gpu.example.org', port: 2222, user: 'me', privateKeyPath: '~/.ssh/id_ed25519', setupDir: 'bench', command: 'python3 bench.py' },
  cluster: {
    type: 'slurm', workRoot: '/shared/me/genesis', partition: 'gpu', gres: 'gpu:1', timeLimit: '00:15:00', extraArgs: ['--account=x'],
    maxJobsInFlight: 4, ssh: { host: 'login.example.org', user: 'me' },
  },
};

describe('genesis.runners', () => {
  it('accepts local, ssh and slurm runners as they are', () => {
    assert.deepEqual(parseRunners(GOOD), GOOD);
    assert.deepEqual(parseRunners(undefined), {});
    assert.deepEqual(parseRunners(null), {});
  });

  it('says what an ssh runner needs', () => {
    assert.deepEqual(problemsOf(() => parseRunners({ gpu: { type: 'ssh' } })), ['runner gpu: ssh needs host and user']);
    assert.deepEqual(problemsOf(() => parseRunners({ gpu: { type: 'ssh', host: 'h' } })), ['runner gpu: ssh needs user']);
    assert.deepEqual(problemsOf(() => parseRunners({ gpu: { type: 'ssh', host: 'h', user: 'u', useAgent: false } })), [
      'runner gpu: with useAgent false, ssh needs privateKeyPath',
    ]);
  });

  it('says what a slurm runner and its login node need', () => {
    assert.deepEqual(problemsOf(() => parseRunners({ c: { type: 'slurm' } })), ['runner c: slurm needs workRoot']);
    assert.deepEqual(problemsOf(() => parseRunners({ c: { type: 'slurm', workRoot: 'scratch' } })), [
      'runner c: workRoot must be an absolute path on that machine (got "scratch")',
    ]);
    assert.deepEqual(problemsOf(() => parseRunners({ c: { type: 'slurm', workRoot: '/w', ssh: { host: 'login' } } })), [
      'runner c (login node): ssh needs user',
    ]);
    assert.deepEqual(problemsOf(() => parseRunners({ c: { type: 'slurm', workRoot: '/w', ssh: 'login' } })), [
      'runner c: ssh must be an object with host and user (got "login")',
    ]);
  });

  it('names wrong types, unknown fields and bad names, all at once', () => {
    const problems = problemsOf(() =>
      parseRunners({
        a: { type: 'ssh', host: 'h', user: 'u', port: '22' },
        b: { type: 'local', sandbox: 'yes', hots: 1 },
        c: { type: 'k8s' },
        'bad name': { type: 'local' },
        d: 'local',
        e: { type: 'slurm', workRoot: '/w', extraArgs: '--qos=x', maxJobsInFlight: 0 },
      }),
    );
    assert.deepEqual(problems, [
      'runner a: port must be a port number from 1 to 65535 (got "22")',
      'runner b: sandbox must be "auto", "bwrap" or "none" (got "yes")',
      'runner b: unknown field "hots" (local runners take type, sandbox, memoryMb, allowNetwork, command, timeoutSec, env)',
      'runner c: type must be "local", "ssh" or "slurm" (got "k8s")',
      `runner "bad name": a runner name uses letters, digits, '.', '_' and '-', starting with a letter or digit`,
      'runner d: must be an object with a "type" (got "local")',
      'runner e: extraArgs must be a list of strings (got "--qos=x")',
      'runner e: maxJobsInFlight must be a whole number ≥ 1 (got 0)',
    ]);
    const error = (() => {
      try {
        parseRunners({ a: { type: 'ssh' }, c: { type: 'slurm' } });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    assert.equal(error?.message, '2 problems in the runner settings: runner a: ssh needs host and user; runner c: slurm needs workRoot');
    assert.deepEqual(problemsOf(() => parseRunners(['local'])), ['runners must be an object of runner name → runner (got ["local"])']);
  });

  it('resolves names: the map first, "local" always', () => {
    assert.deepEqual(resolveRunner('local', {}), { type: 'local' });
    assert.equal(resolveRunner('local', { local: { type: 'local', sandbox: 'none' } }).type, 'local');
    assert.equal(resolveRunner('gpu', GOOD).type, 'ssh');
    assert.deepEqual(problemsOf(() => resolveRunner('gpus', GOOD)), ['unknown runner "gpus" (defined: local, cpu, gpu, cluster)']);
    assert.deepEqual(problemsOf(() => resolveRunner('toString', {})), ['unknown runner "toString" (defined: local)']);
  });

  it('describes where a runner runs', () => {
    assert.equal(describeRunner('local', { type: 'local' }), 'local');
    assert.equal(describeRunner('cpu', GOOD.cpu), 'local:cpu');
    assert.equal(describeRunner('gpu', GOOD.gpu), 'ssh:gpu (me@gpu.example.org:2222)');
    assert.equal(describeRunner('cluster', GOOD.cluster), 'slurm:cluster partition gpu gpu:1 (via me@login.example.org)');
    assert.equal(describeRunner('here', { type: 'slurm', workRoot: '/w' }), 'slurm:here (sbatch on this machine)');
  });
});

describe('genesis.stages', () => {
  it('accepts ordered stages on known runners', () => {
    const stages = [
      { name: 'quick', runner: 'local', command: 'python3 quick.py', threshold: 0.5, timeoutSec: 10 },
      { name: 'full', runner: 'gpu' },
    ];
    assert.deepEqual(parseStages(stages, GOOD), stages);
    assert.deepEqual(parseStages(undefined, GOOD), []);
    assert.deepEqual(parseStages([], GOOD), []);
  });

  it('names every bad stage', () => {
    const problems = problemsOf(() =>
      parseStages(
        [
          { name: 'quick', threshold: 'high' },
          { runner: 'local' },
          { name: 'quick', runner: 'gpus' },
          { name: 'x y', timeoutSec: 1.5, extra: true },
          'full',
        ],
        GOOD,
      ),
    );
    assert.deepEqual(problems, [
      'stage quick: threshold must be a finite number (got "high")',
      'stage 2: a stage needs name',
      'stage quick: the name is used by an earlier stage',
      'stage quick: unknown runner "gpus" (defined: local, cpu, gpu, cluster)',
      'stage x y: timeoutSec must be a whole number ≥ 1 (got 1.5)',
      'stage x y: unknown field "extra" (a stage takes name, runner, command, threshold, timeoutSec)',
      `stage x y: a stage name uses letters, digits, '.', '_' and '-', starting with a letter or digit`,
      'stage 5: must be an object with a name (got "full")',
    ]);
    assert.deepEqual(problemsOf(() => parseStages({ name: 'quick' }, GOOD)), [
      'stages must be a list of {name, runner?, command?, threshold?, timeoutSec?} (got {"name":"quick"})',
    ]);
  });
});

describe('CLI: --runners-file and --stage', () => {
  it('reads runners, stages and the default runner from one JSON file', () => {
    const file = parseRunnersFile(JSON.stringify({ runners: GOOD, stages: [{ name: 'quick' }, { name: 'full', runner: 'cluster' }], runner: 'gpu' }), 'r.json');
    assert.deepEqual(file, { runners: GOOD, stages: [{ name: 'quick' }, { name: 'full', runner: 'cluster' }], runner: 'gpu' });
    assert.deepEqual(parseRunnersFile('{"runners": {}}', 'r.json'), { runners: {} });
  });

  it('prefixes problems with the file name', () => {
    assert.match(problemsOf(() => parseRunnersFile('{"runners": ', 'r.json'))[0], /^r\.json: not valid JSON: /);
    assert.deepEqual(problemsOf(() => parseRunnersFile('[]', 'r.json')), ['r.json: must hold a JSON object {"runners": {...}, "stages": [...]}']);
    assert.deepEqual(problemsOf(() => parseRunnersFile('{"runner": "gpu", "stage": []}', 'r.json')), ['r.json: unknown field "stage" (expected runners, stages, runner)']);
    assert.deepEqual(problemsOf(() => parseRunnersFile('{"runners": {"gpu": {"type": "ssh"}}}', 'r.json')), ['r.json: runner gpu: ssh needs host and user']);
    assert.deepEqual(problemsOf(() => parseRunnersFile('{"runner": "gpu"}', 'r.json')), ['r.json: unknown runner "gpu" (defined: local)']);
    assert.deepEqual(problemsOf(() => parseRunnersFile('{"stages": [{"name": "a", "runner": "gpu"}]}', 'r.json')), [
      'r.json: stage a: unknown runner "gpu" (defined: local)',
    ]);
  });

  it('reads --stage NAME[@RUNNER][,threshold=X][,timeout=S][,command=CMD]', () => {
    assert.deepEqual(parseStageFlag('quick'), { name: 'quick' });
    assert.deepEqual(parseStageFlag('full@gpu,timeout=600'), { name: 'full', runner: 'gpu', timeoutSec: 600 });
    assert.deepEqual(parseStageFlag('quick@local,threshold=0.5,command=python3 q.py --a=1,2'), {
      name: 'quick', runner: 'local', threshold: 0.5, command: 'python3 q.py --a=1,2',
    });
    assert.deepEqual(parseStageFlag('quick,command=make test'), { name: 'quick', command: 'make test' });
    assert.deepEqual(problemsOf(() => parseStageFlag('')), ['--stage "": needs a stage name, e.g. "quick@local,threshold=0.5"']);
    assert.deepEqual(problemsOf(() => parseStageFlag('q@')), ['--stage "q@": needs a runner name after "@"']);
    assert.deepEqual(problemsOf(() => parseStageFlag('q,threshold=abc')), ['--stage "q,threshold=abc": threshold must be a number (got "abc")']);
    assert.deepEqual(problemsOf(() => parseStageFlag('q,timeout=0')), ['--stage "q,timeout=0": timeout must be a whole number of seconds ≥ 1 (got "0")']);
    assert.deepEqual(problemsOf(() => parseStageFlag('q,gpus=2')), ['--stage "q,gpus=2": unknown option "gpus" (use threshold=X, timeout=S, command=CMD)']);
    assert.deepEqual(problemsOf(() => parseStageFlag('q,command= ')), ['--stage "q,command= ": command= needs a command']);
  });
});
