// Untrusted text printed to a terminal: every C0/C1 control and every OSC/CSI/DCS-style sequence
// must come out inert, plain text, tabs and newlines untouched.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { terminalSafe, terminalSafeJson } from '../../src/core/util/terminalText';

/** Nothing a terminal would act on: no ESC, no C0 but tab/newline, no DEL, no C1, no bidi override. */
function inert(text: string): boolean {
  return !/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(text);
}

describe('terminalSafe', () => {
  it('keeps plain text, unicode, tabs and newlines as they are', () => {
    const text = 'score 1.5\tok — naïve 数字 ✓\nline two\n\n  indented';
    assert.equal(terminalSafe(text), text);
    assert.equal(terminalSafe('a\r\nb'), 'a\nb', 'CRLF is a newline');
  });

  it('makes every C0 and C1 control and DEL inert and visible', () => {
    for (let code = 0; code <= 0x9f; code++) {
      if (code >= 0x20 && code < 0x7f) continue;
      const char = String.fromCharCode(code);
      // A newline after it: not a final byte, so ESC and CSI introducers cannot swallow the text.
      const out = terminalSafe(`a${char}\nb`);
      if (char === '\t' || char === '\n') {
        assert.equal(out, `a${char}\nb`);
        continue;
      }
      assert.ok(inert(out), `U+${code.toString(16).padStart(4, '0')} left raw: ${JSON.stringify(out)}`);
      assert.ok(out.startsWith('a') && out.endsWith('\nb'), `text around U+${code.toString(16)} kept: ${JSON.stringify(out)}`);
    }
    assert.equal(terminalSafe('bell\x07 cr\rover'), 'bell\\x07 cr\\x0dover');
    assert.equal(terminalSafe('nul\x00 c1\x85'), 'nul\\x00 c1\\x85');
  });

  it('removes OSC sequences whole: title (OSC 0/2), clipboard (OSC 52), hyperlinks (OSC 8), with BEL, ST or 8-bit ST', () => {
    const cases: [string, string][] = [
      ['\x1b]0;pwned title\x07after', 'after'],
      ['\x1b]2;title\x1b\\after', 'after'],
      ['\x1b]52;c;cm0gLXJmIH4K\x07after', 'after'],
      ['\x1b]52;c;cm0gLXJmIH4K\x1b\\after', 'after'],
      ['\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\', 'click'],
      ['\x9d0;title\x9cafter', 'after'],
      ['\x9d52;c;Zm9v\x07after', 'after'],
    ];
    for (const [input, expected] of cases) assert.equal(terminalSafe(input), expected, JSON.stringify(input));
  });

  it('removes CSI sequences: colours, cursor moves, screen clears, 8-bit CSI, private modes', () => {
    const cases: [string, string][] = [
      ['\x1b[31mred\x1b[0m', 'red'],
      ['\x1b[1;38;2;255;0;0mtrue colour\x1b[m', 'true colour'],
      ['\x1b[2J\x1b[Hcleared', 'cleared'],
      ['\x1b[3Aup', 'up'],
      ['\x1b[?1049hsaved\x1b[?1049l', 'saved'],
      ['\x1b[?25lhidden cursor', 'hidden cursor'],
      ['\x9b31mred8\x9b0m', 'red8'],
      ['\x1b[6n', ''],
      ['\x1b[>c', ''],
      ['\x1b[ q', ''],
    ];
    for (const [input, expected] of cases) assert.equal(terminalSafe(input), expected, JSON.stringify(input));
  });

  it('removes DCS, SOS, PM, APC strings and two-byte ESC sequences', () => {
    const cases: [string, string][] = [
      ['\x1bP1$r0m\x1b\\x', 'x'],
      ['\x90q#0;2;0;0;0\x9cx', 'x'],
      ['\x1bXsos\x1b\\x', 'x'],
      ['\x1b^pm\x1b\\x', 'x'],
      ['\x1b_apc\x07x', 'x'],
      ['\x1bcreset', 'reset'],
      ['\x1b7saved\x1b8', 'saved'],
      ['\x1b(0graphics', 'graphics'],
      ['\x1b', ''],
    ];
    for (const [input, expected] of cases) assert.equal(terminalSafe(input), expected, JSON.stringify(input));
  });

  it('leaves nothing active in an unterminated or truncated sequence (a tail cut at 8 KiB)', () => {
    for (const input of ['\x1b]0;title never ends', '\x1b]52;c;', '\x1b[31', '\x1b[', '\x9d0;x', '\x1bP', '\x9b']) {
      assert.ok(inert(terminalSafe(`a${input}`)), JSON.stringify(input));
    }
    assert.equal(terminalSafe('\x1b]0;title never ends'), '0;title never ends', 'the text is kept, the introducer dropped');
  });

  it('shows bidi overrides instead of letting them reorder a line', () => {
    assert.equal(terminalSafe('a\u202eb\u2066c'), 'a\\u202eb\\u2066c');
  });

  it('every sequence mixed in a realistic evaluator stderr tail comes out inert', () => {
    const hostile = 'Traceback (most recent call last):\n\x1b]0;owned\x07  File "x.py", line 3\n\x1b]52;c;ZWNobyBoaQ==\x07\x1b[31mError\x1b[0m\r\n\x9b2J\x1bPq\x1b\\\tdone\x00\x7f';
    const out = terminalSafe(hostile);
    assert.ok(inert(out), JSON.stringify(out));
    assert.match(out, /Traceback \(most recent call last\):\n {2}File "x\.py", line 3\nError\n\tdone/);
  });
});

describe('terminalSafeJson', () => {
  it('escapes what JSON.stringify leaves raw, and parses back to the same value', () => {
    const value = { reason: 'c1 \x9b31m and \x9d0;t\x9c, del \x7f, bidi \u202e, esc \x1b[31m', n: 1 };
    const json = terminalSafeJson(value, 2);
    assert.ok(inert(json), json);
    assert.deepEqual(JSON.parse(json), value);
  });
});
