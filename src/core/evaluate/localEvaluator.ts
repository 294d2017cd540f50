// Runs an evaluator command on this machine (contract v1): every evaluation in its own copy of the
// workspace (a reused, checked slot for small workspaces, a fresh copy for large ones), bubblewrap
// when available, limits on time, memory and output. Processes are started by the evaluation
// launchers (spawner.ts, launcher/), and a free slot's next one is started ahead (a warm start).
import { existsSync, promises as fs, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import type { EvaluationRequest, EvaluationResult, Evaluator } from '../types';
import { bubblewrapArgv } from './bubblewrap';
import { diskUsage, watchDisk } from './diskWatch';
import { canScanProcesses, killEscapedProcesses } from './escapedProcesses';
import { homeShield, type HomeShield } from './homeShield';
import { detectSandbox, SandboxUnavailableError, type SandboxKind } from './sandboxChoice';
import { sandboxExecArgv } from './sandboxExec';
import { LauncherPool } from './launcher/launcherPool';
import { commandArgv, DEFAULT_MAX_OUTPUT_BYTES, type ProcessOutcome } from './processRunner';
import { ThisProcessSpawner, type EvaluationSpawner, type WarmStart } from './spawner';
import { lastLine, notOkResult, READ_TAIL_BYTES, resultFromOutput } from './evaluationResult';
import { SandboxCopy, type EvaluationDir } from './sandboxCopy';
import { MAX_SLOT_ENTRIES, WorkSlot, WorkSlotPool } from './workSlots';

export type SandboxPreference = 'auto' | 'bwrap' | 'none';

export interface LocalEvaluatorOptions {
  /** Absolute path of the workspace the evaluator sees a copy of. */
  workspaceRoot: string;
  /** Shell command, run with /bin/sh -c in the root of the workspace copy. */
  command: string;
  /** Per evaluation; default 60. */
  timeoutSec?: number;
  /** Address-space limit (ulimit -v) in MiB; default 2048, 0 for none. */
  memoryMb?: number;
  /**
   * What an evaluation may write (work dir, and inside bubblewrap /tmp and the home tmpfs) in MiB,
   * beyond the workspace copy: the evaluator is stopped past it; default 1024, 0 for none.
   */
  diskMb?: number;
  /** stdout + stderr bytes after which the evaluator is killed; default 8 MiB. */
  maxOutputBytes?: number;
  /**
   * 'auto' uses the sandbox of this system (bubblewrap on Linux, sandbox-exec on macOS) and refuses
   * to run where there is none (SandboxUnavailableError); 'bwrap' requires bubblewrap; 'none' runs
   * unsandboxed (the user's explicit choice). Default 'auto'.
   */
  sandbox?: SandboxPreference;
  /** Only with bubblewrap: keep the network (default: no network). */
  allowNetwork?: boolean;
  /** Extra environment variables for the evaluator. */
  env?: Record<string, string>;
  /** Debugging: keep the work dir of an evaluation that did not end 'ok'. */
  keepFailedWorkDirs?: boolean;
  /** Parent folder of the temp dir holding the copies (default: the OS temp dir). */
  tempParent?: string;
  /**
   * Which process starts the evaluator processes: the evaluation launchers, small helper processes
   * (default; launcher/launcherProcess.ts says why), or this process.
   */
  spawnFrom?: SpawnFrom;
  /** The launcher's script, built (benchmarks pass the bundle); default: next to this module. */
  launcherScript?: string;
}

export type SpawnFrom = 'launcher' | 'this-process';

/**
 * Launchers per evaluator: one starts the next evaluation's process while the other answers for
 * the running one (launcherPool.ts). `npm run bench:eval`: with two, 1.37× the rate of spawning
 * directly from a small process and 2.2× from one the size of an extension host.
 */
const LAUNCHERS = 2;

const DEFAULT_DISK_MB = 1024;
/** Unsandboxed evaluations this long are followed by a scan for processes that left the group. */
const ESCAPE_SCAN_AFTER_MS = 1000;
/** What a shell or a program prints for a file over `ulimit -f` (SIGXFSZ, or EFBIG where the signal is ignored). */
const FILE_CAP_PATTERN = /File size limit exceeded|File too large/;
/** A file over `ulimit -f`, or a full tmpfs. */
const DISK_ERROR_PATTERN = /File size limit exceeded|File too large|No space left on device|EFBIG|ENOSPC/;

const MEMORY_ERROR_PATTERN = /MemoryError|Cannot allocate memory|std::bad_alloc|out of memory|ENOMEM/i;

/** Variables that hold credentials: candidate code must never see them (its output is stored and sent to models). */
const SECRET_VARIABLE = /^(OPENAI|ANTHROPIC|AZURE_OPENAI|GEMINI|GOOGLE|MISTRAL|GROQ|OPENROUTER|DEEPSEEK|HF|HUGGING_?FACE|COHERE|TOGETHER)_\w*(KEY|TOKEN)$|_API_KEY$|_SECRET(_ACCESS_KEY)?$|^AWS_SESSION_TOKEN$|^(GITHUB|GH|GITLAB)_TOKEN$/i;

function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('GENESIS_') && !SECRET_VARIABLE.test(key)) env[key] = value;
  }
  return env;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    const text = await fs.readFile(path, 'utf8');
    return text.trim().length > 0 ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Device nodes a GPU evaluator needs inside bubblewrap's minimal /dev. */
