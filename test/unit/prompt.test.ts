// The mutation prompt per mode, its size limit (what is cut first), and the mode draw.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildMutationPrompt, chooseMutationMode, codeToEdit, DEFAULT_MUTATION_MIX } from '../../src/core/mutate/prompt';
import type { MutationRequest } from '../../src/core/types';
import { seededRandom } from '../../src/core/util/random';

const PARENT = 'def score(self, x):\n        y = x * 0.5\n        return y + 3';
const BASE: MutationRequest = {
  language: 'python',
  functionName: 'score',
  parentCode: PARENT,
  fileText: `import math\n\nclass Model:\n    ${PARENT}\n\n    def other(self):\n        return 1\n`,
  parentFeedback: 'score 1.5; test_small passed',
  parentScore: 1.5,
  inspirations: [{ code: PARENT.replace('0.5', '0.7'), score: 1.9 }],
  seed: 3,
};

describe('buildMutationPrompt: one clear instruction per mode', () => {
  it('diff asks for SEARCH/REPLACE blocks against the current function only', () => {
    const p = buildMutationPrompt(BASE);
    assert.equal(p.mode, 'diff');
    assert.match(p.user, /Task: make a targeted edit to `score`/);
    assert.match(p.user, /Reply with one or more SEARCH\/REPLACE blocks/);
    assert.doesNotMatch(p.user, /Do not use SEARCH\/REPLACE/);
    assert.deepEqual(p.trimmed, []);
  });

  it('rewrite asks for the whole function in one fenced block, no SEARCH/REPLACE', () => {
    const p = buildMutationPrompt({ ...BASE, mode: 'rewrite' });
    assert.equal(p.mode, 'rewrite');
    assert.match(p.user, /Task: rewrite `score` as a whole/);
    assert.match(p.user, /Reply with the complete new `score` in one ```python code block/);
    assert.match(p.user, /Do not use SEARCH\/REPLACE blocks/);
    assert.doesNotMatch(p.user, /<<<<<<< SEARCH/);
  });

  it('crossover shows both parents with their scores and asks to combine them', () => {
    const second = { code: PARENT.replace('+ 3', '+ 4'), score: 1.25 };
    const p = buildMutationPrompt({ ...BASE, mode: 'crossover', secondParent: second });
    assert.equal(p.mode, 'crossover');
    assert.match(p.user, /Task: combine the strengths of two versions of `score` \(parent A and parent B below\)/);
    assert.match(p.user, /## Current function: parent A \(score: 1\.5; higher is better\)/);
    assert.match(p.user, /## Parent B \(score: 1\.25\)\n```python\n    def score\(self, x\):\n        y = x \* 0\.5\n        return y \+ 4\n```/);
    assert.match(p.user, /Reply with the complete new `score` in one ```python code block/);
  });

  it('crossover without a second parent falls back to a rewrite', () => {
    assert.equal(buildMutationPrompt({ ...BASE, mode: 'crossover' }).mode, 'rewrite');
  });

  it('repair shows the failed candidate, its error and its parent, and asks for blocks against the candidate', () => {
    const failed = PARENT.replace('+ 3', '+ nope');
    const request: MutationRequest = { ...BASE, mode: 'repair', failedCode: failed, failure: "Traceback ...\nNameError: name 'nope' is not defined" };
    const p = buildMutationPrompt(request);
    assert.equal(p.mode, 'repair');
    assert.match(p.user, /Task: the candidate version of `score` below failed/);
    assert.match(p.user, /## Current function: the failed candidate to fix\n```python\n    def score\(self, x\):\n        y = x \* 0\.5\n        return y \+ nope/);
    assert.match(p.user, /## Why it failed\n```\nTraceback \.\.\.\nNameError: name 'nope' is not defined\n```/);
    assert.match(p.user, /## Its parent, the last working version \(score: 1\.5\), for reference/);
    assert.match(p.user, /SEARCH\/REPLACE blocks against the failed candidate/);
    assert.doesNotMatch(p.user, /test_small passed/, "the parent's feedback is not the failure");
    assert.equal(codeToEdit(request), failed);
    assert.equal(codeToEdit({ ...request, mode: 'diff' }), PARENT);
    // Without the failed code there is nothing to repair.
    assert.equal(buildMutationPrompt({ ...BASE, mode: 'repair' }).mode, 'diff');
  });

  it('lineage notes appear, the last five, each shortened', () => {
    const notes = Array.from({ length: 7 }, (_, i) => `note ${i} ${'z'.repeat(i === 6 ? 400 : 3)}`);
    const p = buildMutationPrompt({ ...BASE, lineageNotes: notes });
    assert.match(p.user, /## Notes from earlier attempts on this line of versions\n- note 2 zzz\n/);
    assert.doesNotMatch(p.user, /note 1 /);
    assert.match(p.user, /- note 6 z+\n\.\.\./);
  });
});

describe('buildMutationPrompt: maxPromptChars', () => {
  const filler = (label: string, n: number) => Array.from({ length: n }, (_, i) => `# ${label} line ${i}`).join('\n');
  const big: MutationRequest = {
    ...BASE,
    fileText: `${filler('file', 300)}\nclass Model:\n    ${PARENT}\n${filler('after', 300)}\n`,
    parentFeedback: filler('feedback', 150),
    inspirations: [1, 2, 3].map((i) => ({ code: `${PARENT}\n${filler(`insp${i}`, 60)}`, score: i })),
  };
  const size = (p: { system: string; user: string }) => p.system.length + 2 + p.user.length;
  const unlimited = buildMutationPrompt(big, { maxPromptChars: 1e9 });

  it('keeps everything under a generous limit', () => {
    assert.deepEqual(unlimited.trimmed, []);
    assert.match(unlimited.user, /### Version 3/);
  });

  it('drops inspirations first, one at a time from the last', () => {
    const oneInspirationLess = size(unlimited) - 500;
    const p = buildMutationPrompt(big, { maxPromptChars: oneInspirationLess });
    assert.deepEqual(p.trimmed, ['inspirations cut to 2']);
    assert.match(p.user, /### Version 2/);
    assert.doesNotMatch(p.user, /### Version 3/);
    assert.ok(size(p) <= oneInspirationLess);
    assert.match(p.user, /# file line 299/, 'file context untouched');
  });

  it('then cuts the file context, then the feedback, never the current function', () => {
    const noInspirations = buildMutationPrompt({ ...big, inspirations: [] }, { maxPromptChars: 1e9 });
    const limit = size(noInspirations) - 3000;
    const p = buildMutationPrompt(big, { maxPromptChars: limit });
    assert.deepEqual(p.trimmed, ['inspirations dropped', `file context cut to ${/file context cut to (\d+)/.exec(p.trimmed.join())?.[1]} chars`]);
    assert.ok(size(p) <= limit);
    assert.match(p.user, /# feedback line 149/, 'feedback untouched while the file context could give');

    const tight = buildMutationPrompt(big, { maxPromptChars: size(noInspirations) - 6000 - 1500 });
    assert.deepEqual(tight.trimmed, ['inspirations dropped', 'file context dropped', `feedback cut to ${/feedback cut to (\d+)/.exec(tight.trimmed.join())?.[1]} chars`]);
    assert.doesNotMatch(tight.user, /## The file around the function/);
    assert.match(tight.user, /# feedback line 149/, 'the tail of the feedback (where errors are) is kept');
    assert.doesNotMatch(tight.user, /# feedback line 0\n/);
    assert.ok(tight.user.includes(`    ${PARENT}`), 'the current function is whole');
  });

  it('says so when even the bare prompt is over the limit', () => {
    const p = buildMutationPrompt(big, { maxPromptChars: 500 });
    assert.deepEqual(p.trimmed.slice(0, 3), ['inspirations dropped', 'file context dropped', 'feedback dropped']);
    assert.match(p.trimmed[3], /^still \d+ chars over the 500-char limit/);
    assert.ok(p.user.includes(`    ${PARENT}`));
  });
});

describe('chooseMutationMode', () => {
  it('follows the mix (default 0.6 / 0.3 / 0.1) and is deterministic for a seed', () => {
    const draw = (seed: number, second: boolean) => {
      const random = seededRandom(seed);
      const counts = { diff: 0, rewrite: 0, crossover: 0 };
      for (let i = 0; i < 10_000; i++) counts[chooseMutationMode(DEFAULT_MUTATION_MIX, random, second)]++;
      return counts;
    };
    const counts = draw(11, true);
    assert.deepEqual(counts, draw(11, true));
    assert.ok(Math.abs(counts.diff / 10_000 - 0.6) < 0.02, JSON.stringify(counts));
    assert.ok(Math.abs(counts.rewrite / 10_000 - 0.3) < 0.02, JSON.stringify(counts));
    assert.ok(Math.abs(counts.crossover / 10_000 - 0.1) < 0.02, JSON.stringify(counts));
    // No second parent: no crossover; diff and rewrite keep their 2:1 ratio.
    const alone = draw(11, false);
    assert.equal(alone.crossover, 0);
    assert.ok(Math.abs(alone.diff / 10_000 - 2 / 3) < 0.02, JSON.stringify(alone));
  });

  it('handles edge mixes', () => {
    const r = () => 0.999999;
    assert.equal(chooseMutationMode({ diff: 0, rewrite: 0, crossover: 0 }, r, true), 'diff');
    assert.equal(chooseMutationMode({ diff: 0, rewrite: 0, crossover: 1 }, r, false), 'diff');
    assert.equal(chooseMutationMode({ diff: 1, rewrite: -5, crossover: Number.NaN }, r, true), 'diff');
    assert.equal(chooseMutationMode({ diff: 0, rewrite: 2, crossover: 0 }, () => 0, true), 'rewrite');
    assert.equal(chooseMutationMode({ diff: 1, rewrite: 1, crossover: 1 }, r, true), 'crossover');
  });
});
