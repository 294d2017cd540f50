import type { Context } from 'node:vm';
import type { ContractScore } from '../contract';

export declare const FUNCTION: string;
export declare const CAPACITY: number;
export declare const INSTANCES: number;
export declare const ITEMS: number;
export declare const SEED: number;
export declare function makeInstances(seed?: number, instances?: number, items?: number, capacity?: number): number[][];
export declare function lowerBound(items: readonly number[], capacity?: number): number;
export declare function createSandbox(): Context;
export declare function scoreCandidate(fileText: string, sandbox?: Context, timeoutMs?: number): ContractScore;
