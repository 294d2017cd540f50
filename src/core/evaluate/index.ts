// The evaluator contract v1 and the local runner.
export { LocalEvaluator, type LocalEvaluatorOptions, type SandboxPreference } from './localEvaluator';
export { detectBubblewrap, bubblewrapArgv, type BubblewrapProbe, type BubblewrapOptions } from './bubblewrap';
export { runCommand, type RunCommandOptions, type ProcessOutcome } from './processRunner';
export { findResultInStdout, parseResultFile, parseJsonLenient, validateResult, type ContractVerdict } from './resultContract';
export { SandboxCopy, type BaseCopyStats, type EvaluationDir, type SandboxCopyOptions } from './sandboxCopy';
export { WorkSlotPool, WorkSlot, MAX_SLOT_ENTRIES } from './workSlots';
