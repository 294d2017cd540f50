// One evolution run: a tree of candidates grown in rounds. Each round the search strategy
// plans children; the engine asks the mutation sources for them in parallel, checks and
// filters them in a fixed order (patch, dedupe, syntax, PRM), lets the strategy pick which to
// evaluate, then evaluates those in parallel. Rounds make a seeded run reproducible even though
// model calls and evaluations finish in any order.
import { improvementReward, ModelBandit } from '../llm/bandit';
import { usageTotals } from '../runCounts';
import { functionDiff } from '../mutate/functionDiff';
import { chooseMutationMode, DEFAULT_MUTATION_MIX } from '../mutate/prompt';
import type { PrmInput, PrmScorer } from '../prm/heuristicPrm';
import type { DetailedPrmScorer } from '../prm/types';
import { ElitistStrategy } from '../search/elitist';
import type { ChildPlan, SearchStrategy, SearchView } from '../search/strategy';
import type {
  CandidateNode,
  EvaluationResult,
  Evaluator,
  ModelUsage,
  MutationProposal,
  MutationRequest,
  MutationSource,
  RunConfig,
  RunEvent,
  RunSource,
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
  /** Defaults to the elitist policy (the product passes its default, adaptive, explicitly). */
  strategy?: SearchStrategy;
  /** Picks the source of each child; defaults to a fresh cost-aware UCB1 bandit over `sources`. */
  bandit?: ModelBandit;
  /** Children scoring below this are kept as 'skipped' nodes, not evaluated. */
  prmThreshold?: number;
  /** Persists every event (append-only); called synchronously, in order. */
  record?(event: RunEvent): void;
  /** The file being evolved, recorded in the run's first event so the run can be resumed. */
  source?: RunSource;
  now?(): number;
}

export interface RunIdentity {
  runId: string;
  rootCode: string;
  /** Continue a stored run instead of starting afresh. */
  restore?: RestoredRun;
}

/** What a resumed run continues from (see RunStore.load). */
export interface RestoredRun {
  nodes: readonly CandidateNode[];
  startedAt: number;
  budget: number;
  banditState?: unknown;
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
  private readonly rewarded = new Set<string>();
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
  private readonly bandit: ModelBandit;
  private readonly sourcesById = new Map<string, MutationSource>();
  private readonly usage = new Map<string, ModelUsage & { rewardTotal: number }>();
  /** Failed model-written children waiting for their one repair attempt. */
  private pendingRepairs: CandidateNode[] = [];
  /** Children the user asked for ("Mutate from here"): planned before the strategy's. */
  private userPlans: ChildPlan[] = [];
  /** The costliest single model call so far: the estimate that keeps a cost budget within one call. */
  private maxCallCost = 0;
  private maxCallTokens = 0;
  private stopReason: string | undefined;
  private started = false;
  private resolveDone!: (summary: RunSummary) => void;

  constructor(config: RunConfig, identity: RunIdentity, deps: RunDeps) {
    this.config = config;
    this.runId = identity.runId;
    this.deps = deps;
    this.budget = config.budget;
    this.strategy = deps.strategy ?? new ElitistStrategy();
    this.random = seededRandom(deriveSeed(config.seed, 'search'));
    for (const source of deps.sources) {
      if (this.sourcesById.has(source.id)) throw new Error(`model ${source.id} is listed twice`);
      this.sourcesById.set(source.id, source);
      this.usage.set(source.id, { id: source.id, pulls: 0, meanReward: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, rewardTotal: 0 });
    }
    if (deps.sources.length === 0) throw new Error('a run needs at least one mutation source');
    const banditRandom = seededRandom(deriveSeed(config.seed, `bandit:${identity.restore?.nodes.length ?? 0}`));
    const arms = deps.sources.map((s) => s.id);
    this.bandit =
      deps.bandit ??
      (identity.restore?.banditState ? restoreBandit(identity.restore.banditState, banditRandom, arms) : undefined) ??
      new ModelBandit(arms, {}, banditRandom);
    this.startedAt = identity.restore?.startedAt ?? this.now();
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
    if (identity.restore) {
      this.restoreFrom(identity.restore);
      return;
    }
    const root = this.newNode(null, identity.rootCode, 'the original function');
    root.mutation = { kind: 'literal-tune', summary: 'original function', model: '-' };
    this.seenCode.set(normalizedCodeHash(root.code), root.id);
  }

