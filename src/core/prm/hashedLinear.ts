// Linear models over hashed features, trained online with AdaGrad: logistic (probabilities) and
// least squares (expected change). O(features) per prediction and update, deterministic, and
// serialisable as the non-zero weights only.

/** A sparse vector: parallel arrays of hashed indices and values. */
export interface SparseVector {
  indices: number[];
  values: number[];
}

export interface HashedLinearJson {
  bits: number;
  /** [index, weight, sum of squared gradients] for every touched index. */
  weights: [number, number, number][];
}

const EPSILON = 1e-8;

export class HashedLinear {
  readonly bits: number;
  private readonly weights: Float64Array;
  private readonly gradSquares: Float64Array;

  constructor(bits: number, private readonly learningRate: number, private readonly l2: number) {
    this.bits = bits;
    this.weights = new Float64Array(1 << bits);
    this.gradSquares = new Float64Array(1 << bits);
  }

  dot(x: SparseVector): number {
    let sum = 0;
    for (let k = 0; k < x.indices.length; k++) sum += this.weights[x.indices[k]] * x.values[k];
    return sum;
  }

  /** One AdaGrad step on d(loss)/d(prediction) = `gradient`, scaled by `weight`. */
  step(x: SparseVector, gradient: number, weight = 1): void {
    for (let k = 0; k < x.indices.length; k++) {
      const i = x.indices[k];
      const g = weight * gradient * x.values[k] + this.l2 * this.weights[i];
      this.gradSquares[i] += g * g;
      this.weights[i] -= (this.learningRate * g) / (Math.sqrt(this.gradSquares[i]) + EPSILON);
    }
  }

  toJSON(): HashedLinearJson {
    const weights: [number, number, number][] = [];
    for (let i = 0; i < this.weights.length; i++) {
      if (this.gradSquares[i] !== 0) weights.push([i, this.weights[i], this.gradSquares[i]]);
    }
    return { bits: this.bits, weights };
  }

  static fromJSON(json: HashedLinearJson, learningRate: number, l2: number): HashedLinear {
    const model = new HashedLinear(json.bits, learningRate, l2);
    const size = 1 << json.bits;
    for (const [i, w, g] of json.weights) {
      if (Number.isInteger(i) && i >= 0 && i < size && Number.isFinite(w) && Number.isFinite(g)) {
        model.weights[i] = w;
        model.gradSquares[i] = g;
      }
    }
    return model;
  }
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function logit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
}

/** FNV-1a, 32 bits: a stable hash of a feature name. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
