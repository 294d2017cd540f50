// Island model: several populations evolve apart and exchange their best now and then.
//   - each round, every island mutates one parent sampled from its own population, by
//     power-law rank (weight (rank+1)^-α) or by performance and novelty (sigmoid of the
//     standardised score × 1/(1 + children already made from it));
//   - every G rounds (generations), each island sends its best `migrants` to the next (a ring);
//   - a population keeps its best `populationSize` members, so an island's elite never leaves;
//   - novelty rejection: a child that is a near-duplicate of a member of its island (or of a
//     child accepted this round) is not evaluated.
// The original candidate starts every island.
import type { CandidateNode } from '../types';
import type { CodeSignature, NoveltyThresholds } from './novelty';
import { codeSignature, nearDuplicateReason } from './novelty';
import { restoreError, savedNumber, savedRandomState, savedRecord } from './savedState';
import type { ChildPlan, SearchStrategy, SearchView, StrategyOptions } from './strategy';
import { byPrmDescending, choiceOption, integerOption, numberOption } from './strategy';
import { formatWhyScore } from '../util/format';
import { StrategyRandom } from './strategyRandom';

type Sampling = 'power-law' | 'weighted';

/** A population member: node id and score, best first. */
type Member = [id: string, score: number];

export class IslandsStrategy implements SearchStrategy {
  readonly name = 'islands';
  readonly islandCount: number;
  readonly populationSize: number;
  readonly migrationInterval: number;
  readonly migrants: number;
  readonly sampling: Sampling;
  readonly powerLawExponent: number;
  readonly novelty: NoveltyThresholds;
  private populations: Member[][];
  private generation: number;
  private readonly random: StrategyRandom;
  /** Signatures of nodes compared so far (recomputable, so not persisted). */
  private readonly signatures = new Map<string, CodeSignature>();

  constructor(options?: StrategyOptions, restored?: unknown) {
    this.islandCount = integerOption(options, 'islands', 2);
    this.populationSize = integerOption(options, 'populationSize', 20);
    this.migrationInterval = integerOption(options, 'migrationInterval', 10);
    this.migrants = integerOption(options, 'migrants', 1);
    this.sampling = choiceOption(options, 'sampling', ['power-law', 'weighted'] as const, 'power-law');
    this.powerLawExponent = numberOption(options, 'alpha', 3);
    this.novelty = {
      minLiteralChange: numberOption(options, 'minLiteralChange', 0.001),
      maxTokenJaccard: numberOption(options, 'maxTokenJaccard', 0.995),
    };
    const record = savedRecord(restored, this.name);
    this.random = new StrategyRandom(savedRandomState(record, this.name));
    this.generation = savedNumber(record, 'generation', this.name, 0);
    this.populations = this.restorePopulations(record?.populations);
  }

  planRound(view: SearchView): ChildPlan[] {
    this.generation++;
    const migrated = this.generation % this.migrationInterval === 0 ? this.migrate() : 0;
    const count = Math.max(1, Math.min(this.islandCount, view.evaluationsLeft));
    const plans: ChildPlan[] = [];
    for (let k = 0; k < count; k++) {
      // Rotate which island goes first, so a short last round does not always favour island 0.
      const island = (this.generation + k) % this.islandCount;
      const population = this.populations[island];
      const migration = migrated > 0 ? `, after migrating ${migrated}` : '';
      if (population.length === 0) {
        plans.push({ parentId: '0', island, why: `island ${island}, generation ${this.generation}: empty, mutate the original${migration}` });
        continue;
      }
      const rank = this.random.weightedIndex(this.weights(population, view), view);
      const [parentId, score] = population[rank];
      plans.push({
        parentId,
        island,
        why: `island ${island}, generation ${this.generation}: parent #${parentId} (score ${formatWhyScore(score)}), rank ${rank + 1} of ${population.length} by ${this.sampling}${migration}`,
      });
    }
    return plans;
  }

