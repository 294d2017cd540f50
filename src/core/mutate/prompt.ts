// The mutation prompt: everything a model needs to propose one better child of a function,
// with a distinct instruction per mutation mode (diff, rewrite, crossover, repair) and the exact
// reply format parseReply.ts understands. Prompts over a size limit lose inspirations first,
// then file context, then evaluator feedback; the code the model must edit is never cut.
import type { LanguageId, MutationMode, MutationRequest } from '../types';
import { formatScorePrecise } from '../util/format';

export interface MutationPrompt {
  system: string;
  user: string;
  mode: MutationMode;
  /** What was cut to fit `maxPromptChars`, in the order it was cut (empty when nothing was). */
  trimmed: string[];
}

export interface PromptLimits {
  /** Characters of file context around the function. */
  fileContextChars: number;
  /** Characters of evaluator feedback or failure text (its tail is kept: errors come last). */
  feedbackChars: number;
  inspirations: number;
  inspirationChars: number;
  /** Limit of system + user text; over it, inspirations go first, then file context, then feedback. */
  maxPromptChars: number;
}

export const DEFAULT_PROMPT_LIMITS: PromptLimits = {
  fileContextChars: 6000,
  feedbackChars: 2000,
  inspirations: 3,
  inspirationChars: 3000,
  // About 12k tokens: fits every current model's context with room for the reply.
  maxPromptChars: 48_000,
};

/** Heading of the code the model edits; the test LLM fixture looks for it too. */
export const CURRENT_FUNCTION_HEADING = '## Current function';

/** Default share of each mode a run asks for (repair is not drawn: it follows a failure). */
export const DEFAULT_MUTATION_MIX = { diff: 0.6, rewrite: 0.3, crossover: 0.1 } as const;

export type MutationMix = { diff: number; rewrite: number; crossover: number };

/**
 * Draws the mode of the next child from `mix` (weights, need not sum to 1). Without a second
 * parent, crossover is impossible and its weight is shared out by renormalizing the others.
 * Negative or non-finite weights count as 0; all-zero weights fall back to 'diff'.
 */
export function chooseMutationMode(mix: MutationMix, random: () => number, hasSecondParent: boolean): 'diff' | 'rewrite' | 'crossover' {
  const weight = (w: number) => (Number.isFinite(w) && w > 0 ? w : 0);
  const options: ['diff' | 'rewrite' | 'crossover', number][] = [
    ['diff', weight(mix.diff)],
    ['rewrite', weight(mix.rewrite)],
    ['crossover', hasSecondParent ? weight(mix.crossover) : 0],
  ];
  const total = options.reduce((sum, [, w]) => sum + w, 0);
  if (total <= 0) return 'diff';
  let draw = random() * total;
  for (const [mode, w] of options) {
    if (draw < w) return mode;
    draw -= w;
  }
  // Floating-point leftovers land on the last mode with weight.
  return [...options].reverse().find(([, w]) => w > 0)?.[0] ?? 'diff';
}

const FENCE_LANGUAGE: Record<LanguageId, string> = {
  python: 'python',
  typescript: 'typescript',
  tsx: 'tsx',
  javascript: 'javascript',
  rust: 'rust',
  go: 'go',
  cpp: 'cpp',
};

const LANGUAGE_NAME: Record<LanguageId, string> = {
  python: 'Python',
  typescript: 'TypeScript',
  tsx: 'TypeScript (TSX)',
  javascript: 'JavaScript',
  rust: 'Rust',
  go: 'Go',
  cpp: 'C/C++',
};

const MAX_LINEAGE_NOTES = 5;
const MAX_NOTE_CHARS = 300;
/** Below this, a shrinking file context or feedback is dropped rather than kept as a stub. */
const MIN_USEFUL_CHARS = 200;

/** The parts of a prompt that may shrink to fit the limit. */
interface Budget {
  inspirations: number;
  fileContextChars: number;
  feedbackChars: number;
}

