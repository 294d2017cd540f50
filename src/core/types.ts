// Shared vocabulary of the core. Pure types: no runtime code, no 'vscode'.

/** Languages Genesis can locate functions in (C and CUDA use the C++ grammar). */
export type LanguageId = 'python' | 'typescript' | 'tsx' | 'javascript' | 'rust' | 'go' | 'cpp';

/** A function found in a source text; offsets are UTF-16 string indices into that text. */
export interface FunctionLocation {
  name: string;
  language: LanguageId;
  /** tree-sitter node type of the function (e.g. function_definition, method_definition). */
  kind: string;
  /** Range of the whole function, decorators / export keywords included. */
  startIndex: number;
  endIndex: number;
  /** 0-based lines of that range. */
  startLine: number;
  endLine: number;
  text: string;
}

/** A syntax problem reported by tree-sitter. */
export interface SyntaxIssue {
  line: number;
  column: number;
  message: string;
}

export type MutationKind = 'literal-tune' | 'search-replace' | 'full-rewrite';

/**
 * What a model is asked for: SEARCH/REPLACE edits, a whole new function, a cross of two
 * parents, or a fix of a candidate that failed to compile or failed its tests.
 */
export type MutationMode = 'diff' | 'rewrite' | 'crossover' | 'repair';

/** What the engine hands a mutation source for one child. */
export interface MutationRequest {
  language: LanguageId;
  functionName: string;
  /** The parent function's code (what the child mutates). */
  parentCode: string;
  /** The whole file as it was when the run started, for context. */
  fileText: string;
  /** Evaluator feedback of the parent (stderr tail, failing tests, metrics). */
  parentFeedback: string;
  parentScore: number | null;
  /** A few better candidates for inspiration (code + score). */
  inspirations: { code: string; score: number }[];
  /** Seed for deterministic sources: derived from run seed and node id. */
  seed: number;
  /** What to ask for (default 'diff'); sources without modes (offline) ignore it. */
  mode?: MutationMode;
  /** Crossover: the other parent to combine with `parentCode`. */
  secondParent?: { code: string; score: number | null };
  /** Repair: why the candidate failed (compile error, failing tests, stderr tail). */
  failure?: string;
  /** Repair: the failed candidate to revise (SEARCH blocks match against it); `parentCode` is its parent. */
  failedCode?: string;
  /** Notes earlier attempts in this lineage left for the next prompt (e.g. a SEARCH block that did not match). */
  lineageNotes?: string[];
}

/** A mutation source's answer: the new function code, or a reason it has none. */
export interface MutationProposal {
  kind: MutationKind;
  /** The whole new function, when the reply could be applied. */
  code?: string;
  /** Why no code came out (parse failure, unmatched SEARCH block, ...). */
  error?: string;
  /** True when the model could not be reached or refused the call (no reply at all). */
  callFailed?: boolean;
  /** A short human description (e.g. "0.5 → 0.55 at line 3"). */
  summary: string;
  model: string;
  prompt?: string;
  reply?: string;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  /** The mode the model was asked for (model sources only). */
  mode?: MutationMode;
  /** A note for the next prompt in this lineage (e.g. which SEARCH block did not match). */
  lineageNote?: string;
}

export interface MutationSource {
  /** Stable id shown to the user, e.g. "offline" or "openai-compatible:http://host/v1#gpt-4o". */
  readonly id: string;
  /** Understands MutationRequest.mode (rewrite, crossover, repair); the offline operator does not. */
  readonly supportsModes?: boolean;
  propose(request: MutationRequest, signal: AbortSignal): Promise<MutationProposal>;
}

/** The evaluator contract v1 result, after validation. */
export interface EvaluationResult {
  status: 'ok' | 'incorrect' | 'error' | 'timeout' | 'cancelled';
  /** Higher is better; null when there is no valid score. */
  score: number | null;
  correct: boolean;
  metrics: Record<string, number>;
  /** Text for the next prompt: evaluator feedback plus stderr tail on failure. */
  feedback: string;
  /** Clear one-line reason when status is not 'ok'. */
  reason?: string;
  stdoutTail: string;
  stderrTail: string;
  durationMs: number;
  sandboxed: boolean;
  /** Cascade runs only: each stage that ran, in order (the result above is the last one's, merged). */
  stages?: StageOutcome[];
}

/** One stage of a cascade evaluation, as it ended. */
export interface StageOutcome {
  name: string;
  /** The runner it ran on, as named in `genesis.runners` (or 'local'). */
  runner: string;
  status: EvaluationResult['status'];
  score: number | null;
  durationMs: number;
  /** Why the stage did not pass (failed, or its score was below the threshold). */
  reason?: string;
}

/**
 * A cascade stage: stage i+1 runs only when stage i is ok (correct) and its score is at least
 * its threshold (when set). The evaluator sees GENESIS_STAGE=<name>.
 */
export interface StageConfig {
  name: string;
  /** A runner name from `genesis.runners`, or 'local' (default: the run's runner, else 'local'). */
  runner?: string;
  /** Default: the runner's command, else the run's evaluator command. */
  command?: string;
  threshold?: number;
  /** Default: the runner's timeout, else the run's. */
  timeoutSec?: number;
}

