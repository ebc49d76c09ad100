// Ablation-CAM (Desai & Ramaswamy 2020, "Ablation-CAM: Visual Explanations for Deep Convolutional
// Network via Gradient-free Localization", WACV): A with channel k ablated goes through the rest of
// the network (the head sub-graph) → y_k, the target logit; w_k = (y − y_k) / y with y the logit of
// the unablated image; M = ReLU(Σ_k w_k A_k). K head passes per image.
// y = 0 leaves the relative drop undefined: every weight is then 0 (an empty map), not ±∞/NaN.
// Where the head after the layer is GAP → linear (a CAM head: y = Σ_k w_k mean(A_k) + b), ablating A_k
// to the value v changes the logit exactly by w_k (v − mean(A_k)): y_k comes in closed form, without
// passes, once the head's own logit is checked to reproduce y (else, e.g. quantized activations after
// the layer, the head passes run).
import type { CamHead } from '../../model/camHead.js';
import { type PerturbationMethod, relu, requirePasses, weightedSum } from './method.js';
import { registeredMethod } from '../../../src-shared/methods.js';

/** pytorch-grad-cam's value below min(A) for ablated channels when min(A) ≠ 0. */
const PYTORCH_GRAD_CAM_OFFSET = 1e7;

export const ablationCam: PerturbationMethod = {
  info: registeredMethod('ablationcam'),
  async compute(input) {
    const { activation, channels, size, target, variant } = input;
    const passes = requirePasses(input, 'Ablation-CAM');
    const y = passes.logits[target]!;
    let fill = 0;
    if (variant === 'pytorchgradcam') {
      let min = Infinity;
      for (let i = 0; i < activation.length; i++) min = Math.min(min, activation[i]!);
      if (min !== 0) fill = min - PYTORCH_GRAD_CAM_OFFSET;
    }
    const closed = input.head && closedFormLogits(input.head, activation, channels, size, target, fill, y);
    const w = new Float32Array(channels);
    if (closed) {
      for (let k = 0; k < channels; k++) w[k] = y === 0 ? 0 : (y - closed[k]!) / y;
      return relu(weightedSum(activation, w, channels, size));
    }
    const per = channels * size;
    const step = Math.max(1, passes.headBatch);
    for (let k0 = 0; k0 < channels; k0 += step) {
      const count = Math.min(step, channels - k0);
      const batch = new Float32Array(count * per);
      for (let j = 0; j < count; j++) {
        batch.set(activation, j * per);
        batch.fill(fill, j * per + (k0 + j) * size, j * per + (k0 + j + 1) * size);
      }
      const logits = await passes.head(batch, count);
      for (let j = 0; j < count; j++) {
        const yk = logits[j * passes.classes + target]!;
        w[k0 + j] = y === 0 ? 0 : (y - yk) / y;
      }
    }
    return relu(weightedSum(activation, w, channels, size));
  },
};

/** y_k = y + w_k (fill − mean(A_k)) on a CAM head, or null when the head's logit Σ_k w_k mean(A_k) + b is not y. */
export function closedFormLogits(
  head: CamHead,
  activation: Float32Array,
  channels: number,
  size: number,
  target: number,
  fill: number,
  y: number,
): Float64Array | null {
  const w = head.weights.subarray(target * channels, (target + 1) * channels);
  const means = new Float64Array(channels);
  let logit = head.bias[target] ?? 0;
  for (let k = 0; k < channels; k++) {
    let sum = 0;
    for (let i = k * size, end = i + size; i < end; i++) sum += activation[i]!;
    means[k] = sum / size;
    logit += w[k]! * means[k]!;
  }
  if (!(Math.abs(logit - y) <= HEAD_TOLERANCE * Math.max(1, Math.abs(y)))) return null;
  return means.map((m, k) => y + w[k]! * (fill - m));
}

/** Relative gap between float32 ONNX Runtime logits and the head recomputed in float64 that still counts as the same head. */
const HEAD_TOLERANCE = 1e-4;
