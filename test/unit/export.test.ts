import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportRunsCli, exportRunsCommand } from '../../src/cli/exportCommand';
import { EvolutionRun } from '../../src/core/engine/run';
import { devWasmPaths, TreeSitterService } from '../../src/core/lang/treeSitter';
import { findNumericLiterals, OfflineMutationSource } from '../../src/core/mutate/offline';
import { LearnedPrm } from '../../src/core/prm/learnedPrm';
import { exportRun, redactSecrets, type ExportedMutation, type PreferencePair } from '../../src/core/store/exportRuns';
import { RunStore } from '../../src/core/store/runStore';
import type { EvaluationRequest, EvaluationResult, Evaluator, MutationProposal, MutationSource, RunConfig } from '../../src/core/types';

const ROOT = 'def f(x):\n    y = 1.0 * x + 0.5\n    return y * 3.0';
const FILE = `import math\n\n${ROOT}\n`;
const KEY = 'sk-proj-abcdefghijklmnopqrstuvwx0123';
const repo = join(__dirname, '..', '..');
const dirs: string[] = [];
let treeSitter: TreeSitterService;
let runsDir: string;
let runId: string;

/** Scores how close the literals get to (2.0, 1.5, 2.5); fails (incorrect) when the first goes above 2.2. */
const evaluator: Evaluator = {
  evaluate: async (request: EvaluationRequest): Promise<EvaluationResult> => {
    const lits = findNumericLiterals(request.candidateFileText, 'python').map((l) => l.value);
    const base = { metrics: {}, feedback: '', stdoutTail: '', stderrTail: '', durationMs: 0, sandboxed: false };
    if (lits[0] > 1.12) return { ...base, status: 'incorrect', score: null, correct: false, reason: 'tests failed' };
    return { ...base, status: 'ok', score: -Math.abs(lits[0] - 2) - Math.abs(lits[1] - 1.5) - Math.abs(lits[2] - 2.5), correct: true };
  },
};

/** The offline operator, with a prompt and reply that leak a key (as a careless proxy log might). */
class LeakySource implements MutationSource {
  readonly id = 'leaky';
  private readonly inner = new OfflineMutationSource();
  async propose(...args: Parameters<MutationSource['propose']>): Promise<MutationProposal> {
    const proposal = await this.inner.propose(...args);
    return { ...proposal, prompt: `Authorization: Bearer ${KEY}\nimprove f`, reply: `using key ${KEY}` };
  }
}

before(async () => {
  treeSitter = new TreeSitterService(devWasmPaths(repo));
  runsDir = mkdtempSync(join(tmpdir(), 'genesis-export-runs-'));
  dirs.push(runsDir);
  const store = new RunStore(runsDir);
  runId = '20261204-120000-e001';
  const recorder = store.openRecorder(runId);
  const config: RunConfig = {
    language: 'python', functionName: 'f', filePath: '/ws/f.py', relativePath: 'f.py', workspaceRoot: '/ws',
    evaluatorCommand: `OPENAI_API_KEY=${KEY} python3 evaluate.py --token hunter2hunter2`, models: ['offline'],
    budget: 30, concurrency: 3, seed: 5, timeoutSec: 5,
  };
  const start = FILE.indexOf(ROOT);
  const run: EvolutionRun = new EvolutionRun(config, { runId, rootCode: ROOT }, {
    sources: [new LeakySource()],
    evaluator,
    prm: new LearnedPrm({ nodeTypes: treeSitter }),
    candidateFile: (code) => FILE.slice(0, start) + code + FILE.slice(start + ROOT.length),
    syntaxIssues: (text) => treeSitter.syntaxIssues(text, 'python'),
    record: (event) => recorder.record(event, run.summary()),
  });
  await run.start();
  recorder.close();
});
after(() => {
  treeSitter.dispose();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as T);
}

