// HiResCAM (Draelos & Carin 2020, "Use HiResCAM instead of Grad-CAM for faithful explanations of
// convolutional neural networks", arXiv:2011.08891): M = ReLU(Σ_k g_k ⊙ A_k), element-wise, no averaging.
import { DEFAULT_VARIANT, type MapMethod, elementwiseSum, relu } from './method.js';

export const hiResCam: MapMethod = {
  name: 'hirescam',
  title: 'HiResCAM',
  citation: 'Draelos & Carin 2020, Use HiResCAM instead of Grad-CAM for faithful explanations of CNNs (arXiv:2011.08891)',
  formula: 'M = ReLU(Σ_k g_k ⊙ A_k)',
  needs: 'gradients',
  needsCamHead: false,
  variants: DEFAULT_VARIANT,
  compute: ({ activation, gradient, channels, size }) => relu(elementwiseSum(activation, gradient!, channels, size, (g) => g)),
};
