// The mutation prompt: everything a model needs to propose one better child of a function,
// and the exact reply format parseReply.ts understands.
import type { LanguageId, MutationRequest } from '../types';

export interface MutationPrompt {
  system: string;
  user: string;
}

export interface PromptLimits {
  /** Characters of file context around the function. */
  fileContextChars: number;
  /** Characters of evaluator feedback (its tail is kept: errors come last). */
  feedbackChars: number;
  inspirations: number;
  inspirationChars: number;
}

export const DEFAULT_PROMPT_LIMITS: PromptLimits = {
  fileContextChars: 6000,
  feedbackChars: 2000,
  inspirations: 3,
  inspirationChars: 3000,
};

/** Heading of the parent's code block; the test LLM fixture looks for it too. */
export const CURRENT_FUNCTION_HEADING = '## Current function';

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

export function buildMutationPrompt(request: MutationRequest, limits: PromptLimits = DEFAULT_PROMPT_LIMITS): MutationPrompt {
  const lang = FENCE_LANGUAGE[request.language];
  const languageName = LANGUAGE_NAME[request.language];
  const indent = firstLineIndentIn(request.fileText, request.parentCode);
  const asInFile = (code: string) => indent + code;

  const system = [
    `You are an expert ${languageName} engineer taking part in an evolutionary search that improves one function.`,
    'Each version of the function is run by an evaluator that returns a score; higher score is better.',
    'Propose one focused change that you expect to raise the score while keeping the function correct.',
    "Keep the function's name and parameters compatible with its callers. Reply in the format you are given, nothing else is applied.",
  ].join('\n');

  const sections: string[] = [];
  sections.push(`Language: ${languageName}\nFunction: \`${request.functionName}\``);

  sections.push(
    `${CURRENT_FUNCTION_HEADING} (score: ${formatScore(request.parentScore)}; higher is better)\n` +
      fenced(lang, asInFile(request.parentCode)),
  );

  const feedback = request.parentFeedback.trim();
  sections.push(
    '## Evaluator feedback on the current function\n' +
      (feedback.length > 0 ? fenced('', tail(feedback, limits.feedbackChars)) : '(none)'),
  );

  const inspirations = request.inspirations.slice(0, limits.inspirations);
  if (inspirations.length > 0) {
    const shown = inspirations.map(
      (insp, i) =>
        `### Version ${i + 1} (score: ${formatScore(insp.score)})\n` +
        fenced(lang, asInFile(head(insp.code, limits.inspirationChars))),
    );
    sections.push('## Other versions of this function, for inspiration\n' + shown.join('\n\n'));
  }

  const context = fileContext(request.fileText, request.parentCode, request.functionName, limits.fileContextChars);
  if (context.length > 0) {
    sections.push(
      '## The file around the function (as it was when the search started; for context only)\n' + fenced(lang, context),
    );
  }

  sections.push(replyFormat(request.functionName, lang));
  return { system, user: sections.join('\n\n') };
}

function replyFormat(functionName: string, lang: string): string {
  return [
    '## Reply format',
    `Change only \`${functionName}\`. Reply with one or more SEARCH/REPLACE blocks, each copying exact, whole lines`,
    'of the current function (indentation included) and giving their replacement:',
    '',
    '<<<<<<< SEARCH',
    'exact lines from the current function',
    '=======',
    'replacement lines',
    '>>>>>>> REPLACE',
    '',
    'Keep each SEARCH part short but unique within the function; blocks are applied in order.',
    `For a larger rewrite, reply instead with the whole new function in one \`\`\`${lang} code block.`,
    'A sentence of explanation before the blocks is fine.',
  ].join('\n');
}

function formatScore(score: number | null): string {
  if (score === null) return 'none yet';
  return Number.isInteger(score) ? String(score) : String(Number(score.toPrecision(6)));
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
