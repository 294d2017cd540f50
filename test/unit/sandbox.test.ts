// The bubblewrap sandbox, tried by a hostile candidate: it must not write outside its work dir
// (the user's workspace, /tmp, $HOME, through symlinks that point at the user's files), must not
// reach the network (a TCP server on this machine's 127.0.0.1), and a candidate that tries fails
// with a clear reason while the run goes on. Skipped, with the reason, where bwrap does not work.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { bubblewrapArgv, detectBubblewrap } from '../../src/core/evaluate/bubblewrap';
import { homeShield } from '../../src/core/evaluate/homeShield';
import { detectSandbox, SandboxUnavailableError } from '../../src/core/evaluate/sandboxChoice';
import { sandboxExecArgv, sandboxExecProfile, sbplString } from '../../src/core/evaluate/sandboxExec';
import { LocalEvaluator } from '../../src/core/evaluate/localEvaluator';
import type { EvaluationRequest } from '../../src/core/types';

const repo = join(__dirname, '..', '..');
const tsxLoader = pathToFileURL(join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const tag = `genesis-sandbox-${process.pid}`;

/** Tries every escape; prints one JSON line: what worked, what was refused and how. */
const ESCAPE_PY = String.raw`
import json, os, socket, sys
targets = json.loads(sys.argv[1])
port = int(sys.argv[2])
report = {}
for name, path in targets.items():
    try:
        with open(path, 'a') as f:
            f.write('escaped\n')
        report[name] = 'written'
    except OSError as e:
        report[name] = 'refused: %s' % e.strerror
try:
    s = socket.create_connection(('127.0.0.1', port), timeout=2)
    s.sendall(b'escaped')
    s.close()
    report['network'] = 'connected'
except OSError as e:
    report['network'] = 'refused: %s' % (e.strerror or e)
report['own_workdir'] = 'written' if open('inside.txt', 'w').write('ok') else 'refused'
print(json.dumps({'score': 1, 'feedback': json.dumps(report)}))
`;

let counter = 0;
function request(text = 'def f():\n    return 1\n'): EvaluationRequest {
  counter++;
  return { candidateFileText: text, relativePath: 'cand.py', functionName: 'f', language: 'python', evaluationId: `sandbox-${counter}` };
}

describe('bubblewrap sandbox against a hostile candidate', async () => {
  const probe = await detectBubblewrap();
  if (!probe.usable) {
    it(`skipped: ${probe.problem}`, { skip: probe.problem ?? 'bubblewrap is not usable' }, () => undefined);
    return;
  }
  let scratch: string;
  let workspace: string;
  let usersDir: string;
  let outsideFile: string;
  let hostTmpFile: string;
  let homeFile: string;
  let server: Server;
  let port: number;
  let connections = 0;
  const evaluators: LocalEvaluator[] = [];

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), `${tag}-`));
    workspace = join(scratch, 'workspace');
    mkdirSync(workspace);
    writeFileSync(join(workspace, 'cand.py'), 'def f():\n    return 1\n');
    writeFileSync(join(workspace, 'escape.py'), ESCAPE_PY);
    // The user's own files (in $HOME, where users keep them), reachable from the copy only through links.
    usersDir = mkdtempSync(join(homedir(), `.${tag}-`));
    outsideFile = join(usersDir, 'users-notes.txt');
    writeFileSync(outsideFile, 'original\n');
    symlinkSync(outsideFile, join(workspace, 'notes-link.txt'));
    symlinkSync(join(workspace, 'cand.py'), join(workspace, 'cand-link.py'));
    mkdirSync(join(workspace, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(workspace, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
    writeFileSync(join(workspace, '.gitignore'), 'node_modules\n');
    hostTmpFile = join(tmpdir(), `${tag}-written-from-sandbox.txt`);
    homeFile = join(homedir(), `.${tag}-written-from-sandbox`);
    server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    for (const e of evaluators) await e.dispose();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(scratch, { recursive: true, force: true });
    rmSync(usersDir, { recursive: true, force: true });
    rmSync(hostTmpFile, { force: true });
    rmSync(homeFile, { force: true });
  });

  const evaluator = (command: string) => {
    const e = new LocalEvaluator({ workspaceRoot: workspace, command, sandbox: 'bwrap', timeoutSec: 20 });
    evaluators.push(e);
    return e;
  };

  it('cannot write the workspace, /tmp, $HOME or through symlinks, and cannot connect to 127.0.0.1', async () => {
    const targets = {
      workspace: join(workspace, 'cand.py'),
      workspace_new_file: join(workspace, 'planted.py'),
      host_tmp: hostTmpFile,
      home: homeFile,
      symlink_to_users_file: 'notes-link.txt',
      absolute_symlink_into_workspace: 'cand-link.py',
      linked_node_modules: 'node_modules/dep/index.js',
    };
    const e = evaluator(`python3 escape.py '${JSON.stringify(targets)}' ${port}`);
    const result = await e.evaluate(request(), new AbortController().signal);
    assert.equal(result.status, 'ok', result.reason);
    assert.equal(result.sandboxed, true);
    const report = JSON.parse(result.feedback) as Record<string, string>;
    // $HOME is an empty tmpfs inside the sandbox: a write there lands in it, never in the real home (checked below).
    for (const name of ['workspace', 'workspace_new_file', 'symlink_to_users_file', 'absolute_symlink_into_workspace', 'linked_node_modules']) {
      assert.match(report[name] ?? '', /^refused: /, `${name}: ${report[name]}`);
    }
    // /tmp inside the sandbox is a private tmpfs: a write there must not reach the real /tmp.
    assert.equal(existsSync(hostTmpFile), false, `the sandbox wrote ${hostTmpFile} (${report.host_tmp})`);
    assert.equal(existsSync(homeFile), false);
    assert.match(report.network ?? '', /^refused: /, `network: ${report.network}`);
    assert.equal(connections, 0, 'the local TCP server saw a connection from the sandbox');
    assert.equal(report.own_workdir, 'written', 'the candidate can write its own work dir');
    assert.equal(readFileSync(join(workspace, 'cand.py'), 'utf8'), 'def f():\n    return 1\n');
    assert.equal(readFileSync(outsideFile, 'utf8'), 'original\n');
    assert.equal(existsSync(join(workspace, 'planted.py')), false);
    assert.equal(readFileSync(join(workspace, 'node_modules', 'dep', 'index.js'), 'utf8'), 'module.exports = 1;\n');
  });

  it('cannot read a key file in $HOME, while the toolchains kept there (pyenv, cargo, rustup) still run', async () => {
    const keyFile = join(homedir(), `.${tag}-id_ed25519`);
    writeFileSync(keyFile, 'FAKE-PRIVATE-KEY-GENESIS\n', { mode: 0o600 });
    try {
      const toolchain = existsSync(join(homedir(), '.cargo', 'bin', 'cargo')) ? 'cargo --version && rustc --version && ' : '';
      const e = evaluator(`cat ${keyFile} ~/.ssh/* ~/.gitconfig 2>&1; ls -A ~ | tr '\\n' ' '; echo; ${toolchain}python3 -c 'print("{\\"score\\": 1}")'`);
      const result = await e.evaluate(request(), new AbortController().signal);
      assert.equal(result.status, 'ok', `${result.reason}\n${result.stdoutTail}`);
      assert.doesNotMatch(result.stdoutTail, /FAKE-PRIVATE-KEY/);
      assert.match(result.stdoutTail, /No such file or directory/);
      if (toolchain) assert.match(result.stdoutTail, /^cargo \d+\.\d+/m);
      // Outside the sandbox the same command reads it (so the assertion above can fail).
      const plain = new LocalEvaluator({ workspaceRoot: workspace, command: `cat ${keyFile}; echo '{"score": 1}'`, sandbox: 'none', timeoutSec: 20 });
      evaluators.push(plain);
      assert.match((await plain.evaluate(request(), new AbortController().signal)).stdoutTail, /FAKE-PRIVATE-KEY/);
    } finally {
      rmSync(keyFile, { force: true });
    }
  });

  it('the same escapes succeed without the sandbox (so the test above can fail)', async () => {
    const e = new LocalEvaluator({ workspaceRoot: workspace, command: `python3 escape.py '${JSON.stringify({ host_tmp: hostTmpFile })}' ${port}`, sandbox: 'none', timeoutSec: 20 });
    evaluators.push(e);
    const result = await e.evaluate(request(), new AbortController().signal);
    const report = JSON.parse(result.feedback) as Record<string, string>;
    assert.equal(report.host_tmp, 'written');
    assert.equal(report.network, 'connected');
    rmSync(hostTmpFile, { force: true });
    connections = 0;
  });

  it('a candidate that writes outside fails with a clear reason and the CLI run goes on', () => {
    // Every third candidate tries to overwrite the user's file; the others score normally.
    const ws = join(scratch, 'cli-ws');
    cpSync(join(repo, 'evaluators', 'python', 'example'), ws, { recursive: true, filter: (s) => !/(__pycache__|\.genesis)$/.test(s) });
    const original = readFileSync(join(ws, 'approx.py'), 'utf8');
    writeFileSync(
      join(ws, 'hostile_eval.py'),
      [
        'import importlib.util, json, math, os, sys',
        'n = int(os.environ["GENESIS_EVALUATION_ID"].rsplit("-", 1)[1])',
        `if n % 3 == 1: open(${JSON.stringify(join(ws, 'approx.py'))}, "w").write("pwned")`,
        'spec = importlib.util.spec_from_file_location("c", os.environ["GENESIS_CANDIDATE_FILE"])',
        'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
        'print(json.dumps({"score": -max(abs(m.approx_exp(x / 10) - math.exp(x / 10)) for x in range(-10, 11))}))',
      ].join('\n'),
    );
    const r = spawnSync(
      process.execPath,
      ['--import', tsxLoader, join(repo, 'src', 'cli', 'main.ts'), 'evolve', 'approx.py', '--function', 'approx_exp', '--evaluator', 'python3 hostile_eval.py', '--budget', '7', '--json'],
      { cwd: ws, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { status: string; evaluations: number; failed: number };
    assert.equal(summary.status, 'completed');
    assert.equal(summary.evaluations, 7);
    assert.ok(summary.failed >= 2, `failed ${summary.failed}`);
    assert.match(r.stderr, /failed: evaluator exited with code 1: OSError: \[Errno 30\] Read-only file system/);
    assert.match(r.stderr, /sandboxed \(bubblewrap/);
    assert.equal(readFileSync(join(ws, 'approx.py'), 'utf8'), original, 'the user file is untouched');
  });
});

describe('home shield: what a sandboxed candidate sees of the home folders', () => {
  const existing = new Set(['/root', '/home', '/root/.cargo', '/root/.rustup', '/root/.pyenv', '/root/.cargo/credentials.toml', '/root/bin', '/opt/tool']);
  const shield = homeShield({
    home: '/root',
    env: { PATH: '/root/.pyenv/shims:/root/.cargo/bin:/usr/bin:/root/bin:/opt/tool/bin', RUSTUP_HOME: '/root/.rustup' },
    exists: (p) => existing.has(p),
  });

  it('hides the homes and keeps the toolchains readable, credentials masked', () => {
    assert.deepEqual(shield.hidden, ['/root', '/home']);
    assert.deepEqual(shield.readable, ['/root/.cargo', '/root/.pyenv', '/root/.rustup', '/root/bin']);
    assert.deepEqual(shield.masked, ['/root/.cargo/credentials.toml']);
  });

  it('a home inside /home is hidden with /home; its toolchain on PATH stays', () => {
    const user = homeShield({ home: '/home/ada', env: { PATH: '/home/ada/.nvm/versions/node/v20/bin:/usr/bin' }, exists: (p) => ['/home', '/home/ada', '/home/ada/.nvm'].includes(p) });
    assert.deepEqual(user, { hidden: ['/home'], readable: ['/home/ada/.nvm'], masked: [] });
  });

  it('bubblewrap: tmpfs over each home (sized), toolchains bound back read-only after it, then the work dir', () => {
    const argv = bubblewrapArgv(['/bin/sh', '-c', 'true'], { writableDirs: ['/tmp/genesis-eval-x/slots/0'], readOnlyDirs: ['/root/project'], cwd: '/tmp/genesis-eval-x/slots/0/ws', shield, tmpfsBytes: 1048576 }).join(' ');
    assert.match(argv, /--size 1048576 --tmpfs \/tmp --size 1048576 --tmpfs \/root --size 1048576 --tmpfs \/home --ro-bind \/root\/\.cargo \/root\/\.cargo .*--ro-bind \/dev\/null \/root\/\.cargo\/credentials\.toml --ro-bind \/root\/project \/root\/project --bind \/tmp\/genesis-eval-x\/slots\/0 /);
  });

  it('macOS: a sandbox-exec profile that writes only the work dir and temp, denies the network, hides the home', () => {
    const profile = sandboxExecProfile({ writableDirs: ['/private/var/folders/ab/T/genesis-eval-1/slots/0', '/private/tmp'], readOnlyDirs: ['/Users/ada/project'], shield: { hidden: ['/Users/ada'], readable: ['/Users/ada/.cargo'], masked: ['/Users/ada/.cargo/credentials.toml'] } });
    assert.equal(
      profile,
      [
        '(version 1)',
        '(allow default)',
        '(deny network*)',
        '(allow network* (remote unix-socket))',
        '(deny file-write*)',
        '(allow file-write* (subpath "/private/var/folders/ab/T/genesis-eval-1/slots/0") (subpath "/private/tmp") (literal "/dev/null") (literal "/dev/zero") (literal "/dev/tty") (literal "/dev/dtracehelper") (regex #"^/dev/fd/"))',
        '(deny file-read* (subpath "/Users/ada"))',
        '(allow file-read-metadata (literal "/Users/ada"))',
        '(allow file-read* (subpath "/Users/ada/.cargo") (subpath "/Users/ada/project") (subpath "/private/var/folders/ab/T/genesis-eval-1/slots/0") (subpath "/private/tmp"))',
        '(deny file-read* (literal "/Users/ada/.cargo/credentials.toml"))',
        '',
      ].join('\n'),
    );
    assert.doesNotMatch(sandboxExecProfile({ writableDirs: ['/w'], allowNetwork: true }), /network/);
    assert.equal(sbplString('/a "quoted" \\ path'), '"/a \\"quoted\\" \\\\ path"');
    assert.throws(() => sbplString('/a\nb'), /control character/);
    assert.deepEqual(sandboxExecArgv(['/bin/sh', '-c', 'x'], { writableDirs: ['/w'] }).slice(0, 2), ['/usr/bin/sandbox-exec', '-p']);
  });
});

describe('no sandbox here', () => {
  it('the refusal says what unsandboxed means and how to install bubblewrap on Debian/Ubuntu, Fedora and Arch', () => {
    const error = new SandboxUnavailableError('bwrap is not on PATH');
    assert.match(error.message, /^no sandbox for candidate code on this machine \(bwrap is not on PATH\)/);
    assert.match(error.message, /read and change every file you can/);
    for (const command of ['sudo apt install bubblewrap', 'sudo dnf install bubblewrap', 'sudo pacman -S bubblewrap']) assert.ok(error.message.includes(command), command);
  });

  it('macOS uses sandbox-exec where it exists', async () => {
    const found = await detectSandbox('darwin');
    assert.equal(found.kind === 'sandbox-exec', existsSync('/usr/bin/sandbox-exec'));
  });
});
