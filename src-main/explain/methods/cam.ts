// CAM (Zhou et al. 2016, "Learning Deep Features for Discriminative Localization", CVPR):
// M_c(x,y) = Σ_k w_k^c f_k(x,y), signed, no bias, with the weights of the GAP → linear head.
import { DEFAULT_VARIANT, type MapMethod, weightedSum } from './method.js';

export const cam: MapMethod = {
  name: 'cam',
  title: 'CAM',
  citation: 'Zhou et al. 2016, Learning Deep Features for Discriminative Localization (CVPR)',
  formula: 'M_c = Σ_k w_k^c A_k  (w: the linear layer after global average pooling; signed)',
  needs: 'activations',
  needsCamHead: true,
  variants: DEFAULT_VARIANT,
  compute: ({ activation, channels, size, target, head }) =>
    weightedSum(activation, head!.weights.subarray(target * channels, (target + 1) * channels), channels, size),
};
