import type { Context } from 'node:vm';
import type { ContractScore } from '../contract';

export declare const CIRCLES: number;
export declare const TOLERANCE: number;
export declare const FUNCTION: string;
export declare function createSandbox(): Context;
export declare function packingProblem(circles: unknown): string | null;
export declare function scoreCandidate(fileText: string, sandbox?: Context, timeoutMs?: number): ContractScore;
