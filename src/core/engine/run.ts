// One evolution run: a tree of candidates grown in rounds. Each round picks parents, asks the
// mutation sources for children in parallel, checks and filters them in a fixed order, then
// evaluates the survivors in parallel. Rounds make a seeded run reproducible even though model
// calls and evaluations finish in any order.
import { functionDiff } from '../mutate/functionDiff';
import type { PrmScorer } from '../prm/heuristicPrm';
import type {
  CandidateNode,
  EvaluationResult,
  Evaluator,
  MutationProposal,
  MutationSource,
  RunConfig,
  RunEvent,
  RunStatus,
  RunSummary,
  SyntaxIssue,
} from '../types';
import { normalizedCodeHash } from '../util/codeHash';
import { deriveSeed, pick, seededRandom } from '../util/random';

export interface RunDeps {
  sources: MutationSource[];
  evaluator: Evaluator;
  /** Syntax issues of a whole candidate file. */
  syntaxIssues(fileText: string): Promise<SyntaxIssue[]>;
  /** The whole file with the function replaced by `code`. */
  candidateFile(code: string): string;
  prm: PrmScorer;
  /** Children scoring below this are kept as 'skipped' nodes, not evaluated. */
  prmThreshold?: number;
  /** Persists every event (append-only); called synchronously, in order. */
  record?(event: RunEvent): void;
  now?(): number;
}

export interface RunIdentity {
  runId: string;
  rootCode: string;
}

/** After this many evaluator errors in a row the run stops: the evaluator itself is broken. */
const CONSECUTIVE_ERROR_LIMIT = 6;
/** After this many model calls in a row that got no reply, the run stops (bad key, server down). */
const CONSECUTIVE_CALL_FAILURE_LIMIT = 8;

export class EvolutionRun {
  readonly runId: string;
  readonly config: RunConfig;
  readonly done: Promise<RunSummary>;

  private readonly deps: RunDeps;
  private readonly nodeList: CandidateNode[] = [];
  private readonly byId = new Map<string, CandidateNode>();
  private readonly seenCode = new Map<string, string>();
  private readonly listeners = new Set<(event: RunEvent) => void>();
  private readonly abort = new AbortController();
  private readonly random: () => number;
  private status: RunStatus = 'running';
  private statusMessage: string | undefined;
  private rootIssueCount = 0;
  private evaluations = 0;
  private consecutiveErrors = 0;
  private consecutiveCallFailures = 0;
  private startedAt: number;
  private started = false;
  private resolveDone!: (summary: RunSummary) => void;

  constructor(config: RunConfig, identity: RunIdentity, deps: RunDeps) {
    this.config = config;
    this.runId = identity.runId;
    this.deps = deps;
    this.random = seededRandom(deriveSeed(config.seed, 'parents'));
    this.startedAt = this.now();
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    const root = this.newNode(null, identity.rootCode);
    root.mutation = { kind: 'literal-tune', summary: 'original function', model: '-' };
    this.seenCode.set(normalizedCodeHash(root.code), root.id);
  }

