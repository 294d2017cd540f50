import { createHash } from 'node:crypto';

/** Whitespace-insensitive fingerprint of code, used to skip candidates seen before. */
export function normalizedCodeHash(code: string): string {
  const normalized = code.replace(/\r\n/g, '\n').replace(/[ \t]+/g, ' ').replace(/\s*\n\s*/g, '\n').trim();
  return createHash('sha1').update(normalized).digest('hex');
}
