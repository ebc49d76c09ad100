// XGrad-CAM (Fu et al. 2020, "Axiom-based Grad-CAM: Towards Accurate Visualization and Explanation of
// CNNs", BMVC): w_k = Σ_ij (A_k,ij / Σ_ab A_k,ab) · g_k,ij (0 where Σ A_k = 0), M = ReLU(Σ_k w_k A_k).
import { type MapMethod, channelWeights, relu, weightedSum } from './method.js';
import { registeredMethod } from '../../../src-shared/methods.js';

export const xGradCam: MapMethod = {
  info: registeredMethod('xgradcam'),
  compute({ activation, gradient, channels, size }) {
    const g = gradient!;
    const w = channelWeights(channels, size, (_, off) => {
      let sumA = 0;
      let sumAg = 0;
      for (let i = 0; i < size; i++) {
        sumA += activation[off + i]!;
        sumAg += activation[off + i]! * g[off + i]!;
      }
      return sumA === 0 ? 0 : sumAg / sumA;
    });
    return relu(weightedSum(activation, w, channels, size));
  },
};
