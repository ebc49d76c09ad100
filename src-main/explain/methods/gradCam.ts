// Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
// Localization", ICCV): α_k = mean_ij ∂y^c/∂A_k^ij on the raw logit y^c, map = ReLU(Σ_k α_k A_k).
import { type MapMethod, channelWeights, relu, weightedSum } from './method.js';
import { registeredMethod } from '../../../src-shared/methods.js';

export const gradCam: MapMethod = {
  info: registeredMethod('gradcam'),
  compute({ activation, gradient, channels, size }) {
    const g = gradient!;
    const alpha = channelWeights(channels, size, (_, off) => {
      let s = 0;
      for (let i = 0; i < size; i++) s += g[off + i]!;
      return s / size;
    });
    return relu(weightedSum(activation, alpha, channels, size));
  },
};
