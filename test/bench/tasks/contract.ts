// What a benchmark task's scoring code returns: the contract-v1 result JSON, before the
// engine's runner adds process fields. Shared by the tasks' score.js/build.js typings.
export interface ContractScore {
  score: number | null;
  correct: boolean;
  metrics: Record<string, number>;
  feedback: string;
}
