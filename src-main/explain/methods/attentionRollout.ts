// Attention rollout (Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers", ACL): per block
// the attention of all heads fused (mean; jacobgil/vit-explain's max and min as variants), the
// residual added as the identity, Â_l = ½·A_l + ½·I with rows renormalized, rolled out over the blocks
// R = Â_L ··· Â_1; the map is the class token's row over the grid tokens, M(i, j) = R[0, p + i·w + j].
// Class-agnostic; needs global attention over the token grid (ViT, DeiT), read from the Softmax outputs.
import { type MapMethod, requireAttention } from './method.js';
import { registeredMethod } from '../../../src-shared/methods.js';

const FUSIONS: Record<string, (values: number[]) => number> = {
  mean: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  max: (v) => Math.max(...v),
  min: (v) => Math.min(...v),
};

export const attentionRollout: MapMethod = {
  info: registeredMethod('rollout'),
  compute(input) {
    const { blocks, heads, tokens, prefix } = requireAttention(input, 'rollout');
    const fuse = FUSIONS[input.variant ?? 'mean']!;
    let rollout: Float64Array | null = null;
    for (const a of blocks) {
      const fused = new Float64Array(tokens * tokens);
      const perHead = new Array<number>(heads);
      for (let q = 0; q < tokens; q++) {
        let rowSum = 0;
        for (let k = 0; k < tokens; k++) {
          for (let h = 0; h < heads; h++) perHead[h] = a[(h * tokens + q) * tokens + k]!;
          const v = 0.5 * fuse(perHead) + (q === k ? 0.5 : 0);
          fused[q * tokens + k] = v;
          rowSum += v;
        }
        for (let k = 0; k < tokens; k++) fused[q * tokens + k]! /= rowSum;
      }
      rollout = rollout ? multiply(fused, rollout, tokens) : fused;
    }
    const map = new Float32Array(input.size);
    for (let i = 0; i < input.size; i++) map[i] = rollout![prefix + i]!;
    return map;
  },
};

/** a · b for square matrices of side n (row-major, float64). */
function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += aik * b[k * n + j]!;
    }
  }
  return out;
}
