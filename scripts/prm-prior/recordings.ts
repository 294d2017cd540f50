// Recorded runs for the PRM prior: what every evaluated child looked like to the PRM and how it
// turned out. One gzipped JSON file per task under scripts/prm-prior/recordings/, with the
// function versions in a table (children share most of their code with their parents).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { PrmRecord } from '../../src/core/prm/prmPrior';
import type { LanguageId, MutationKind } from '../../src/core/types';

export const RECORDINGS_DIR = join(__dirname, 'recordings');

interface RecordingFile {
  format: 'genesis-prm-recording';
  version: 1;
  task: string;
  language: LanguageId;
  /** How the runs were made (seeds, budget, sources), for the reader. */
  made: Record<string, unknown>;
  codes: string[];
  /** [parent, child, kind, model, parentRank, parentDepth, newSyntaxIssues, improved (0/1), delta] */
  records: [number, number, MutationKind, string, number, number, number, number, number | null][];
}

export function writeRecording(task: string, language: LanguageId, made: Record<string, unknown>, records: readonly PrmRecord[], dir = RECORDINGS_DIR): string {
  const codes: string[] = [];
  const index = new Map<string, number>();
  const id = (code: string) => {
    let i = index.get(code);
    if (i === undefined) {
      i = codes.length;
      codes.push(code);
      index.set(code, i);
    }
    return i;
  };
  const file: RecordingFile = {
    format: 'genesis-prm-recording',
    version: 1,
    task,
    language,
    made,
    codes,
    records: records.map(({ input, outcome }) => [
      id(input.parentCode), id(input.childCode), input.mutationKind, input.model, input.parentRank, input.parentDepth, input.newSyntaxIssues,
      outcome.improved ? 1 : 0, outcome.delta === null || !Number.isFinite(outcome.delta) ? null : Number(outcome.delta.toPrecision(6)),
    ]),
  };
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${task}.json.gz`);
  // mtime 0 in the gzip header (node writes none), so the same runs give the same bytes.
  writeFileSync(path, gzipSync(JSON.stringify(file), { level: 9 }));
  return path;
}

export function readRecording(path: string): { task: string; records: PrmRecord[]; runs: PrmRecord[][] } {
  const file = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as RecordingFile;
  if (file.format !== 'genesis-prm-recording' || file.version !== 1) throw new Error(`${path}: not a PRM recording (format genesis-prm-recording, version 1)`);
  const records = file.records.map(([parent, child, kind, model, parentRank, parentDepth, newSyntaxIssues, improved, delta]): PrmRecord => ({
    task: file.task,
    input: { language: file.language, parentCode: file.codes[parent], childCode: file.codes[child], mutationKind: kind, model, parentRank, parentDepth, newSyntaxIssues },
    outcome: { improved: improved === 1, delta },
  }));
  // Runs were recorded one after another, each evaluating `budget − 1` children after the original.
  const perRun = Number(file.made.budget) - 1;
  const runs: PrmRecord[][] = [];
  if (Number.isInteger(perRun) && perRun > 0 && records.length % perRun === 0) for (let i = 0; i < records.length; i += perRun) runs.push(records.slice(i, i + perRun));
  else runs.push(records);
  return { task: file.task, records, runs };
}

/** Every recording's runs, by task. */
export function readAllRecordedRuns(dir = RECORDINGS_DIR): Map<string, PrmRecord[][]> {
  const out = new Map<string, PrmRecord[][]>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json.gz')).sort()) {
    const { task, runs } = readRecording(join(dir, name));
    out.set(task, runs);
  }
  return out;
}

/** Every recording in the folder, by task. */
export function readAllRecordings(dir = RECORDINGS_DIR): Map<string, PrmRecord[]> {
  const out = new Map<string, PrmRecord[]>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json.gz')).sort()) {
    const { task, records } = readRecording(join(dir, name));
    out.set(task, records);
  }
  return out;
}
