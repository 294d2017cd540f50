// How a candidate is shown to a judge model or a reward model: the parent function and the
// change as diff hunks, one hunk per step.
import { structuredPatch } from 'diff';
import type { PrmInput } from './types';

export interface CandidateText {
  /** The task and the parent function. */
  question: string;
  /** One unified-diff hunk per step: each run of changed lines (no context, so runs never merge;
   *  the question shows the whole parent). */
  steps: string[];
}

export function candidateText(input: PrmInput): CandidateText {
  const patch = structuredPatch('parent', 'child', withNewline(input.parentCode), withNewline(input.childCode), undefined, undefined, { context: 0 });
  const steps = patch.hunks.map((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines].join('\n'));
  const question = [
    `A ${input.language} function is being optimised: an evaluator scores each version and higher is better.`,
    `The current version:`,
    '```' + input.language,
    input.parentCode.trimEnd(),
    '```',
    `Will the following change (${input.mutationKind}, proposed by ${input.model}) raise the score?`,
  ].join('\n');
  return { question, steps: steps.length > 0 ? steps : ['(no change)'] };
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : text + '\n';
}