async function gpuDevices(): Promise<string[]> {
  try {
    const names = await fs.readdir('/dev');
    return names.filter((n) => n.startsWith('nvidia') || n === 'dri' || n === 'kfd').map((n) => `/dev/${n}`);
  } catch {
    return [];
  }
}

export class LocalEvaluator implements Evaluator {
  private readonly options: LocalEvaluatorOptions;
  private preparing: Promise<void> | undefined;
  private copy: SandboxCopy | undefined;
  /** Reused work dirs; undefined for a workspace too large to check cheaply (fresh copies then). */
  private slots: WorkSlotPool | undefined;
  /** Fresh-copy removals still running (off the critical path). */
  private readonly removals = new Set<Promise<void>>();
  /** Environment shared by every evaluation: read once, as reading process.env is not free. */
  private baseEnv: Record<string, string> = {};
  private mode: SandboxKind | 'none' = 'none';
  /** Home folders hidden inside the sandbox, their toolchains kept (homeShield.ts). */
  private shield: HomeShield | undefined;
  /** The copy's real path (sandbox-exec profiles need real paths). */
  private realCopyRoot = '';
  /** Unsandboxed on Linux: processes that left an evaluation's group are looked for (escapedProcesses.ts). */
  private sweepEscapes = false;
  /** Bytes of the workspace copy: the disk limit counts what an evaluation adds to it. */
  private baseBytes = 0;
  private spawner: EvaluationSpawner | undefined;
  /**
   * Warm starts: for each free slot, its evaluator process already started and waiting for the
   * evaluation id (processRunner's waitForEvaluationId), made for the variables of the last
   * evaluation. Starting a process (and bubblewrap's sandbox) then happens while the previous
   * evaluation runs instead of on the way to the next one's answer.
   */
  private readonly waiting = new Map<WorkSlot, { start: WarmStart; key: string }>();
  private lastRequest: Pick<EvaluationRequest, 'functionName' | 'language'> | undefined;
  private warmStartsUsed = 0;
  private devices: string[] = [];
  private disposed = false;

  constructor(options: LocalEvaluatorOptions) {
    this.options = options;
  }

  /** Whether evaluator processes are started by the launcher; known once prepare() has finished. */
  get spawnsFromLauncher(): boolean {
    return this.spawner?.usesLauncher ?? false;
  }

  /** Evaluations so far whose process was a warm start (started while the one before ran). */
  get warmStarts(): number {
    return this.warmStartsUsed;
  }

  /** The sandbox evaluations run in; known once prepare() has finished. */
  get sandboxMode(): SandboxKind | 'none' {
    return this.mode;
  }

  /** Copies the workspace and decides the sandbox. Called by evaluate() if not called before. */
  prepare(): Promise<void> {
    this.preparing ??= this.doPrepare().catch((error: unknown) => {
      this.preparing = undefined;
      throw error;
    });
    return this.preparing;
  }

