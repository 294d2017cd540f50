import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { OpenAICompatibleSource } from '../../src/core/llm/openaiCompatible';
import { findNumericLiterals } from '../../src/core/mutate/offline';
import { applyReply } from '../../src/core/mutate/parseReply';
import type { MutationRequest } from '../../src/core/types';
import { startLlmServer, type LlmServer } from '../fixtures/llmServer';
import { literalEditBlock, programIn, seededEditReply } from '../fixtures/peerStandIn';
import { seededRandom } from '../../src/core/util/random';

const PYTHON = 'def approx_exp(x):\n    """Approximate e**x."""\n    return 1.0 + 0.9 * x + 0.4 * x * x + 0.1 * x * x * x\n';
const FILE = `import math\n\n${PYTHON}`;

/** How many numeric literals differ between two versions (same count of literals required). */
function literalChanges(a: string, b: string): number {
  const x = findNumericLiterals(a, 'python').map((l) => l.value);
  const y = findNumericLiterals(b, 'python').map((l) => l.value);
  assert.equal(x.length, y.length, 'no literal added or removed');
  return x.filter((v, i) => v !== y[i]).length;
}

function request(seed: number): MutationRequest {
  return { language: 'python', functionName: 'approx_exp', parentCode: PYTHON, fileText: FILE, parentFeedback: '', parentScore: -0.3, inspirations: [], seed, mode: 'diff' };
}

describe('the bench:peer stand-in model', () => {
  let server: LlmServer;
  before(async () => {
    server = await startLlmServer({ reply: seededEditReply(7) });
  });
  after(async () => server.close());

  it("answers Genesis's prompt with one SEARCH/REPLACE block that changes exactly one literal", async () => {
    const source = new OpenAICompatibleSource({ baseURL: server.openaiBaseURL, model: 'stand-in' });
    const proposal = await source.propose(request(1), new AbortController().signal);
    assert.equal(proposal.error, undefined, proposal.error);
    assert.equal(proposal.kind, 'search-replace');
    assert.equal((proposal.reply?.match(/<<<<<<< SEARCH/g) ?? []).length, 1);
    assert.equal(literalChanges(PYTHON, proposal.code ?? ''), 1);
    assert.equal(proposal.code?.split('\n')[0], PYTHON.split('\n')[0], 'the signature is left alone');
  });

  it("answers OpenEvolve's prompt inside the EVOLVE-BLOCK, and the block applies to the program", async () => {
    const program = `import math\n\n# EVOLVE-BLOCK-START\n${PYTHON}# EVOLVE-BLOCK-END\n\nSCALE = 2.5\n`;
    const prompt = `# Current Program\n\`\`\`python\n${program}\`\`\`\n\n# Task\nSuggest improvements using SEARCH/REPLACE diffs.`;
    assert.equal(programIn(prompt)?.code, program.trimEnd());
    const client = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'stand-in', maxRetries: 0 });
    const reply = (await client.chat.completions.create({ model: 'stand-in', messages: [{ role: 'user', content: prompt }] })).choices[0].message.content ?? '';
    const applied = applyReply(program, reply, 'python');
    assert.ok(applied.ok, JSON.stringify(applied));
    assert.equal(literalChanges(program, applied.code), 1);
    assert.ok(applied.code.includes('SCALE = 2.5'), 'nothing outside the EVOLVE-BLOCK changes');
  });

  it('is seeded: the same seed and program give the same edits in order; asking again gives another edit', () => {
    const prompt = `## Current function\n\`\`\`python\n${PYTHON}\`\`\`\n`;
    const info = { api: 'openai' as const, model: 'stand-in', messages: [], system: '', prompt, stream: false, index: 0 };
    const a = seededEditReply(3);
    const b = seededEditReply(3);
    const first = [a(info), a(info), a(info)];
    assert.deepEqual([b(info), b(info), b(info)], first);
    assert.notEqual(first[0], first[1]);
    assert.notDeepEqual([seededEditReply(4)(info), seededEditReply(4)(info), seededEditReply(4)(info)], first);
  });

  it('finds nothing to edit in code without literals, and never targets a line that is not unique', () => {
    assert.equal(literalEditBlock('def f(x):\n    return x\n', 'python', seededRandom(1)), null);
    const twice = 'def f(x):\n    y = x * 2.0\n    y = x * 2.0\n    return y + 1.5\n';
    for (let seed = 0; seed < 20; seed++) {
      const edit = literalEditBlock(twice, 'python', seededRandom(seed));
      assert.ok(edit === null || edit.block.includes('return y + 1.5'), edit?.block);
    }
  });
});
