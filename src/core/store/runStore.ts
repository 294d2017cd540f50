// Run persistence: one folder per run with an append-only event log (events.jsonl, one JSON
// event a line, written synchronously in order) and a small summary.json for fast listing.
// A crash can cut only the last line short; the loader ignores a torn final line.
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { countNodes, modelUsageOf } from '../runCounts';
import type { CandidateNode, RunConfig, RunEvent, RunSource, RunStatus, RunSummary } from '../types';
import { asRunEvent, eventProblem, storedSummaryProblem } from './eventShape';
import { acquireRunLock, LOCK_FILE, RunLockedError, runLockHolder, type RunLock } from './runLock';

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

/** A node event as the log holds it: code and diff absent while unchanged (see RunRecorder). */
interface StoredNodeEvent {
  type: 'node-added' | 'node-updated';
  node: Omit<CandidateNode, 'code' | 'diff'> & Partial<Pick<CandidateNode, 'code' | 'diff'>>;
}

interface SummaryFile extends RunSummary {
  /** Process that wrote the run while it was running: a dead one means the run was interrupted. */
  pid?: number;
}

/** The shape newRunId() makes: a UTC timestamp and 16 random bits, e.g. 20261204-162348-0a1f. */
const RUN_ID_SHAPE = /^\d{8}-\d{6}-[0-9a-f]{4}$/;

/** Whether `text` is a run id (and so a safe folder name: no dots, no slashes). */
export function isRunId(text: string): boolean {
  return RUN_ID_SHAPE.test(text);
}

export function newRunId(now: Date = new Date(), random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const suffix = Math.floor(random() * 0x10000).toString(16).padStart(4, '0');
  return `${stamp}-${suffix}`;
}

export class RunStore {
  constructor(readonly runsDir: string) {}

  /** The run's folder; throws for anything but a run id, so no path can leave the runs folder. */
  runDir(runId: string): string {
    if (!isRunId(runId)) throw new Error(`invalid run id: ${JSON.stringify(runId).slice(0, 80)} (run ids look like 20261204-162348-0a1f)`);
    const root = resolve(this.runsDir);
    const dir = resolve(root, runId);
    const inside = relative(root, dir);
    if (!inside || inside.startsWith('..') || inside.includes(sep)) throw new Error(`run ${runId} is not inside ${root}`);
    return dir;
  }

  /**
   * Opens the event log of a new (or resumed) run for appending. Throws a clear error when the run
   * folder cannot be created or its log opened: nothing has been evaluated yet, so the run must
   * not start without a place to record what it does.
   */
  openRecorder(runId: string, onError?: (error: Error) => void): RunRecorder {
    const dir = this.createRunDir(runId);
    let fd: number;
    try {
      fd = openSync(join(dir, 'events.jsonl'), 'a');
    } catch (error) {
      throw new Error(`cannot write the run log in ${dir}: ${describeFsError(error)}; choose a writable runs directory`);
    }
    return new RunRecorder(dir, onError, fd);
  }

  /**
   * Takes the run's writer lock (one writer per run: see runLock). `isNew`: the run folder is
   * made; otherwise the run must exist. Throws RunLockedError naming the holder, or a clear error.
   */
  lockForWriting(runId: string, isNew: boolean): RunLock {
    const dir = isNew ? this.createRunDir(runId) : this.runDir(runId);
    if (!isNew && !existsSync(join(dir, 'events.jsonl'))) throw new Error(`run ${runId} not found in ${this.runsDir}`);
    try {
      return acquireRunLock(dir, runId);
    } catch (error) {
      if (error instanceof RunLockedError) throw error;
      throw new Error(`cannot write the run folder ${dir}: ${describeFsError(error)}; choose a writable runs directory`);
    }
  }

  /** Throws RunLockedError when another live process is writing the run (checked before asking the user anything). */
  assertNoOtherWriter(runId: string): void {
    const dir = this.runDir(runId);
    const holder = runLockHolder(dir);
    if (holder && (holder.pid !== process.pid || holder.host !== hostname())) throw new RunLockedError(runId, holder, join(dir, LOCK_FILE));
  }

