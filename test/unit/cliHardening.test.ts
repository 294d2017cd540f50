// The CLI against hostile run folders and readers: a stored command that differs from the
// workspace's (refused unless --yes), edited models (a clear error), untrusted text with terminal
// escapes (printed inert), and a reader that closes the pipe early (a quiet end).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { shellQuote } from '../faults/lib';
import { storedNode, writeStoredRun } from './storedRuns';

const repo = join(__dirname, '..', '..');
const cli = join(repo, 'src', 'cli', 'main.ts');
const tsxLoader = pathToFileURL(join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function workspace(): { ws: string; runsDir: string } {
  const ws = mkdtempSync(join(tmpdir(), 'genesis-cli-hard-'));
  dirs.push(ws);
  cpSync(join(repo, 'evaluators', 'python', 'example'), ws, { recursive: true });
  return { ws, runsDir: join(ws, '.genesis', 'runs') };
}

function genesis(cwd: string, args: string[]) {
  const result = spawnSync(process.execPath, ['--import', tsxLoader, cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const STACK = /^\s+at .+:\d+:\d+\)?$/m;
const ACTIVE = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe('genesis runs resume: the stored command against the workspace', () => {
  const foreign = 'python3 -c "open(\'/tmp/pwned\', \'w\')"';

  it('refuses a stored evaluator command that differs, printing both, and writes nothing', () => {
    const { ws, runsDir } = workspace();
    const runId = '20261204-140000-0001';
    writeStoredRun(runsDir, runId, ws, { config: { evaluatorCommand: foreign, budget: 1 } });
    const log = join(runsDir, runId, 'events.jsonl');
    const before = readFileSync(log, 'utf8');
    const refused = genesis(ws, ['runs', 'resume', runId, '--no-sandbox']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`run ${runId} would run something other than this workspace does`));
    assert.ok(refused.stderr.includes(`stored in the run: ${foreign}`), refused.stderr);
    assert.match(refused.stderr, /this workspace \(the default command, the default models\): python3 evaluate\.py/);
    assert.match(refused.stderr, /--yes/);
    assert.doesNotMatch(refused.stderr, STACK);
    assert.equal(readFileSync(log, 'utf8'), before, 'nothing written to the run');
    assert.equal(existsSync(join(runsDir, runId, 'writer.lock')), false);

    // The workspace's settings say the same command: no question asked.
    mkdirSync(join(ws, '.vscode'));
    writeFileSync(join(ws, '.vscode', 'settings.json'), `{\n  // the evaluator\n  "genesis.evaluatorCommand": ${JSON.stringify(foreign)},\n}\n`);
    const matching = genesis(ws, ['runs', 'resume', runId, '--no-sandbox', '--json']);
    assert.equal(matching.code, 0, matching.stderr);
    assert.equal((JSON.parse(matching.stdout) as { status: string }).status, 'completed');
  });

  it('goes on with --yes, saying what it runs; a different model list is a difference too', () => {
    const { ws, runsDir } = workspace();
    const runId = '20261204-140000-0002';
    writeStoredRun(runsDir, runId, ws, { config: { evaluatorCommand: foreign, models: ['offline', 'openai-compatible:http://127.0.0.1:9/v1#m'], budget: 1 } });
    const refused = genesis(ws, ['runs', 'resume', runId, '--no-sandbox', '--evaluator', foreign]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /models:\n\s+stored in the run: offline, openai-compatible:http:\/\/127\.0\.0\.1:9\/v1#m\n\s+this workspace \(--evaluator, the default models\): offline/);
    const accepted = genesis(ws, ['runs', 'resume', runId, '--no-sandbox', '--yes', '--json']);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.match(accepted.stderr, /--yes: resuming run .* with what its log stores/);
    assert.equal((JSON.parse(accepted.stdout) as { status: string }).status, 'completed');
  });

  it('edited models in the log give a clear error, never a stack trace', () => {
    const { ws, runsDir } = workspace();
    const notAList = '20261204-140000-0003';
    writeStoredRun(runsDir, notAList, ws, { config: { budget: 2 } });
    const log = join(runsDir, notAList, 'events.jsonl');
    writeFileSync(log, readFileSync(log, 'utf8').replace('"models":["offline"]', '"models":"offline"'));
    const first = genesis(ws, ['runs', 'resume', notAList, '--no-sandbox', '--yes']);
    assert.equal(first.code, 1);
    assert.match(first.stderr, /genesis: run 20261204-140000-0003 has no usable start event .*config\.models: must be a non-empty list/);
    assert.doesNotMatch(first.stderr, STACK);
    assert.doesNotMatch(first.stderr, /TypeError/);

    const unknown = '20261204-140000-0004';
    writeStoredRun(runsDir, unknown, ws, { config: { budget: 2, models: ['no-such-provider:gpt'] } });
    const second = genesis(ws, ['runs', 'resume', unknown, '--no-sandbox', '--yes']);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /^genesis: .*no-such-provider/m);
    assert.doesNotMatch(second.stderr, STACK);
  });
});

describe('untrusted text printed by the CLI', () => {
  it('runs show and runs list print evaluator stderr, feedback, model text and names inert', () => {
    const { ws, runsDir } = workspace();
    const runId = '20261204-140000-0005';
    const hostile = 'x\x1b]0;owned\x07\x1b]52;c;cm0gLXJmIH4=\x07\x1b[31mred\x1b[0m\x9b2J\x07\r';
    writeStoredRun(runsDir, runId, ws, {
      config: { functionName: `approx_exp${hostile}` },
      nodes: [
        storedNode('1', { status: 'failed', score: null, reason: `evaluator failed: ${hostile}`, mutation: { kind: 'full-rewrite', summary: `model says ${hostile}`, model: 'offline' } }),
        storedNode('2', { code: `def approx_exp(x):\n    return 2.0  # ${hostile}`, diff: `-    return 1.0\n+    return 2.0  # ${hostile}` }),
      ],
      extraLines: [],
    });
    const shown = genesis(ws, ['runs', 'show', runId]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.doesNotMatch(shown.stdout, ACTIVE, JSON.stringify(shown.stdout));
    assert.match(shown.stdout, /model says xred\\x07\\x0d — evaluator failed: xred\\x07\n/);
    const json = genesis(ws, ['runs', 'show', runId, '--json']);
    assert.doesNotMatch(json.stdout, ACTIVE);
    assert.match((JSON.parse(json.stdout) as { nodes: { reason: string | null }[] }).nodes[1].reason ?? '', /\x1b\]0;owned/, 'JSON keeps the value, escaped');
    const listed = genesis(ws, ['runs', 'list']);
    assert.doesNotMatch(listed.stdout, ACTIVE);
    assert.match(listed.stdout, /approx_expxred/);
  });
});

describe('a reader that goes away', () => {
  it('genesis runs show | head -1 and runs list | head -1 end quietly (no EPIPE, no stack trace)', () => {
    const { ws, runsDir } = workspace();
    const runId = '20261204-140000-0006';
    // Far more than a pipe holds (64 KiB), so writes go on after head has exited.
    const nodes = Array.from({ length: 3000 }, (_, i) => storedNode(String(i + 1), { mutation: { kind: 'full-rewrite', summary: 'a fairly long summary line '.repeat(3), model: 'offline' } }));
    writeStoredRun(runsDir, runId, ws, { nodes, config: { budget: 3001 } });
    writeStoredRun(runsDir, '20261204-140000-0007', ws);
    const node = [process.execPath, '--import', tsxLoader, cli].map(shellQuote).join(' ');
    for (const args of [`runs show ${runId}`, `runs show ${runId} --json`, 'runs list']) {
      const result = spawnSync('bash', ['-c', `set -o pipefail; ${node} ${args} 2>err.txt | head -1 >/dev/null; echo "exit=$?"`], { cwd: ws, encoding: 'utf8', timeout: 120_000 });
      const stderr = readFileSync(join(ws, 'err.txt'), 'utf8');
      assert.match(result.stdout, /exit=0/, `${args}: ${stderr}`);
      assert.doesNotMatch(stderr, /EPIPE|Error|^\s+at /m, `${args}: ${stderr}`);
    }
  });
});
