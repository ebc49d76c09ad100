// LayerCAM (Jiang et al. 2021, "LayerCAM: Exploring Hierarchical Class Activation Maps for Localization",
// IEEE TIP): M = ReLU(Σ_k ReLU(g_k) ⊙ A_k); for fusion across layers, shallow maps are scaled by
// tanh(γ·M / max M) with γ = 2 before the element-wise maximum (see layerFusion.ts).
import { DEFAULT_VARIANT, type MapMethod, elementwiseSum, relu } from './method.js';

export const layerCam: MapMethod = {
  name: 'layercam',
  title: 'LayerCAM',
  citation: 'Jiang et al. 2021, LayerCAM: Exploring Hierarchical Class Activation Maps for Localization (IEEE TIP)',
  formula: 'M = ReLU(Σ_k ReLU(g_k) ⊙ A_k)',
  needs: 'gradients',
  needsCamHead: false,
  variants: DEFAULT_VARIANT,
  compute: ({ activation, gradient, channels, size }) =>
    relu(elementwiseSum(activation, gradient!, channels, size, (g) => (g > 0 ? g : 0))),
};