  private createRunDir(runId: string): string {
    const dir = this.runDir(runId);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new Error(`cannot create the run folder ${dir}: ${explainMkdirFailure(dir, error)}; choose a writable runs directory`);
    }
    return dir;
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
      if (!isRunId(runId)) continue;
      const summary = await this.readSummary(runId);
      if (summary) summaries.push(summary);
    }
    return summaries.sort((a, b) => b.startedAt - a.startedAt || b.runId.localeCompare(a.runId));
  }

  /** Ids of every run folder with a log, damaged or not, oldest first (ids start with the time). */
  async runIds(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.runsDir);
    } catch {
      return [];
    }
    return entries.filter((id) => isRunId(id) && existsSync(join(this.runsDir, id, 'events.jsonl'))).sort();
  }

  async load(runId: string): Promise<StoredRun> {
    const file = join(this.runDir(runId), 'events.jsonl');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new Error(`run ${runId} not found in ${this.runsDir}`);
    }
    const { stored: replayed, warnings } = replayLog(text);
    if (!replayed) throw new Error(`run ${runId} has no usable start event (${file})${warnings.length > 0 ? `: ${warnings.join('; ')}` : ''}`);
    const stored = await this.readSummary(runId);
    if (stored && replayed.summary.status === 'running') replayed.summary.status = stored.status;
    return replayed;
  }

  /** Deletes a run's folder; refused while another live process writes the run. */
  async delete(runId: string): Promise<void> {
    const dir = this.runDir(runId);
    const holder = runLockHolder(dir);
    if (holder && (holder.pid !== process.pid || holder.host !== hostname())) throw new RunLockedError(runId, holder, join(dir, LOCK_FILE));
    await rm(dir, { recursive: true, force: true });
  }

  private async readSummary(runId: string): Promise<RunSummary | undefined> {
    const dir = this.runDir(runId);
    let summary: SummaryFile | undefined;
    try {
      const parsed: unknown = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'));
      if (storedSummaryProblem(parsed)) throw new Error('summary.json has the wrong shape');
      summary = parsed as SummaryFile;
    } catch {
      // No summary (or torn, or edited into something else): rebuild it from the log.
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

/** Unwritten events kept in memory while the disk refuses them (disk full, EIO, quota). */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;

interface PendingEvent {
  bytes: Buffer;
  /** Bytes of `bytes` already in the file (a partial write): the rest continues the same line. */
  written: number;
  /** The event records an evaluation result: losing it loses evaluated work. */
  evaluated: boolean;
}

/**
 * Appends events to a run's log and keeps summary.json current. Write failures never throw into
 * the run: the event (or the rest of a partly written line) is kept in memory, written before
 * the next event as soon as the disk takes it again, and a last time on close(). Lines are always
 * completed in order, so a full disk cannot tear one line into the next.
 */
export class RunRecorder {
  private fd: number | undefined;
  private failed = false;
  /** True while log writes fail; reported once per episode. */
  private failing = false;
  /** True while summary.json writes fail; reported once per episode. */
  private summaryFailing = false;
  private summary: RunSummary | undefined;
  private pending: PendingEvent[] = [];
  private pendingBytes = 0;
  private droppedEvents = 0;
  private droppedEvaluations = 0;
  /**
   * The code and diff last written for each node. Later events of a node leave them out while
   * they are unchanged (a big rewrite would otherwise be copied into every status change), and a
   * new node leaves out its code while it is still its parent's; the loader fills them back.
   */
  private readonly written = new Map<string, { code: string; diff: string }>();

  constructor(
    private readonly dir: string,
    private readonly onError?: (error: Error) => void,
    fd?: number,
  ) {
    if (fd !== undefined) {
      this.fd = fd;
      return;
    }
    try {
      this.fd = openSync(join(dir, 'events.jsonl'), 'a');
    } catch (error) {
      this.fail(error);
    }
  }

  record(event: RunEvent, summary: RunSummary): void {
    if (this.fd === undefined) return;
    const evaluated = (event.type === 'node-updated' || event.type === 'node-added') && event.node.evaluation !== undefined;
    const accepted = this.enqueue({ bytes: Buffer.from(JSON.stringify(this.compact(event)) + '\n', 'utf8'), written: 0, evaluated });
    if (accepted) this.remember(event);
    this.flush();
    const finalNodeUpdate = event.type === 'node-updated' && event.node.status !== 'generating' && event.node.status !== 'evaluating';
    if (event.type === 'run-started' || event.type === 'run-status' || finalNodeUpdate) {
      // The summary is a cache of the log: while the log itself is behind, leave it as it was.
      if (this.pending.length === 0) this.writeSummary(summary);
      else this.summary = summary;
    }
  }

  /** Writes what is left, then closes the log; events the disk still refuses are reported as lost. */
  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    if (this.pending.length > 0 || this.droppedEvents > 0) {
      const events = this.pending.length + this.droppedEvents;
      const evaluations = this.pending.filter((p) => p.evaluated).length + this.droppedEvaluations;
      this.onError?.(
        new Error(
          `${events} event${events === 1 ? '' : 's'} (${evaluations} evaluation result${evaluations === 1 ? '' : 's'}) could not be written to ${join(this.dir, 'events.jsonl')}; ` +
            'free space and resume the run: evaluations that are not in the log run again',
        ),
      );
      this.pending = [];
      this.pendingBytes = 0;
    }
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
  }

  /** False once a write has failed (even if later writes succeeded). */
  get healthy(): boolean {
    return !this.failed;
  }

  /** Events written to memory only, waiting for the disk. */
  get pendingEvents(): number {
    return this.pending.length;
  }

  lastSummary(): RunSummary | undefined {
    return this.summary;
  }

  /** The event as written: a node's unchanged code and diff left out (see `written`). */
  private compact(event: RunEvent): RunEvent | StoredNodeEvent {
    if (event.type !== 'node-added' && event.type !== 'node-updated') return event;
    const { code, diff, ...rest } = event.node;
    const own = this.written.get(rest.id);
    const parentCode = event.type === 'node-added' && rest.parentId !== null ? this.written.get(rest.parentId)?.code : undefined;
    const knownCode = own ? own.code : parentCode;
    return { type: event.type, node: { ...rest, ...(code === knownCode ? {} : { code }), ...(own?.diff === diff ? {} : { diff }) } };
  }

  private remember(event: RunEvent): void {
    const node = event.type === 'run-started' ? event.root : event.type === 'node-added' || event.type === 'node-updated' ? event.node : undefined;
    if (node) this.written.set(node.id, { code: node.code, diff: node.diff });
  }

  /** False when the event was dropped (memory cap reached while the disk refuses writes). */
  private enqueue(entry: PendingEvent): boolean {
    if (this.pendingBytes + entry.bytes.length > MAX_PENDING_BYTES && this.pending.length > 0) {
      // Memory is bounded: past the cap, new events are counted, not kept.
      this.droppedEvents++;
      if (entry.evaluated) this.droppedEvaluations++;
      return false;
    }
    this.pending.push(entry);
    this.pendingBytes += entry.bytes.length;
    return true;
  }

  /** Writes pending events in order; stops at the first failure and keeps the rest. */
  private flush(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    while (this.pending.length > 0) {
      const entry = this.pending[0];
      try {
        while (entry.written < entry.bytes.length) {
          // writeSync may write only part of a buffer (a nearly full disk): continue the line.
          entry.written += writeSync(fd, entry.bytes, entry.written, entry.bytes.length - entry.written);
        }
      } catch (error) {
        this.fail(error);
        return;
      }
      this.pending.shift();
      this.pendingBytes -= entry.bytes.length;
    }
    if (this.failing) {
      this.failing = false;
      if (this.summary) this.tryWriteSummary(this.summary);
    }
  }

  private writeSummary(summary: RunSummary): void {
    this.summary = summary;
    this.tryWriteSummary(summary);
  }

  private tryWriteSummary(summary: RunSummary): void {
    const body: SummaryFile = { ...summary, ...(summary.status === 'running' ? { pid: process.pid } : {}) };
    const tmp = join(this.dir, 'summary.json.tmp');
    try {
      writeFileSync(tmp, JSON.stringify(body, null, 1));
      renameSync(tmp, join(this.dir, 'summary.json'));
      this.summaryFailing = false;
    } catch (error) {
      // The summary is rebuilt from the log when missing; a torn temp file must not linger.
      try {
        rmSync(tmp, { force: true });
      } catch {
        // nothing more to do
      }
      this.failed = true;
      if (this.summaryFailing || this.failing) return;
      this.summaryFailing = true;
      this.onError?.(new Error(`cannot write the run summary in ${this.dir}: ${describeFsError(error)}`));
    }
  }

  private fail(error: unknown): void {
    this.failed = true;
    if (this.failing) return;
    this.failing = true;
    this.onError?.(new Error(`cannot write the run log in ${this.dir}: ${describeFsError(error)}`));
  }
}

/** "ENOSPC: no space left on device" without the call and path Node appends to every message. */
function describeFsError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const text = error.message.replace(/, (open|mkdir|write|rename|access)(?: '[^']*'(?: -> '[^']*')?)?$/, '');
  return code && !text.startsWith(code) ? `${code}: ${text}` : text;
}

