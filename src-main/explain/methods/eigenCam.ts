// Eigen-CAM (Muhammad & Yeasin 2020, "Eigen-CAM: Class Activation Map using Principal Components", IJCNN):
// the projection of A (HW × K, each channel centred over positions) on its first principal component,
// M = ReLU(X·v₁); the sign of v₁ is chosen so that M agrees with the mean activation (SVD leaves it open).
import { DEFAULT_VARIANT, type MapMethod, relu } from './method.js';

const MAX_ITERATIONS = 2000;
/** Stop when no component of v₁ moves more than this. */
const TOLERANCE = 1e-9;

export const eigenCam: MapMethod = {
  name: 'eigencam',
  title: 'Eigen-CAM',
  citation: 'Muhammad & Yeasin 2020, Eigen-CAM: Class Activation Map using Principal Components (IJCNN)',
  formula: 'X = A (HW×K) − mean over positions ;  M = ReLU(X v₁), v₁ the first right singular vector (class-agnostic)',
  needs: 'activations',
  needsCamHead: false,
  variants: DEFAULT_VARIANT,
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
 * u = X v₁ for the top right singular vector v₁ of X (stored channel-major as [K][HW]), by power
 * iteration on XᵀX started from a fixed vector, so results are deterministic.
 */
function firstComponentProjection(x: Float64Array, channels: number, size: number): Float64Array {
  // Start from the channels' energies: deterministic and never orthogonal to a dominant direction.
  let v = new Float64Array(channels);
  for (let k = 0; k < channels; k++) for (let i = 0; i < size; i++) v[k]! += x[k * size + i]! ** 2;
  let u = new Float64Array(size);
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    u = new Float64Array(size);
    for (let k = 0; k < channels; k++) {
      const vk = v[k]!;
      for (let i = 0; i < size; i++) u[i]! += x[k * size + i]! * vk;
    }
    const next = new Float64Array(channels);
    let norm = 0;
    for (let k = 0; k < channels; k++) {
      let s = 0;
      for (let i = 0; i < size; i++) s += x[k * size + i]! * u[i]!;
      next[k] = s;
      norm += s * s;
    }
    norm = Math.sqrt(norm);
    if (norm === 0) return new Float64Array(size);
    let moved = 0;
    for (let k = 0; k < channels; k++) {
      next[k]! /= norm;
      moved = Math.max(moved, Math.abs(next[k]! - v[k]!));
    }
    v = next;
    if (moved <= TOLERANCE) break;
  }
  u = new Float64Array(size);
  for (let k = 0; k < channels; k++) for (let i = 0; i < size; i++) u[i]! += x[k * size + i]! * v[k]!;
  return u;
}