describe('exportRun', () => {
  it('writes every evaluated mutation with codes, diff, features, delta and a label consistent with it', async () => {
    const stored = await new RunStore(runsDir).load(runId);
    const { mutations, pairs } = await exportRun(stored, { nodeTypes: treeSitter });
    const evaluatedChildren = stored.nodes.filter((n) => n.parentId !== null && n.evaluation);
    assert.equal(mutations.length, evaluatedChildren.length);
    assert.equal(mutations.length, 29, 'budget 30 minus the root');
    const labels = new Set(mutations.map((m) => m.label));
    assert.ok(labels.has('improved') && labels.has('failed') && labels.has('not-improved'), [...labels].join(','));
    for (const m of mutations) {
      const parent = stored.nodes.find((n) => n.id === m.parentId);
      assert.equal(m.parentCode, parent?.code);
      assert.match(m.diff, /^--- a\/f/m);
      assert.match(m.diff, /^\+ {4}/m);
      assert.equal(m.improved, m.delta !== null && m.delta > 0);
      assert.equal(m.label === 'failed', m.childScore === null);
      if (m.delta !== null) assert.ok(Math.abs(m.delta - ((m.childScore ?? 0) - (m.parentScore ?? 0))) < 1e-12);
      assert.equal(m.features.global['kind:literal-tune'], 1);
      assert.ok(m.features.hunks.length >= 1);
      assert.ok(Object.keys(m.features.hunks[0].features).some((k) => k.startsWith('h:node-changes:')), 'node types were compared');
      assert.equal(m.runId, runId);
      assert.equal(m.model, 'offline');
    }
    assert.ok(pairs.length > 0);
    for (const p of pairs) {
      const chosen = mutations.find((m) => m.nodeId === p.chosen.nodeId);
      const rejected = mutations.find((m) => m.nodeId === p.rejected.nodeId);
      assert.equal(chosen?.parentId, p.parentId);
      assert.equal(rejected?.parentId, p.parentId);
      assert.ok(p.chosen.score !== null);
      assert.ok(p.rejected.score === null || p.chosen.score > p.rejected.score);
      assert.equal(p.margin, p.rejected.score === null ? null : p.chosen.score - p.rejected.score);
    }
  });
});

describe('genesis runs export', () => {
  it('writes the JSONL files with no API key anywhere', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'genesis-export-out-'));
    dirs.push(outDir);
    const lines: string[] = [];
    const code = await exportRunsCommand({ runIds: [runId], out: join(outDir, 'muts.jsonl'), pairs: join(outDir, 'sub', 'pairs.jsonl'), runsDir, stdout: (l) => lines.push(l), stderr: (l) => lines.push(l) });
    assert.equal(code, 0, lines.join('\n'));
    assert.match(lines.join('\n'), /exported 29 evaluated mutations from 1 run to .*muts\.jsonl/);
    const mutationsText = readFileSync(join(outDir, 'muts.jsonl'), 'utf8');
    const pairsText = readFileSync(join(outDir, 'sub', 'pairs.jsonl'), 'utf8');
    for (const text of [mutationsText, pairsText]) {
      assert.ok(!text.includes(KEY), 'the key never appears');
      assert.ok(!text.includes('hunter2hunter2'));
    }
    const mutations = readJsonl<ExportedMutation>(join(outDir, 'muts.jsonl'));
    assert.equal(mutations.length, 29);
    assert.equal(mutations[0].evaluator, 'OPENAI_API_KEY=*** python3 evaluate.py --token ***');
    assert.match(mutations[0].prompt ?? '', /Bearer \*\*\*/);
    const pairs = readJsonl<PreferencePair>(join(outDir, 'sub', 'pairs.jsonl'));
    assert.ok(pairs.length > 0 && pairs.every((p) => p.chosen.code !== p.rejected.code));
  });

  it('exports every run when none is named, and fails clearly on an unknown run', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'genesis-export-out-'));
    dirs.push(outDir);
    const quiet = { stdout: () => undefined, stderr: () => undefined };
    assert.equal(await exportRunsCli(['--out', 'all.jsonl', '--runs-dir', runsDir], outDir), 0);
    assert.equal(readJsonl<ExportedMutation>(join(outDir, 'all.jsonl')).length, 29);
    const errors: string[] = [];
    const code = await exportRunsCommand({ runIds: ['nope'], out: join(outDir, 'x.jsonl'), runsDir, ...quiet, stderr: (l) => errors.push(l) });
    assert.equal(code, 1);
    assert.match(errors.join('\n'), /skipped run nope: invalid run id/);
    assert.match(errors.join('\n'), /export failed: no run could be read/);
    assert.equal(existsSync(join(outDir, 'x.jsonl')), false, 'nothing written for a bad run id');
    assert.throws(() => exportRunsCli(['--runs-dir', runsDir], outDir), /needs --out FILE/);
  });
});

