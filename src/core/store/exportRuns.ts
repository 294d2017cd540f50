// Turns stored runs into datasets: every evaluated mutation as one JSON line (parent and child
// code, the diff between them, PRM features, fitness change, label) — for training better PRMs
// or fine-tuning a mutation model — and preference pairs (a better and a worse child of the same
// parent) for DPO-style training. Secrets (API keys, tokens, passwords in URLs or commands) are
// masked in every text field.
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { functionDiff } from '../mutate/functionDiff';
import { candidateFeatures, featuresToJson, type CandidateFeaturesJson } from '../prm/features';
import type { NodeTypeSource } from '../prm/learnedPrm';
import type { PrmInput } from '../prm/types';
import type { CandidateNode, EvaluationResult, LanguageId, MutationKind } from '../types';
import type { RunStore, StoredRun } from './runStore';

export type MutationLabel = 'improved' | 'not-improved' | 'failed' | 'parent-unscored';

export interface ExportedMutation {
  runId: string;
  nodeId: string;
  parentId: string;
  /** The evaluator command, secrets masked. */
  evaluator: string;
  language: LanguageId;
  functionName: string;
  model: string;
  kind: MutationKind;
  summary: string;
  parentCode: string;
  childCode: string;
  /** Unified diff of the child against its parent. */
  diff: string;
  parentScore: number | null;
  childScore: number | null;
  /** child − parent; null when either has no score. */
  delta: number | null;
  label: MutationLabel;
  /** The engine's training label: delta > 0. */
  improved: boolean;
  evaluationStatus: EvaluationResult['status'];
  prmScore: number | null;
  /** Rank of the parent among candidates scored before the child was made (-1: unranked). */
  parentRank: number;
  parentDepth: number;
  features: CandidateFeaturesJson;
  /** The model prompt and reply (LLM sources), secrets masked. */
  prompt?: string;
  reply?: string;
}

export interface PreferenceSide {
  nodeId: string;
  code: string;
  /** Against the shared parent. */
  diff: string;
  score: number | null;
  status: EvaluationResult['status'];
  model: string;
  kind: MutationKind;
}

export interface PreferencePair {
  runId: string;
  parentId: string;
  language: LanguageId;
  functionName: string;
  parentCode: string;
  parentScore: number | null;
  /** What the mutation model was asked (the chosen child's prompt, when it had one). */
  prompt?: string;
  chosen: PreferenceSide;
  rejected: PreferenceSide;
  /** chosen − rejected score; null when the rejected child failed. */
  margin: number | null;
}

export interface RunExport {
  mutations: ExportedMutation[];
  pairs: PreferencePair[];
}

export interface ExportOptions {
  /** Tree-sitter node types for the features (TreeSitterService); without it they are left out. */
  nodeTypes?: NodeTypeSource;
  /** At most this many pairs per parent (default 100), best margins first. */
  maxPairsPerParent?: number;
}