  private async doPrepare(): Promise<void> {
    if (this.disposed) throw new Error('evaluator is disposed');
    const preference = this.options.sandbox ?? 'auto';
    if (preference !== 'none') {
      const found = await detectSandbox();
      if (preference === 'bwrap' && found.kind !== 'bwrap') {
        throw new Error(`sandbox 'bwrap' requested but bubblewrap is not usable: ${found.problem ?? 'this system uses another sandbox'}`);
      }
      if (!found.kind) throw new SandboxUnavailableError(found.problem ?? 'unknown problem');
      this.mode = found.kind;
      if (this.mode === 'bwrap') this.devices = await gpuDevices();
      this.shield = homeShield({ home: process.env.HOME ?? homedir(), env: process.env, exists: existsSync });
    }
    this.sweepEscapes = this.mode === 'none' && (await canScanProcesses());
    this.baseEnv = {
      ...inheritedEnv(),
      ...(this.mode === 'bwrap' ? { TMPDIR: '/tmp' } : this.mode === 'sandbox-exec' ? { TMPDIR: '/private/tmp' } : {}),
      ...this.options.env,
    };
    this.spawner =
      this.options.spawnFrom === 'this-process' ? new ThisProcessSpawner(this.baseEnv) : new LauncherPool(this.baseEnv, LAUNCHERS, this.options.launcherScript);
    const { copy, stats } = await SandboxCopy.create({ workspaceRoot: this.options.workspaceRoot, tempParent: this.options.tempParent });
    // On disk, not the files' sizes: small files take a whole block each.
    this.baseBytes = this.diskMb > 0 ? await diskUsage(copy.baseDir) : stats.bytes;
    try {
      if (stats.entries <= MAX_SLOT_ENTRIES) {
        const slots = new WorkSlotPool(copy.baseDir, join(copy.root, 'slots'));
        slots.onFree = (slot) => this.startWarm(slot);
        await slots.warm();
        this.slots = slots;
      }
    } catch (error) {
      await copy.dispose();
      throw error;
    }
    if (this.disposed) {
      await this.slots?.dispose();
      await copy.dispose();
      throw new Error('evaluator is disposed');
    }
    this.copy = copy;
    this.realCopyRoot = realpathSync(copy.root);
  }

  async evaluate(request: EvaluationRequest, signal: AbortSignal): Promise<EvaluationResult> {
    const failure = (status: EvaluationResult['status'], reason: string): EvaluationResult => ({
      status,
      score: null,
      correct: false,
      metrics: {},
      feedback: reason,
      reason,
      stdoutTail: '',
      stderrTail: '',
      durationMs: 0,
      sandboxed: this.mode !== 'none',
    });
    if (signal.aborted) return failure('cancelled', 'evaluation cancelled');
    let evaluation: EvaluationDir;
    let slot: WorkSlot | undefined;
    let slots: WorkSlotPool | undefined;
    let copy: SandboxCopy | undefined;
    try {
      if (!this.copy) await this.prepare();
      copy = this.copy;
      slots = this.slots;
      if (!copy) throw new Error('evaluator is disposed');
      if (slots) {
        // Synchronous when a slot is free and the path is known: no waiting before the spawn.
        slot = slots.tryAcquire() ?? (await slots.acquire());
        if (!slots.tryWriteCandidate(slot, request.relativePath, request.candidateFileText)) {
          await slots.writeCandidate(slot, request.relativePath, request.candidateFileText);
        }
        evaluation = slot;
      } else {
        evaluation = await copy.createEvaluationDir(request.evaluationId, request.relativePath, request.candidateFileText);
      }
    } catch (error) {
      if (slot) slots?.release(slot);
      return failure('error', `could not prepare the evaluation: ${error instanceof Error ? error.message : String(error)}`);
    }

    let result: EvaluationResult | undefined;
    const diskMb = this.diskMb;
    const stop = new AbortController();
    let diskExceeded = false;
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    // Aborted while the work dir was prepared: the listener above will not fire.
    if (signal.aborted) stop.abort();
    // A block of slack: directories and the result file take some.
    const stopWatching =
      diskMb > 0
        ? watchDisk(evaluation.dir, this.baseBytes + diskMb * 1048576 + 1048576, () => {
            diskExceeded = true;
            stop.abort();
          })
        : () => undefined;
    let outcome: ProcessOutcome | undefined;
    try {
      outcome = await this.run(request, evaluation, stop.signal);
      stopWatching();
      if (diskExceeded) return (result = this.diskExceeded(outcome));
      // Most evaluators print their result: a synchronous existence check is cheaper than a
      // failing read through the thread pool.
      const resultText = existsSync(evaluation.resultFile) ? await readIfPresent(evaluation.resultFile) : undefined;
      result = this.interpret(outcome, resultText);
      return result;
    } finally {
      stopWatching();
      signal.removeEventListener('abort', onAbort);
      // Before the folder is reused or removed: nothing of this evaluation may still run in it.
      if (outcome && this.sweepEscapes && this.mayHaveEscaped(outcome)) {
        await killEscapedProcesses({ workDir: evaluation.workDir, exact: true, folder: evaluation.dir }, outcome.pid);
      }
      // Cleaning up happens after the answer, in the background: a slot is checked and repaired
      // before it is handed out again, and dispose() waits for all of it.
      const keep = this.options.keepFailedWorkDirs === true && result?.status !== 'ok';
      if (slot) {
        if (keep) slots?.detach(slot);
        else slots?.release(slot);
      } else if (!keep) {
        const removal = copy.removeEvaluationDir(evaluation).catch(() => undefined);
        this.removals.add(removal);
        void removal.finally(() => this.removals.delete(removal));
      }
    }
  }

