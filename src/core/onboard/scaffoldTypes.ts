// What every language's scaffold is generated from.
import type { InferredCall } from './harnessInputs';
import type { TestCase } from './testSelection';

export interface ScaffoldInput {
  /** Workspace-relative path of the function's file, `/`-separated. */
  sourceFile: string;
  functionName: string;
  /** The function's own text (signatures for C++ declarations). */
  functionText: string;
  tests: TestCase[];
  timedCall?: InferredCall;
  otherCalls: InferredCall[];
  /** e.g. "pytest", "node:test". */
  runnerLabel: string;
  /** Workspace-relative folder of the generated files, `/`-separated. */
  evaluatorDir: string;
}

export interface GeneratedFile {
  /** Workspace-relative, `/`-separated. */
  path: string;
  content: string;
}
