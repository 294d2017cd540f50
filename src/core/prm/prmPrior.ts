// The PRM prior shipped with Genesis: learned-PRM weights trained on recorded runs of many tasks
// (scripts/train-prm-prior.ts), so a workspace's first run does not start from nothing. A
// workspace with no saved PRM of its own starts from it and keeps learning online. This module
// reads the prior (a missing or damaged file is a clear warning and the built-in heuristic
// prior, never a failed run), trains one from records, and writes the compact shipped form.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HashedLinearJson } from './hashedLinear';
import { LearnedPrm, type LearnedPrmJson, type LearnedPrmOptions } from './learnedPrm';
import type { PrmInput, PrmOutcome } from './types';

export const PRM_PRIOR_FILE_NAME = 'prm-prior.json';

/** One evaluated child of a recorded run: what the PRM saw, and how it turned out. */
export interface PrmRecord {
  task: string;
  input: PrmInput;
  outcome: PrmOutcome;
}

/** The shipped file: a saved learned PRM plus where it came from. */
export interface PrmPriorJson extends LearnedPrmJson {
  prior: {
    /** Tasks whose recorded runs it was trained on. */
    tasks: string[];
    /** Outcomes it was trained on (the model's `trainedOn` is the weight it gets against new data). */
    records: number;
    improvedRate: number;
  };
}

export interface PriorTrainingOptions {
  /** Passes over the records (default 2). */
  epochs?: number;
  /** AdaGrad memory kept in the shipped weights, 0..1 (default 0.03): lower adapts faster online. */
  gradientMemory?: number;
  /** What `trainedOn` the shipped model claims, at most: how little the heuristic prior (DiffPrior)
   *  still weighs (default 1000: next to nothing; in bench:prm's leave-one-task-out replay the
   *  trained prior ranked better alone than blended with the heuristic). */
  effectiveOutcomes?: number;
  /** Weights smaller than this are dropped from the file (default 1e-3). */
  minWeight?: number;
}

/**
 * The shipped prior's path: next to the bundles' parent (dist/../media, the installed extension
 * and the CLI) or the repository's media/ folder (sources run with tsx). Undefined when neither exists.
 */
export function shippedPrmPriorFile(): string | undefined {
  const candidates = [join(__dirname, '..', 'media', PRM_PRIOR_FILE_NAME), join(__dirname, '..', '..', '..', 'media', PRM_PRIOR_FILE_NAME)];
  return candidates.find((file) => existsSync(file));
}

export type PriorLoad = { prior: PrmPriorJson; warning?: undefined } | { prior?: undefined; warning: string };

/** Reads a prior file; any problem is a warning saying what and that the heuristic prior is used. */
export function readPrmPrior(file: string | undefined): PriorLoad {
  const fallback = 'the built-in heuristic prior is used instead';
  if (file === undefined) return { warning: `no shipped PRM prior (${PRM_PRIOR_FILE_NAME}) was found; ${fallback}` };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { warning: `cannot read the PRM prior ${file} (${code ?? String(error)}); ${fallback}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { warning: `the PRM prior ${file} is not valid JSON (damaged?); ${fallback}` };
  }
  try {
    // Validates the weights the same way a saved workspace model is validated.
    LearnedPrm.fromJSON(json);
  } catch (error) {
    return { warning: `the PRM prior ${file} is not usable: ${error instanceof Error ? error.message : String(error)}; ${fallback}` };
  }
  const prior = (json as Partial<PrmPriorJson>).prior;
  if (typeof prior !== 'object' || prior === null || !Array.isArray(prior.tasks) || typeof prior.records !== 'number') {
    return { warning: `the PRM prior ${file} has no "prior" section (is it a workspace model?); ${fallback}` };
  }
  return { prior: json as PrmPriorJson };
}

/** A learned PRM that starts from the prior's weights and keeps learning. */
export function prmFromPrior(prior: PrmPriorJson, options: LearnedPrmOptions = {}): LearnedPrm {
  return LearnedPrm.fromJSON(prior, options);
}

/**
 * Trains a learned PRM on records, as the engine would have (score, then learn), task by task in
 * turn so no task dominates the end, and returns it in the compact shipped form.
 */
export async function trainPrmPrior(records: readonly PrmRecord[], prmOptions: LearnedPrmOptions = {}, options: PriorTrainingOptions = {}): Promise<PrmPriorJson> {
  const epochs = options.epochs ?? 2;
  const prm = new LearnedPrm(prmOptions);
  const order = interleaveByTask(records);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const record of order) {
      // Each pass needs its own input object: the model keys its scoring cache by identity.
      const input = { ...record.input };
      await prm.score(input);
      prm.learn(input, record.outcome);
    }
  }
  const improved = records.filter((r) => r.outcome.improved).length;
  return compactPrior(prm.toJSON(), {
    tasks: [...new Set(records.map((r) => r.task))].sort(),
    records: records.length,
    improvedRate: records.length === 0 ? 0 : Math.round((improved / records.length) * 1000) / 1000,
  }, options);
}

/** Rounds and prunes the weights, and scales the AdaGrad memory so online learning stays quick. */
export function compactPrior(state: LearnedPrmJson, prior: PrmPriorJson['prior'], options: PriorTrainingOptions = {}): PrmPriorJson {
  const memory = options.gradientMemory ?? 0.03;
  const minWeight = options.minWeight ?? 1e-3;
  const compact = (linear: HashedLinearJson): HashedLinearJson => ({
    bits: linear.bits,
    weights: linear.weights
      .filter(([, w]) => Math.abs(w) >= minWeight)
      .map(([i, w, g]) => [i, Number(w.toPrecision(4)), Number((g * memory).toPrecision(3))]),
  });
  return {
    ...state,
    trainedOn: Math.min(state.trainedOn, options.effectiveOutcomes ?? 1000),
    improvedSeen: Math.round(Math.min(state.trainedOn, options.effectiveOutcomes ?? 1000) * prior.improvedRate),
    priorsSeen: 0,
    priorLogitMean: 0,
    classifier: compact(state.classifier),
    delta: compact(state.delta),
    prior,
  };
}

function interleaveByTask(records: readonly PrmRecord[]): PrmRecord[] {
  const byTask = new Map<string, PrmRecord[]>();
  for (const r of records) {
    const list = byTask.get(r.task) ?? [];
    list.push(r);
    byTask.set(r.task, list);
  }
  const queues = [...byTask.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, list]) => list);
  const total = records.length;
  const out: PrmRecord[] = [];
  // Proportional interleave: each task's records spread evenly over the whole pass.
  const next = queues.map(() => 0);
  for (let k = 0; k < total; k++) {
    let bestQueue = -1;
    let bestProgress = Infinity;
    queues.forEach((q, i) => {
      if (next[i] >= q.length) return;
      const progress = (next[i] + 0.5) / q.length;
      if (progress < bestProgress) [bestQueue, bestProgress] = [i, progress];
    });
    out.push(queues[bestQueue][next[bestQueue]++]);
  }
  return out;
}
