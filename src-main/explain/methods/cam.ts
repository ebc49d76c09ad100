// CAM (Zhou et al. 2016, "Learning Deep Features for Discriminative Localization"):
// M_c(x,y) = Σ_k w_k^c f_k(x,y), signed, no bias, with the weights of the GAP → linear head.
import { type MapMethod, weightedSum } from './method.js';

export const cam: MapMethod = {
  name: 'cam',
  needsGradient: false,
  needsCamHead: true,
  compute({ activation, channels, size, target, head }) {
    return weightedSum(activation, head!.weights.subarray(target * channels, (target + 1) * channels), channels, size);
  },
};
