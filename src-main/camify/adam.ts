// Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1) over one flat
// parameter vector, with the paper's default β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** θ ← θ − α·m̂/(√v̂ + ε) for the gradient g at θ (in place); `rate` scales α (a schedule). */
  step(theta: Float64Array, g: Float64Array, rate = 1): void {
    this.t++;
    const { m, v, beta1: b1, beta2: b2 } = this;
    const alpha = (rate * this.learningRate * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t);
    for (let i = 0; i < theta.length; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
      theta[i]! -= (alpha * m[i]!) / (Math.sqrt(v[i]!) + this.epsilon * Math.sqrt(1 - b2 ** this.t));
    }
  }
}