/**
 * Why a folder cannot be made. A recursive mkdir reports ENOENT for a read-only file system or a
 * file in the way; the deepest existing ancestor tells the real reason.
 */
function explainMkdirFailure(dir: string, error: unknown): string {
  try {
    let existing = dirname(dir);
    while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
    if (!statSync(existing).isDirectory()) return `${existing} is a file, not a folder (ENOTDIR)`;
    accessSync(existing, constants.W_OK);
  } catch (probe) {
    return describeFsError(probe);
  }
  return describeFsError(error);
}

/** Rebuilds a run from its event log. Returns undefined when the log has no start event. */
export function replayEvents(text: string): StoredRun | undefined {
  return replayLog(text).stored;
}

/** The replay, with what was set aside even when no run came out of it. */
function replayLog(text: string): { stored: StoredRun | undefined; warnings: string[] } {
  const warnings: string[] = [];
  let config: RunConfig | undefined;
  let summary: RunSummary | undefined;
  let status: RunStatus = 'running';
  let stopReason: string | undefined;
  let source: RunSource | undefined;
  let budget: number | undefined;
  let searchState: StoredRun['searchState'];
  const nodes = new Map<string, CandidateNode>();
  const lines = text.split('\n');
  const wrongShape: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      warnings.push(i >= lines.length - 2 ? 'the last event was cut short (crash while writing) and was ignored' : `event line ${i + 1} is not JSON and was ignored`);
      continue;
    }
    // Valid JSON is not yet an event: a damaged or edited line is set aside like a cut one.
    const problem = eventProblem(parsed);
    if (problem) {
      wrongShape.push(`line ${i + 1} (${problem})`);
      continue;
    }
    const event = asRunEvent(parsed);
    switch (event.type) {
      case 'run-started':
        config = event.config;
        summary = event.summary;
        source = event.source;
        nodes.set(event.root.id, event.root);
        break;
      case 'run-resumed':
        status = 'running';
        stopReason = undefined;
        break;
      case 'budget-changed':
        budget = event.budget;
        break;
      case 'search-state':
        searchState = { strategy: event.strategy, strategyState: event.strategyState, bandit: event.bandit };
        break;
      case 'node-added':
      case 'node-updated': {
        // Prompt and reply are written once; later snapshots of the node leave them out, and its
        // code and diff while unchanged (a new node's code while it is its parent's).
        const earlier = nodes.get(event.node.id);
        const previous = earlier?.mutation;
        const node = event.node;
        if (typeof node.code !== 'string') {
          node.code = earlier?.code ?? (node.parentId !== null ? nodes.get(node.parentId)?.code : undefined) ?? '';
        }
        if (typeof node.diff !== 'string') node.diff = earlier?.diff ?? '';
        if (previous && node.mutation && node.mutation.prompt === undefined && node.mutation.reply === undefined && (previous.prompt !== undefined || previous.reply !== undefined)) {
          node.mutation = { ...node.mutation, ...(previous.prompt !== undefined ? { prompt: previous.prompt } : {}), ...(previous.reply !== undefined ? { reply: previous.reply } : {}) };
        }
        nodes.set(node.id, node);
        break;
      }
      case 'run-status':
        status = event.status;
        // The run's last word is why it ended (the panel and `runs show` print it); a run that goes on forgets it.
        stopReason = status === 'running' ? undefined : status === 'paused' ? stopReason : (event.message ?? stopReason);
        break;
      default:
        break;
    }
  }
  if (wrongShape.length > 0) {
    const shown = wrongShape.slice(0, 5).join('; ') + (wrongShape.length > 5 ? `; and ${wrongShape.length - 5} more` : '');
    warnings.push(`${wrongShape.length} event line${wrongShape.length === 1 ? ' is' : 's are'} not events of the right shape and ${wrongShape.length === 1 ? 'was' : 'were'} ignored: ${shown}`);
  }
  if (!config || !summary) return { stored: undefined, warnings };
  const nodeList = [...nodes.values()].sort((a, b) => Number(a.id) - Number(b.id));
  if (budget !== undefined) summary = { ...summary, budget };
  if (stopReason !== undefined) summary = { ...summary, stopReason };
  const stored: StoredRun = { config, nodes: nodeList, summary: summarize(summary, config, nodeList, status), warnings, ...(source ? { source } : {}), ...(searchState ? { searchState } : {}) };
  return { stored, warnings };
}

function summarize(start: RunSummary, config: RunConfig, nodes: CandidateNode[], status: RunStatus): RunSummary {
  let best: CandidateNode | undefined;
  let updatedAt = start.startedAt;
  for (const n of nodes) {
    updatedAt = Math.max(updatedAt, n.finishedAt ?? n.createdAt);
    if (n.status === 'done' && n.score !== null && (best === undefined || n.score > (best.score ?? -Infinity))) best = n;
  }
  const counts = countNodes(nodes);
  const root = nodes[0];
  return {
    ...start,
    status,
    evaluations: counts.evaluations,
    tokens: counts.tokens,
    costUsd: counts.costUsd,
    // The start event holds the models at zero: their totals come from the nodes, as live.
    models: modelUsageOf(nodes, start.models?.map((m) => m.id) ?? config.models),
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
