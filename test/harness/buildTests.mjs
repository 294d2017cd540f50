// Bundles the integration suites with esbuild: into the test-runner extension (code-server) and
// into a plain --extensionTestsPath module (@vscode/test-electron). `vscode` stays external.
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { repoRoot, runTag, tmpRoot } from './codeServer.mjs';

const suitesDir = join(repoRoot, 'test/integration/suites');
const VIRTUAL = 'virtual:genesis-integration-suites';

/** test/integration/suites/*.test.ts, sorted, optionally only those whose name matches. */
export function listSuiteFiles(filter = process.env.GENESIS_TEST_SUITES) {
  if (!existsSync(suitesDir)) return [];
  return readdirSync(suitesDir)
    .filter((f) => f.endsWith('.test.ts'))
    .filter((f) => !filter || filter.split(',').some((part) => f.includes(part.trim())))
    .sort()
    .map((f) => join(suitesDir, f));
}

/** Generates the module declared in test/integration/runner/integrationSuites.d.ts. */
function suitesPlugin(files) {
  return {
    name: 'genesis-integration-suites',
    setup(build) {
      build.onResolve({ filter: /^virtual:genesis-integration-suites$/ }, () => ({ path: VIRTUAL, namespace: 'genesis-suites' }));
      build.onLoad({ filter: /.*/, namespace: 'genesis-suites' }, () => ({
        // require() keeps each suite lazy: it must run after mocha has set describe/it globals.
        contents: [
          `export const suiteFiles = ${JSON.stringify(files.map((f) => relative(repoRoot, f)))};`,
          'export function loadSuites() {',
          ...files.map((f) => `  require(${JSON.stringify(f)});`),
          '}',
        ].join('\n'),
        loader: 'js',
        resolveDir: repoRoot,
      }));
    },
  };
}

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  external: ['vscode'],
  logLevel: 'warning',
  // mocha's parallel mode (unused here) resolves worker files at run time.
  logOverride: { 'require-resolve-not-external': 'silent' },
  // Same import.meta.url treatment as the extension's own build (see scripts/build.mjs).
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

/** Builds the unpacked test-runner extension folder; returns its path. */
export async function buildRunnerExtension() {
  const files = listSuiteFiles();
  const out = join(tmpRoot, `runner-${runTag}`, 'genesis-dev.genesis-test-runner-0.0.1');
  rmSync(join(tmpRoot, `runner-${runTag}`), { recursive: true, force: true });
  mkdirSync(join(out, 'dist'), { recursive: true });
  cpSync(join(repoRoot, 'test/integration/runner/package.json'), join(out, 'package.json'));
  await esbuild.build({
    ...common,
    entryPoints: [join(repoRoot, 'test/integration/runner/extension.ts')],
    outfile: join(out, 'dist/runner.js'),
    plugins: [suitesPlugin(files)],
  });
  return { dir: out, suiteFiles: files };
}

/** Builds the @vscode/test-electron entry (exports run()); returns the module path. */
export async function buildElectronTests({ outfile = join(tmpRoot, `electron-tests-${runTag}`, 'index.js') } = {}) {
  const files = listSuiteFiles();
  await esbuild.build({
    ...common,
    entryPoints: [join(repoRoot, 'test/integration/index.ts')],
    outfile: resolve(repoRoot, outfile),
    plugins: [suitesPlugin(files)],
  });
  return { file: resolve(repoRoot, outfile), suiteFiles: files };
}
