// What a map method receives for one image at one layer, and the shared plumbing it may use.
import type { CamHead } from '../../model/camHead.js';

export interface MethodInput {
  /** A for one image: [K, h·w] row-major. */
  activation: Float32Array;
  /** g = ∂y^c/∂A, same layout (gradient methods only). */
  gradient?: Float32Array;
  channels: number;
  /** h·w */
  size: number;
  target: number;
  /** GAP → linear head weights (methods with needsCamHead). */
  head?: CamHead;
  /** The chosen variant (one of the method's variant names); absent = the default. */
  variant?: string;
}

/** How a method obtains what it needs, which decides the runs it costs. */
export type MethodNeeds = 'activations' | 'gradients';

export interface MapMethod {
  /** CLI id. */
  name: string;
  title: string;
  /** One-line citation of the paper the formula comes from. */
  citation: string;
  formula: string;
  needs: MethodNeeds;
  /** Defined only when the layer feeds a GAP → linear head (refused otherwise). */
  needsCamHead: boolean;
  /** Variant names → what they mean; the first is the default. */
  variants: Record<string, string>;
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

/** Per-channel weights w_k = f(k, offset of channel k). */
export function channelWeights(channels: number, size: number, f: (k: number, off: number) => number): Float32Array {
  const w = new Float32Array(channels);
  for (let k = 0; k < channels; k++) w[k] = f(k, k * size);
  return w;
}

/** Σ_k f(g_k) ⊙ A_k, element-wise over positions. */
export function elementwiseSum(
  activation: Float32Array,
  gradient: Float32Array,
  channels: number,
  size: number,
  f: (g: number) => number,
): Float32Array {
  const map = new Float32Array(size);
  for (let k = 0; k < channels; k++) {
    const off = k * size;
    for (let i = 0; i < size; i++) map[i]! += f(gradient[off + i]!) * activation[off + i]!;
  }
  return map;
}

export function relu(map: Float32Array): Float32Array {
  for (let i = 0; i < map.length; i++) if (!(map[i]! > 0)) map[i] = 0;
  return map;
}

export const DEFAULT_VARIANT = { default: 'as published' };
