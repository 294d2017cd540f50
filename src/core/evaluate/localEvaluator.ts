// Runs an evaluator command on this machine (contract v1): one sandbox copy of the workspace per
// evaluation, bubblewrap when available, limits on time, memory and output.
import { promises as fs } from 'node:fs';
import type { EvaluationRequest, EvaluationResult, Evaluator } from '../types';
import { bubblewrapArgv, detectBubblewrap } from './bubblewrap';
import { DEFAULT_MAX_OUTPUT_BYTES, runCommand, type ProcessOutcome } from './processRunner';
import { findResultInStdout, parseResultFile, validateResult, type ContractVerdict } from './resultContract';
import { SandboxCopy, type EvaluationDir } from './sandboxCopy';

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
  /** stdout + stderr bytes after which the evaluator is killed; default 8 MiB. */
  maxOutputBytes?: number;
  /** 'auto' uses bubblewrap when it works here; 'bwrap' requires it; default 'auto'. */
  sandbox?: SandboxPreference;
  /** Only with bubblewrap: keep the network (default: no network). */
  allowNetwork?: boolean;
  /** Extra environment variables for the evaluator. */
  env?: Record<string, string>;
  /** Debugging: keep the work dir of an evaluation that did not end 'ok'. */
  keepFailedWorkDirs?: boolean;
  /** Parent folder of the temp dir holding the copies (default: the OS temp dir). */
  tempParent?: string;
}

/** Kept in EvaluationResult and used in feedback: the last 4 KB of each stream. */
const TAIL_CHARS = 4096;
/** Read internally so a long result line at the end of stdout is still whole. */
const READ_TAIL_BYTES = 256 * 1024;
const MEMORY_ERROR_PATTERN = /MemoryError|Cannot allocate memory|std::bad_alloc|out of memory|ENOMEM/i;