  /** Nodes that were being evaluated when the run stopped: evaluated first on resume. */
  private requeued: CandidateNode[] = [];
  private restored = false;

  /**
   * Rebuilds the run from stored nodes: every completed evaluation is kept as it was (never run
   * twice); nodes that were being evaluated are queued again; children still waiting for their
   * model reply are closed as interrupted (no evaluation was spent on them).
   */
  private restoreFrom(restore: RestoredRun): void {
    this.restored = true;
    this.budget = restore.budget;
    const sorted = [...restore.nodes].sort((a, b) => Number(a.id) - Number(b.id));
    sorted.forEach((stored, index) => {
      if (Number(stored.id) !== index) throw new Error(`stored run ${this.runId} is missing node ${index}`);
      const node: CandidateNode = { ...stored };
      this.nodeList.push(node);
      if (node.parentId !== null) {
        const siblings = this.childrenOf.get(node.parentId);
        if (siblings) siblings.push(node);
        else this.childrenOf.set(node.parentId, [node]);
      }
      const fingerprint = normalizedCodeHash(node.code);
      if (node.id === '0' || node.diff) {
        if (!this.seenCode.has(fingerprint)) this.seenCode.set(fingerprint, node.id);
      }
      this.tokens += node.tokensIn + node.tokensOut;
      this.costUsd += node.costUsd;
      this.maxCallCost = Math.max(this.maxCallCost, node.costUsd);
      this.maxCallTokens = Math.max(this.maxCallTokens, node.tokensIn + node.tokensOut);
      if (node.evaluation) this.evaluations++;
      if (node.status === 'done' && node.score !== null) this.insertRanked(node);
    });
    const rootNode = this.nodeList[0];
    for (const node of this.nodeList) {
      // Evaluations cut short (crash: 'evaluating'; Stop or reload: skipped as stopped) run again.
      const stoppedBeforeResult = node.status === 'skipped' && /^run stopped (before|during) evaluation/.test(node.reason ?? '');
      if (node.status === 'evaluating' || stoppedBeforeResult) {
        node.status = 'pending';
        delete node.reason;
        this.requeued.push(node);
      } else if (node.status === 'generating' || (node.status === 'pending' && node !== rootNode)) {
        node.status = 'skipped';
        node.reason = 'interrupted before the model replied (the run stopped)';
      }
      const settled = node.status === 'done' || node.status === 'failed' || (node.status === 'skipped' && !node.skippedByPrm);
      if (settled && node.sourceId) this.rewarded.add(node.id);
    }
    // The models' totals so far, by the one definition the store and the panel use too.
    for (const totals of usageTotals(this.nodeList, [...this.usage.keys()])) {
      if (this.usage.has(totals.id)) this.usage.set(totals.id, totals);
    }
    if (rootNode.status !== 'done' && !rootNode.evaluation && !this.requeued.includes(rootNode)) {
      rootNode.status = 'pending';
      this.requeued.unshift(rootNode);
    }
  }

