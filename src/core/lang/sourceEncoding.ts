// Genesis edits source files as UTF-8 text. A file in another encoding (Latin-1 bytes, UTF-16)
// would be decoded with U+FFFD in place of its bytes, and every candidate, and Accept, would write
// those replacement characters back outside the function: such a file is refused, by name.

export type DecodedSource = { ok: true; text: string } | { ok: false; error: string };

/**
 * The text of a source file's bytes, or why it cannot be evolved. A UTF-8 byte order mark is kept
 * in the text (written back, the bytes stay the same).
 */
export function decodeSourceFile(bytes: Uint8Array, label: string): DecodedSource {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { ok: false, error: `${label} is UTF-16 (it starts with a UTF-16 byte order mark); ${ADVICE}` };
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    const { line, column } = positionOf(bytes, at);
    const shown = `0x${(bytes[at] ?? 0).toString(16).toUpperCase().padStart(2, '0')}`;
    return {
      ok: false,
      error:
        `${label} is not valid UTF-8 (byte ${shown} at line ${line}, column ${column}; Latin-1 or Windows-1252?); ` +
        `its bytes would be replaced by U+FFFD outside the function in every candidate and on Accept. ${ADVICE}`,
    };
  }
}

const ADVICE = 'Genesis edits UTF-8 files only: convert the file first (e.g. `iconv -f latin1 -t utf-8`, or "Save with Encoding" › UTF-8 in VS Code).';

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let length: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      length = 2;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + length > bytes.length) return i;
    let code = b & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += length;
  }
  return bytes.length;
}

/** 1-based line and byte column of `offset`. */
function positionOf(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