  onEvent(listener: (event: RunEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the run once; `done` settles when it ends. */
  start(): Promise<RunSummary> {
    if (!this.started) {
      this.started = true;
      this.emit({ type: 'run-started', summary: this.summary(), config: this.config, root: { ...this.root() } });
      void this.loop().then(
        () => this.finish(this.abort.signal.aborted ? 'stopped' : this.status === 'failed' ? 'failed' : 'completed'),
        (error: unknown) => this.finish('failed', `internal error: ${errorMessage(error)}`),
      );
    }
    return this.done;
  }

  stop(): void {
    if (this.status !== 'running') return;
    this.abort.abort(new Error('run stopped'));
  }

  get isRunning(): boolean {
    return this.status === 'running';
  }

  nodes(): CandidateNode[] {
    return this.nodeList;
  }

  node(id: string): CandidateNode | undefined {
    return this.byId.get(id);
  }

  root(): CandidateNode {
    return this.nodeList[0];
  }

  best(): CandidateNode | undefined {
    let best: CandidateNode | undefined;
    for (const n of this.nodeList) {
      if (n.status === 'done' && n.score !== null && (best === undefined || n.score > (best.score ?? -Infinity))) best = n;
    }
    return best;
  }

  summary(): RunSummary {
    const best = this.best();
    let tokens = 0;
    let costUsd = 0;
    for (const n of this.nodeList) {
      tokens += n.tokensIn + n.tokensOut;
      costUsd += n.costUsd;
    }
    const root = this.nodeList[0];
    return {
      runId: this.runId,
      functionName: this.config.functionName,
      filePath: this.config.filePath,
      relativePath: this.config.relativePath,
      language: this.config.language,
      status: this.status,
      startedAt: this.startedAt,
      updatedAt: this.now(),
      evaluations: this.evaluations,
      budget: this.config.budget,
      baselineScore: root.status === 'done' ? root.score : null,
      bestScore: best?.score ?? null,
      bestNodeId: best?.id ?? null,
      tokens,
      costUsd,
    };
  }

  // ---- the loop ----------------------------------------------------------------------------

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    const root = this.root();
    this.rootIssueCount = (await this.deps.syntaxIssues(this.deps.candidateFile(root.code))).length;
    await this.evaluate(root, signal);
    if (root.status !== 'done') {
      this.log('warn', `baseline evaluation did not succeed: ${root.reason ?? root.status}`);
    }
    // Children that produce no evaluation (duplicates, bad replies) still cost a try; cap tries.
    const maxChildren = this.config.budget * 5 + 20;
    let children = 0;
    while (!signal.aborted && this.status === 'running' && this.evaluations < this.config.budget && children < maxChildren) {
      const slots = Math.min(Math.max(1, this.config.concurrency), this.config.budget - this.evaluations, maxChildren - children);
      const round: { node: CandidateNode; parent: CandidateNode; source: MutationSource }[] = [];
      for (let i = 0; i < slots; i++) {
        const parent = this.chooseParent();
        const node = this.newNode(parent, parent.code);
        node.status = 'generating';
        const source = this.deps.sources[(Number(node.id) - 1) % this.deps.sources.length];
        round.push({ node, parent, source });
        this.emit({ type: 'node-added', node: { ...node } });
      }
      children += round.length;
      const proposals = await Promise.all(round.map(({ node, parent, source }) => this.propose(node, parent, source, signal)));
      const toEvaluate: CandidateNode[] = [];
      for (let i = 0; i < round.length; i++) {
        const { node, parent } = round[i];
        if (await this.admit(node, parent, proposals[i], signal)) toEvaluate.push(node);
      }
      await Promise.all(toEvaluate.map((node) => this.evaluate(node, signal)));
    }
    if (!signal.aborted && this.status === 'running' && this.evaluations < this.config.budget) {
      this.log('warn', `stopped after ${children} children: too few produced new, valid candidates`);
    }
  }

  private chooseParent(): CandidateNode {
    const scored = this.nodeList
      .filter((n) => n.status === 'done' && n.score !== null)
      .sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || Number(a.id) - Number(b.id));
    if (scored.length === 0) return this.root();
    // Mostly exploit the best; sometimes branch from another of the top few.
    if (this.random() < 0.7) return scored[0];
    return pick(scored.slice(0, 5), this.random);
  }

