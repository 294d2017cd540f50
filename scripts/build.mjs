// One build for everything: the extension host bundle (Node, CJS), the CLI (Node, CJS), the
// evaluation launcher (Node, CJS), the webview (browser, IIFE); tree-sitter WASM files are
// copied next to the bundles.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const dist = join(root, 'dist');

function copyWasm() {
  const wasmOut = join(dist, 'wasm');
  mkdirSync(wasmOut, { recursive: true });
  const grammars = join(root, 'node_modules/@vscode/tree-sitter-wasm/wasm');
  for (const f of readdirSync(grammars)) {
    if (/^tree-sitter-(python|typescript|tsx|javascript|rust|go|cpp)\.wasm$/.test(f)) cpSync(join(grammars, f), join(wasmOut, f));
  }
  // The runtime must match the grammar ABI: web-tree-sitter 0.25.x.
  cpSync(join(root, 'node_modules/web-tree-sitter/tree-sitter.wasm'), join(wasmOut, 'tree-sitter.wasm'));
}

// "Create Evaluator" and `genesis init` fill in these templates: ship them next to the bundles.
function copyEvaluatorTemplates() {
  for (const language of ['python', 'node']) {
    cpSync(join(root, 'evaluators', language, 'template'), join(dist, 'evaluators', language, 'template'), { recursive: true });
  }
}

// web-tree-sitter reads import.meta.url, which is empty in a CJS bundle (see FACTS.md).
const importMetaUrlBanner = "const __importMetaUrl = require('url').pathToFileURL(__filename).href;";

const nodeCommon = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  external: ['vscode', 'cpu-features', '*.node'],
  define: { 'import.meta.url': '__importMetaUrl' },
  logLevel: 'info',
};

const builds = [
  { ...nodeCommon, entryPoints: [join(root, 'src/extension.ts')], outfile: join(dist, 'extension.js'), banner: { js: importMetaUrlBanner } },
  { ...nodeCommon, entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(dist, 'cli.js'), banner: { js: '#!/usr/bin/env node\n' + importMetaUrlBanner } },
  // The evaluation launcher runs as a process of its own, next to the bundles that start it.
  { ...nodeCommon, entryPoints: [join(root, 'src/core/evaluate/launcher/launcherProcess.ts')], outfile: join(dist, 'evaluation-launcher.js') },
  {
    entryPoints: [join(root, 'webview/main.ts')],
    outfile: join(dist, 'webview.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
  },
];

mkdirSync(dist, { recursive: true });
copyWasm();
copyEvaluatorTemplates();
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync(join(dist, 'cli.js'), 0o755);
}
