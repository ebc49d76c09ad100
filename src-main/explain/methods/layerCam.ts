// LayerCAM (Jiang et al. 2021, "LayerCAM: Exploring Hierarchical Class Activation Maps for Localization",
// IEEE TIP): M = ReLU(Σ_k ReLU(g_k) ⊙ A_k); for fusion across layers, shallow maps are scaled by
// tanh(γ·M / max M) with γ = 2 before the element-wise maximum (see layerFusion.ts).
import { type MapMethod, elementwiseSum, relu } from './method.js';
import { fuseLayerMaps } from './layerFusion.js';
import { registeredMethod } from '../../../src-shared/methods.js';

export const layerCam: MapMethod = {
  info: registeredMethod('layercam'),
  compute: ({ activation, gradient, channels, size }) => relu(elementwiseSum(activation, gradient!, channels, size, (g) => (g > 0 ? g : 0))),
  fuse: (maps) => fuseLayerMaps(maps),
};
