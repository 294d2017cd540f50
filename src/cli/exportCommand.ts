// `genesis runs export [RUN_ID...] --out FILE [--pairs FILE] [--runs-dir DIR]`: writes every
// evaluated mutation of the runs (all runs when none is named) as JSONL, and optionally the
// preference pairs for DPO-style training.
import { join, resolve } from 'node:path';
import type { NodeTypeSource } from '../core/prm/learnedPrm';
import { exportRunsToFiles } from '../core/store/exportRuns';
import { RunStore } from '../core/store/runStore';
import { parseArgs, single, UsageError } from './args';
import { printErr, printOut } from './output';

export interface ExportCommandArgs {
  /** Runs to export; empty: every run in `runsDir`. */
  runIds: string[];
  /** JSONL of evaluated mutations. */
  out: string;
  /** JSONL of preference pairs; not written when absent. */
  pairs?: string;
  runsDir: string;
  /** Adds tree-sitter node-type features when given (a TreeSitterService). */
  nodeTypes?: NodeTypeSource;
  /** Progress and result lines (default: stderr / stdout). */
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
}

/** Runs the export; returns the process exit code (0 ok, 1 failed). Throws UsageError on bad args. */
export async function exportRunsCommand(args: ExportCommandArgs): Promise<number> {
  const stdout = args.stdout ?? ((line: string) => printOut(line + '\n'));
  const stderr = args.stderr ?? ((line: string) => printErr(line + '\n'));
  if (!args.out) throw new UsageError('runs export needs --out FILE');
  const out = resolve(args.out);
  const pairs = args.pairs ? resolve(args.pairs) : undefined;
  if (pairs === out) throw new UsageError('--pairs must name a different file than --out');
  const store = new RunStore(resolve(args.runsDir));
  try {
    const stats = await exportRunsToFiles(store, args.runIds, out, pairs, args.nodeTypes ? { nodeTypes: args.nodeTypes } : {});
    for (const warning of stats.warnings) stderr(`genesis: warning: ${warning}`);
    for (const { runId, reason } of stats.skipped) stderr(`genesis: skipped run ${runId}: ${reason}`);
    if (stats.runs === 0 && stats.skipped.length > 0) {
      stderr(`genesis: export failed: no run could be read; ${out} was left as it was`);
      return 1;
    }
    if (stats.runs === 0) stderr(`genesis: no runs in ${store.runsDir}`);
    stdout(`exported ${stats.mutations} evaluated mutations from ${stats.runs} run${stats.runs === 1 ? '' : 's'} to ${out}`);
    if (pairs) stdout(`wrote ${stats.pairs} preference pairs to ${pairs}`);
    return 0;
  } catch (error) {
    stderr(`genesis: export failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/** Parses `[RUN_ID...] --out FILE [--pairs FILE] [--runs-dir DIR]` (after `runs export`) and runs it. */
export function exportRunsCli(argv: string[], cwd: string = process.cwd(), nodeTypes?: NodeTypeSource): Promise<number> {
  const parsed = parseArgs(argv, ['out', 'pairs', 'runs-dir'], []);
  const out = single(parsed, 'out');
  if (!out) throw new UsageError('runs export needs --out FILE (JSONL of evaluated mutations)');
  const pairs = single(parsed, 'pairs');
  return exportRunsCommand({
    runIds: parsed.positional,
    out: resolve(cwd, out),
    ...(pairs ? { pairs: resolve(cwd, pairs) } : {}),
    runsDir: resolve(cwd, single(parsed, 'runs-dir') ?? join('.genesis', 'runs')),
    ...(nodeTypes ? { nodeTypes } : {}),
  });
}
