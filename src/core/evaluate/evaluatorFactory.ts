// Builds the evaluator a run uses from its configuration: the local runner (sandboxed where
// bubblewrap works) unless the run names a runner from the runners map (`genesis.runners`: this
// machine, a host over SSH, a Slurm cluster) or cascade stages, each on a runner of its own.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Evaluator, RunConfig, StageConfig } from '../types';
import { CascadeEvaluator, stageEnv, type CascadeStage } from './cascade';
import { LocalEvaluator } from './localEvaluator';
import { SandboxUnavailableError } from './sandboxChoice';
import { SlurmEvaluator } from './remote/slurmEvaluator';
import { SshConnectionPool, type SshHostConfig } from './remote/sshConnection';
import { SshEvaluator } from './remote/sshEvaluator';
import {
  describeRunner, LOCAL_RUNNER, parseRunners, parseStages, resolveRunner,
  type LocalRunnerSpec, type RunnerSpec, type RunnersConfig, type SlurmRunnerSpec, type SshHostSpec, type SshRunnerSpec,
} from './runnerConfig';
import { errorText } from '../util/errorText';

export interface EvaluatorEnvironment {
  /** The run's sandbox setting for local runners that do not set their own. */
  sandbox?: 'auto' | 'none';
  memoryMb?: number;
  /** Runner name → runner (`genesis.runners`, or the CLI's --runners-file); validated again here. */
  runners?: RunnersConfig;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** An evaluator plus what the UI shows about where candidates run. */
export interface PreparedEvaluator {
  evaluator: Evaluator;
  /** e.g. "local, sandboxed (bubblewrap)" or "cascade: quick on local (sandboxed) → full on slurm:gpu (...)". */
  description: string;
  /** True only when every stage runs locally under bubblewrap. */
  sandboxed: boolean;
  dispose(): Promise<void>;
}

/** Default remote dir of an SSH runner's work dirs. */
export const DEFAULT_REMOTE_WORK_ROOT = '/tmp/genesis';

const UNSANDBOXED_WARNING = 'evaluations run unsandboxed (bubblewrap is not available or is turned off)';

/** One runner built for one use (the whole run, or one stage). */
interface BuiltRunner {
  evaluator: Evaluator & { dispose(): Promise<void> };
  /** Short: "local (sandboxed)", "ssh:gpu (me@host)". */
  where: string;
  sandboxed: boolean;
  /** Local runners: the sandbox their candidates run in. */
  sandboxKind?: LocalEvaluator['sandboxMode'];
}

/** What a use of a runner overrides: the command, the time limit, extra variables. */
interface RunnerUse {
  command: string;
  timeoutSec: number;
  extraEnv: Record<string, string>;
  /** For messages: "stage quick" or "runner gpu". */
  label: string;
  /** Set for a cascade stage. */
  stage?: string;
}

export async function createEvaluator(config: RunConfig, env: EvaluatorEnvironment): Promise<PreparedEvaluator> {
  const runners = parseRunners(env.runners);
  const stages = parseStages(config.stages, runners);
  const pool = new SshConnectionPool();
  if (stages.length === 0) {
    const name = config.runner ?? LOCAL_RUNNER;
    const spec = resolveRunner(name, runners);
    // The runner's own command and time limit win over the run's, as they do for a stage.
    const use: RunnerUse = { command: spec.command ?? config.evaluatorCommand, timeoutSec: spec.timeoutSec ?? config.timeoutSec, extraEnv: {}, label: `runner ${name}` };
    const built = await buildRunner(name, spec, use, config, env, pool);
    return {
      evaluator: built.evaluator,
      description: spec.type === 'local' && name === LOCAL_RUNNER ? localDescription(built.sandboxKind ?? 'none') : describeSingle(built),
      sandboxed: built.sandboxed,
      dispose: () => built.evaluator.dispose(),
    };
  }

  const built: { stage: StageConfig; runner: string; runnerBuilt: BuiltRunner }[] = [];
  try {
    for (const stage of stages) {
      const runner = stage.runner ?? config.runner ?? LOCAL_RUNNER;
      const spec = resolveRunner(runner, runners);
      const use: RunnerUse = {
        command: stage.command ?? spec.command ?? config.evaluatorCommand,
        timeoutSec: stage.timeoutSec ?? spec.timeoutSec ?? config.timeoutSec,
        extraEnv: stageEnv(stage.name),
        label: `stage ${stage.name}`,
        stage: stage.name,
      };
      built.push({ stage, runner, runnerBuilt: await buildRunner(runner, spec, use, config, env, pool) });
    }
  } catch (error) {
    await Promise.allSettled(built.map((b) => b.runnerBuilt.evaluator.dispose()));
    throw error;
  }
  const cascadeStages: CascadeStage[] = built.map(({ stage, runner, runnerBuilt }) => ({
    name: stage.name,
    runner,
    evaluator: runnerBuilt.evaluator,
    ...(stage.threshold !== undefined ? { threshold: stage.threshold } : {}),
  }));
  const cascade = new CascadeEvaluator(cascadeStages);
  const description = `cascade: ${built
    .map(({ stage, runnerBuilt }) => `${stage.name} on ${runnerBuilt.where}${stage.threshold !== undefined ? ` (pass ≥ ${stage.threshold})` : ''}`)
    .join(' → ')}`;
  return {
    evaluator: cascade,
    description,
    sandboxed: built.every((b) => b.runnerBuilt.sandboxed),
    dispose: () => cascade.dispose(),
  };
}

/** Today's wording for the default local runner (the panel and the CLI show it). */
function localDescription(kind: LocalEvaluator['sandboxMode']): string {
  if (kind === 'bwrap') return 'local, sandboxed (bubblewrap: read-only system, no network)';
  if (kind === 'sandbox-exec') return 'local, sandboxed (sandbox-exec: writes only to its work dir, no network)';
  return 'local, UNSANDBOXED';
}

function describeSingle(built: BuiltRunner): string {
  return built.sandboxed || built.where.startsWith('local') ? built.where : `${built.where}: runs on that machine, not sandboxed by Genesis`;
}

async function buildRunner(
  name: string,
  spec: RunnerSpec,
  use: RunnerUse,
  config: RunConfig,
  env: EvaluatorEnvironment,
  pool: SshConnectionPool,
): Promise<BuiltRunner> {
  switch (spec.type) {
    case 'local':
      return buildLocal(name, spec, use, config, env);
    case 'ssh':
      return buildRemote(name, spec, use, () => buildSsh(spec, use, config, env, pool));
    case 'slurm':
      return buildRemote(name, spec, use, () => buildSlurm(spec, use, config, env, pool));
  }
}

async function buildLocal(name: string, spec: LocalRunnerSpec, use: RunnerUse, config: RunConfig, env: EvaluatorEnvironment): Promise<BuiltRunner> {
  const extraEnv = { ...spec.env, ...use.extraEnv };
  const memoryMb = spec.memoryMb ?? env.memoryMb;
  const local = new LocalEvaluator({
    workspaceRoot: config.workspaceRoot,
    command: use.command,
    timeoutSec: use.timeoutSec,
    sandbox: spec.sandbox ?? (env.sandbox === 'none' ? 'none' : 'auto'),
    ...(memoryMb ? { memoryMb } : spec.memoryMb === 0 ? { memoryMb: 0 } : {}),
    ...(spec.allowNetwork ? { allowNetwork: true } : {}),
    ...(Object.keys(extraEnv).length > 0 ? { env: extraEnv } : {}),
  });
  const isDefault = name === LOCAL_RUNNER && use.stage === undefined;
  try {
    await local.prepare();
  } catch (error) {
    await local.dispose().catch(() => undefined);
    if (isDefault || error instanceof SandboxUnavailableError) throw error;
    throw new Error(`${use.label} (${describeRunner(name, spec)}): ${errorText(error)}`);
  }
  const sandboxed = local.sandboxMode !== 'none';
  if (!sandboxed) env.log?.('warn', isDefault ? UNSANDBOXED_WARNING : `${use.label}: ${UNSANDBOXED_WARNING}`);
  const spawner = local.spawnsFromLauncher ? 'evaluation launchers (helper processes)' : 'this process';
  env.log?.('info', `${isDefault ? '' : `${use.label}: `}evaluator processes are started by ${spawner}`);
  return { evaluator: local, where: `${describeRunner(name, spec)} (${sandboxed ? 'sandboxed' : 'UNSANDBOXED'})`, sandboxed, sandboxKind: local.sandboxMode };
}

/** Builds a remote runner and connects/uploads its setup now, so that a bad host fails the start clearly. */
async function buildRemote(
  name: string,
  spec: SshRunnerSpec | SlurmRunnerSpec,
  use: RunnerUse,
  make: () => SshEvaluator | SlurmEvaluator,
): Promise<BuiltRunner> {
  const where = describeRunner(name, spec);
  let evaluator: SshEvaluator | SlurmEvaluator;
  try {
    evaluator = make();
  } catch (error) {
    throw new Error(`${use.label} on ${where}: ${errorText(error)}`);
  }
  try {
    await evaluator.prepare();
  } catch (error) {
    await evaluator.dispose().catch(() => undefined);
    throw new Error(`${use.label} on ${where}: ${errorText(error)}`);
  }
  return { evaluator, where, sandboxed: false };
}

function hostConfig(spec: SshHostSpec): SshHostConfig {
  return {
    host: spec.host,
    user: spec.user,
    ...(spec.port !== undefined ? { port: spec.port } : {}),
    ...(spec.privateKeyPath !== undefined ? { privateKeyPath: spec.privateKeyPath } : {}),
    ...(spec.useAgent !== undefined ? { useAgent: spec.useAgent } : {}),
    ...(spec.agentSocket !== undefined ? { agentSocket: spec.agentSocket } : {}),
    ...(spec.knownHostsPath !== undefined ? { knownHostsPath: spec.knownHostsPath } : {}),
  };
}

/** A setup dir relative to the workspace root (or ~/...), which must exist here. */
function localSetupDir(setupDir: string | undefined, workspaceRoot: string): string | undefined {
  if (setupDir === undefined) return undefined;
  const expanded = setupDir === '~' || setupDir.startsWith('~/') ? join(homedir(), setupDir.slice(1)) : setupDir;
  const path = isAbsolute(expanded) ? expanded : resolve(workspaceRoot, expanded);
  if (!existsSync(path)) throw new Error(`setupDir ${path} does not exist`);
  return path;
}

function remoteLogger(env: EvaluatorEnvironment, label: string) {
  return env.log ? (level: 'info' | 'warn' | 'error', message: string) => env.log?.(level, `${label}: ${message}`) : undefined;
}

function buildSsh(spec: SshRunnerSpec, use: RunnerUse, config: RunConfig, env: EvaluatorEnvironment, pool: SshConnectionPool): SshEvaluator {
  const extraEnv = { ...spec.env, ...use.extraEnv };
  const setupDir = localSetupDir(spec.setupDir, config.workspaceRoot);
  const log = remoteLogger(env, use.label);
  return new SshEvaluator({
    ...hostConfig(spec),
    ...(spec.maxChannels !== undefined ? { maxChannels: spec.maxChannels } : {}),
    remoteWorkRoot: spec.remoteWorkRoot ?? DEFAULT_REMOTE_WORK_ROOT,
    command: use.command,
    timeoutSec: use.timeoutSec,
    ...(setupDir ? { setupDir } : {}),
    ...(Object.keys(extraEnv).length > 0 ? { env: extraEnv } : {}),
    ...(spec.keepFailedWorkDirs ? { keepFailedWorkDirs: true } : {}),
    pool,
    ...(log ? { log } : {}),
  });
}

function buildSlurm(spec: SlurmRunnerSpec, use: RunnerUse, config: RunConfig, env: EvaluatorEnvironment, pool: SshConnectionPool): SlurmEvaluator {
  const extraEnv = { ...spec.env, ...use.extraEnv };
  const setupDir = localSetupDir(spec.setupDir, config.workspaceRoot);
  const log = remoteLogger(env, use.label);
  const optional = {
    partition: spec.partition, gres: spec.gres, cpusPerTask: spec.cpusPerTask, memory: spec.memory, timeLimit: spec.timeLimit,
    extraArgs: spec.extraArgs, maxJobsInFlight: spec.maxJobsInFlight, queueTimeoutSec: spec.queueTimeoutSec, pollIntervalMs: spec.pollIntervalMs,
    slurmEnv: spec.slurmEnv, setupDir,
  };
  return new SlurmEvaluator({
    command: use.command,
    workRoot: spec.workRoot,
    timeoutSec: use.timeoutSec,
    ...withoutUndefined(optional),
    ...(spec.ssh ? { ssh: hostConfig(spec.ssh), pool } : {}),
    ...(Object.keys(extraEnv).length > 0 ? { env: extraEnv } : {}),
    ...(spec.keepFailedWorkDirs ? { keepFailedWorkDirs: true } : {}),
    ...(log ? { log } : {}),
  });
}

/** The object without its undefined fields (the evaluators' defaults apply to those). */
function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