  selectForEvaluation(candidates: readonly CandidateNode[], view: SearchView): CandidateNode[] {
    const accepted: CandidateNode[] = [];
    for (const node of byPrmDescending(candidates)) {
      const island = node.island ?? 0;
      const others = [...(this.populations[island] ?? []).map(([id]) => view.nodes[Number(id)]), ...accepted.filter((n) => (n.island ?? 0) === island)];
      const mine = this.signature(node);
      let rejection: string | null = null;
      for (const other of others) {
        if (!other || other.id === node.id) continue;
        const reason = nearDuplicateReason(mine, this.signature(other), this.novelty);
        if (reason) {
          rejection = `near-duplicate of #${other.id} (${reason})`;
          break;
        }
      }
      if (rejection) node.why = `${node.why ?? ''}; not evaluated: ${rejection}`;
      else accepted.push(node);
    }
    return accepted;
  }

  observe(node: CandidateNode, _view?: SearchView): void {
    if (node.status !== 'done' || node.score === null) return;
    if (node.parentId === null) {
      this.populations.forEach((population) => this.insert(population, [node.id, node.score ?? 0]));
      return;
    }
    this.insert(this.populations[(node.island ?? 0) % this.islandCount], [node.id, node.score]);
  }

  /** The populations as node ids, best first (for tests and the inspector). */
  members(): string[][] {
    return this.populations.map((population) => population.map(([id]) => id));
  }

  snapshot(): unknown {
    return { strategy: this.name, random: this.random.snapshot(), generation: this.generation, populations: this.populations };
  }

  // ---- internals -----------------------------------------------------------------------------

  private weights(population: readonly Member[], view: SearchView): number[] {
    if (this.sampling === 'power-law') return population.map((_, rank) => Math.pow(rank + 1, -this.powerLawExponent));
    // Performance (sigmoid around the median, scaled by the spread) × novelty (few children yet).
    const scores = population.map(([, score]) => score);
    const median = scores[Math.floor(scores.length / 2)];
    const spread = scores[0] - scores[scores.length - 1] || 1;
    return population.map(([id, score]) => {
      const performance = 1 / (1 + Math.exp((-10 * (score - median)) / spread));
      return performance / (1 + view.children(id).length);
    });
  }

  /** Ring migration of each island's best; returns how many members moved. */
  private migrate(): number {
    const outgoing = this.populations.map((population) => population.slice(0, this.migrants));
    let moved = 0;
    outgoing.forEach((members, from) => {
      const to = this.populations[(from + 1) % this.islandCount];
      for (const member of members) {
        if (to.some(([id]) => id === member[0])) continue;
        this.insert(to, member);
        moved++;
      }
    });
    return moved;
  }

  /** Inserts by score (ties: older first), then keeps the best `populationSize`. */
  private insert(population: Member[], member: Member): void {
    if (population.some(([id]) => id === member[0])) return;
    let at = population.findIndex(([, score]) => score < member[1]);
    if (at < 0) at = population.length;
    population.splice(at, 0, member);
    if (population.length > this.populationSize) population.length = this.populationSize;
  }

  private signature(node: CandidateNode): CodeSignature {
    let signature = this.signatures.get(node.id);
    if (!signature) {
      signature = codeSignature(node.code);
      this.signatures.set(node.id, signature);
    }
    return signature;
  }

  private restorePopulations(saved: unknown): Member[][] {
    if (saved === undefined) return Array.from({ length: this.islandCount }, () => []);
    const valid =
      Array.isArray(saved) &&
      saved.length === this.islandCount &&
      saved.every((population) => Array.isArray(population) && population.every((m) => Array.isArray(m) && typeof m[0] === 'string' && typeof m[1] === 'number'));
    if (!valid) throw restoreError(this.name, `"populations" is not ${this.islandCount} lists of [id, score]`);
    return (saved as Member[][]).map((population) => population.map(([id, score]) => [id, score] as Member));
  }
}
