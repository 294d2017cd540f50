// The search strategies by name, and the one a run uses unless told otherwise.
import { AdaptiveStrategy } from './adaptive';
import { BeamStrategy } from './beam';
import { BestOfNStrategy } from './bestOfN';
import { ElitistStrategy } from './elitist';
import { IslandsStrategy } from './islands';
import { MctsStrategy } from './mcts';
import { RandomSearchStrategy } from './randomSearch';
import type { SearchStrategy, StrategyOptions } from './strategy';

export const STRATEGY_NAMES = ['adaptive', 'elitist', 'best-of-n', 'beam', 'mcts', 'islands', 'random'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** No single fixed strategy is best on every task (npm run bench:search): the default picks as it goes. */
export const DEFAULT_STRATEGY: StrategyName = 'adaptive';
export const DEFAULT_STRATEGY_OPTIONS: Readonly<StrategyOptions> = {};

export function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

/**
 * A strategy by name. `restoredState` is what its `snapshot()` returned (after a JSON round
 * trip); with it, a resumed run continues the same search. Throws on an unknown name or a
 * state that does not fit the strategy.
 */
export function createStrategy(name: string, options?: StrategyOptions, restoredState?: unknown): SearchStrategy {
  if (!isStrategyName(name)) throw new Error(`unknown search strategy "${name}" (known: ${STRATEGY_NAMES.join(', ')})`);
  switch (name) {
    case 'adaptive':
      return new AdaptiveStrategy(options, restoredState);
    case 'elitist':
      return new ElitistStrategy(options, restoredState);
    case 'best-of-n':
      return new BestOfNStrategy(options, restoredState);
    case 'beam':
      return new BeamStrategy(options, restoredState);
    case 'mcts':
      return new MctsStrategy(options, restoredState);
    case 'islands':
      return new IslandsStrategy(options, restoredState);
    case 'random':
      return new RandomSearchStrategy(restoredState);
  }
}

export type { ChildPlan, SearchStrategy, SearchView, StrategyOptions } from './strategy';