  onEvent(listener: (event: RunEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the run once; `done` settles when it ends. */
  start(): Promise<RunSummary> {
    if (!this.started) {
      this.started = true;
      if (this.restored) {
        this.emit({ type: 'run-resumed', at: this.now(), requeued: this.requeued.map((n) => n.id) });
        this.setStatus('running', `resumed with ${this.evaluations} of ${this.budget} evaluations done`);
        for (const node of this.nodeList) if (node.reason?.startsWith('interrupted before')) this.emit({ type: 'node-updated', node: { ...node } });
      } else {
        this.emit({ type: 'run-started', summary: this.summary(), config: this.config, root: { ...this.root() }, ...(this.deps.source ? { source: this.deps.source } : {}) });
      }
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
    this.emit({ type: 'budget-changed', budget: this.budget });
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

  /** Queues one child of `nodeId` for the next round ("Mutate from here"). */
  mutateFrom(nodeId: string): void {
    const node = this.node(nodeId);
    if (!node) throw new Error(`no node ${nodeId} in run ${this.runId}`);
    if (!this.isActive) throw new Error(`run ${this.runId} is not active; resume it first`);
    if (node.status !== 'done') throw new Error(`node ${nodeId} has no score to build on (status: ${node.status})`);
    this.userPlans.push({ parentId: nodeId, why: `requested by the user: mutate node ${nodeId}` });
    this.log('info', `a child of node ${nodeId} was requested; it is generated in the next round`);
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
      models: this.modelUsage(),
      ...(this.stopReason ? { stopReason: this.stopReason } : {}),
    };
  }

  /** Per-model pulls, mean reward, tokens and cost: exact sums over this run's nodes. */
  modelUsage(): ModelUsage[] {
    return [...this.usage.values()].map(({ rewardTotal, ...u }) => ({ ...u, meanReward: u.pulls > 0 ? rewardTotal / u.pulls : 0 }));
  }

  banditState(): unknown {
    return this.bandit.toJSON();
  }

  // ---- the loop ----------------------------------------------------------------------------

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    const root = this.root();
    this.rootIssueCount = (await this.deps.syntaxIssues(this.deps.candidateFile(root.code))).length;
    if (this.restored) {
      const requeued = this.requeued;
      this.requeued = [];
      await this.evaluateAll(requeued, signal);
    } else {
      await this.evaluate(root, signal);
    }
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
      const spendingStop = this.spendingLimitReached();
      if (spendingStop) {
        this.stopReason = spendingStop;
        this.log('info', spendingStop);
        break;
      }
      const requested = this.userPlans.map((plan) => ({ ...plan, strategy: 'user' }));
      this.userPlans = [];
      const repairs = this.takeRepairs();
      const planned = this.strategy.planRound(this.view).map((plan) => ({ ...plan, strategy: plan.strategy ?? this.strategy.name }));
      const plans = [...requested, ...repairs, ...planned].slice(0, Math.min(maxChildren() - children, this.callsAffordable()));
      if (plans.length === 0) break;
      children += plans.length;
      await this.runRound(plans, signal);
      this.emit({ type: 'search-state', strategy: this.strategy.name, strategyState: this.strategy.snapshot(), bandit: this.bandit.toJSON() });
    }
  }

  /** A message when the USD or token budget is spent, else undefined. */
  private spendingLimitReached(): string | undefined {
    const { budgetUsd, budgetTokens } = this.config;
    if (budgetUsd !== undefined && this.costUsd >= budgetUsd) return `cost budget reached: $${this.costUsd.toFixed(4)} of $${budgetUsd}`;
    if (budgetTokens !== undefined && this.tokens >= budgetTokens) return `token budget reached: ${this.tokens} of ${budgetTokens} tokens`;
    return undefined;
  }

  /** How many model calls the rest of the money allows, judged by the costliest call so far. */
  private callsAffordable(): number {
    let calls = Number.POSITIVE_INFINITY;
    const { budgetUsd, budgetTokens } = this.config;
    if (budgetUsd !== undefined && this.maxCallCost > 0) calls = Math.min(calls, Math.floor((budgetUsd - this.costUsd) / this.maxCallCost));
    if (budgetTokens !== undefined && this.maxCallTokens > 0) calls = Math.min(calls, Math.floor((budgetTokens - this.tokens) / this.maxCallTokens));
    if ((budgetUsd !== undefined || budgetTokens !== undefined) && this.maxCallCost === 0 && this.maxCallTokens === 0) calls = Math.min(calls, 1);
    // One call is always allowed while budget remains: that keeps the overshoot within one call.
    return Math.max(1, calls);
  }

  /** Repair children for failed model-written candidates, each failure repaired once. */
  private takeRepairs(): ChildPlan[] {
    const plans = this.pendingRepairs.map((failed) => ({ parentId: failed.id, why: `repair attempt for node ${failed.id}: ${failed.reason ?? 'failed'}`, repairOf: failed.id, strategy: 'repair' }));
    this.pendingRepairs = [];
    return plans;
  }

  private async runRound(plans: ChildPlan[], signal: AbortSignal): Promise<void> {
    const round = plans.map((plan) => {
      const parent = this.node(plan.parentId) ?? this.root();
      const repairOf = (plan as ChildPlan & { repairOf?: string }).repairOf;
      const node = this.newNode(parent, parent.code, plan.why);
      if (plan.island !== undefined) node.island = plan.island;
      if (plan.strategy !== undefined) node.strategy = plan.strategy;
      // A repair goes back to the model that wrote the failed candidate; others ask the bandit.
      const sourceId = repairOf !== undefined && parent.sourceId ? parent.sourceId : this.bandit.choose();
      if (repairOf !== undefined && parent.sourceId) this.bandit.choose(); // keeps choose/update paired
      const source = this.sourcesById.get(sourceId) ?? this.deps.sources[0];
      node.sourceId = source.id;
      if (source.supportsModes) {
        if (repairOf !== undefined) node.mode = 'repair';
        else {
          const second = plan.secondParentId !== undefined ? this.node(plan.secondParentId) : this.pickSecondParent(parent);
          node.mode = chooseMutationMode(this.config.mutationMix ?? DEFAULT_MUTATION_MIX, this.random, second !== undefined);
          if (node.mode === 'crossover' && second) node.secondParentId = second.id;
        }
      }
      node.status = 'generating';
      this.emit({ type: 'node-added', node: { ...node } });
      return { node, parent, source };
    });
    const proposals = await Promise.all(round.map(({ node, parent, source }) => this.propose(node, parent, source, signal)));
    const admitted: CandidateNode[] = [];
    for (let i = 0; i < round.length; i++) {
      if (await this.admit(round[i].node, round[i].parent, proposals[i], signal)) admitted.push(round[i].node);
    }
    const chosen = new Set(this.strategy.selectForEvaluation(admitted, this.view).slice(0, this.view.evaluationsLeft));
    const skipped = admitted.filter((n) => !chosen.has(n));
    const byPrm = [...admitted].sort((a, b) => (b.prmScore ?? 0) - (a.prmScore ?? 0));
    skipped.forEach((node) => {
      node.skippedByPrm = true;
      // A strategy may say why it passed a child over (near-duplicate, best-of-N cut); keep that.
      const reason = node.reason ?? `not evaluated: PRM score ${node.prmScore} ranked ${byPrm.indexOf(node) + 1} of ${admitted.length} this round`;
      this.settle(node, 'skipped', reason);
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
      .slice(0, 4)
      .filter((n) => n.id !== parent.id)
      .slice(0, 3)
      .map((n) => ({ code: n.code, score: n.score ?? 0 }));
    const request: MutationRequest = {
      language: this.config.language,
      functionName: this.config.functionName,
      parentCode: parent.code,
      fileText: this.deps.candidateFile(parent.code),
      parentFeedback: parent.evaluation?.feedback ?? '',
      parentScore: parent.score,
      inspirations,
      seed: deriveSeed(this.config.seed, `node:${node.id}`),
    };
    if (node.mode) request.mode = node.mode;
    const notes = this.lineageNotes(parent);
    if (notes.length > 0) request.lineageNotes = notes;
    if (node.mode === 'crossover' && node.secondParentId !== undefined) {
      const second = this.node(node.secondParentId);
      if (second) request.secondParent = { code: second.code, score: second.score };
    }
    if (node.mode === 'repair') {
      // The failed candidate is the node's parent; the request's parent is the one it came from.
      const grandparent = parent.parentId !== null ? this.node(parent.parentId) : undefined;
      request.failedCode = parent.code;
      request.failure = [parent.reason ?? 'the candidate failed', parent.evaluation?.feedback ?? ''].filter(Boolean).join('\n');
      if (grandparent) {
        request.parentCode = grandparent.code;
        request.parentScore = grandparent.score;
        request.parentFeedback = grandparent.evaluation?.feedback ?? '';
      }
    }
    try {
      return await source.propose(request, signal);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  /** Applies a proposal to the node and decides whether it may be evaluated. */
  private async admit(node: CandidateNode, parent: CandidateNode, proposal: MutationProposal | Error, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return this.settle(node, 'skipped', 'run stopped before the reply was applied');
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
    if (proposal.lineageNote) node.lineageNote = proposal.lineageNote;
    this.tokens += proposal.tokensIn + proposal.tokensOut;
    this.costUsd += proposal.costUsd;
    this.maxCallCost = Math.max(this.maxCallCost, proposal.costUsd);
    this.maxCallTokens = Math.max(this.maxCallTokens, proposal.tokensIn + proposal.tokensOut);
    const usage = node.sourceId ? this.usage.get(node.sourceId) : undefined;
    if (usage) {
      usage.tokensIn += proposal.tokensIn;
      usage.tokensOut += proposal.tokensOut;
      usage.costUsd += proposal.costUsd;
    }
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
    await this.scorePrm(node, prmInput);
    if (newIssues > 0) {
      const first = issues[0];
      this.queueRepair(node);
      return this.settle(node, 'failed', `syntax error at line ${first.line + 1}: ${first.message}`);
    }
    this.prmInputs.set(node.id, prmInput);
    const threshold = this.deps.prmThreshold ?? 0;
    if ((node.prmScore ?? 0.5) < threshold) {
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
      if (result.status === 'incorrect' || result.status === 'error') this.queueRepair(node);
      this.settle(node, 'failed', result.reason ?? `evaluation ${result.status}`);
      if (this.consecutiveErrors >= CONSECUTIVE_ERROR_LIMIT) {
        this.halt(`the evaluator failed ${this.consecutiveErrors} times in a row; last: ${result.reason ?? result.status}`);
      }
    }
    this.learnFrom(node);
  }

  /** A PRM failure must not lose the candidate: fall back to a neutral score and say why. */
  private async scorePrm(node: CandidateNode, input: PrmInput): Promise<void> {
    const prm = this.deps.prm as PrmScorer & Partial<DetailedPrmScorer>;
    try {
      if (prm.scoreDetailed) {
        const detail = await prm.scoreDetailed(input);
        node.prmDetail = {
          probability: detail.probability,
          expectedDelta: detail.expectedDelta,
          hunks: detail.hunks.map((h) => ({ score: round3(h.probability), childLines: h.childLines })),
          combination: detail.combination,
          source: detail.source,
          trainedOn: detail.trainedOn,
        };
        node.prmScore = Number.isFinite(detail.probability) ? round3(detail.probability) : 0.5;
      } else {
        const score = await prm.score(input);
        node.prmScore = Number.isFinite(score) ? round3(score) : 0.5;
      }
    } catch (error) {
      this.log('warn', `PRM ${prm.name} failed, using 0.5: ${errorMessage(error)}`);
      node.prmScore = 0.5;
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

  /** One repair attempt for a model-written candidate that failed to compile or its tests. */
  private queueRepair(node: CandidateNode): void {
    if (this.config.repair === false || node.mode === 'repair' || !node.sourceId) return;
    if (!this.sourcesById.get(node.sourceId)?.supportsModes) return;
    this.pendingRepairs.push(node);
  }

  /** A second parent for crossover: another of the top candidates, if there is one. */
  private pickSecondParent(parent: CandidateNode): CandidateNode | undefined {
    const others = this.rankedNodes.slice(0, 6).filter((n) => n.id !== parent.id);
    return others.length > 0 ? pick(others, this.random) : undefined;
  }

  /** Notes left by the last few ancestors (e.g. SEARCH blocks that did not match), nearest first. */
  private lineageNotes(from: CandidateNode): string[] {
    const notes: string[] = [];
    for (let n: CandidateNode | undefined = from, hops = 0; n && hops < 6 && notes.length < 3; hops++) {
      if (n.lineageNote) notes.push(n.lineageNote);
      n = n.parentId !== null ? this.node(n.parentId) : undefined;
    }
    return notes;
  }

  /** Tells the bandit how the child of `node.sourceId` did; a cancelled call is only released. */
  private rewardSource(node: CandidateNode, status: 'done' | 'failed' | 'skipped', reason: string | undefined): void {
    if (!node.sourceId) return;
    const usage = this.usage.get(node.sourceId);
    if (status === 'skipped' && reason !== undefined && reason.startsWith('run stopped')) {
      this.bandit.release(node.sourceId);
      return;
    }
    const parent = node.parentId !== null ? this.node(node.parentId) : undefined;
    const root = this.root();
    const reward = status === 'done' ? improvementReward(node.score, parent?.score ?? null, root.status === 'done' ? root.score : null) : 0;
    this.bandit.update(node.sourceId, reward, node.costUsd, node.tokensIn, node.tokensOut);
    if (usage) {
      usage.pulls++;
      usage.rewardTotal += reward;
    }
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
    // PRM-skipped nodes wait: they may still be evaluated on demand, and are rewarded then.
    if (!node.skippedByPrm && !this.rewarded.has(node.id)) {
      this.rewarded.add(node.id);
      this.rewardSource(node, status, reason);
    }
    node.finishedAt = this.now();
    this.emit({ type: 'node-updated', node: { ...node } });
    this.strategy.observe(node, this.view);
    return false;
  }

  /** Ends the run as failed from outside (e.g. its log cannot be written): in-flight work is cancelled. */
  fail(reason: string): void {
    this.halt(reason);
  }

  /** Ends the run as failed: something outside the candidates (evaluator, model) is broken. */
  private halt(message: string): void {
    if (!this.isActive) return;
    this.status = 'failed';
    this.statusMessage = message;
    this.abort.abort(new Error(message));
    this.releasePause();
  }

  /**
   * Prompt and reply texts are large (kilobytes per node): once recorded in the run's log they are
   * dropped from memory (the UI reads them back from the log on demand). The event just emitted
   * keeps its own copy for listeners.
   */
  private forgetRecordedTexts(nodeId: string): void {
    const node = this.node(nodeId);
    if (!node?.mutation || (node.mutation.prompt === undefined && node.mutation.reply === undefined)) return;
    node.mutation = { kind: node.mutation.kind, summary: node.mutation.summary, model: node.mutation.model };
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
    // Choices for children that never settled (stopped mid-round) are released.
    for (const n of this.nodeList) {
      if (n.sourceId && !this.rewarded.has(n.id)) {
        this.rewarded.add(n.id);
        this.bandit.release(n.sourceId);
      }
    }
    if (this.statusMessage && !this.stopReason) this.stopReason = this.statusMessage;
    // A failed run always says why (an internal error carries its message only here).
    if (status === 'failed' && !this.stopReason) this.stopReason = message ?? 'the run failed for an unknown reason';
    this.setStatus(status, message ?? this.statusMessage ?? this.stopReason);
    this.resolveDone(this.summary());
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.emit({ type: 'log', level, message });
  }

  private emit(event: RunEvent): void {
    this.deps.record?.(event);
    if (this.deps.record && (event.type === 'node-added' || event.type === 'node-updated')) this.forgetRecordedTexts(event.node.id);
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

/** The bandit as saved with the run; a state that no longer fits (models changed) starts afresh. */
function restoreBandit(state: unknown, random: () => number, arms: string[]): ModelBandit | undefined {
  try {
    return ModelBandit.fromJSON(state as Parameters<typeof ModelBandit.fromJSON>[0], random, arms);
  } catch {
    return undefined;
  }
}

function errorResult(reason: string): EvaluationResult {
  return { status: 'error', score: null, correct: false, metrics: {}, feedback: reason, reason, stdoutTail: '', stderrTail: '', durationMs: 0, sandboxed: false };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
