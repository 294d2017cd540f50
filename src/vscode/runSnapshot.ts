// One view of a run, whether it is live in this window or stored on disk.
import type { CandidateNode, RunConfig, RunSummary } from '../core/types';

export interface RunSnapshot {
  summary: RunSummary;
  config: RunConfig;
  /** Root first. */
  nodes: readonly CandidateNode[];
  /** True while the run is live in this window and still working. */
  running: boolean;
  /** 0-based line where the function started, when this window started the run. */
  functionLineHint?: number;
}

const ROOT_NODE_ID = '0';

export function rootOf(snapshot: RunSnapshot): CandidateNode | undefined {
  return snapshot.nodes.find((n) => n.parentId === null) ?? snapshot.nodes.find((n) => n.id === ROOT_NODE_ID);
}
