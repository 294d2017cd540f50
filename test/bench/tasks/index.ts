// The search benchmark's tasks (each folder also runs with the real CLI: see evaluators/benchmarks/README.md).
import type { BenchTaskDefinition } from '../lib/task';
import { binPacking } from './binPacking';
import { circlePacking } from './circlePacking';
import { tiledMatmul } from './tiledMatmul';

export const BENCH_TASKS: readonly BenchTaskDefinition[] = [circlePacking, binPacking, tiledMatmul];
export { binPacking, circlePacking, tiledMatmul };
