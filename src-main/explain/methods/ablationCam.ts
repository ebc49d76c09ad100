// Ablation-CAM (Desai & Ramaswamy 2020, "Ablation-CAM: Visual Explanations for Deep Convolutional
// Network via Gradient-free Localization", WACV): A with channel k ablated goes through the rest of
// the network (the head sub-graph) → y_k, the target logit; w_k = (y − y_k) / y with y the logit of
// the unablated image; M = ReLU(Σ_k w_k A_k). K head passes per image.
// y = 0 leaves the relative drop undefined: every weight is then 0 (an empty map), not ±∞/NaN.
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
    const per = channels * size;
    const w = new Float32Array(channels);
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