export function buildMutationPrompt(request: MutationRequest, limits: Partial<PromptLimits> = {}): MutationPrompt {
  const full: PromptLimits = { ...DEFAULT_PROMPT_LIMITS, ...limits };
  const mode = effectiveMode(request);
  const system = systemPrompt(request.language);
  const budget: Budget = {
    inspirations: Math.min(full.inspirations, request.inspirations.length),
    fileContextChars: full.fileContextChars,
    feedbackChars: full.feedbackChars,
  };
  const trimmed: string[] = [];
  const render = () => userPrompt(request, mode, full, budget);
  let rendered = render();
  const over = () => system.length + 2 + rendered.text.length - full.maxPromptChars;

  if (over() > 0 && budget.inspirations > 0) {
    while (over() > 0 && budget.inspirations > 0) {
      budget.inspirations--;
      rendered = render();
    }
    trimmed.push(budget.inspirations === 0 ? 'inspirations dropped' : `inspirations cut to ${budget.inspirations}`);
  }
  if (over() > 0 && rendered.fileContextLength > 0) {
    budget.fileContextChars = shrink(rendered.fileContextLength, over());
    rendered = render();
    while (over() > 0 && budget.fileContextChars > 0) {
      budget.fileContextChars = shrink(budget.fileContextChars, over());
      rendered = render();
    }
    trimmed.push(budget.fileContextChars === 0 ? 'file context dropped' : `file context cut to ${budget.fileContextChars} chars`);
  }
  if (over() > 0 && rendered.feedbackLength > 0) {
    budget.feedbackChars = shrink(rendered.feedbackLength, over());
    rendered = render();
    while (over() > 0 && budget.feedbackChars > 0) {
      budget.feedbackChars = shrink(budget.feedbackChars, over());
      rendered = render();
    }
    trimmed.push(budget.feedbackChars === 0 ? 'feedback dropped' : `feedback cut to ${budget.feedbackChars} chars`);
  }
  if (over() > 0) trimmed.push(`still ${over()} chars over the ${full.maxPromptChars}-char limit (the code itself is that long)`);
  return { system, user: rendered.text, mode, trimmed };
}

/** The size a part must shrink to, to remove `excess` characters; 0 when too little would be left. */
function shrink(current: number, excess: number): number {
  const next = current - excess - 16;
  return next < MIN_USEFUL_CHARS ? 0 : next;
}

/** Repair without a failed candidate, or crossover without a second parent, cannot be asked. */
function effectiveMode(request: MutationRequest): MutationMode {
  const mode = request.mode ?? 'diff';
  if (mode === 'repair' && request.failedCode === undefined) return 'diff';
  if (mode === 'crossover' && request.secondParent === undefined) return 'rewrite';
  return mode;
}

/** The code SEARCH blocks of a reply apply to: the failed candidate for a repair, else the parent. */
export function codeToEdit(request: MutationRequest): string {
  return effectiveMode(request) === 'repair' && request.failedCode !== undefined ? request.failedCode : request.parentCode;
}

function systemPrompt(language: LanguageId): string {
  return [
    `You are an expert ${LANGUAGE_NAME[language]} engineer taking part in an evolutionary search that improves one function.`,
    'Each version of the function is run by an evaluator that returns a score; higher score is better.',
    'Propose one focused change that you expect to raise the score while keeping the function correct.',
    "Keep the function's name and parameters compatible with its callers. Reply in the format you are given, nothing else is applied.",
  ].join('\n');
}