export interface EvaluationRequest {
  /** The whole source file with the function replaced by the candidate. */
  candidateFileText: string;
  /** The file's path relative to the workspace root. */
  relativePath: string;
  functionName: string;
  language: LanguageId;
  /** Unique id of this evaluation (node id), used for the work dir name. */
  evaluationId: string;
}

export interface Evaluator {
  evaluate(request: EvaluationRequest, signal: AbortSignal): Promise<EvaluationResult>;
  dispose?(): Promise<void>;
}

export type NodeStatus =
  | 'pending'      // created, waiting for the model
  | 'generating'
  | 'skipped'      // filtered (duplicate or below PRM threshold); not evaluated
  | 'evaluating'
  | 'done'         // evaluated, correct, has a score
  | 'failed';      // mutation did not apply, syntax error, evaluator error/incorrect

export interface CandidateNode {
  id: string;
  parentId: string | null;
  depth: number;
  status: NodeStatus;
  code: string;
  /** Unified diff of this node's function against the root function. */
  diff: string;
  mutation?: { kind: MutationKind; summary: string; model: string; prompt?: string; reply?: string };
  prmScore: number | null;
  score: number | null;
  evaluation?: EvaluationResult;
  /** Why it failed or was skipped. */
  reason?: string;
  /** Why the search strategy made this node (parent choice, island, PUCT value, ...). */
  why?: string;
  /** Second parent of a crossover child. */
  secondParentId?: string;
  /** Island of the islands strategy. */
  island?: number;
  /** The search strategy that planned it ('adaptive' records the strategy it chose); 'user' for
   *  "Mutate from here", 'repair' for a repair attempt; absent on the root and in older runs. */
  strategy?: string;
  /** The PRM's view of the diff: per-hunk (step) scores combined by min, expected Δ, source. */
  prmDetail?: { probability: number; expectedDelta: number | null; hunks: { score: number; childLines: [number, number] }[]; combination: string; source: string; trainedOn: number };
  /** Set on nodes the PRM filtered out: they can still be evaluated on demand. */
  skippedByPrm?: boolean;
  /** The mutation source (bandit arm) that wrote it, as the user wrote its spec. */
  sourceId?: string;
  /** What the model was asked for. */
  mode?: MutationMode;
  /** A note for descendants' prompts (e.g. a SEARCH block that did not match). */
  lineageNote?: string;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  createdAt: number;
  finishedAt?: number;
}

export interface RunConfig {
  language: LanguageId;
  functionName: string;
  /** Absolute path of the source file. */
  filePath: string;
  /** Path relative to the workspace root (for the sandbox copy). */
  relativePath: string;
  workspaceRoot: string;
  evaluatorCommand: string;
  models: string[];
  budget: number;
  concurrency: number;
  seed: number;
  timeoutSec: number;
  /** Stop generating once this much has been spent on model calls (USD). */
  budgetUsd?: number;
  /** Stop generating once this many tokens (in + out) have been used. */
  budgetTokens?: number;
  /** Search strategy name and options (see src/core/search). */
  strategy?: string;
  strategyOptions?: Record<string, number | string | boolean>;
  /** Weights of the mutation modes for model sources (default diff 0.6, rewrite 0.3, crossover 0.1). */
  mutationMix?: { diff: number; rewrite: number; crossover: number };
  /** One repair attempt for a model-written candidate that fails to compile or its tests (default true). */
  repair?: boolean;
  /** Where candidates run: a name from the runners map (`genesis.runners`); default the local runner. */
  runner?: string;
  /** Cascade stages, cheap first; when set, every evaluation goes through them in order. */
  stages?: StageConfig[];
}

/** What one model (bandit arm) did in a run; totals are exact sums over its nodes. */
export interface ModelUsage {
  id: string;
  pulls: number;
  /** Mean clipped improvement per pull (score units). */
  meanReward: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

export type RunStatus = 'running' | 'paused' | 'stopped' | 'completed' | 'failed' | 'interrupted';

/** The file a run evolves, as it was at the start: what every candidate file is made from. */
export interface RunSource {
  fileText: string;
  /** The function's range in `fileText`. */
  startIndex: number;
  endIndex: number;
}

/** Summary kept in the run index (sidebar, CLI `runs list`). */
export interface RunSummary {
  runId: string;
  functionName: string;
  filePath: string;
  relativePath: string;
  language: LanguageId;
  status: RunStatus;
  startedAt: number;
  updatedAt: number;
  evaluations: number;
  budget: number;
  baselineScore: number | null;
  bestScore: number | null;
  bestNodeId: string | null;
  tokens: number;
  costUsd: number;
  models?: ModelUsage[];
  /** Why the run ended early, when it did (cost budget, broken evaluator, ...). */
  stopReason?: string;
}

/** Events emitted by a run (and appended to its log). */
export type RunEvent =
  | { type: 'run-started'; summary: RunSummary; config: RunConfig; root: CandidateNode; source?: RunSource }
  /** A stored run continues (after a crash, a reload or a stop). */
  | { type: 'run-resumed'; at: number; requeued: string[] }
  | { type: 'budget-changed'; budget: number }
  | { type: 'node-added'; node: CandidateNode }
  | { type: 'node-updated'; node: CandidateNode }
  | { type: 'run-status'; status: RunStatus; message?: string }
  /** Search state after a round (strategy snapshot, model bandit): what a resumed run continues from. */
  | { type: 'search-state'; strategy: string; strategyState: unknown; bandit?: unknown }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };
