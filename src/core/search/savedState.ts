// Reading a strategy's saved state back (snapshot → JSON → restore). A state that does not
// fit is an error, never a silent fresh start: a resumed run must continue the same search.

export type SavedState = Record<string, unknown>;

export function savedRecord(state: unknown, strategy: string): SavedState | null {
  if (state === undefined || state === null) return null;
  if (typeof state !== 'object' || Array.isArray(state)) throw restoreError(strategy, 'it is not an object');
  const record = state as SavedState;
  if (record.strategy !== undefined && record.strategy !== strategy) {
    throw restoreError(strategy, `it was saved by the ${String(record.strategy)} strategy`);
  }
  return record;
}

/** The random stream's state: a 32-bit number, or null when the strategy had not drawn yet. */
export function savedRandomState(record: SavedState | null, strategy: string): number | null {
  const value = record?.random;
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw restoreError(strategy, 'its random state is not a whole number');
  return value;
}

export function savedNumber(record: SavedState | null, key: string, strategy: string, fallback: number): number {
  const value = record?.[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw restoreError(strategy, `"${key}" is not a number`);
  return value;
}

export function restoreError(strategy: string, why: string): Error {
  return new Error(`cannot restore the ${strategy} search state: ${why}`);
}