function userPrompt(
  request: MutationRequest,
  mode: MutationMode,
  limits: PromptLimits,
  budget: Budget,
): { text: string; fileContextLength: number; feedbackLength: number } {
  const lang = FENCE_LANGUAGE[request.language];
  const indent = firstLineIndentIn(request.fileText, request.parentCode);
  const asInFile = (code: string) => indent + code;
  const sections: string[] = [];
  sections.push(`Language: ${LANGUAGE_NAME[request.language]}\nFunction: \`${request.functionName}\``);
  sections.push(taskStatement(mode, request.functionName));

  if (mode === 'repair' && request.failedCode !== undefined) {
    sections.push(`${CURRENT_FUNCTION_HEADING}: the failed candidate to fix\n` + fenced(lang, asInFile(request.failedCode)));
  } else {
    const label = mode === 'crossover' ? ': parent A' : '';
    sections.push(
      `${CURRENT_FUNCTION_HEADING}${label} (score: ${formatScore(request.parentScore)}; higher is better)\n` +
        fenced(lang, asInFile(request.parentCode)),
    );
  }
  if (mode === 'crossover' && request.secondParent) {
    sections.push(
      `## Parent B (score: ${formatScore(request.secondParent.score)})\n` + fenced(lang, asInFile(request.secondParent.code)),
    );
  }

  let feedbackLength = 0;
  if (mode === 'repair') {
    const failure = (request.failure ?? '').trim();
    const shown = budget.feedbackChars > 0 && failure.length > 0 ? tail(failure, budget.feedbackChars) : '';
    feedbackLength = shown.length;
    sections.push('## Why it failed\n' + (shown.length > 0 ? fenced('', shown) : '(no error text was captured)'));
    if (request.parentCode !== request.failedCode) {
      sections.push(
        `## Its parent, the last working version (score: ${formatScore(request.parentScore)}), for reference\n` +
          fenced(lang, asInFile(request.parentCode)),
      );
    }
  } else {
    const feedback = request.parentFeedback.trim();
    const shown = budget.feedbackChars > 0 && feedback.length > 0 ? tail(feedback, budget.feedbackChars) : '';
    feedbackLength = shown.length;
    const heading = mode === 'crossover' ? '## Evaluator feedback on parent A' : '## Evaluator feedback on the current function';
    sections.push(heading + '\n' + (shown.length > 0 ? fenced('', shown) : '(none)'));
  }

  const notes = (request.lineageNotes ?? []).slice(-MAX_LINEAGE_NOTES).map((n) => n.trim()).filter((n) => n.length > 0);
  if (notes.length > 0) {
    sections.push('## Notes from earlier attempts on this line of versions\n' + notes.map((n) => `- ${head(n, MAX_NOTE_CHARS)}`).join('\n'));
  }

  const inspirations = request.inspirations.slice(0, budget.inspirations);
  if (inspirations.length > 0) {
    const shown = inspirations.map(
      (insp, i) =>
        `### Version ${i + 1} (score: ${formatScore(insp.score)})\n` +
        fenced(lang, asInFile(head(insp.code, limits.inspirationChars))),
    );
    sections.push('## Other versions of this function, for inspiration\n' + shown.join('\n\n'));
  }

  const context = fileContext(request.fileText, request.parentCode, request.functionName, budget.fileContextChars);
  if (context.length > 0) {
    sections.push(
      '## The file around the function (as it was when the search started; for context only)\n' + fenced(lang, context),
    );
  }

  sections.push(replyFormat(mode, request.functionName, lang));
  return { text: sections.join('\n\n'), fileContextLength: context.length, feedbackLength };
}

/** One line up front that says what this prompt asks for. */
function taskStatement(mode: MutationMode, functionName: string): string {
  switch (mode) {
    case 'diff':
      return `Task: make a targeted edit to \`${functionName}\` that raises its score, as SEARCH/REPLACE blocks.`;
    case 'rewrite':
      return `Task: rewrite \`${functionName}\` as a whole. A different algorithm or structure is welcome if it should score higher.`;
    case 'crossover':
      return (
        `Task: combine the strengths of two versions of \`${functionName}\` (parent A and parent B below) ` +
        'into one new version that should score higher than either.'
      );
    case 'repair':
      return (
        `Task: the candidate version of \`${functionName}\` below failed (it did not compile, crashed or failed its tests). ` +
        'Fix it so it works, keeping the improvement it was trying to make.'
      );
  }
}

