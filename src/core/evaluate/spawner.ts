// Where evaluator processes are started: in this process (ThisProcessSpawner, below) or in the
// evaluation launcher, a helper process (launcher/launcherClient.ts). Both run a process to its
// end, or start one ahead of its evaluation (a warm start) that waits for the evaluation id.
import { runProcess, WatchedProcess, type ProcessOutcome, type SuperviseOptions } from './processRunner';

const MAX_CACHED_ENVIRONMENTS = 64;

export interface SpawnOptions {
  cwd: string;
  /** The evaluation's own variables, laid over the spawner's base environment. */
  env: Record<string, string>;
  maxOutputBytes?: number;
  tailBytes?: number;
}

export type SpawnRunOptions = SpawnOptions & SuperviseOptions;

/** A process started ahead of its evaluation (commandArgv with waitForEvaluationId). */
export interface WarmStart {
  /**
   * Hands over the evaluation id and supervises the process to its end; undefined when the
   * process is gone or was never started (then start one afresh).
   */
  go(evaluationId: string, options: SuperviseOptions): Promise<ProcessOutcome | undefined>;
  /** Kills it unused. */
  discard(): void;
}

export interface EvaluationSpawner {
  run(argv: string[], options: SpawnRunOptions): Promise<ProcessOutcome>;
  startWarm(argv: string[], options: SpawnOptions): WarmStart;
  /** Whether processes are started by the launcher (for logs and tests). */
  readonly usesLauncher: boolean;
  dispose(): void;
}

export class ThisProcessSpawner implements EvaluationSpawner {
  readonly usesLauncher = false;
  /**
   * One environment object per working folder, refilled for each process: the same keys every
   * time keep it a fast object, which spawn copies in microseconds; a fresh spread of the base
   * costs this process several times that for every evaluation.
   */
  private readonly envByFolder = new Map<string, Record<string, string>>();

  constructor(private readonly baseEnv: Record<string, string>) {}

  run(argv: string[], options: SpawnRunOptions): Promise<ProcessOutcome> {
    return runProcess(argv, { ...options, env: this.fullEnv(options.cwd, options.env) });
  }

  startWarm(argv: string[], options: SpawnOptions): WarmStart {
    const process = new WatchedProcess(argv, { ...options, env: this.fullEnv(options.cwd, options.env), holdStdin: true });
    return {
      go: (evaluationId, supervise) => Promise.resolve(process.release(evaluationId) ? process.supervise(supervise) : undefined),
      discard: () => process.kill(),
    };
  }

  dispose(): void {
    this.envByFolder.clear();
  }

  private fullEnv(folder: string, own: Record<string, string>): Record<string, string> {
    const env = this.envByFolder.get(folder);
    if (env && Object.keys(own).every((key) => key in env)) {
      for (const key in own) env[key] = own[key];
      return env;
    }
    // Fresh copies get a folder each: keep the map small.
    if (this.envByFolder.size >= MAX_CACHED_ENVIRONMENTS) this.envByFolder.clear();
    const created = { ...this.baseEnv, ...own };
    this.envByFolder.set(folder, created);
    return created;
  }
}
