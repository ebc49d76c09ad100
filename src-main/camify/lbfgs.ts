// Limited-memory BFGS (Liu & Nocedal 1989, "On the limited memory BFGS method for large scale optimization"),
// two-loop recursion with a backtracking Armijo line search; for smooth convex objectives.

export interface Evaluation {
  /** Objective value. */
  f: number;
  /** Gradient, same length as the point. */
  g: Float64Array;
}

export interface LbfgsOptions {
  /** Pairs (s, y) kept. */
  memory?: number;
  maxIterations?: number;
  /** Stop when max |g_i| falls below this. */
  gradientTolerance?: number;
  /** Stop when the objective improves by less than this fraction of |f|. */
  relativeTolerance?: number;
  /**
   * Called after each accepted step with the new point (valid only during the call). Returns true to stop
   * (e.g. early stopping on validation data).
   */
  onIteration?: (iteration: number, x: Float64Array, e: Evaluation) => boolean | Promise<boolean>;
}

export type StopReason = 'gradient' | 'stalled' | 'maxIterations' | 'callback' | 'lineSearch';

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  stoppedBy: StopReason;
}

const ARMIJO_C1 = 1e-4;
const MAX_BACKTRACKS = 30;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** Minimizes `evaluate` from `x0` (which is not modified). */
export async function lbfgs(evaluate: (x: Float64Array) => Promise<Evaluation>, x0: Float64Array, opts: LbfgsOptions = {}): Promise<LbfgsResult> {
  const memory = opts.memory ?? 10;
  const maxIterations = opts.maxIterations ?? 500;
  const gtol = opts.gradientTolerance ?? 1e-6;
  const rtol = opts.relativeTolerance ?? 1e-10;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let cur = await evaluate(x);
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rhoList: number[] = [];
  const d = new Float64Array(n);
  const alpha = new Float64Array(memory);
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    if (maxAbs(cur.g) < gtol) return { x, f: cur.f, iterations: iteration - 1, stoppedBy: 'gradient' };
    // Two-loop recursion: d = −H·g.
    for (let i = 0; i < n; i++) d[i] = -cur.g[i]!;
    for (let j = sList.length - 1; j >= 0; j--) {
      alpha[j] = rhoList[j]! * dot(sList[j]!, d);
      const y = yList[j]!;
      for (let i = 0; i < n; i++) d[i]! -= alpha[j]! * y[i]!;
    }
    if (sList.length) {
      const last = sList.length - 1;
      const gamma = dot(sList[last]!, yList[last]!) / dot(yList[last]!, yList[last]!);
      for (let i = 0; i < n; i++) d[i]! *= gamma;
    }
    for (let j = 0; j < sList.length; j++) {
      const beta = rhoList[j]! * dot(yList[j]!, d);
      const s = sList[j]!;
      for (let i = 0; i < n; i++) d[i]! += (alpha[j]! - beta) * s[i]!;
    }
    let slope = dot(cur.g, d);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sList.length = yList.length = rhoList.length = 0;
      for (let i = 0; i < n; i++) d[i] = -cur.g[i]!;
      slope = dot(cur.g, d);
    }
    // Without curvature pairs the direction is −g: take a step of length 1 at most.
    let step = sList.length ? 1 : Math.min(1, 1 / Math.sqrt(-slope));
    let next: Evaluation | null = null;
    const xNew = new Float64Array(n);
    for (let k = 0; k < MAX_BACKTRACKS; k++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * d[i]!;
      const e = await evaluate(xNew);
      if (Number.isFinite(e.f) && e.f <= cur.f + ARMIJO_C1 * step * slope) {
        next = e;
        break;
      }
      step /= 2;
    }
    if (!next) return { x, f: cur.f, iterations: iteration - 1, stoppedBy: 'lineSearch' };
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = next.g[i]! - cur.g[i]!;
    }
    const sy = dot(s, y);
    // Keep the pair only with positive curvature, so the implicit Hessian stays positive definite.
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (sList.length === memory) {
        sList.shift();
        yList.shift();
        rhoList.shift();
      }
      sList.push(s);
      yList.push(y);
      rhoList.push(1 / sy);
    }
    const improvement = cur.f - next.f;
    x = xNew;
    cur = next;
    if (await opts.onIteration?.(iteration, x, cur)) return { x, f: cur.f, iterations: iteration, stoppedBy: 'callback' };
    if (improvement <= rtol * Math.max(1, Math.abs(cur.f))) return { x, f: cur.f, iterations: iteration, stoppedBy: 'stalled' };
  }
  return { x, f: cur.f, iterations: maxIterations, stoppedBy: 'maxIterations' };
}