export async function exportRun(run: StoredRun, options: ExportOptions = {}): Promise<RunExport> {
  const byId = new Map(run.nodes.map((n) => [n.id, n]));
  const runId = run.summary.runId;
  const evaluator = redactSecrets(run.config.evaluatorCommand, { assignments: true });
  const mutations: ExportedMutation[] = [];
  const evaluatedChildren = new Map<string, CandidateNode[]>();
  for (const node of run.nodes) {
    if (node.parentId === null || !node.evaluation || !node.mutation) continue;
    const parent = byId.get(node.parentId);
    if (!parent) continue;
    const siblings = evaluatedChildren.get(parent.id) ?? [];
    siblings.push(node);
    evaluatedChildren.set(parent.id, siblings);
    const parentRank = rankBefore(run.nodes, parent, node);
    const input: PrmInput = {
      language: run.config.language,
      parentCode: parent.code,
      childCode: node.code,
      newSyntaxIssues: 0,
      mutationKind: node.mutation.kind,
      model: node.mutation.model,
      parentRank,
      parentDepth: parent.depth,
    };
    const nodeTypes = await nodeTypesFor(options.nodeTypes, input);
    const delta = node.score !== null && parent.score !== null ? node.score - parent.score : null;
    const label: MutationLabel = node.score === null ? 'failed' : parent.score === null ? 'parent-unscored' : delta !== null && delta > 0 ? 'improved' : 'not-improved';
    mutations.push({
      runId,
      nodeId: node.id,
      parentId: parent.id,
      evaluator,
      language: run.config.language,
      functionName: run.config.functionName,
      model: redactSecrets(node.mutation.model, { assignments: true }),
      kind: node.mutation.kind,
      summary: redactSecrets(node.mutation.summary),
      parentCode: redactSecrets(parent.code),
      childCode: redactSecrets(node.code),
      diff: redactSecrets(functionDiff(parent.code, node.code, run.config.functionName)),
      parentScore: parent.score,
      childScore: node.score,
      delta,
      label,
      improved: delta !== null && delta > 0,
      evaluationStatus: node.evaluation.status,
      prmScore: node.prmScore,
      parentRank,
      parentDepth: parent.depth,
      features: featuresToJson(candidateFeatures(input, nodeTypes)),
      ...(node.mutation.prompt !== undefined ? { prompt: redactSecrets(node.mutation.prompt) } : {}),
      ...(node.mutation.reply !== undefined ? { reply: redactSecrets(node.mutation.reply) } : {}),
    });
  }
  const pairs: PreferencePair[] = [];
  for (const [parentId, children] of evaluatedChildren) {
    const parent = byId.get(parentId) as CandidateNode;
    pairs.push(...pairsOf(run, parent, children, options.maxPairsPerParent ?? 100));
  }
  return { mutations, pairs };
}

export interface ExportStats {
  runs: number;
  mutations: number;
  pairs: number;
  warnings: string[];
  /** Runs that could not be read (a damaged log, an unknown id), by id, with the reason. */
  skipped: { runId: string; reason: string }[];
}

/**
 * Exports runs (all of the store's when `runIds` is empty) to JSONL files. A run that cannot be
 * read or exported is skipped and named in `skipped`; when none can, nothing is written. The
 * files are written under temporary names and renamed at the end, so a failed export leaves an
 * earlier export in place.
 */
