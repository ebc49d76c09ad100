// Grad-CAM++ (Chattopadhay et al. 2018, "Grad-CAM++: Generalized Gradient-based Visual Explanations for
// Deep Convolutional Networks", WACV), eq. 19 with the exponential output's derivatives:
// α_ij = g_ij² / (2 g_ij² + Σ_ab A_ab · g_ij³) (0 where the denominator is 0), w_k = Σ_ij α_ij ReLU(g_ij).
// Variants as the libraries compute it: pytorch-grad-cam adds eps = 1e-6 to the denominator (with gradients
// of ~1e-3 and less, eps dominates it and α ∝ g²); TorchCAM's code divides a copy made by boolean-mask
// indexing, so its α stays g²; 'summed' is TorchCAM's documented denominator, 2 g_ij² + Σ_ab A_ab g_ab³.
import { type MapMethod, channelWeights, relu, weightedSum } from './method.js';
import { registeredMethod } from '../../../src-shared/methods.js';

const PYTORCH_GRAD_CAM_EPS = 1e-6;

export const gradCamPlusPlus: MapMethod = {
  info: registeredMethod('gradcam++'),
  compute({ activation, gradient, channels, size, variant }) {
    const g = gradient!;
    const w = channelWeights(channels, size, (_, off) => {
      let sumA = 0;
      let sumAg3 = 0;
      for (let i = 0; i < size; i++) {
        sumA += activation[off + i]!;
        const gi = g[off + i]!;
        sumAg3 += activation[off + i]! * gi * gi * gi;
      }
      let wk = 0;
      for (let i = 0; i < size; i++) {
        const gi = g[off + i]!;
        if (gi <= 0) continue; // ReLU(g) = 0 contributes nothing
        const g2 = gi * gi;
        if (variant === 'torchcam') {
          wk += g2 * gi;
          continue;
        }
        const denom = 2 * g2 + (variant === 'summed' ? sumAg3 : sumA * g2 * gi) + (variant === 'pytorchgradcam' ? PYTORCH_GRAD_CAM_EPS : 0);
        if (denom !== 0) wk += (g2 / denom) * gi;
      }
      return wk;
    });
    return relu(weightedSum(activation, w, channels, size));
  },
};
