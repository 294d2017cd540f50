// A module that the harness's esbuild plugin generates at bundle time from
// test/integration/suites/*.test.ts (a bundle cannot glob at run time).
declare module 'virtual:genesis-integration-suites' {
  /** Suite files in the bundle, relative to the repository root. */
  export const suiteFiles: readonly string[];
  /** Evaluates the suite modules; call only once mocha's globals (describe, it, ...) are set. */
  export function loadSuites(): void;
}
