// Where a vision transformer's attention weights are: the Softmax outputs over q·kᵀ (see
// isAttentionSoftmax) whose query and key axes both span the model's whole token sequence, for
// attention rollout. Window attention (Swin: T = window size, not the grid) and models without a
// class token are refused, naming why.
import type { ClassifierModel } from './classifierModel.js';
import { isAttentionSoftmax } from './classifierModel.js';

export interface AttentionSpec {
  /** Softmax outputs, one per block, in graph order. */
  tensors: string[];
  heads: number;
  /** p + h·w */
  tokens: number;
  prefix: number;
  height: number;
  width: number;
}

export function attentionOf(model: ClassifierModel, layer: string): AttentionSpec | string {
  const layout = model.mapLayoutOf(layer);
  if (typeof layout === 'string' || !layout.tokens) return `'${layer}' is not a token layer [N, p + h·w, C]`;
  const { prefix, h, w } = layout.tokens;
  if (prefix === 0) return 'the model has no class token (its head pools the tokens), whose attention row rollout reads';
  const tokens = prefix + h * w;
  const batch = model.probe.batch;
  const tensors: string[] = [];
  let heads = 0;
  const seen: string[] = [];
  for (const n of model.index.nodes) {
    if (!isAttentionSoftmax(model.index, n)) continue;
    const out = n.output![0]!;
    const s = model.shapeOf(out) ?? [];
    seen.push(`[${s.join(', ')}]`);
    // [N, heads, T, T] (timm) or [N·heads, T, T] batch-major (torch's nn.MultiheadAttention).
    const h4 = s.length === 4 && s[0] === batch ? s[1]! : s.length === 3 && s[0]! % batch === 0 ? s[0]! / batch : 0;
    if (!h4 || s.at(-1) !== tokens || s.at(-2) !== tokens) continue;
    if (heads && h4 !== heads) return `attention blocks have ${heads} and ${h4} heads`;
    heads = h4;
    tensors.push(out);
  }
  if (tensors.length === 0) {
    return seen.length
      ? `no attention Softmax spans all ${tokens} tokens (shapes ${[...new Set(seen)].join(', ')}: window attention?)`
      : 'the model has no attention Softmax over q·kᵀ';
  }
  return { tensors, heads, tokens, prefix, height: h, width: w };
}
