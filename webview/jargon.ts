// One-line explanations of the panel's terms, shown on hover (title) wherever the term appears.
// The counts' wording comes from the core module that defines the counts.
import { COUNT_DEFINITIONS } from '../src/core/runCounts';

export const JARGON = {
  prm: 'PRM (process reward model): scores a candidate from its diff before it is run, to pick which ones are worth evaluating. The evaluator alone decides the score.',
  prmScore: 'PRM score: the PRM’s estimate (0–1) that this change improves on its parent. It orders and filters candidates; it is not the score.',
  pulls: 'Pulls: how many candidates this model wrote that settled (scored, failed or duplicate). One model call is one pull of the bandit’s arm.',
  meanReward: 'Mean reward: the average improvement per pull of this model: how much its child beat the better of its parent and the baseline (0 when it did not).',
  ucb: 'UCB (upper confidence bound): the bandit picks the model with the best mean reward plus a bonus for models tried less often, minus a cost penalty.',
  bandit: 'Bandit: chooses which model writes the next candidate, from each model’s rewards and cost so far (UCB).',
  baseline: 'Baseline: the score of the original function, as the evaluator measured it at the start.',
  best: 'Best: the highest score among correct candidates.',
  gap: 'Gap closed: the gain as a share of the best gain this run found (best − baseline).',
  rankColour: 'Colours rank the scores of this run (red worst, green best) rather than scale them, so one extreme score does not wash out the others.',
  score: 'Score: what the evaluator reported; higher is better.',
  tokens: COUNT_DEFINITIONS.tokens,
  cost: COUNT_DEFINITIONS.costUsd,
  evaluations: COUNT_DEFINITIONS.evaluations,
  candidates: COUNT_DEFINITIONS.candidates,
  modelCalls: COUNT_DEFINITIONS.modelCalls,
  strategy: 'Strategy: how the search picks the parents of the next candidates (elitist, beam, MCTS, islands…).',
} as const;
