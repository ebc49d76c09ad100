// Grad-CAM++ (Chattopadhay et al. 2018, "Grad-CAM++: Generalized Gradient-based Visual Explanations for
// Deep Convolutional Networks", WACV), eq. 19 with the exponential output's derivatives:
// α_ij = g_ij² / (2 g_ij² + Σ_ab A_ab · g_ij³) (0 where the denominator is 0), w_k = Σ_ij α_ij ReLU(g_ij).
import { type MapMethod, channelWeights, relu, weightedSum } from './method.js';

export const gradCamPlusPlus: MapMethod = {
  name: 'gradcam++',
  title: 'Grad-CAM++',
  citation: 'Chattopadhay et al. 2018, Grad-CAM++: Generalized Gradient-based Visual Explanations for Deep Convolutional Networks (WACV)',
  formula: 'α_k,ij = g² / (2g² + Σ_ab A_k,ab · g³) ;  w_k = Σ_ij α_k,ij ReLU(g_k,ij) ;  M = ReLU(Σ_k w_k A_k)',
  needs: 'gradients',
  needsCamHead: false,
  variants: {
    paper: 'the paper and pytorch-grad-cam: g³ at (i,j) times Σ_ab A_ab',
    torchcam: "TorchCAM: Σ_ab A_ab · g_ab³ summed over positions in the denominator",
  },
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
        const denom = 2 * g2 + (variant === 'torchcam' ? sumAg3 : sumA * g2 * gi);
        if (denom !== 0) wk += (g2 / denom) * gi;
      }
      return wk;
    });
    return relu(weightedSum(activation, w, channels, size));
  },
};
