import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSourceFile, firstInvalidUtf8 } from '../../src/core/lang/sourceEncoding';

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('decodeSourceFile', () => {
  it('decodes UTF-8, keeping a byte order mark so the bytes round-trip', () => {
    const withBom = bytes([0xef, 0xbb, 0xbf], 'def f():\n    return "é"\n');
    const decoded = decodeSourceFile(withBom, 'a.py');
    assert.ok(decoded.ok);
    assert.deepEqual(Buffer.from(decoded.text, 'utf8'), withBom);
  });

  it('refuses Latin-1 bytes, naming the byte, its line and column, and how to convert', () => {
    const decoded = decodeSourceFile(bytes('x = 1\n# caf', [0xe9], '\n'), 'src/a.py');
    assert.ok(!decoded.ok);
    assert.match(decoded.error, /^src\/a\.py is not valid UTF-8 \(byte 0xE9 at line 2, column 6; Latin-1 or Windows-1252\?\)/);
    assert.match(decoded.error, /U\+FFFD/);
    assert.match(decoded.error, /iconv -f latin1 -t utf-8/);
  });

  it('refuses UTF-16 by its byte order mark', () => {
    const decoded = decodeSourceFile(bytes([0xff, 0xfe], 'd\0e\0f\0'), 'w.py');
    assert.ok(!decoded.ok);
    assert.match(decoded.error, /w\.py is UTF-16/);
  });

  it('finds the first invalid byte exactly where a strict decoder fails', () => {
    const cases: [number[], number][] = [
      [[0x61, 0xc3, 0xa9, 0x62], 4], // é: valid
      [[0x61, 0xc0, 0xaf], 1], // overlong
      [[0xed, 0xa0, 0x80], 0], // a UTF-16 surrogate
      [[0x61, 0xe2, 0x82], 1], // cut sequence
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0x80], 0], // lone continuation byte
    ];
    for (const [input, expected] of cases) assert.equal(firstInvalidUtf8(Uint8Array.from(input)), expected, JSON.stringify(input));
    // Random byte strings: valid exactly when the strict decoder accepts them.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let n = 0; n < 2000; n++) {
      const sample = Uint8Array.from({ length: 1 + Math.floor(random() * 6) }, () => (random() < 0.5 ? 0x80 + Math.floor(random() * 0x80) : Math.floor(random() * 0x100)));
      let strictOk = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(sample);
      } catch {
        strictOk = false;
      }
      assert.equal(firstInvalidUtf8(sample) === sample.length, strictOk, Buffer.from(sample).toString('hex'));
    }
  });
});
