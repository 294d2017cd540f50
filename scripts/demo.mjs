#!/usr/bin/env node
// `npm run demo`: Genesis in a real VS Code in your browser, from a fresh checkout.
// Installs what is missing, builds and packages Genesis (dist/genesis.vsix), installs that .vsix
// into code-server, opens a copy of the example workspace and serves it on 127.0.0.1 until Ctrl+C.
// No API key needed: the default model is the offline operator.
//
//   npm run demo                 serve (port: GENESIS_DEMO_PORT or 8080, else a free one)
//   npm run demo -- --check      start, load the workbench once in headless Chromium, verify that
//                                Genesis activated, print OK and exit (a quick self-test)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const check = process.argv.includes('--check');
const say = (msg) => console.log(`[demo] ${msg}`);

function sh(cmd, args, opts = {}) {
  say(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`[demo] ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const onPath = (bin) => (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, bin)));

/** Debian packages the demo needs, each with how to tell it is there. */
function missingSystemPackages() {
  const wanted = [
    ['libkrb5-dev', () => existsSync('/usr/include/gssapi/gssapi.h') || existsSync('/usr/include/krb5.h')],
    ['build-essential', () => onPath('make') && onPath('g++')],
    ['python3', () => onPath('python3')],
    ['bubblewrap', () => onPath('bwrap')],
  ];
  if (check) wanted.push(['chromium', () => ['/usr/bin/chromium', '/usr/bin/chromium-browser'].some(existsSync) || Boolean(process.env.CHROMIUM_PATH)]);
  return wanted.filter(([, present]) => !present()).map(([name]) => name);
}

function ensureSystemPackages() {
  const missing = missingSystemPackages();
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(`[demo] missing system packages: ${missing.join(' ')}\n[demo] install them with: sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  sh('apt-get', ['update'], { env });
  sh('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Genesis's activation, as the extension host logged it. */
function genesisActivation(findFiles, userDataDir) {
  for (const f of findFiles(join(userDataDir, 'logs'), /exthost\.log$/)) {
    const m = /ExtensionService#_doActivateExtension genesis-dev\.genesis-evolve.*/.exec(readFileSync(f, 'utf8'));
    if (m) return m[0];
  }
  for (const f of findFiles(join(userDataDir, 'logs'), /Genesis\.log$/)) {
    const m = /Genesis activated.*/.exec(readFileSync(f, 'utf8'));
    if (m) return m[0];
  }
  return null;
}

async function selfTest(harness, server) {
  const browser = await harness.launchBrowser();
  try {
    const { page, readyMs } = await harness.openWorkbench(browser, server.workspaceUrl);
    say(`workbench ready in ${(readyMs / 1000).toFixed(1)} s`);
    // Genesis activates lazily; opening its view (as a user would) activates it.
    const genesisView = page.locator('.part.activitybar .action-item a[aria-label^="Genesis"]').first();
    await genesisView.waitFor({ state: 'visible', timeout: 60_000 });
    await genesisView.click();
    const deadline = Date.now() + 60_000;
    let activation = null;
    while (!activation && Date.now() < deadline) {
      activation = genesisActivation(harness.findFiles, server.userDataDir);
      if (!activation) await new Promise((r) => setTimeout(r, 500));
    }
    if (!activation) throw new Error('Genesis did not activate within 60 s (see the extension host log under the user data dir)');
    say(`Genesis activated: ${activation.trim()}`);
  } finally {
    await browser.close();
  }
}

async function main() {
  ensureSystemPackages();
  if (!existsSync(join(root, 'node_modules'))) sh('npm', ['ci', '--no-audit', '--no-fund']);
  // Imported only now: the harness needs node_modules (playwright-core) to be there.
  const harness = await import('../test/harness/codeServer.mjs');
  await harness.ensureCodeServer();
  sh('npm', ['run', '--silent', 'package']);
  const vsix = join(root, 'dist/genesis.vsix');
  if (!existsSync(vsix)) throw new Error('npm run package produced no dist/genesis.vsix');

  // Kept between demos, so that what you change in it survives a restart.
  const workspace = harness.copyExampleWorkspace('demo', { dest: join(root, '.vscode-test/demo-workspace'), fresh: false });
  const preferred = Number(process.env.GENESIS_DEMO_PORT ?? 8080);
  const port = await harness.freePort(check ? 0 : preferred);
  if (!check && port !== preferred) say(`port ${preferred} is taken; using ${port}`);
  const server = await harness.startCodeServer({ label: check ? 'demo-check' : 'demo', workspace, vsixFiles: [vsix], port });

  if (check) {
    try {
      await selfTest(harness, server);
      say('OK');
    } finally {
      await server.stop();
      server.removeState();
    }
    return;
  }

  const stop = async () => {
    say('stopping code-server');
    await server.stop();
    server.removeState(); // the workspace (and its .genesis runs) stays
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.log(`
Genesis is running in VS Code at:

    ${server.workspaceUrl}

  1. Open approx.py (Explorer on the left).
  2. Right-click inside approx_exp → "Evolve Function", then Enter on "Start evolution".
  3. Watch the Evolution panel: candidates, scores, the search tree. "Accept" applies one.
     The Genesis view in the activity bar lists past runs.

Model: offline (no API key needed). For a real model: Settings → genesis.models, e.g.
"openai-compatible:https://api.openai.com/v1#gpt-4o-mini", then "Genesis: Set API Key".
Workspace: ${workspace}
code-server log: ${server.logFile}
Ctrl+C to stop.`);
}

main().catch((err) => {
  console.error(`[demo] ${err.stack ?? err}`);
  process.exit(1);
});