  private async run(request: EvaluationRequest, evaluation: EvaluationDir, signal: AbortSignal): Promise<ProcessOutcome> {
    const spawner = this.spawner;
    if (!spawner) throw new Error('evaluator is disposed');
    const limits = {
      cwd: evaluation.workDir,
      timeoutMs: (this.options.timeoutSec ?? 60) * 1000,
      signal,
      maxOutputBytes: this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      tailBytes: READ_TAIL_BYTES,
    };
    this.lastRequest = { functionName: request.functionName, language: request.language };
    const warm = evaluation instanceof WorkSlot ? this.takeWarm(evaluation) : undefined;
    if (warm) {
      // The id goes in as one line: one that could not be read back whole gets a fresh start.
      const usable = warm.key === this.warmKey(evaluation, request) && !/[\r\n]/.test(request.evaluationId) && !signal.aborted;
      const outcome = usable ? await warm.start.go(request.evaluationId, limits) : undefined;
      if (outcome) {
        this.warmStartsUsed++;
        return outcome;
      }
      if (!usable) warm.start.discard();
    }
    return spawner.run(this.argv(evaluation, false), { ...limits, env: this.contractEnv(evaluation, request) });
  }

  /** The contract's variables for one evaluation (evaluators/README.md). */
  private contractEnv(evaluation: EvaluationDir, request: Pick<EvaluationRequest, 'functionName' | 'language' | 'evaluationId'>): Record<string, string> {
    return {
      GENESIS_CANDIDATE_FILE: evaluation.candidateFile,
      GENESIS_WORKDIR: evaluation.workDir,
      GENESIS_FUNCTION: request.functionName,
      GENESIS_LANGUAGE: request.language,
      GENESIS_RESULT: evaluation.resultFile,
      GENESIS_EVALUATION_ID: request.evaluationId,
    };
  }

  /** The evaluator's argv in a work dir: the shell with the memory limit, inside the sandbox when on. */
  private argv(evaluation: EvaluationDir, waitForEvaluationId: boolean): string[] {
    return commandArgv({
      command: this.options.command,
      memoryMb: this.options.memoryMb ?? 2048,
      fileSizeMb: this.diskMb,
      waitForEvaluationId,
      wrapArgv: this.wrapper(evaluation),
    });
  }

  private wrapper(evaluation: EvaluationDir): ((argv: string[]) => string[]) | undefined {
    const shield = this.shield;
    if (this.mode === 'bwrap') {
      return (plain) =>
        bubblewrapArgv(plain, {
          writableDirs: [evaluation.dir],
          // Links in the copy (an ignored node_modules) point into the workspace.
          readOnlyDirs: [this.options.workspaceRoot],
          cwd: evaluation.workDir,
          allowNetwork: this.options.allowNetwork,
          devices: this.devices,
          ...(shield ? { shield } : {}),
          ...(this.diskMb > 0 ? { tmpfsBytes: this.diskMb * 1048576 } : {}),
        });
    }
    if (this.mode === 'sandbox-exec') {
      const realDir = join(this.realCopyRoot, relative(this.copy?.root ?? this.realCopyRoot, evaluation.dir));
      return (plain) =>
        sandboxExecArgv(plain, {
          writableDirs: [realDir, '/private/tmp', '/private/var/tmp'],
          readOnlyDirs: [this.options.workspaceRoot],
          allowNetwork: this.options.allowNetwork,
          ...(shield ? { shield } : {}),
        });
    }
    return undefined;
  }

  /** The variables a warm start was made for (all but the evaluation id). */
  private warmKey(evaluation: EvaluationDir, request: Pick<EvaluationRequest, 'functionName' | 'language'>): string {
    return `${evaluation.candidateFile}\0${request.functionName}\0${request.language}`;
  }

  private takeWarm(slot: WorkSlot): { start: WarmStart; key: string } | undefined {
    const warm = this.waiting.get(slot);
    this.waiting.delete(slot);
    return warm;
  }

  /** Starts the evaluator process of a free slot's next evaluation, as far as it can go without it. */
  private startWarm(slot: WorkSlot): void {
    const last = this.lastRequest;
    if (!last || this.disposed || !this.spawner) return;
    this.takeWarm(slot)?.start.discard();
    const start = this.spawner.startWarm(this.argv(slot, true), {
      cwd: slot.workDir,
      env: this.contractEnv(slot, { ...last, evaluationId: '' }),
      maxOutputBytes: this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      tailBytes: READ_TAIL_BYTES,
    });
    this.waiting.set(slot, { start, key: this.warmKey(slot, last) });
  }

