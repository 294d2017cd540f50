// `genesis evolve --apply`: write the run's best candidate back into the file, but only when the
// function is still exactly the code the run started from (never over the user's later edits).
import { readFileSync, writeFileSync } from 'node:fs';
import type { TreeSitterService } from '../core/lang/treeSitter';
import type { CandidateNode, RunConfig } from '../core/types';

/** `refused`: there was a better candidate, but writing it would have overwritten other changes. */
export type ApplyOutcome = { applied: true; message: string } | { applied: false; refused: boolean; message: string };

function lineAt(text: string, index: number): number {
  let line = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

export async function applyBestCandidate(
  treeSitter: TreeSitterService,
  config: Pick<RunConfig, 'filePath' | 'language' | 'functionName'>,
  root: CandidateNode | undefined,
  best: CandidateNode | undefined,
): Promise<ApplyOutcome> {
  const name = config.functionName;
  if (!root || !best || best.id === root.id || best.status !== 'done') {
    return { applied: false, refused: false, message: `no candidate beat the original ${name}: ${config.filePath} left as it is` };
  }
  const text = readFileSync(config.filePath, 'utf8');
  const exactAt = text.indexOf(root.code);
  const location = await treeSitter.findFunctionByName(text, config.language, name, exactAt >= 0 ? lineAt(text, exactAt) : undefined);
  if (!location) return { applied: false, refused: true, message: `not applied: ${name} no longer exists in ${config.filePath}` };
  if (location.text !== root.code) {
    return { applied: false, refused: true, message: `not applied: ${name} in ${config.filePath} changed since the run started; the best candidate (node ${best.id}) stays in the run` };
  }
  writeFileSync(config.filePath, text.slice(0, location.startIndex) + best.code + text.slice(location.endIndex), 'utf8');
  return { applied: true, message: `applied node ${best.id} to ${name} in ${config.filePath}` };
}

/** Exit code of `evolve --apply`: the run's own, or 3 when a better candidate could not be written. */
export async function applyAfterRun(
  treeSitter: TreeSitterService,
  run: { config: Pick<RunConfig, 'filePath' | 'language' | 'functionName'>; node(id: string): CandidateNode | undefined; summary(): { bestNodeId: string | null; bestScore: number | null; baselineScore: number | null } },
  runCode: number,
  report: (line: string) => void,
): Promise<number> {
  const summary = run.summary();
  const improved = summary.bestScore !== null && (summary.baselineScore === null || summary.bestScore > summary.baselineScore);
  const best = improved && summary.bestNodeId ? run.node(summary.bestNodeId) : undefined;
  const outcome = await applyBestCandidate(treeSitter, run.config, run.node('0'), best);
  report(`genesis: ${outcome.message}`);
  return !outcome.applied && outcome.refused ? 3 : runCode;
}