describe('runs export with a damaged run', () => {
  it('skips (and names) a run whose log is damaged, and exports the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genesis-export-damaged-'));
    dirs.push(dir);
    const runs = join(dir, 'runs');
    cpSync(runsDir, runs, { recursive: true });
    const bad = '20261204-120000-bad0';
    mkdirSync(join(runs, bad));
    writeFileSync(join(runs, bad, 'events.jsonl'), 'null\n{"type":"run-started","summary":null,"config":{"models":"offline"}}\n');
    const errors: string[] = [];
    const lines: string[] = [];
    const code = await exportRunsCommand({ runIds: [], out: join(dir, 'out.jsonl'), runsDir: runs, stdout: (l) => lines.push(l), stderr: (l) => errors.push(l) });
    assert.equal(code, 0, errors.join('\n'));
    assert.match(errors.join('\n'), new RegExp(`skipped run ${bad}: run ${bad} has no usable start event`));
    assert.match(lines.join('\n'), /exported 29 evaluated mutations from 1 run/);
    assert.equal(readJsonl<ExportedMutation>(join(dir, 'out.jsonl')).length, 29);
  });

  it('never destroys the previous export: nothing readable, or a failure while writing, leaves it as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genesis-export-keep-'));
    dirs.push(dir);
    const out = join(dir, 'out.jsonl');
    writeFileSync(out, '{"previous":true}\n');
    const quiet = { stdout: () => undefined, stderr: () => undefined };
    assert.equal(await exportRunsCommand({ runIds: ['20261204-000000-0000'], out, runsDir, ...quiet }), 1);
    assert.equal(readFileSync(out, 'utf8'), '{"previous":true}\n', 'no run could be read: untouched');
    // The pairs file cannot be created (a file stands where its folder should be): the export fails midway.
    writeFileSync(join(dir, 'blocker'), '');
    const errors: string[] = [];
    const code = await exportRunsCommand({ runIds: [runId], out, pairs: join(dir, 'blocker', 'pairs.jsonl'), runsDir, ...quiet, stderr: (l) => errors.push(l) });
    assert.equal(code, 1);
    assert.match(errors.join('\n'), /export failed/);
    assert.equal(readFileSync(out, 'utf8'), '{"previous":true}\n', 'a failed export leaves the earlier file');
    assert.deepEqual(readdirSync(dir).sort(), ['blocker', 'out.jsonl'], 'no temporary file left behind');
  });
});

describe('redactSecrets', () => {
  it('masks keys, bearer tokens, URL passwords and (in commands) key assignments', () => {
    assert.equal(redactSecrets(`key ${KEY} here`), 'key *** here');
    assert.equal(redactSecrets('Authorization: Bearer abcdefgh12345678'), 'Authorization: Bearer ***');
    assert.equal(redactSecrets('https://user:pa55word@host/v1'), 'https://***@host/v1');
    assert.equal(redactSecrets('ghp_abcdefghijklmnopqrstuvwxyz0123 hf_abcdefghijklmnopqrstuvwxyz'), '*** ***');
    assert.equal(redactSecrets('MY_API_KEY="a b" SECRET=x cmd --password p4ss', { assignments: true }), 'MY_API_KEY=*** SECRET=*** cmd --password ***');
    assert.equal(redactSecrets('api_key = get_key()'), 'api_key = get_key()', 'code is only masked for known key formats');
  });
});
