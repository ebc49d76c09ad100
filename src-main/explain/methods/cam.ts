// CAM (Zhou et al. 2016, "Learning Deep Features for Discriminative Localization", CVPR):
// M_c(x,y) = Σ_k w_k^c f_k(x,y), signed, no bias, with the weights of the GAP → linear head.
import { type MapMethod, weightedSum } from './method.js';
import { registeredMethod } from '../../../src-shared/methods.js';

export const cam: MapMethod = {
  info: registeredMethod('cam'),
  compute: ({ activation, channels, size, target, head }) =>
    weightedSum(activation, head!.weights.subarray(target * channels, (target + 1) * channels), channels, size),
};
