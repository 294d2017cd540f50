// The schema of the runner settings (`genesis.runners`, `genesis.stages`, and the CLI's
// --runners-file): where candidates are evaluated (this machine, a host over SSH, a Slurm cluster)
// and the cascade stages of a run. Validation collects every problem with the runner or stage it
// belongs to, so that one message tells the user all that is wrong.
import type { StageConfig } from '../types';

export type { StageConfig } from '../types';

/** This machine: the local runner (a sandbox copy of the workspace, bubblewrap where usable). */
export interface LocalRunnerSpec {
  type: 'local';
  /** Default: the run's sandbox setting ('auto'). 'bwrap' refuses to run without bubblewrap. */
  sandbox?: 'auto' | 'bwrap' | 'none';
  /** Address-space limit in MiB; 0 for none (default 2048). */
  memoryMb?: number;
  /** Under bubblewrap: keep the network (default: none). */
  allowNetwork?: boolean;
  command?: string;
  timeoutSec?: number;
  env?: Record<string, string>;
}

/** How to reach a host over SSH (a runner host, or a Slurm login node). */
export interface SshHostSpec {
  host: string;
  port?: number;
  user: string;
  privateKeyPath?: string;
  /** Default: true when no privateKeyPath is given. */
  useAgent?: boolean;
  agentSocket?: string;
  /** Default ~/.ssh/known_hosts; the host must be in it. */
  knownHostsPath?: string;
}

/** Another machine over SSH: setup files uploaded once per run, one remote work dir per evaluation. */
export interface SshRunnerSpec extends SshHostSpec {
  type: 'ssh';
  /** Absolute remote dir for the run's work dirs; default /tmp/genesis. */
  remoteWorkRoot?: string;
  /** Local dir (relative to the workspace root, or absolute) uploaded once per run: evaluator, tests, data. */
  setupDir?: string;
  command?: string;
  timeoutSec?: number;
  env?: Record<string, string>;
  /** Exec channels open at once on the connection; default 8. */
  maxChannels?: number;
  keepFailedWorkDirs?: boolean;
}

/** A Slurm cluster: one batch job per evaluation, submitted here or on a login node over SSH. */
export interface SlurmRunnerSpec {
  type: 'slurm';
  /** Absolute dir on a filesystem shared by the submit host and the compute nodes. */
  workRoot: string;
  /** Submit through this login node; default: sbatch on this machine. */
  ssh?: SshHostSpec;
  partition?: string;
  /** e.g. "gpu:1". */
  gres?: string;
  cpusPerTask?: number;
  /** e.g. "8G". */
  memory?: string;
  /** Slurm's --time, e.g. "00:15:00". */
  timeLimit?: string;
  extraArgs?: string[];
  maxJobsInFlight?: number;
  queueTimeoutSec?: number;
  pollIntervalMs?: number;
  /** Environment for sbatch/squeue/scancel (e.g. SLURM_CONF). */
  slurmEnv?: Record<string, string>;
  setupDir?: string;
  command?: string;
  timeoutSec?: number;
  env?: Record<string, string>;
  keepFailedWorkDirs?: boolean;
}

export type RunnerSpec = LocalRunnerSpec | SshRunnerSpec | SlurmRunnerSpec;
export type RunnerType = RunnerSpec['type'];

/** Runner name → runner, as in the `genesis.runners` setting. */
export type RunnersConfig = Record<string, RunnerSpec>;

/** The CLI's --runners-file: the two settings in one JSON object, plus the default runner. */
export interface RunnersFile {
  runners: RunnersConfig;
  stages?: StageConfig[];
  runner?: string;
}

/** The name that always means this machine, even when the runners map does not define it. */
export const LOCAL_RUNNER = 'local';