  private async propose(node: CandidateNode, parent: CandidateNode, source: MutationSource, signal: AbortSignal): Promise<MutationProposal | Error> {
    const inspirations = this.nodeList
      .filter((n) => n.status === 'done' && n.score !== null && n.id !== parent.id)
      .sort((a, b) => (b.score ?? 0) - (a.score ?? 0))
      .slice(0, 3)
      .map((n) => ({ code: n.code, score: n.score ?? 0 }));
    try {
      return await source.propose(
        {
          language: this.config.language,
          functionName: this.config.functionName,
          parentCode: parent.code,
          fileText: this.deps.candidateFile(parent.code),
          parentFeedback: parent.evaluation?.feedback ?? '',
          parentScore: parent.score,
          inspirations,
          seed: deriveSeed(this.config.seed, `node:${node.id}`),
        },
        signal,
      );
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  /** Applies a proposal to the node and decides whether it deserves an evaluation. */
  private async admit(node: CandidateNode, parent: CandidateNode, proposal: MutationProposal | Error, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return this.settle(node, 'skipped', 'run stopped before evaluation');
    const callFailed = proposal instanceof Error || proposal.callFailed === true;
    this.consecutiveCallFailures = callFailed ? this.consecutiveCallFailures + 1 : 0;
    if (this.consecutiveCallFailures >= CONSECUTIVE_CALL_FAILURE_LIMIT) {
      const last = proposal instanceof Error ? proposal.message : (proposal.error ?? 'no reply');
      this.halt(`the model failed ${this.consecutiveCallFailures} times in a row; last: ${last}`);
    }
    if (proposal instanceof Error) return this.settle(node, 'failed', `model call failed: ${proposal.message}`);
    node.mutation = { kind: proposal.kind, summary: proposal.summary, model: proposal.model, prompt: proposal.prompt, reply: proposal.reply };
    node.tokensIn = proposal.tokensIn;
    node.tokensOut = proposal.tokensOut;
    node.costUsd = proposal.costUsd;
    if (proposal.code === undefined) return this.settle(node, 'failed', proposal.error ?? 'the reply could not be applied');
    node.code = proposal.code;
    node.diff = functionDiff(this.root().code, node.code, this.config.functionName);
    const fingerprint = normalizedCodeHash(node.code);
    const twin = this.seenCode.get(fingerprint);
    if (twin !== undefined) return this.settle(node, 'skipped', `duplicate of node ${twin}`);
    this.seenCode.set(fingerprint, node.id);
    const issues = await this.deps.syntaxIssues(this.deps.candidateFile(node.code));
    const newIssues = issues.length - this.rootIssueCount;
    node.prmScore = this.deps.prm.score({ parentCode: parent.code, childCode: node.code, newSyntaxIssues: Math.max(0, newIssues) });
    if (newIssues > 0) {
      const first = issues[0];
      return this.settle(node, 'failed', `syntax error at line ${first.line + 1}: ${first.message}`);
    }
    const threshold = this.deps.prmThreshold ?? 0;
    if (node.prmScore < threshold) return this.settle(node, 'skipped', `PRM score ${node.prmScore} below threshold ${threshold}`);
    return true;
  }

  private async evaluate(node: CandidateNode, signal: AbortSignal): Promise<void> {
    if (signal.aborted) {
      this.settle(node, 'skipped', 'run stopped before evaluation');
      return;
    }
    node.status = 'evaluating';
    this.emit({ type: 'node-updated', node: { ...node } });
    let result: EvaluationResult;
    try {
      result = await this.deps.evaluator.evaluate(
        {
          candidateFileText: this.deps.candidateFile(node.code),
          relativePath: this.config.relativePath,
          functionName: this.config.functionName,
          language: this.config.language,
          evaluationId: `${this.runId}-${node.id}`,
        },
        signal,
      );
    } catch (error) {
      if (signal.aborted) {
        this.settle(node, 'skipped', 'run stopped during evaluation');
        return;
      }
      result = errorResult(`evaluator failed to run: ${errorMessage(error)}`);
    }
    if (result.status === 'cancelled' || signal.aborted) {
      this.settle(node, 'skipped', 'run stopped during evaluation');
      return;
    }
    this.evaluations++;
    node.evaluation = result;
    if (result.status === 'ok' && result.score !== null) {
      node.score = result.score;
      this.consecutiveErrors = 0;
      this.settle(node, 'done');
      return;
    }
    node.score = null;
    this.consecutiveErrors = result.status === 'incorrect' ? 0 : this.consecutiveErrors + 1;
    this.settle(node, 'failed', result.reason ?? `evaluation ${result.status}`);
    if (this.consecutiveErrors >= CONSECUTIVE_ERROR_LIMIT) {
      this.halt(`the evaluator failed ${this.consecutiveErrors} times in a row; last: ${result.reason ?? result.status}`);
    }
  }

  /** Ends the run as failed: something outside the candidates (evaluator, model) is broken. */
  private halt(message: string): void {
    if (this.status !== 'running') return;
    this.status = 'failed';
    this.statusMessage = message;
    this.abort.abort(new Error(message));
  }

  // ---- bookkeeping -------------------------------------------------------------------------

  private newNode(parent: CandidateNode | null, code: string): CandidateNode {
    const node: CandidateNode = {
      id: String(this.nodeList.length),
      parentId: parent?.id ?? null,
      depth: parent ? parent.depth + 1 : 0,
      status: 'pending',
      code,
      diff: '',
      prmScore: null,
      score: null,
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
      createdAt: this.now(),
    };
    this.nodeList.push(node);
    this.byId.set(node.id, node);
    return node;
  }

  /** Final status of a node; returns false so `admit` can `return this.settle(...)`. */
  private settle(node: CandidateNode, status: 'done' | 'failed' | 'skipped', reason?: string): false {
    node.status = status;
    if (reason !== undefined) node.reason = reason;
    node.finishedAt = this.now();
    this.emit({ type: 'node-updated', node: { ...node } });
    return false;
  }

  private finish(status: RunStatus, message?: string): void {
    if (this.status === 'failed' && status !== 'failed') status = 'failed';
    this.status = status;
    const text = message ?? this.statusMessage;
    this.emit({ type: 'run-status', status, ...(text ? { message: text } : {}) });
    this.resolveDone(this.summary());
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.emit({ type: 'log', level, message });
  }

  private emit(event: RunEvent): void {
    this.deps.record?.(event);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener (UI) must never break the run.
      }
    }
  }

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }
}

function errorResult(reason: string): EvaluationResult {
  return { status: 'error', score: null, correct: false, metrics: {}, feedback: reason, reason, stdoutTail: '', stderrTail: '', durationMs: 0, sandboxed: false };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
