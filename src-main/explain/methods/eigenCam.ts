// Eigen-CAM (Muhammad & Yeasin 2020, "Eigen-CAM: Class Activation Map using Principal Components", IJCNN):
// the projection of A (HW × K, each channel centred over positions) on its first principal component,
// M = ReLU(X·v₁); the sign of v₁ is chosen so that M agrees with the mean activation (SVD leaves it open).
import { type MapMethod, relu } from './method.js';
import { registeredMethod } from '../../../src-shared/methods.js';

const MAX_ITERATIONS = 10_000;
/** Up to this size the Gram matrix is squared before the power iteration. */
const SQUARING_LIMIT = 128;
const SQUARINGS = 5;
/** Stop when no component of v₁ moves more than this. */
const TOLERANCE = 1e-9;

export const eigenCam: MapMethod = {
  info: registeredMethod('eigencam'),
  compute({ activation, channels, size }) {
    // X[i][k] = A[k][i] − mean_i A[k]; work in float64.
    const x = new Float64Array(channels * size);
    const meanMap = new Float64Array(size);
    for (let k = 0; k < channels; k++) {
      let m = 0;
      for (let i = 0; i < size; i++) m += activation[k * size + i]!;
      m /= size;
      for (let i = 0; i < size; i++) {
        x[k * size + i] = activation[k * size + i]! - m;
        meanMap[i]! += activation[k * size + i]! / channels;
      }
    }
    const proj = firstComponentProjection(x, channels, size);
    let agreement = 0;
    for (let i = 0; i < size; i++) agreement += proj[i]! * meanMap[i]!;
    const sign = agreement < 0 ? -1 : 1;
    return relu(Float32Array.from(proj, (v) => sign * v));
  },
};

/**
 * u = X v₁ for the top right singular vector v₁ of X (stored channel-major as [K][HW]). Power
 * iteration runs on the smaller Gram matrix (X Xᵀ when HW ≤ K, else XᵀX), started from its diagonal,
 * so it is cheap per step and deterministic; X v₁ = √λ₁ u₁ in the first case.
 */
function firstComponentProjection(x: Float64Array, channels: number, size: number): Float64Array {
  const byPosition = size <= channels;
  const n = byPosition ? size : channels;
  const gram = new Float64Array(n * n);
  if (byPosition) {
    for (let k = 0; k < channels; k++) {
      const off = k * size;
      for (let a = 0; a < n; a++) {
        const xa = x[off + a]!;
        if (xa !== 0) for (let b = a; b < n; b++) gram[a * n + b]! += xa * x[off + b]!;
      }
    }
  } else {
    for (let a = 0; a < n; a++) {
      for (let b = a; b < n; b++) {
        let s = 0;
        for (let i = 0; i < size; i++) s += x[a * size + i]! * x[b * size + i]!;
        gram[a * n + b] = s;
      }
    }
  }
  for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) gram[a * n + b] = gram[b * n + a]!;
  const v = topEigenvector(gram, n);
  if (byPosition) {
    const lambda = v.reduce((s, va, a) => s + va * v.reduce((t, vb, b) => t + gram[a * n + b]! * vb, 0), 0);
    return v.map((u) => u * Math.sqrt(Math.max(0, lambda)));
  }
  const u = new Float64Array(size);
  for (let k = 0; k < channels; k++) for (let i = 0; i < size; i++) u[i]! += x[k * size + i]! * v[k]!;
  return u;
}

/**
 * Unit top eigenvector of a symmetric positive semi-definite n×n matrix: a few squarings (G^32 has
 * the eigenvalue ratios raised to the 32nd power) when n is small, then power iteration from the
 * diagonal, a deterministic start.
 */
function topEigenvector(gram: Float64Array, n: number): Float64Array {
  let m = gram;
  if (n <= SQUARING_LIMIT) {
    for (let r = 0; r < SQUARINGS; r++) {
      const sq = new Float64Array(n * n);
      let max = 0;
      for (let a = 0; a < n; a++) {
        for (let c = 0; c < n; c++) {
          const mac = m[a * n + c]!;
          if (mac === 0) continue;
          for (let b = 0; b < n; b++) sq[a * n + b]! += mac * m[c * n + b]!;
        }
      }
      for (const v of sq) max = Math.max(max, Math.abs(v));
      if (max === 0) break;
      m = sq.map((v) => v / max);
    }
  }
  let v = Float64Array.from({ length: n }, (_, a) => gram[a * n + a]!);
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    const next = new Float64Array(n);
    for (let a = 0; a < n; a++) {
      let s = 0;
      for (let b = 0; b < n; b++) s += m[a * n + b]! * v[b]!;
      next[a] = s;
    }
    let norm = 0;
    for (const t of next) norm += t * t;
    norm = Math.sqrt(norm);
    if (norm === 0) return new Float64Array(n);
    let moved = 0;
    for (let a = 0; a < n; a++) {
      next[a]! /= norm;
      moved = Math.max(moved, Math.abs(next[a]! - v[a]!));
    }
    v = next;
    if (moved <= TOLERANCE) break;
  }
  return v;
}