function tail(text: string): string {
  return text.length > TAIL_CHARS ? text.slice(text.length - TAIL_CHARS) : text;
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const line = lines[lines.length - 1] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('GENESIS_')) env[key] = value;
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
  private mode: 'bwrap' | 'none' = 'none';
  private devices: string[] = [];
  private disposed = false;

  constructor(options: LocalEvaluatorOptions) {
    this.options = options;
  }

  /** Whether evaluations run under bubblewrap; known once prepare() has finished. */
  get sandboxMode(): 'bwrap' | 'none' {
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
      const probe = await detectBubblewrap();
      if (probe.usable) {
        this.mode = 'bwrap';
        this.devices = await gpuDevices();
      } else if (preference === 'bwrap') {
        throw new Error(`sandbox 'bwrap' requested but bubblewrap is not usable: ${probe.problem ?? 'unknown problem'}`);
      }
    }
    const { copy } = await SandboxCopy.create({ workspaceRoot: this.options.workspaceRoot, tempParent: this.options.tempParent });
    if (this.disposed) {
      await copy.dispose();
      throw new Error('evaluator is disposed');
    }
    this.copy = copy;
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
      sandboxed: this.mode === 'bwrap',
    });
    if (signal.aborted) return failure('cancelled', 'evaluation cancelled');
    let evaluation: EvaluationDir;
    try {
      await this.prepare();
      if (!this.copy) throw new Error('evaluator is disposed');
      evaluation = await this.copy.createEvaluationDir(request.evaluationId, request.relativePath, request.candidateFileText);
    } catch (error) {
      return failure('error', `could not prepare the evaluation: ${error instanceof Error ? error.message : String(error)}`);
    }

    let result: EvaluationResult | undefined;
    try {
      const outcome = await this.run(request, evaluation, signal);
      const resultText = await readIfPresent(evaluation.resultFile);
      result = this.interpret(outcome, resultText);
      return result;
    } finally {
      if (!(this.options.keepFailedWorkDirs && result?.status !== 'ok')) {
        await this.copy?.removeEvaluationDir(evaluation).catch(() => undefined);
      }
    }
  }

  private run(request: EvaluationRequest, evaluation: EvaluationDir, signal: AbortSignal): Promise<ProcessOutcome> {
    const sandboxed = this.mode === 'bwrap';
    const env: Record<string, string> = {
      ...inheritedEnv(),
      ...(sandboxed ? { TMPDIR: '/tmp' } : {}),
      ...this.options.env,
      GENESIS_CANDIDATE_FILE: evaluation.candidateFile,
      GENESIS_WORKDIR: evaluation.workDir,
      GENESIS_FUNCTION: request.functionName,
      GENESIS_LANGUAGE: request.language,
      GENESIS_RESULT: evaluation.resultFile,
      GENESIS_EVALUATION_ID: request.evaluationId,
    };
    return runCommand({
      command: this.options.command,
      cwd: evaluation.workDir,
      env,
      timeoutMs: (this.options.timeoutSec ?? 60) * 1000,
      signal,
      maxOutputBytes: this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      tailBytes: READ_TAIL_BYTES,
      memoryMb: this.options.memoryMb ?? 2048,
      wrapArgv: sandboxed
        ? (argv) =>
            bubblewrapArgv(argv, {
              writableDirs: [evaluation.dir],
              // Links in the copy (an ignored node_modules) point into the workspace.
              readOnlyDirs: [this.options.workspaceRoot],
              cwd: evaluation.workDir,
              allowNetwork: this.options.allowNetwork,
              devices: this.devices,
            })
        : undefined,
    });
  }

  /** Turns a finished process and its result JSON (file or stdout) into an EvaluationResult. */
  private interpret(outcome: ProcessOutcome, resultText: string | undefined): EvaluationResult {
    const stdoutTail = tail(outcome.stdoutTail);
    const stderrTail = tail(outcome.stderrTail);
    const base = { stdoutTail, stderrTail, durationMs: outcome.durationMs, sandboxed: this.mode === 'bwrap' };
    const notOk = (status: EvaluationResult['status'], reason: string, verdict?: ContractVerdict): EvaluationResult => {
      const parts = [reason];
      if (verdict?.feedback) parts.push(verdict.feedback);
      if (stderrTail.trim()) parts.push(`--- stderr (last lines) ---\n${stderrTail.trimEnd()}`);
      return {
        status,
        score: null,
        correct: false,
        metrics: verdict?.metrics ?? {},
        feedback: parts.join('\n'),
        reason,
        ...base,
      };
    };

    if (outcome.cancelled) return notOk('cancelled', 'evaluation cancelled');
    if (outcome.timedOut) return notOk('timeout', `evaluator timed out after ${this.options.timeoutSec ?? 60} s`);
    if (outcome.outputLimited) {
      const mib = (this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES) / 1048576;
      return notOk('error', `output limit exceeded (${Number(mib.toFixed(2))} MiB)`);
    }
    if (outcome.spawnError) return notOk('error', `could not start the evaluator: ${outcome.spawnError}`);

    const found = resultText !== undefined ? parseResultFile(resultText) : findResultInStdout(outcome.stdoutTail);
    if ('value' in found) {
      const verdict = validateResult(found.value);
      if (verdict.status === 'ok') return { ...verdict, ...base };
      return notOk(verdict.status, verdict.reason ?? 'incorrect', verdict);
    }
    return notOk('error', this.explainMissingResult(outcome, found.error));
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
    const memoryMb = this.options.memoryMb ?? 2048;
    const looksLikeMemory =
      MEMORY_ERROR_PATTERN.test(stderrTail) ||
      signal === 'SIGKILL' ||
      signal === 'SIGSEGV' ||
      exitCode === 137 ||
      exitCode === 139;
    if (memoryMb > 0 && looksLikeMemory) return `memory limit exceeded? (limit ${memoryMb} MiB) ${reason}`;
    return reason;
  }

  /** Removes every copy; later evaluations fail with a clear reason. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.preparing?.catch(() => undefined);
    const copy = this.copy;
    this.copy = undefined;
    await copy?.dispose();
  }
}
