// Load: one run of 5,000 evaluations with 8 in flight, through the CLI as it ships (the current
// sources bundled like scripts/build.mjs does, into a temp dir, so the figure carries no tsx
// overhead and dist/ is left alone). Each evaluation is a real process: a shell evaluator that
// scores the candidate from a checksum of its file (a few ms; the engine, store and PRM around it
// are what is measured). Measured: the CLI's peak RSS (VmHWM, target < 150 MB), RSS sampled
// over the run, and the time per candidate in the first and the last 500 evaluations (no
// slowdown: ratio near 1). Writes test/bench/results/load.json.
//
// Env: GENESIS_LOAD_EVALUATIONS (default 5000), GENESIS_LOAD_CONCURRENCY (default 8),
//      GENESIS_LOAD_MODEL=fixture (children from the fixture model server through the openai
//      client instead of the offline operator: every node then carries a prompt and a reply).
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { startLlmServer, tunerReply, type LlmServer } from '../fixtures/llmServer';
import { bundleLauncher } from './lib/launcherBundle';

const repo = join(__dirname, '..', '..');
const EVALUATIONS = Number(process.env.GENESIS_LOAD_EVALUATIONS ?? 5000);
const CONCURRENCY = Number(process.env.GENESIS_LOAD_CONCURRENCY ?? 8);
const WINDOW = Math.min(500, Math.floor(EVALUATIONS / 4));
const RSS_TARGET_MB = 150;
const MODEL = process.env.GENESIS_LOAD_MODEL === 'fixture' ? 'fixture' : 'offline';

