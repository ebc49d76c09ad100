// What a map method receives for one image at one layer, and the shared plumbing it may use.
import type { MethodName } from '../../../src-shared/explainTypes.js';
import type { CamHead } from '../../model/camHead.js';

export interface MethodInput {
  /** A for one image: [K, h·w] row-major. */
  activation: Float32Array;
  /** ∂y^c/∂A, same layout (gradient methods only). */
  gradient?: Float32Array;
  channels: number;
  /** h·w */
  size: number;
  target: number;
  /** GAP → linear head weights (methods with needsCamHead). */
  head?: CamHead;
}

export interface MapMethod {
  name: MethodName;
  needsGradient: boolean;
  /** Defined only when the layer feeds a GAP → linear head (refused otherwise). */
  needsCamHead: boolean;
  compute(input: MethodInput): Float32Array;
}

/** Σ_k w_k A_k over channels. */
export function weightedSum(activation: Float32Array, w: Float32Array, channels: number, size: number): Float32Array {
  const map = new Float32Array(size);
  for (let k = 0; k < channels; k++) {
    const wk = w[k]!;
    if (wk === 0) continue;
    const off = k * size;
    for (let i = 0; i < size; i++) map[i]! += wk * activation[off + i]!;
  }
  return map;
}