/** Every problem found in the runner settings; the message lists them all. */
export class RunnerConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems in the runner settings: ${problems.join('; ')}`);
    this.name = 'RunnerConfigError';
  }
}

type FieldKind =
  | 'string' | 'path' | 'absolutePath' | 'positiveInt' | 'nonNegativeInt' | 'port' | 'boolean' | 'stringArray' | 'stringMap' | 'sandbox' | 'number'
  | 'host';

const HOST_FIELDS: Record<string, FieldKind> = {
  host: 'string', port: 'port', user: 'string', privateKeyPath: 'path', useAgent: 'boolean', agentSocket: 'path', knownHostsPath: 'path',
};

const FIELDS: Record<RunnerType, Record<string, FieldKind>> = {
  local: { type: 'string', sandbox: 'sandbox', memoryMb: 'nonNegativeInt', allowNetwork: 'boolean', command: 'string', timeoutSec: 'positiveInt', env: 'stringMap' },
  ssh: {
    type: 'string', ...HOST_FIELDS, remoteWorkRoot: 'absolutePath', setupDir: 'path', command: 'string', timeoutSec: 'positiveInt', env: 'stringMap',
    maxChannels: 'positiveInt', keepFailedWorkDirs: 'boolean',
  },
  slurm: {
    type: 'string', workRoot: 'absolutePath', ssh: 'host', partition: 'string', gres: 'string', cpusPerTask: 'positiveInt', memory: 'string',
    timeLimit: 'string', extraArgs: 'stringArray', maxJobsInFlight: 'positiveInt', queueTimeoutSec: 'positiveInt', pollIntervalMs: 'positiveInt',
    slurmEnv: 'stringMap', setupDir: 'path', command: 'string', timeoutSec: 'positiveInt', env: 'stringMap', keepFailedWorkDirs: 'boolean',
  },
};

const REQUIRED: Record<RunnerType, string[]> = { local: [], ssh: ['host', 'user'], slurm: ['workRoot'] };
const STAGE_FIELDS: Record<string, FieldKind> = { name: 'string', runner: 'string', command: 'string', threshold: 'number', timeoutSec: 'positiveInt' };
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const NAME_RULE = "letters, digits, '.', '_' and '-', starting with a letter or digit";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function andList(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Why `value` is not of `kind`, or undefined when it is. */
function kindProblem(kind: FieldKind, value: unknown): string | undefined {
  const got = ` (got ${shown(value)})`;
  switch (kind) {
    case 'string':
    case 'path':
      return typeof value === 'string' && value.trim() !== '' ? undefined : `must be a non-empty string${got}`;
    case 'absolutePath':
      return typeof value === 'string' && value.startsWith('/') ? undefined : `must be an absolute path on that machine${got}`;
    case 'positiveInt':
      return Number.isInteger(value) && (value as number) >= 1 ? undefined : `must be a whole number ≥ 1${got}`;
    case 'nonNegativeInt':
      return Number.isInteger(value) && (value as number) >= 0 ? undefined : `must be a whole number ≥ 0${got}`;
    case 'port':
      return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535 ? undefined : `must be a port number from 1 to 65535${got}`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `must be a finite number${got}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `must be true or false${got}`;
    case 'sandbox':
      return value === 'auto' || value === 'bwrap' || value === 'none' ? undefined : `must be "auto", "bwrap" or "none"${got}`;
    case 'stringArray':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : `must be a list of strings${got}`;
    case 'stringMap':
      return isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string') ? undefined : `must be an object of string values${got}`;
    case 'host':
      return isPlainObject(value) ? undefined : `must be an object with host and user${got}`;
  }
}

/** Checks the fields of one object: unknown names, missing required ones, wrong kinds. */
function checkObject(
  where: string,
  what: { needs: string; take: string },
  value: Record<string, unknown>,
  fields: Record<string, FieldKind>,
  required: string[],
  problems: string[],
): void {
  const missing = required.filter((name) => value[name] === undefined || value[name] === null || value[name] === '');
  if (missing.length > 0) problems.push(`${where}: ${what.needs} needs ${andList(missing)}`);
  for (const [name, field] of Object.entries(value)) {
    const kind = fields[name];
    if (kind === undefined) {
      problems.push(`${where}: unknown field "${name}" (${what.take} ${Object.keys(fields).join(', ')})`);
      continue;
    }
    if (missing.includes(name)) continue;
    const problem = kindProblem(kind, field);
    if (problem) problems.push(`${where}: ${name} ${problem}`);
  }
}

