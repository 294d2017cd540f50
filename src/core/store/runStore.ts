// Run persistence: one folder per run with an append-only event log (events.jsonl, one JSON
// event a line, written synchronously in order) and a small summary.json for fast listing.
// A crash can cut only the last line short; the loader ignores a torn final line.
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CandidateNode, RunConfig, RunEvent, RunSource, RunStatus, RunSummary } from '../types';

export interface StoredRun {
  summary: RunSummary;
  config: RunConfig;
  nodes: CandidateNode[];
  /** The file the run evolves (absent in logs written before it was recorded). */
  source?: RunSource;
  /** The last search state (strategy snapshot, bandit) recorded after a round. */
  searchState?: { strategy: string; strategyState: unknown; bandit?: unknown };
  /** Problems met while reading (e.g. a torn last line), for the log. */
  warnings: string[];
}

interface SummaryFile extends RunSummary {
  /** Process that wrote the run while it was running: a dead one means the run was interrupted. */
  pid?: number;
}

export function newRunId(now: Date = new Date(), random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const suffix = Math.floor(random() * 0x10000).toString(16).padStart(4, '0');
  return `${stamp}-${suffix}`;
}

export class RunStore {
  constructor(readonly runsDir: string) {}

  runDir(runId: string): string {
    if (!/^[\w.-]+$/.test(runId)) throw new Error(`invalid run id: ${runId}`);
    return join(this.runsDir, runId);
  }

  /** Opens the event log of a new (or resumed) run for appending. */
  openRecorder(runId: string, onError?: (error: Error) => void): RunRecorder {
    const dir = this.runDir(runId);
    mkdirSync(dir, { recursive: true });
    return new RunRecorder(dir, onError);
  }

  async list(): Promise<RunSummary[]> {
    let entries: string[];
    try {
      entries = await readdir(this.runsDir);
    } catch {
      return [];
    }
    const summaries: RunSummary[] = [];
    for (const runId of entries) {
      if (!/^[\w.-]+$/.test(runId)) continue;
      const summary = await this.readSummary(runId);
      if (summary) summaries.push(summary);
    }
    return summaries.sort((a, b) => b.startedAt - a.startedAt || b.runId.localeCompare(a.runId));
  }

  async load(runId: string): Promise<StoredRun> {
    const file = join(this.runDir(runId), 'events.jsonl');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new Error(`run ${runId} not found in ${this.runsDir}`);
    }
    const replayed = replayEvents(text);
    if (!replayed) throw new Error(`run ${runId} has no start event (${file})`);
    const stored = await this.readSummary(runId);
    if (stored && replayed.summary.status === 'running') replayed.summary.status = stored.status;
    return replayed;
  }

  async delete(runId: string): Promise<void> {
    await rm(this.runDir(runId), { recursive: true, force: true });
  }

  private async readSummary(runId: string): Promise<RunSummary | undefined> {
    const dir = join(this.runsDir, runId);
    let summary: SummaryFile | undefined;
    try {
      summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as SummaryFile;
    } catch {
      // No summary (or torn): rebuild it from the log.
      try {
        summary = replayEvents(await readFile(join(dir, 'events.jsonl'), 'utf8'))?.summary;
      } catch {
        return undefined;
      }
    }
    if (!summary) return undefined;
    if (summary.status === 'running' && !processAlive(summary.pid)) summary.status = 'interrupted';
    delete summary.pid;
    return summary;
  }
}

/** Appends events to a run's log and keeps summary.json current. */
export class RunRecorder {
  private fd: number | undefined;
  private failed = false;
  private summary: RunSummary | undefined;

  constructor(private readonly dir: string, private readonly onError?: (error: Error) => void) {
    try {
      this.fd = openSync(join(dir, 'events.jsonl'), 'a');
    } catch (error) {
      this.fail(error);
    }
  }

  record(event: RunEvent, summary: RunSummary): void {
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, JSON.stringify(event) + '\n');
      const finalNodeUpdate = event.type === 'node-updated' && event.node.status !== 'generating' && event.node.status !== 'evaluating';
      if (event.type === 'run-started' || event.type === 'run-status' || finalNodeUpdate) this.writeSummary(summary);
    } catch (error) {
      this.fail(error);
    }
  }

  close(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
  }

  get healthy(): boolean {
    return !this.failed;
  }

  private writeSummary(summary: RunSummary): void {
    this.summary = summary;
    const body: SummaryFile = { ...summary, ...(summary.status === 'running' ? { pid: process.pid } : {}) };
    const tmp = join(this.dir, 'summary.json.tmp');
    writeFileSync(tmp, JSON.stringify(body, null, 1));
    renameSync(tmp, join(this.dir, 'summary.json'));
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    const err = error instanceof Error ? error : new Error(String(error));
    this.onError?.(new Error(`cannot write the run log in ${this.dir}: ${err.message}`));
  }

  lastSummary(): RunSummary | undefined {
    return this.summary;
  }
}

/** Rebuilds a run from its event log. Returns undefined when the log has no start event. */
export function replayEvents(text: string): StoredRun | undefined {
  const warnings: string[] = [];
  let config: RunConfig | undefined;
  let summary: RunSummary | undefined;
  let status: RunStatus = 'running';
  let source: RunSource | undefined;
  let budget: number | undefined;
  let searchState: StoredRun['searchState'];
  const nodes = new Map<string, CandidateNode>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    let event: RunEvent;
    try {
      event = JSON.parse(line) as RunEvent;
    } catch {
      warnings.push(i >= lines.length - 2 ? 'the last event was cut short (crash while writing) and was ignored' : `event line ${i + 1} is not JSON and was ignored`);
      continue;
    }
    switch (event.type) {
      case 'run-started':
        config = event.config;
        summary = event.summary;
        source = event.source;
        nodes.set(event.root.id, event.root);
        break;
      case 'run-resumed':
        status = 'running';
        break;
      case 'budget-changed':
        budget = event.budget;
        break;
      case 'search-state':
        searchState = { strategy: event.strategy, strategyState: event.strategyState, bandit: event.bandit };
        break;
      case 'node-added':
      case 'node-updated':
        nodes.set(event.node.id, event.node);
        break;
      case 'run-status':
        status = event.status;
        break;
      default:
        break;
    }
  }
  if (!config || !summary) return undefined;
  const nodeList = [...nodes.values()].sort((a, b) => Number(a.id) - Number(b.id));
  if (budget !== undefined) summary = { ...summary, budget };
  return { config, nodes: nodeList, summary: summarize(summary, nodeList, status), warnings, ...(source ? { source } : {}), ...(searchState ? { searchState } : {}) };
}

function summarize(start: RunSummary, nodes: CandidateNode[], status: RunStatus): RunSummary {
  let best: CandidateNode | undefined;
  let tokens = 0;
  let costUsd = 0;
  let evaluations = 0;
  let updatedAt = start.startedAt;
  for (const n of nodes) {
    tokens += n.tokensIn + n.tokensOut;
    costUsd += n.costUsd;
    if (n.evaluation) evaluations++;
    updatedAt = Math.max(updatedAt, n.finishedAt ?? n.createdAt);
    if (n.status === 'done' && n.score !== null && (best === undefined || n.score > (best.score ?? -Infinity))) best = n;
  }
  const root = nodes[0];
  return {
    ...start,
    status,
    evaluations,
    tokens,
    costUsd,
    updatedAt,
    baselineScore: root && root.status === 'done' ? root.score : null,
    bestScore: best?.score ?? null,
    bestNodeId: best?.id ?? null,
  };
}

function processAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
