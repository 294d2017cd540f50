// One evolution run: a tree of candidates grown in rounds. Each round the search strategy
// plans children; the engine asks the mutation sources for them in parallel, checks and
// filters them in a fixed order (patch, dedupe, syntax, PRM), lets the strategy pick which to
// evaluate, then evaluates those in parallel. Rounds make a seeded run reproducible even though
// model calls and evaluations finish in any order.
import { functionDiff } from '../mutate/functionDiff';
import type { PrmInput, PrmScorer } from '../prm/heuristicPrm';
import { ElitistStrategy } from '../search/elitist';
import type { ChildPlan, SearchStrategy, SearchView } from '../search/strategy';
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
import { deriveSeed, seededRandom } from '../util/random';

export interface RunDeps {
  sources: MutationSource[];
  evaluator: Evaluator;
  /** Syntax issues of a whole candidate file. */
  syntaxIssues(fileText: string): Promise<SyntaxIssue[]>;
  /** The whole file with the function replaced by `code`. */
  candidateFile(code: string): string;
  prm: PrmScorer;
  /** Defaults to the elitist policy. */
  strategy?: SearchStrategy;
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
  private readonly strategy: SearchStrategy;
  private readonly nodeList: CandidateNode[] = [];
  private readonly childrenOf = new Map<string, CandidateNode[]>();
  /** Evaluated, correct nodes, best first (ties: older first). */
  private readonly rankedNodes: CandidateNode[] = [];
  private readonly prmInputs = new Map<string, PrmInput>();
  private readonly seenCode = new Map<string, string>();
  private readonly listeners = new Set<(event: RunEvent) => void>();
  private readonly abort = new AbortController();
  private readonly random: () => number;
  private readonly view: SearchView;
  private budget: number;
  private status: RunStatus = 'running';
  private statusMessage: string | undefined;
  private paused = false;
  private resumeWaiters: (() => void)[] = [];
  private rootIssueCount = 0;
  private evaluations = 0;
  private evaluationsInFlight = 0;
  private tokens = 0;
  private costUsd = 0;
  private consecutiveErrors = 0;
  private consecutiveCallFailures = 0;
  private readonly startedAt: number;
  private started = false;
  private resolveDone!: (summary: RunSummary) => void;