function checkRunner(name: string, value: unknown, problems: string[]): RunnerSpec | undefined {
  const where = `runner ${name}`;
  if (!NAME_PATTERN.test(name)) problems.push(`runner "${name}": a runner name uses ${NAME_RULE}`);
  if (!isPlainObject(value)) {
    problems.push(`${where}: must be an object with a "type" (got ${shown(value)})`);
    return undefined;
  }
  const type = value.type;
  if (type !== 'local' && type !== 'ssh' && type !== 'slurm') {
    problems.push(`${where}: type must be "local", "ssh" or "slurm" (got ${type === undefined ? 'nothing' : shown(type)})`);
    return undefined;
  }
  const before = problems.length;
  checkObject(where, { needs: type, take: `${type} runners take` }, value, FIELDS[type], REQUIRED[type], problems);
  if (type === 'slurm' && isPlainObject(value.ssh)) checkObject(`${where} (login node)`, { needs: 'ssh', take: 'ssh takes' }, value.ssh, HOST_FIELDS, ['host', 'user'], problems);
  if (type === 'ssh' && value.useAgent === false && value.privateKeyPath === undefined) {
    problems.push(`${where}: with useAgent false, ssh needs privateKeyPath`);
  }
  return problems.length === before ? (value as unknown as RunnerSpec) : undefined;
}

/**
 * Validates the `genesis.runners` setting (undefined/null means no runners: only 'local').
 * Throws RunnerConfigError listing every problem.
 */
export function parseRunners(value: unknown): RunnersConfig {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw new RunnerConfigError([`runners must be an object of runner name → runner (got ${shown(value)})`]);
  const problems: string[] = [];
  const runners: RunnersConfig = {};
  for (const [name, spec] of Object.entries(value)) {
    const checked = checkRunner(name, spec, problems);
    if (checked) runners[name] = checked;
  }
  if (problems.length > 0) throw new RunnerConfigError(problems);
  return runners;
}

/** The runner a name stands for: the map's entry, or this machine for 'local'. */
export function resolveRunner(name: string, runners: RunnersConfig): RunnerSpec {
  const spec = Object.prototype.hasOwnProperty.call(runners, name) ? runners[name] : undefined;
  if (spec) return spec;
  if (name === LOCAL_RUNNER) return { type: 'local' };
  throw new RunnerConfigError([`unknown runner "${name}" (defined: ${knownRunnerNames(runners).join(', ')})`]);
}

function knownRunnerNames(runners: RunnersConfig): string[] {
  return [...new Set([LOCAL_RUNNER, ...Object.keys(runners)])];
}

/**
 * Validates the `genesis.stages` setting against the runners (undefined/null/[] means no cascade).
 * Throws RunnerConfigError listing every problem.
 */
export function parseStages(value: unknown, runners: RunnersConfig): StageConfig[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new RunnerConfigError([`stages must be a list of {name, runner?, command?, threshold?, timeoutSec?} (got ${shown(value)})`]);
  const problems: string[] = [];
  const stages: StageConfig[] = [];
  const seen = new Set<string>();
  value.forEach((stage: unknown, index) => {
    const label = isPlainObject(stage) && typeof stage.name === 'string' && stage.name ? `stage ${stage.name}` : `stage ${index + 1}`;
    if (!isPlainObject(stage)) {
      problems.push(`${label}: must be an object with a name (got ${shown(stage)})`);
      return;
    }
    const before = problems.length;
    checkObject(label, { needs: 'a stage', take: 'a stage takes' }, stage, STAGE_FIELDS, ['name'], problems);
    const name = stage.name;
    if (typeof name === 'string' && name) {
      if (!NAME_PATTERN.test(name)) problems.push(`${label}: a stage name uses ${NAME_RULE}`);
      if (seen.has(name)) problems.push(`${label}: the name is used by an earlier stage`);
      seen.add(name);
    }
    const runner = stage.runner;
    if (typeof runner === 'string' && runner && runner !== LOCAL_RUNNER && !Object.prototype.hasOwnProperty.call(runners, runner)) {
      problems.push(`${label}: unknown runner "${runner}" (defined: ${knownRunnerNames(runners).join(', ')})`);
    }
    if (problems.length === before) stages.push(stage as unknown as StageConfig);
  });
  if (problems.length > 0) throw new RunnerConfigError(problems);
  return stages;
}

