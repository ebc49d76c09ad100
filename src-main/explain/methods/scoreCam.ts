// Score-CAM (Wang et al. 2020, "Score-CAM: Score-Weighted Visual Explanations for Convolutional Neural
// Networks", CVPR workshops): masks M_k = minmax(upsample(A_k)) at the input size (bilinear,
// align_corners=False, as the authors' code), scores from the whole model on x ⊙ M_k, weights from a
// softmax of those scores, M = ReLU(Σ_k w_k A_k). K full-model passes per image.
// x is the preprocessed (normalized) model input: the paper writes X ∘ H_k, and both the authors'
// code (haofanwang/Score-CAM, on the tensor from apply_transforms, normalized with the ImageNet
// mean/std) and pytorch-grad-cam (input_tensor) multiply the normalized input, not the raw image, so
// masked-out pixels become the mean colour.
// A channel whose upsampled map is constant has no mask: it is skipped, without a pass, as in the
// authors' code: weight 0 ('classes'), left out of the softmax ('channels'). 'pytorchgradcam' is that
// library's score_cam.py: align_corners=True, masks (up − min)/(max − min + 1e-8), so a constant channel's
// mask is 0 and its pass (on x ⊙ 0) stays in the softmax over all K channels of the target logits.
// 'topvar' (off by default) is the channel subset of the Score-CAM family's speed-ups (Faster Score-CAM):
// only the TOP_VARIANCE_CHANNELS channels whose A_k varies most get a pass; the rest weigh 0.
import { upsampleBilinearInto } from '../../../src-shared/mapGrid.js';
import { type PerturbationMethod, relu, requirePasses, softmaxAt, weightedSum } from './method.js';
import { defaultVariant, registeredMethod } from '../../../src-shared/methods.js';

const info = registeredMethod('scorecam');
const PYTORCH_GRAD_CAM_EPS = 1e-8;
/** Channels 'topvar' scores: the K passes become this many. */
export const TOP_VARIANCE_CHANNELS = 64;

export const scoreCam: PerturbationMethod = {
  info,
  async compute(input) {
    const { activation, channels, size, target } = input;
    const variant = input.variant ?? defaultVariant(info);
    const library = variant === 'pytorchgradcam';
    const overChannels = variant === 'channels' || library;
    const passes = requirePasses(input, 'Score-CAM');
    const { inputWidth: W, inputHeight: H, layerWidth: w, layerHeight: h, classes } = passes;
    const plane = W * H;
    const x = passes.input;

    // Channels with a mask, and their masks, built batch by batch into one reused buffer; each channel is upsampled
    // into one reused plane, its range read in the same pass.
    const scores = new Float64Array(channels).fill(NaN);
    const step = Math.max(1, passes.inputBatch);
    const scored =
      variant === 'topvar' ? highestVariance(activation, channels, size, TOP_VARIANCE_CHANNELS) : Array.from({ length: channels }, (_, i) => i);
    const up = new Float32Array(plane);
    const mask = new Float32Array(plane);
    const batch = new Float32Array(Math.min(step, scored.length) * 3 * plane);
    let next = 0;
    while (next < scored.length) {
      const ks: number[] = [];
      for (; next < scored.length && ks.length < step; next++) {
        const k = scored[next]!;
        const { min, max } = upsampleBilinearInto({ width: w, height: h, values: activation.subarray(k * size, (k + 1) * size) }, W, H, up, library);
        if (!library && !(max > min)) continue;
        if (library) pytorchGradCamMask(up, min, max, mask);
        else for (let p = 0; p < plane; p++) mask[p] = (up[p]! - min) / (max - min);
        const off = ks.length * 3 * plane;
        for (let c = 0; c < 3; c++) {
          const xc = c * plane;
          const bc = off + xc;
          for (let p = 0; p < plane; p++) batch[bc + p] = x[xc + p]! * mask[p]!;
        }
        ks.push(k);
      }
      if (ks.length === 0) continue;
      const logits = await passes.model(batch.subarray(0, ks.length * 3 * plane), ks.length);
      ks.forEach((kk, j) => {
        const row = logits.subarray(j * classes, (j + 1) * classes);
        scores[kk] = overChannels ? row[target]! : softmaxAt(row, target);
      });
    }

    const weights = new Float32Array(channels);
    if (overChannels) {
      let max = -Infinity;
      for (const s of scores) if (!Number.isNaN(s)) max = Math.max(max, s);
      let sum = 0;
      for (const s of scores) if (!Number.isNaN(s)) sum += Math.exp(s - max);
      scores.forEach((s, kk) => (weights[kk] = Number.isNaN(s) ? 0 : Math.exp(s - max) / sum));
    } else {
      scores.forEach((s, kk) => (weights[kk] = Number.isNaN(s) ? 0 : s));
    }
    return relu(weightedSum(activation, weights, channels, size));
  },
};

/** The n channels of largest variance over positions (all when K ≤ n), in channel order; ties: lower index. */
export function highestVariance(activation: Float32Array, channels: number, size: number, n: number): number[] {
  const variance = Array.from({ length: channels }, (_, k) => {
    let sum = 0;
    let squares = 0;
    for (let i = k * size, end = i + size; i < end; i++) {
      sum += activation[i]!;
      squares += activation[i]! * activation[i]!;
    }
    const mean = sum / size;
    return squares / size - mean * mean;
  });
  const order = variance.map((_, k) => k).sort((a, b) => variance[b]! - variance[a]! || a - b);
  return order.slice(0, n).sort((a, b) => a - b);
}

/** pytorch-grad-cam's mask into `out`: (up − min) / (max − min + 1e-8) in float32. */
function pytorchGradCamMask(up: Float32Array, min: number, max: number, out: Float32Array): void {
  const range = Math.fround(Math.fround(max - min) + PYTORCH_GRAD_CAM_EPS);
  for (let p = 0; p < up.length; p++) out[p] = Math.fround(up[p]! - min) / range;
}