export async function exportRunsToFiles(
  store: RunStore,
  runIds: readonly string[],
  outFile: string,
  pairsFile?: string,
  options: ExportOptions = {},
): Promise<ExportStats> {
  // Every run folder, oldest first, damaged ones included so that they are named, not hidden.
  const ids = runIds.length > 0 ? [...runIds] : await store.runIds();
  const stats: ExportStats = { runs: 0, mutations: 0, pairs: 0, warnings: [], skipped: [] };
  const exports: { run: StoredRun; exported: RunExport }[] = [];
  for (const runId of ids) {
    try {
      const run = await store.load(runId);
      exports.push({ run, exported: await exportRun(run, options) });
    } catch (error) {
      stats.skipped.push({ runId, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  if (exports.length === 0 && stats.skipped.length > 0) return stats;
  const outTemp = temporaryName(outFile);
  const pairsTemp = pairsFile ? temporaryName(pairsFile) : undefined;
  const out = await openJsonl(outTemp);
  let pairsOut: WriteStream | undefined;
  try {
    pairsOut = pairsTemp ? await openJsonl(pairsTemp) : undefined;
    for (const { run, exported } of exports) {
      stats.warnings.push(...run.warnings.map((w) => `${run.summary.runId}: ${w}`));
      for (const m of exported.mutations) await writeLine(out, m);
      if (pairsOut) for (const p of exported.pairs) await writeLine(pairsOut, p);
      stats.runs++;
      stats.mutations += exported.mutations.length;
      stats.pairs += exported.pairs.length;
    }
    await Promise.all([closeStream(out), pairsOut ? closeStream(pairsOut) : Promise.resolve()]);
    await rename(outTemp, outFile);
    if (pairsTemp && pairsFile) await rename(pairsTemp, pairsFile);
  } catch (error) {
    out.destroy();
    pairsOut?.destroy();
    // Best effort: the original error is the one to report.
    for (const temp of [outTemp, pairsTemp]) if (temp) await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  return stats;
}

/** A name next to `file` (same folder, so the final rename stays on one file system). */
function temporaryName(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
}

export interface RedactOptions {
  /** Also mask `NAME=value` where NAME looks like a key, token, secret or password (commands). */
  assignments?: boolean;
}

const KEY_PATTERNS: readonly RegExp[] = [
  /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}/g, // OpenAI, Anthropic
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g, // GitHub
  /\bhf_[A-Za-z0-9]{20,}/g, // Hugging Face
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, // Slack
  /\bAIza[0-9A-Za-z_-]{30,}/g, // Google
];

/** Masks credentials in text: known key formats, bearer tokens, passwords in URLs. */
export function redactSecrets(text: string, options: RedactOptions = {}): string {
  let out = text;
  for (const pattern of KEY_PATTERNS) out = out.replace(pattern, '***');
  out = out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***');
  out = out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, '$1***@');
  if (options.assignments) {
    out = out.replace(/(\b[\w-]*(?:api[_-]?key|token|secret|password|passwd|pwd)\w*\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1***');
    out = out.replace(/(--?[\w-]*(?:api[_-]?key|token|secret|password)[\w-]*[\s=])("[^"]*"|'[^']*'|\S+)/gi, '$1***');
  }
  return out;
}

function pairsOf(run: StoredRun, parent: CandidateNode, children: readonly CandidateNode[], limit: number): PreferencePair[] {
  const worth = (n: CandidateNode) => n.score ?? -Infinity;
  const candidates: PreferencePair[] = [];
  for (const a of children) {
    for (const b of children) {
      if (!(worth(a) > worth(b))) continue;
      candidates.push({
        runId: run.summary.runId,
        parentId: parent.id,
        language: run.config.language,
        functionName: run.config.functionName,
        parentCode: redactSecrets(parent.code),
        parentScore: parent.score,
        ...(a.mutation?.prompt !== undefined ? { prompt: redactSecrets(a.mutation.prompt) } : {}),
        chosen: sideOf(run, parent, a),
        rejected: sideOf(run, parent, b),
        margin: b.score === null || a.score === null ? null : a.score - b.score,
      });
    }
  }
  // Clearest preferences first: failed rejections, then by margin; ties by node id (stable output).
  candidates.sort((x, y) => (y.margin ?? Infinity) - (x.margin ?? Infinity) || Number(x.chosen.nodeId) - Number(y.chosen.nodeId) || Number(x.rejected.nodeId) - Number(y.rejected.nodeId));
  return candidates.slice(0, limit);
}

function sideOf(run: StoredRun, parent: CandidateNode, node: CandidateNode): PreferenceSide {
  return {
    nodeId: node.id,
    code: redactSecrets(node.code),
    diff: redactSecrets(functionDiff(parent.code, node.code, run.config.functionName)),
    score: node.score,
    status: node.evaluation?.status ?? 'error',
    model: redactSecrets(node.mutation?.model ?? '-', { assignments: true }),
    kind: node.mutation?.kind ?? 'search-replace',
  };
}

/** Rank of `parent` among scored nodes created before `child` (ids are creation order). */
function rankBefore(nodes: readonly CandidateNode[], parent: CandidateNode, child: CandidateNode): number {
  if (parent.score === null) return -1;
  const limit = Number(child.id);
  let better = 0;
  for (const n of nodes) {
    if (Number(n.id) >= limit) break;
    if (n.id !== parent.id && n.score !== null && n.status === 'done' && (n.score > parent.score || (n.score === parent.score && Number(n.id) < Number(parent.id)))) better++;
  }
  return better;
}

async function nodeTypesFor(source: NodeTypeSource | undefined, input: PrmInput) {
  if (!source) return undefined;
  try {
    const [parent, child] = await Promise.all([source.nodeTypesByLine(input.parentCode, input.language), source.nodeTypesByLine(input.childCode, input.language)]);
    return { parent, child };
  } catch {
    return undefined;
  }
}

async function openJsonl(file: string): Promise<WriteStream> {
  await mkdir(dirname(file), { recursive: true });
  const stream = createWriteStream(file, { encoding: 'utf8' });
  await once(stream, 'open');
  return stream;
}

async function writeLine(stream: WriteStream, value: unknown): Promise<void> {
  if (!stream.write(JSON.stringify(value) + '\n')) await once(stream, 'drain');
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
}
