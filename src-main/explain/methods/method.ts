// What a map method receives for one image at one layer, and the shared plumbing it may use.
import type { CamHead } from '../../model/camHead.js';
import type { MethodInfo } from '../../../src-shared/methods.js';
import type { MapGrid } from '../postprocess/mapGrid.js';

/**
 * Model runs for perturbation methods, bound to one image and the target layer. Both functions
 * batch internally (`headBatch` / `inputBatch` rows per ONNX Runtime run); methods build their
 * altered copies that many at a time, which bounds memory.
 */
export interface PerturbationPasses {
  /** Logits [n, classes] of the head sub-graph after the layer on n altered copies of A ([n, K, h, w]). */
  head(activations: Float32Array, n: number): Promise<Float32Array>;
  /** Logits [n, classes] of the whole model on n preprocessed inputs ([n, 3, H, W]). */
  model(inputs: Float32Array, n: number): Promise<Float32Array>;
  /** This image's preprocessed model input [3, H, W] (normalized, as the model sees it). */
  input: Float32Array;
  /** This image's logits from the forward run [classes]. */
  logits: Float32Array;
  inputWidth: number;
  inputHeight: number;
  layerWidth: number;
  layerHeight: number;
  classes: number;
  /** Rows per head run. */
  headBatch: number;
  /** Rows per full-model run. */
  inputBatch: number;
}

export interface MethodInput {
  /** A for one image: [K, h·w] row-major. */
  activation: Float32Array;
  /** g = ∂y^c/∂A, same layout (gradient methods only). */
  gradient?: Float32Array;
  channels: number;
  /** h·w */
  size: number;
  target: number;
  /** GAP → linear head weights (methods whose registry entry has camHead). */
  head?: CamHead;
  /** The chosen variant (one of the method's variant names); absent = the default. */
  variant?: string;
  /** Model runs for perturbation methods (needs 'headPasses' or 'inputPasses'). */
  passes?: PerturbationPasses;
  /** The attention weights of every block for this image (needs 'attention'). */
  attention?: AttentionMaps;
}

/**
 * Softmax outputs of a vision transformer's attention blocks for one image, in graph order: each
 * [heads, T, T] row-major (query rows, key columns), T = prefix tokens + the h·w grid in row-major order.
 */
export interface AttentionMaps {
  blocks: Float32Array[];
  heads: number;
  tokens: number;
  prefix: number;
}

/** A map method: its registry entry (src-shared/methods.json) and its formula. `compute` is synchronous (R = Float32Array) unless it runs the model (R = Promise). */
export interface MapMethod<R extends Float32Array | Promise<Float32Array> = Float32Array> {
  /** Id, title, citation, needs, cost, variants (the default first) and library correspondence. */
  info: MethodInfo;
  compute(input: MethodInput): R;
  /** Methods whose registry entry has a fusion: one map from the maps of several layers (LayerCAM). */
  fuse?(maps: MapGrid[]): MapGrid;
}

/** A method that runs the model again (Ablation-CAM, Recipro-CAM, Score-CAM). */
export type PerturbationMethod = MapMethod<Promise<Float32Array>>;
/** Any method. */
export type AnyMapMethod = MapMethod | PerturbationMethod;

/** The passes of a perturbation method, or an error naming what is missing. */
export function requirePasses(input: MethodInput, method: string): PerturbationPasses {
  if (!input.passes) throw new Error(`${method} needs model passes (MethodInput.passes)`);
  return input.passes;
}

/** The attention weights of a method that needs them, or an error naming what is missing. */
export function requireAttention(input: MethodInput, method: string): AttentionMaps {
  if (!input.attention) throw new Error(`${method} needs the attention weights (MethodInput.attention)`);
  return input.attention;
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

/** softmax(v)_t, computed stably. */
export function softmaxAt(v: Float32Array, t: number): number {
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) max = Math.max(max, v[i]!);
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += Math.exp(v[i]! - max);
  return Math.exp(v[t]! - max) / sum;
}