/** The CLI bundle of the current sources, with its grammars next to it. */
async function bundleCli(dir: string): Promise<string> {
  const outfile = join(dir, 'cli.js');
  await esbuild.build({
    entryPoints: [join(repo, 'src/cli/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'cpu-features', '*.node'],
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
  // The evaluation launcher next to the CLI, where the CLI looks for it (as in dist/).
  await bundleLauncher(join(dir, 'evaluation-launcher.js'));
  const wasm = join(dir, 'wasm');
  mkdirSync(wasm);
  const grammars = join(repo, 'node_modules/@vscode/tree-sitter-wasm/wasm');
  for (const f of readdirSync(grammars)) if (/^tree-sitter-(python|typescript|tsx|javascript|rust|go|cpp)\.wasm$/.test(f)) cpSync(join(grammars, f), join(wasm, f));
  cpSync(join(repo, 'node_modules/web-tree-sitter/tree-sitter.wasm'), join(wasm, 'tree-sitter.wasm'));
  return outfile;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;

/** Child processes of `parent` that are evaluation launchers. */
function launcherPids(parent: number): number[] {
  try {
    return readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .filter((child) => {
        try {
          return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('evaluation-launcher');
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

async function main(): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'genesis-load-'));
  let server: LlmServer | undefined;
  try {
    // The tuner seeded per request (not per prompt): a model that keeps proposing new constants.
    if (MODEL === 'fixture') server = await startLlmServer({ reply: (request) => tunerReply({ prompt: `${request.prompt}\n#${request.index}` }) });
    const cli = await bundleCli(scratch);
    const ws = join(scratch, 'ws');
    cpSync(join(repo, 'evaluators', 'python', 'example'), ws, { recursive: true, filter: (s) => !/(__pycache__|\.genesis)$/.test(s) });
    // A real process per evaluation, as cheap as one gets: checksum the candidate, print a score.
    const evaluator = `echo "{\\"score\\": -$(cksum < "$GENESIS_CANDIDATE_FILE" | cut -c1-3)}"`;
    const args = [cli, 'evolve', 'approx.py', '--function', 'approx_exp', '--evaluator', evaluator, '--budget', String(EVALUATIONS),
      '--concurrency', String(CONCURRENCY), '--timeout', '30', '--json',
      ...(server ? ['--model', `openai-compatible:${server.openaiBaseURL}#fixture-model`] : [])];
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    if (pid === undefined) throw new Error('the CLI did not start');
    // Arrival time of each "[n/N]" progress line: when evaluation n was recorded.
    const doneAt: number[] = [];
    let stdout = '';
    let pendingLine = '';
    let stderrTail = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const now = performance.now();
      const text = pendingLine + d.toString();
      const lines = text.split('\n');
      pendingLine = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^\[(\d+)\//.exec(line);
        if (m && doneAt[Number(m[1])] === undefined) doneAt[Number(m[1])] = now;
      }
      stderrTail = (stderrTail + text).slice(-4000);
    });
    const rssSamples: { atS: number; evaluations: number; rssMb: number }[] = [];
    let peakKb = 0;
    /** Peak RSS of each evaluation launcher (child processes of the CLI), by pid. */
    const launcherPeakKb = new Map<number, number>();
    const sampler = setInterval(() => {
      const rss = statusKb(pid, 'VmRSS');
      const hwm = statusKb(pid, 'VmHWM');
      if (hwm !== undefined) peakKb = Math.max(peakKb, hwm);
      for (const launcher of launcherPids(pid)) launcherPeakKb.set(launcher, Math.max(launcherPeakKb.get(launcher) ?? 0, statusKb(launcher, 'VmHWM') ?? 0));
      if (rss !== undefined) rssSamples.push({ atS: Math.round((performance.now() - started) / 100) / 10, evaluations: doneAt.length - 1, rssMb: mb(rss) });
    }, 250);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(sampler);
    const wallS = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`the CLI exited with ${code}:\n${stderrTail}`);
    const summary = JSON.parse(stdout) as { status: string; evaluations: number; runDir: string; candidates: number; skipped: number; failed: number };
    if (summary.evaluations !== EVALUATIONS) throw new Error(`${summary.evaluations}/${EVALUATIONS} evaluations, run ${summary.status}: ${stdout.slice(0, 2000)}\n${stderrTail}`);
    const perCandidateMs = (from: number, to: number) => (doneAt[to] - doneAt[from]) / (to - from);
    const firstMs = perCandidateMs(1, 1 + WINDOW);
    const lastMs = perCandidateMs(EVALUATIONS - WINDOW, EVALUATIONS);
    const runDirBytes = readdirSync(summary.runDir).reduce((sum, f) => sum + statSync(join(summary.runDir, f)).size, 0);
    // RSS at 10% and at the end: growth per 1,000 evaluations, the slope that memory bounds are about.
    const at = (fraction: number) => rssSamples.find((s) => s.evaluations >= EVALUATIONS * fraction)?.rssMb ?? 0;
    const rss10 = at(0.1);
    const rssEnd = rssSamples.filter((s) => s.evaluations >= EVALUATIONS * 0.98)[0]?.rssMb ?? rssSamples[rssSamples.length - 1]?.rssMb ?? 0;
    const results = {
      evaluations: EVALUATIONS,
      concurrency: CONCURRENCY,
      model: MODEL,
      status: summary.status,
      candidates: summary.candidates,
      skipped: summary.skipped,
      failed: summary.failed,
      wallSeconds: Math.round(wallS * 10) / 10,
      evaluationsPerSecond: Math.round((EVALUATIONS / wallS) * 10) / 10,
      peakRssMb: mb(peakKb),
      /** The evaluation launchers' peak RSS, each (separate processes, not in peakRssMb). */
      launcherPeakRssMb: [...launcherPeakKb.values()].map(mb),
      rssTargetMb: RSS_TARGET_MB,
      withinTarget: mb(peakKb) < RSS_TARGET_MB,
      rssAt10PercentMb: rss10,
      rssAtEndMb: rssEnd,
      rssGrowthMbPer1000: Math.round(((rssEnd - rss10) / (EVALUATIONS * 0.88 / 1000)) * 10) / 10,
      firstWindowMsPerCandidate: Math.round(firstMs * 100) / 100,
      lastWindowMsPerCandidate: Math.round(lastMs * 100) / 100,
      window: WINDOW,
      slowdown: Math.round((lastMs / firstMs) * 100) / 100,
      runDirMb: Math.round((runDirBytes / 1048576) * 10) / 10,
      rssSamples: rssSamples.filter((_, i) => i % 4 === 0),
      cli: 'esbuild bundle of src/cli/main.ts (as scripts/build.mjs), node ' + process.version,
      evaluator,
      at: new Date().toISOString(),
    };
    const out = join(repo, 'test', 'bench', 'results');
    mkdirSync(out, { recursive: true });
    const file = MODEL === 'fixture' ? 'load-model.json' : 'load.json';
    writeFileSync(join(out, file), JSON.stringify(results, null, 2) + '\n');
    console.log(`load (${MODEL} mutations): ${EVALUATIONS} evaluations, ${CONCURRENCY} in flight, ${results.wallSeconds} s (${results.evaluationsPerSecond}/s), ${summary.candidates} candidates`);
    console.log(`  peak RSS of the CLI ${results.peakRssMb} MB (target < ${RSS_TARGET_MB} MB); RSS ${rss10} MB at 10% → ${rssEnd} MB at the end (${results.rssGrowthMbPer1000} MB per 1,000 evaluations)`);
    console.log(`  evaluation launchers (separate processes): peak RSS ${results.launcherPeakRssMb.join(' MB, ')} MB`);
    console.log(`  per candidate: first ${WINDOW} ${results.firstWindowMsPerCandidate} ms, last ${WINDOW} ${results.lastWindowMsPerCandidate} ms (×${results.slowdown})`);
    console.log(`  run log ${results.runDirMb} MB; wrote test/bench/results/${file}`);
    return results.withinTarget && results.slowdown < 1.5 ? 0 : 1;
  } finally {
    await server?.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`load bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
