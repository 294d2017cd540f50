// Keeps a learned PRM per workspace and per evaluator: one JSON file per evaluator command (by
// hash, so the command itself — which may carry secrets — is never written) under a given
// folder. Writes are atomic (temp file + rename), so a crash leaves the old model or the new one.
// An evaluator with no saved model starts from the shipped prior (prmPrior.ts) when given one.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LearnedPrm, type LearnedPrmOptions } from './learnedPrm';
import { prmFromPrior, readPrmPrior } from './prmPrior';

export interface LoadedPrm {
  prm: LearnedPrm;
  /** True when earlier runs' outcomes were loaded (warm start). */
  warm: boolean;
  /** True when it starts from the shipped prior (no saved model of this evaluator yet). */
  fromPrior: boolean;
  /** Why a saved model was not used (unreadable, wrong format); absent when all went well. */
  warning?: string;
}

export interface PrmStoreOptions {
  /** The shipped prior (prmPrior.ts) that an evaluator with no saved model starts from;
   *  undefined: start from the heuristic prior. */
  priorFile?: string;
}

export class PrmStore {
  constructor(
    readonly dir: string,
    private readonly storeOptions: PrmStoreOptions = {},
  ) {}

  /** The evaluator's key: the first 16 hex digits of the SHA-256 of its command (trimmed). */
  static keyOf(evaluatorCommand: string): string {
    return createHash('sha256').update(evaluatorCommand.trim()).digest('hex').slice(0, 16);
  }

  fileFor(evaluatorCommand: string): string {
    return join(this.dir, `prm-${PrmStore.keyOf(evaluatorCommand)}.json`);
  }

  /** The saved model of this evaluator, or a fresh one (the shipped prior, else the heuristic
   *  prior) when there is none. */
  async load(evaluatorCommand: string, options: LearnedPrmOptions = {}): Promise<LoadedPrm> {
    const file = this.fileFor(evaluatorCommand);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return this.fresh(options);
    }
    try {
      const prm = LearnedPrm.fromJSON(JSON.parse(text), options);
      return { prm, warm: prm.outcomes > 0, fromPrior: false };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const fresh = this.fresh(options);
      const start = fresh.fromPrior ? 'the shipped prior' : 'the prior';
      return { ...fresh, warning: [`ignored the saved PRM ${file}: ${message}; starting from ${start}`, fresh.warning].filter(Boolean).join('; ') };
    }
  }

  /** A model for an evaluator with no usable saved one. */
  private fresh(options: LearnedPrmOptions): LoadedPrm {
    if (!('priorFile' in this.storeOptions)) return { prm: new LearnedPrm(options), warm: false, fromPrior: false };
    const loaded = readPrmPrior(this.storeOptions.priorFile);
    if (loaded.prior) return { prm: prmFromPrior(loaded.prior, options), warm: false, fromPrior: true };
    return { prm: new LearnedPrm(options), warm: false, fromPrior: false, warning: loaded.warning };
  }

  async save(evaluatorCommand: string, prm: LearnedPrm): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const file = this.fileFor(evaluatorCommand);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify({ ...prm.toJSON(), evaluatorKey: PrmStore.keyOf(evaluatorCommand) }));
      await rename(tmp, file);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    return file;
  }
}