  constructor(config: RunConfig, identity: RunIdentity, deps: RunDeps) {
    this.config = config;
    this.runId = identity.runId;
    this.deps = deps;
    this.budget = config.budget;
    this.strategy = deps.strategy ?? new ElitistStrategy();
    this.random = seededRandom(deriveSeed(config.seed, 'search'));
    this.startedAt = this.now();
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    // The view's getters read live run state; object-literal getters cannot use arrow functions.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const run = this;
    this.view = {
      get nodes() {
        return run.nodeList;
      },
      get ranked() {
        return run.rankedNodes;
      },
      random: this.random,
      get evaluationsLeft() {
        return Math.max(0, run.budget - run.evaluations - run.evaluationsInFlight);
      },
      get concurrency() {
        return Math.max(1, run.config.concurrency);
      },
      children: (id) => this.childrenOf.get(id) ?? [],
    };
    const root = this.newNode(null, identity.rootCode, 'the original function');
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
        () => this.finish(this.abort.signal.aborted ? 'stopped' : 'completed'),
        (error: unknown) => this.finish('failed', `internal error: ${errorMessage(error)}`),
      );
    }
    return this.done;
  }

  /** Cancels in-flight work (model calls and evaluations) and ends the run as stopped. */
  stop(): void {
    if (!this.isActive) return;
    this.abort.abort(new Error('run stopped'));
    this.releasePause();
  }

  /** Finishes the current round, then waits until resume(). */
  pause(): void {
    if (this.status !== 'running') return;
    this.paused = true;
    this.setStatus('paused');
  }

  resume(): void {
    if (this.status !== 'paused') return;
    this.paused = false;
    this.setStatus('running');
    this.releasePause();
  }

  /** Raises (or lowers, not below what is spent) the number of evaluations. */
  setBudget(budget: number): void {
    this.budget = Math.max(this.evaluations + this.evaluationsInFlight, Math.floor(budget));
    this.emit({ type: 'log', level: 'info', message: `budget set to ${this.budget} evaluations` });
  }

  /** Evaluates a node the PRM skipped, now, while the run is active. Counts as an evaluation. */
  async evaluateNow(nodeId: string): Promise<CandidateNode> {
    const node = this.node(nodeId);
    if (!node) throw new Error(`no node ${nodeId} in run ${this.runId}`);
    if (!this.isActive) throw new Error(`run ${this.runId} is not active; resume it to evaluate more candidates`);
    if (!node.skippedByPrm || node.status !== 'skipped') throw new Error(`node ${nodeId} was not skipped by the PRM (status: ${node.status})`);
    node.skippedByPrm = false;
    node.why = `${node.why ?? ''}; evaluated on demand`.replace(/^; /, '');
    await this.evaluate(node, this.abort.signal);
    return node;
  }

  get isActive(): boolean {
    return this.status === 'running' || this.status === 'paused';
  }

  nodes(): readonly CandidateNode[] {
    return this.nodeList;
  }

  node(id: string): CandidateNode | undefined {
    const index = Number(id);
    return Number.isInteger(index) ? this.nodeList[index] : undefined;
  }

  root(): CandidateNode {
    return this.nodeList[0];
  }

  best(): CandidateNode | undefined {
    return this.rankedNodes[0];
  }

  strategyName(): string {
    return this.strategy.name;
  }

  strategySnapshot(): unknown {
    return this.strategy.snapshot();
  }

  summary(): RunSummary {
    const best = this.rankedNodes[0];
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
      budget: this.budget,
      baselineScore: root.status === 'done' ? root.score : null,
      bestScore: best?.score ?? null,
      bestNodeId: best?.id ?? null,
      tokens: this.tokens,
      costUsd: this.costUsd,
    };
  }

  // ---- the loop ----------------------------------------------------------------------------

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    const root = this.root();
    this.rootIssueCount = (await this.deps.syntaxIssues(this.deps.candidateFile(root.code))).length;
    await this.evaluate(root, signal);
    if (root.status !== 'done') this.log('warn', `baseline evaluation did not succeed: ${root.reason ?? root.status}`);
    // Children that produce no evaluation (duplicates, bad replies) still cost a try; cap tries.
    let children = 0;
    const maxChildren = () => this.budget * 5 + 20;
    while (!signal.aborted) {
      if (this.paused) await new Promise<void>((resolve) => this.resumeWaiters.push(resolve));
      if (signal.aborted || this.evaluations >= this.budget) break;
      if (children >= maxChildren()) {
        this.log('warn', `stopped after ${children} children: too few produced new, valid candidates`);
        break;
      }
      const plans = this.strategy.planRound(this.view).slice(0, maxChildren() - children);
      if (plans.length === 0) break;
      children += plans.length;
      await this.runRound(plans, signal);
    }
  }

  private async runRound(plans: ChildPlan[], signal: AbortSignal): Promise<void> {
    const round = plans.map((plan) => {
      const parent = this.node(plan.parentId) ?? this.root();
      const node = this.newNode(parent, parent.code, plan.why);
      if (plan.secondParentId !== undefined) node.secondParentId = plan.secondParentId;
      if (plan.island !== undefined) node.island = plan.island;
      node.status = 'generating';
      this.emit({ type: 'node-added', node: { ...node } });
      const source = this.deps.sources[(Number(node.id) - 1) % this.deps.sources.length];
      return { node, parent, source };
    });
    const proposals = await Promise.all(round.map(({ node, parent, source }) => this.propose(node, parent, source, signal)));
    const admitted: CandidateNode[] = [];
    for (let i = 0; i < round.length; i++) {
      if (await this.admit(round[i].node, round[i].parent, proposals[i], signal)) admitted.push(round[i].node);
    }
    const chosen = new Set(this.strategy.selectForEvaluation(admitted, this.view).slice(0, this.view.evaluationsLeft));
    const skipped = admitted.filter((n) => !chosen.has(n));
    skipped.forEach((node) => {
      node.skippedByPrm = true;
      const rank = [...admitted].sort((a, b) => (b.prmScore ?? 0) - (a.prmScore ?? 0)).indexOf(node) + 1;
      this.settle(node, 'skipped', `not evaluated: PRM score ${node.prmScore} ranked ${rank} of ${admitted.length} this round`);
    });
    await this.evaluateAll([...chosen], signal);
  }

  /** Evaluates nodes with at most `concurrency` in flight. */
  private async evaluateAll(nodes: CandidateNode[], signal: AbortSignal): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < nodes.length) await this.evaluate(nodes[next++], signal);
    };
    await Promise.all(Array.from({ length: Math.min(this.view.concurrency, nodes.length) }, worker));
  }

  private async propose(node: CandidateNode, parent: CandidateNode, source: MutationSource, signal: AbortSignal): Promise<MutationProposal | Error> {
    const inspirations = this.rankedNodes
      .filter((n) => n.id !== parent.id)
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

  /** Applies a proposal to the node and decides whether it may be evaluated. */
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
    this.tokens += proposal.tokensIn + proposal.tokensOut;
    this.costUsd += proposal.costUsd;
    if (proposal.code === undefined) return this.settle(node, 'failed', proposal.error ?? 'the reply could not be applied');
    node.code = proposal.code;
    node.diff = functionDiff(this.root().code, node.code, this.config.functionName);
    const fingerprint = normalizedCodeHash(node.code);
    const twin = this.seenCode.get(fingerprint);
    if (twin !== undefined) return this.settle(node, 'skipped', `duplicate of node ${twin}`);
    this.seenCode.set(fingerprint, node.id);
    const issues = await this.deps.syntaxIssues(this.deps.candidateFile(node.code));
    const newIssues = Math.max(0, issues.length - this.rootIssueCount);
    const prmInput: PrmInput = {
      language: this.config.language,
      parentCode: parent.code,
      childCode: node.code,
      newSyntaxIssues: newIssues,
      mutationKind: proposal.kind,
      model: proposal.model,
      parentRank: this.rankedNodes.indexOf(parent),
      parentDepth: parent.depth,
    };
    node.prmScore = await this.scorePrm(prmInput);
    if (newIssues > 0) {
      const first = issues[0];
      return this.settle(node, 'failed', `syntax error at line ${first.line + 1}: ${first.message}`);
    }
    this.prmInputs.set(node.id, prmInput);
    const threshold = this.deps.prmThreshold ?? 0;
    if (node.prmScore < threshold) {
      node.skippedByPrm = true;
      return this.settle(node, 'skipped', `PRM score ${node.prmScore} below threshold ${threshold}`);
    }
    return true;
  }

  private async evaluate(node: CandidateNode, signal: AbortSignal): Promise<void> {
    if (signal.aborted) {
      this.settle(node, 'skipped', 'run stopped before evaluation');
      return;
    }
    node.status = 'evaluating';
    this.emit({ type: 'node-updated', node: { ...node } });
    this.evaluationsInFlight++;
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
      result = errorResult(`evaluator failed to run: ${errorMessage(error)}`);
    } finally {
      this.evaluationsInFlight--;
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
      this.insertRanked(node);
      this.settle(node, 'done');
    } else {
      node.score = null;
      this.consecutiveErrors = result.status === 'incorrect' ? 0 : this.consecutiveErrors + 1;
      this.settle(node, 'failed', result.reason ?? `evaluation ${result.status}`);
      if (this.consecutiveErrors >= CONSECUTIVE_ERROR_LIMIT) {
        this.halt(`the evaluator failed ${this.consecutiveErrors} times in a row; last: ${result.reason ?? result.status}`);
      }
    }
    this.learnFrom(node);
  }

  /** A PRM failure must not lose the candidate: fall back to a neutral score and say why. */
  private async scorePrm(input: PrmInput): Promise<number> {
    try {
      const score = await this.deps.prm.score(input);
      return Number.isFinite(score) ? score : 0.5;
    } catch (error) {
      this.log('warn', `PRM ${this.deps.prm.name} failed, using 0.5: ${errorMessage(error)}`);
      return 0.5;
    }
  }

  /** Teaches the PRM what this child's evaluation showed. */
  private learnFrom(node: CandidateNode): void {
    const input = this.prmInputs.get(node.id);
    if (!input || !this.deps.prm.learn) return;
    this.prmInputs.delete(node.id);
    const parent = node.parentId !== null ? this.node(node.parentId) : undefined;
    const parentScore = parent?.score ?? null;
    const delta = node.score !== null && parentScore !== null ? node.score - parentScore : null;
    this.deps.prm.learn(input, { improved: delta !== null && delta > 0, delta });
  }

  // ---- bookkeeping -------------------------------------------------------------------------

  private newNode(parent: CandidateNode | null, code: string, why: string): CandidateNode {
    const node: CandidateNode = {
      id: String(this.nodeList.length),
      parentId: parent?.id ?? null,
      depth: parent ? parent.depth + 1 : 0,
      status: 'pending',
      code,
      diff: '',
      prmScore: null,
      score: null,
      why,
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
      createdAt: this.now(),
    };
    this.nodeList.push(node);
    if (parent) {
      const siblings = this.childrenOf.get(parent.id);
      if (siblings) siblings.push(node);
      else this.childrenOf.set(parent.id, [node]);
    }
    return node;
  }

  private insertRanked(node: CandidateNode): void {
    const score = node.score ?? -Infinity;
    let lo = 0;
    let hi = this.rankedNodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.rankedNodes[mid].score ?? -Infinity) >= score) lo = mid + 1;
      else hi = mid;
    }
    this.rankedNodes.splice(lo, 0, node);
  }

  /** Final status of a node; returns false so `admit` can `return this.settle(...)`. */
  private settle(node: CandidateNode, status: 'done' | 'failed' | 'skipped', reason?: string): false {
    node.status = status;
    if (reason !== undefined) node.reason = reason;
    node.finishedAt = this.now();
    this.emit({ type: 'node-updated', node: { ...node } });
    this.strategy.observe(node, this.view);
    return false;
  }

  /** Ends the run as failed: something outside the candidates (evaluator, model) is broken. */
  private halt(message: string): void {
    if (!this.isActive) return;
    this.status = 'failed';
    this.statusMessage = message;
    this.abort.abort(new Error(message));
    this.releasePause();
  }

  private releasePause(): void {
    const waiters = this.resumeWaiters;
    this.resumeWaiters = [];
    waiters.forEach((resolve) => resolve());
  }

  private setStatus(status: RunStatus, message?: string): void {
    this.status = status;
    this.emit({ type: 'run-status', status, ...(message ? { message } : {}) });
  }

  private finish(status: RunStatus, message?: string): void {
    if (this.status === 'failed') status = 'failed';
    this.setStatus(status, message ?? this.statusMessage);
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