  /**
   * Whether to look for processes that left the group (a scan costs milliseconds, too much for
   * every quick evaluation): when they held the pipes, or the evaluation ran long enough to
   * hide it. dispose() looks once more for any evaluation's.
   */
  private mayHaveEscaped(outcome: ProcessOutcome): boolean {
    return outcome.pipesHeldAfterExit === true || outcome.timedOut || outcome.cancelled || outcome.durationMs >= ESCAPE_SCAN_AFTER_MS;
  }

  private get diskMb(): number {
    return this.options.diskMb ?? DEFAULT_DISK_MB;
  }

  private outputOf(outcome: ProcessOutcome) {
    return {
      stdoutTail: outcome.stdoutTail,
      stderrTail: outcome.stderrTail,
      ...(outcome.resultLine !== undefined ? { resultLine: outcome.resultLine } : {}),
      durationMs: outcome.durationMs,
      sandboxed: this.mode !== 'none',
    };
  }

  private diskExceeded(outcome: ProcessOutcome): EvaluationResult {
    return notOkResult('error', `disk limit exceeded (${this.diskMb} MiB)`, this.outputOf(outcome));
  }

  /** Turns a finished process and its result JSON (file or stdout) into an EvaluationResult. */
  private interpret(outcome: ProcessOutcome, resultText: string | undefined): EvaluationResult {
    const output = this.outputOf(outcome);
    if (outcome.cancelled) return notOkResult('cancelled', 'evaluation cancelled', output);
    if (outcome.timedOut) return notOkResult('timeout', `evaluator timed out after ${this.options.timeoutSec ?? 60} s`, output);
    if (outcome.outputLimited) {
      const mib = (this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES) / 1048576;
      return notOkResult('error', `output limit exceeded (${Number(mib.toFixed(2))} MiB)`, output);
    }
    if (outcome.spawnError) return notOkResult('error', `could not start the evaluator: ${outcome.spawnError}`, output);
    if (outcome.interrupted) return notOkResult('error', `evaluation interrupted: ${outcome.interrupted}`, output);
    // A file that reached the cap (ulimit -f) means the limit was reached, whatever the evaluator says after.
    if (this.diskMb > 0 && FILE_CAP_PATTERN.test(outcome.stderrTail)) return this.diskExceeded(outcome);
    return resultFromOutput(output, resultText, (contractError) => this.explainMissingResult(outcome, contractError));
  }

  private explainMissingResult(outcome: ProcessOutcome, contractError: string): string {
    const { exitCode, signal, stderrTail } = outcome;
    if (exitCode === 0 && !signal) return contractError;
    if (exitCode === 127) {
      const named = /:\s*([^:\n]+):\s*not found/.exec(stderrTail)?.[1]?.trim();
      return `evaluator command not found: ${named ?? this.options.command.trim().split(/\s+/)[0]}`;
    }
    const how = signal ? `evaluator was killed by ${signal}` : `evaluator exited with code ${exitCode}`;
    const detail = lastLine(stderrTail);
    const reason = detail ? `${how}: ${detail}` : how;
    if (this.diskMb > 0 && (signal === 'SIGXFSZ' || exitCode === 153 || DISK_ERROR_PATTERN.test(stderrTail))) {
      return `disk limit exceeded (${this.diskMb} MiB): ${reason}`;
    }
    const memoryMb = this.options.memoryMb ?? 2048;
    const looksLikeMemory = MEMORY_ERROR_PATTERN.test(stderrTail) || signal === 'SIGKILL' || exitCode === 137;
    if (memoryMb > 0 && looksLikeMemory) return `memory limit exceeded? (limit ${memoryMb} MiB) ${reason}`;
    if (signal === 'SIGSEGV' || exitCode === 139) return `evaluator crashed (segmentation fault): ${reason}`;
    return reason;
  }

  /** Resolves when every work dir given back so far has been checked and repaired (free again). */
  async settled(): Promise<void> {
    await this.slots?.settled();
  }

  /** Removes every copy; later evaluations fail with a clear reason. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.preparing?.catch(() => undefined);
    const copy = this.copy;
    const slots = this.slots;
    this.copy = undefined;
    this.slots = undefined;
    for (const warm of this.waiting.values()) warm.start.discard();
    this.waiting.clear();
    this.spawner?.dispose();
    this.spawner = undefined;
    if (this.sweepEscapes && copy) await killEscapedProcesses({ workDir: `${copy.root}/`, exact: false, folder: copy.root });
    await slots?.dispose();
    await Promise.all([...this.removals]);
    await copy?.dispose();
  }
}
