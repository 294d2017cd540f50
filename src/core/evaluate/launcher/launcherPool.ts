// Several evaluation launchers behind one spawner. A launcher starts one process at a time (a
// fork blocks it for about a millisecond) and watches the ones it started; with two, one can
// start the next evaluation's process (a warm start) while the other answers for the running
// one. Each work dir sticks to one launcher, so its warm start and its evaluation meet there.
import { dirname } from 'node:path';
import type { ProcessOutcome } from '../processRunner';
import type { EvaluationSpawner, SpawnOptions, SpawnRunOptions, WarmStart } from '../spawner';
import { LauncherClient } from './launcherClient';

/** Folders remembered; fresh copies (a folder each) start over past this. */
const MAX_REMEMBERED_FOLDERS = 256;

export class LauncherPool implements EvaluationSpawner {
  private readonly launchers: LauncherClient[];
  private readonly byFolder = new Map<string, LauncherClient>();
  private next = 0;

  /** @param script the launcher's bundled script; default: the one next to this module. */
  constructor(baseEnv: Record<string, string>, size: number, script?: string) {
    const start = script ? { args: [script], cwd: dirname(script) } : undefined;
    this.launchers = Array.from({ length: Math.max(1, size) }, () => new LauncherClient(baseEnv, start));
  }

  get usesLauncher(): boolean {
    return this.launchers.some((launcher) => launcher.usesLauncher);
  }

  /** The launchers' process ids (tests kill them). */
  get launcherPids(): number[] {
    return this.launchers.map((launcher) => launcher.launcherPid).filter((pid): pid is number => pid !== undefined);
  }

  run(argv: string[], options: SpawnRunOptions): Promise<ProcessOutcome> {
    return this.launcherFor(options.cwd).run(argv, options);
  }

  startWarm(argv: string[], options: SpawnOptions): WarmStart {
    return this.launcherFor(options.cwd).startWarm(argv, options);
  }

  dispose(): void {
    for (const launcher of this.launchers) launcher.dispose();
  }

  private launcherFor(folder: string): LauncherClient {
    let launcher = this.byFolder.get(folder);
    if (!launcher) {
      if (this.byFolder.size >= MAX_REMEMBERED_FOLDERS) this.byFolder.clear();
      launcher = this.launchers[this.next++ % this.launchers.length];
      this.byFolder.set(folder, launcher);
    }
    return launcher;
  }
}
