// Untrusted text (evaluator output, feedback, model replies, anything read from a run folder)
// printed to a terminal must not drive it: an OSC 0 retitles the window, an OSC 52 writes the
// clipboard, CSI sequences recolour, move the cursor or clear the screen, a lone CR overwrites
// the line. terminalSafe() removes escape sequences whole and shows every other control
// character as a visible \xNN, keeping plain text, tabs and newlines.

/**
 * Escape sequences, whole: CSI (ESC [ or 8-bit 0x9B) with parameters, intermediates and final
 * byte; OSC, DCS, SOS, PM and APC strings (ESC ] P X ^ _ or their 8-bit forms) up to BEL or ST
 * (ESC \ or 0x9C); any other ESC sequence (intermediates, then a final byte). An unterminated
 * string loses its introducer only: what follows is shown as plain text.
 */
const ESCAPE_SEQUENCE =
  /(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)|\x1b[\x20-\x2f]*[\x30-\x7e]?/g;

/** Controls left after the sequences: C0 but tab and newline, DEL, C1, and bidi overrides (reordered text). */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
}

/** The text with terminal escape sequences removed and other control characters made visible. */
export function terminalSafe(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(ESCAPE_SEQUENCE, '').replace(CONTROL, visible);
}

/**
 * JSON for a terminal: JSON.stringify already escapes C0 controls; DEL, C1 and bidi overrides
 * pass through it raw, so they are written as \u escapes too. The result parses to the same value.
 */
export function terminalSafeJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(/[\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