function replyFormat(mode: MutationMode, functionName: string, lang: string): string {
  const blocks = [
    '<<<<<<< SEARCH',
    'exact lines from the code being edited',
    '=======',
    'replacement lines',
    '>>>>>>> REPLACE',
  ];
  switch (mode) {
    case 'diff':
      return [
        '## Reply format',
        `Change only \`${functionName}\`. Reply with one or more SEARCH/REPLACE blocks, each copying exact, whole lines`,
        'of the current function (indentation included) and giving their replacement:',
        '',
        ...blocks,
        '',
        'Keep each SEARCH part short but unique within the function; blocks are applied in order.',
        'A sentence of explanation before the blocks is fine.',
      ].join('\n');
    case 'repair':
      return [
        '## Reply format',
        'Reply with one or more SEARCH/REPLACE blocks against the failed candidate shown under',
        `"${CURRENT_FUNCTION_HEADING}" (not against its parent), copying exact, whole lines, indentation included:`,
        '',
        ...blocks,
        '',
        'Keep each SEARCH part short but unique; blocks are applied in order.',
        'A sentence saying what was wrong is fine before the blocks.',
      ].join('\n');
    case 'rewrite':
    case 'crossover':
      return [
        '## Reply format',
        `Reply with the complete new \`${functionName}\` in one \`\`\`${lang} code block: its signature line and`,
        'its whole body, nothing left out or elided. Do not use SEARCH/REPLACE blocks.',
        'A sentence of explanation before the code block is fine.',
      ].join('\n');
  }
}

function formatScore(score: number | null): string {
  return score === null ? 'none yet' : formatScorePrecise(score, true);
}

function fenced(lang: string, code: string): string {
  // A fence longer than any backtick run inside the code, so the code cannot close it.
  const longest = Math.max(2, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${code.replace(/\s+$/, '')}\n${fence}`;
}

function tail(text: string, max: number): string {
  return text.length <= max ? text : '...' + text.slice(text.length - max);
}

function head(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max) + '\n...';
}

/**
 * The indentation the function's first line has in the file: its code starts at the first
 * character of the function, so the prompt puts it back to show the lines as they are in the file.
 */
export function firstLineIndentIn(fileText: string, parentCode: string): string {
  const at = parentCode.length > 0 ? fileText.indexOf(parentCode) : -1;
  if (at >= 0) {
    const lineStart = fileText.lastIndexOf('\n', at - 1) + 1;
    const before = fileText.slice(lineStart, at);
    return /^[ \t]*$/.test(before) ? before : '';
  }
  const first = parentCode.split(/\r?\n/)[0].trim();
  if (first.length === 0) return '';
  for (const line of fileText.split(/\r?\n/)) {
    if (line.trim() === first) return /^[ \t]*/.exec(line)?.[0] ?? '';
  }
  return '';
}

/**
 * Up to `maxChars` of the file around the function, cut at line boundaries. When the parent is
 * still the file's own text, it is replaced by a marker: the prompt shows it above already.
 */
export function fileContext(fileText: string, parentCode: string, functionName: string, maxChars: number): string {
  if (fileText.trim().length === 0 || maxChars <= 0) return '';
  let text = fileText.replace(/\r\n/g, '\n');
  const parent = parentCode.replace(/\r\n/g, '\n');
  let anchor = parent.length > 0 ? text.indexOf(parent) : -1;
  if (anchor >= 0) {
    const marker = `<function \`${functionName}\`: the current version is shown above>`;
    text = text.slice(0, anchor) + marker + text.slice(anchor + parent.length);
  } else {
    const firstLine = parent.split('\n')[0].trim();
    anchor = firstLine.length > 0 ? text.indexOf(firstLine) : -1;
    if (anchor < 0) anchor = text.search(new RegExp(`\\b${escapeRegExp(functionName)}\\b`));
    if (anchor < 0) anchor = 0;
  }
  if (text.length <= maxChars) return text;

  // A window around the anchor: a third before it, the rest after, widened to whole lines.
  let start = Math.max(0, anchor - Math.floor(maxChars / 3));
  let end = Math.min(text.length, start + maxChars);
  start = Math.max(0, end - maxChars);
  if (start > 0) start = text.indexOf('\n', start) + 1 || start;
  if (end < text.length) end = Math.max(start, text.lastIndexOf('\n', end));
  const linesAbove = countLines(text.slice(0, start));
  const linesBelow = countLines(text.slice(end));
  const parts: string[] = [];
  if (linesAbove > 0) parts.push(`... (${linesAbove} lines above omitted)`);
  parts.push(text.slice(start, end).replace(/\n$/, ''));
  if (linesBelow > 0) parts.push(`... (${linesBelow} lines below omitted)`);
  return parts.join('\n');
}

function countLines(text: string): number {
  const trimmed = text.replace(/^\n+|\n+$/g, '');
  return trimmed.length === 0 ? 0 : trimmed.split('\n').length;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
