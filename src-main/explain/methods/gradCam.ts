// Grad-CAM (Selvaraju et al. 2017): α_k = mean_ij ∂y^c/∂A_k^ij on the raw logit y^c,
// map = ReLU(Σ_k α_k A_k).
import { type MapMethod, weightedSum } from './method.js';

export const gradCam: MapMethod = {
  name: 'gradcam',
  needsGradient: true,
  needsCamHead: false,
  compute({ activation, gradient, channels, size }) {
    const alpha = new Float32Array(channels);
    for (let k = 0; k < channels; k++) {
      let s = 0;
      for (let i = 0; i < size; i++) s += gradient![k * size + i]!;
      alpha[k] = s / size;
    }
    return weightedSum(activation, alpha, channels, size).map((v) => Math.max(0, v));
  },
};