/** Reads the CLI's --runners-file: `{"runners": {...}, "stages": [...], "runner": "name"}`. */
export function parseRunnersFile(text: string, fileName: string): RunnersFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RunnerConfigError([`${fileName}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`]);
  }
  if (!isPlainObject(value)) throw new RunnerConfigError([`${fileName}: must hold a JSON object {"runners": {...}, "stages": [...]}`]);
  const unknown = Object.keys(value).filter((k) => k !== 'runners' && k !== 'stages' && k !== 'runner');
  if (unknown.length > 0) throw new RunnerConfigError([`${fileName}: unknown field ${unknown.map((k) => `"${k}"`).join(', ')} (expected runners, stages, runner)`]);
  const prefixed = (error: unknown): never => {
    if (error instanceof RunnerConfigError) throw new RunnerConfigError(error.problems.map((p) => `${fileName}: ${p}`));
    throw error;
  };
  let runners: RunnersConfig = {};
  let stages: StageConfig[] = [];
  try {
    runners = parseRunners(value.runners);
    stages = parseStages(value.stages, runners);
  } catch (error) {
    prefixed(error);
  }
  const runner = value.runner;
  if (runner !== undefined) {
    if (typeof runner !== 'string' || !runner) throw new RunnerConfigError([`${fileName}: runner must be a runner name (got ${shown(runner)})`]);
    try {
      resolveRunner(runner, runners);
    } catch (error) {
      prefixed(error);
    }
  }
  return { runners, ...(stages.length > 0 ? { stages } : {}), ...(typeof runner === 'string' ? { runner } : {}) };
}

/**
 * Reads one CLI --stage value: `NAME[@RUNNER][,threshold=X][,timeout=S][,command=CMD]`, where
 * `command=` comes last and takes the rest of the text (it may hold commas).
 * e.g. `quick,threshold=0.5,command=python3 quick.py` or `full@gpu,timeout=600`.
 */
export function parseStageFlag(text: string): StageConfig {
  const commandAt = text.search(/(^|,)command=/);
  const head = commandAt < 0 ? text : text.slice(0, commandAt);
  const command = commandAt < 0 ? undefined : text.slice(commandAt).replace(/^,?command=/, '');
  const [nameAndRunner, ...options] = head.split(',').map((s) => s.trim());
  const problem = (message: string) => new RunnerConfigError([`--stage "${text}": ${message}`]);
  const at = nameAndRunner.indexOf('@');
  const name = (at < 0 ? nameAndRunner : nameAndRunner.slice(0, at)).trim();
  const runner = at < 0 ? undefined : nameAndRunner.slice(at + 1).trim();
  if (!name) throw problem('needs a stage name, e.g. "quick@local,threshold=0.5"');
  if (!NAME_PATTERN.test(name)) throw problem(`a stage name uses ${NAME_RULE}`);
  if (runner !== undefined && !runner) throw problem('needs a runner name after "@"');
  const stage: StageConfig = { name, ...(runner ? { runner } : {}) };
  for (const option of options) {
    if (!option) continue;
    const eq = option.indexOf('=');
    const key = eq < 0 ? option : option.slice(0, eq);
    const raw = eq < 0 ? '' : option.slice(eq + 1).trim();
    const number = Number(raw);
    if (key === 'threshold') {
      if (!raw || !Number.isFinite(number)) throw problem(`threshold must be a number (got "${raw}")`);
      stage.threshold = number;
    } else if (key === 'timeout') {
      if (!Number.isInteger(number) || number < 1) throw problem(`timeout must be a whole number of seconds ≥ 1 (got "${raw}")`);
      stage.timeoutSec = number;
    } else {
      throw problem(`unknown option "${key}" (use threshold=X, timeout=S, command=CMD)`);
    }
  }
  if (command !== undefined) {
    if (!command.trim()) throw problem('command= needs a command');
    stage.command = command.trim();
  }
  return stage;
}

/** Where a runner runs, for descriptions and logs: "local", "ssh:gpu (me@host)", "slurm:cluster (via me@login)". */
export function describeRunner(name: string, spec: RunnerSpec): string {
  switch (spec.type) {
    case 'local':
      return name === LOCAL_RUNNER ? 'local' : `local:${name}`;
    case 'ssh':
      return `ssh:${name} (${hostLabel(spec)})`;
    case 'slurm':
      return `slurm:${name}${spec.partition ? ` partition ${spec.partition}` : ''}${spec.gres ? ` ${spec.gres}` : ''} (${spec.ssh ? `via ${hostLabel(spec.ssh)}` : 'sbatch on this machine'})`;
  }
}

function hostLabel(host: SshHostSpec): string {
  const port = host.port ?? 22;
  return `${host.user}@${host.host}${port === 22 ? '' : `:${port}`}`;
}
