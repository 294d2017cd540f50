import type { ContractScore } from '../contract';

export declare const HARNESS: string;
export declare const CXX: string;
export declare const FLAGS: string[];
export declare function harnessFingerprint(): string;
export declare function prepareHarness(buildDir: string): Promise<string>;
export declare function evaluateCandidate(candidateText: string, buildDir: string, options?: { timeoutMs?: number; label?: string }): Promise<ContractScore>;
