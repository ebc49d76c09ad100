// HiResCAM (Draelos & Carin 2020, "Use HiResCAM instead of Grad-CAM for faithful explanations of
// convolutional neural networks", arXiv:2011.08891): M = ReLU(Σ_k g_k ⊙ A_k), element-wise, no averaging.
import { type MapMethod, elementwiseSum, relu } from './method.js';
import { registeredMethod } from '../../../src-shared/methods.js';

export const hiResCam: MapMethod = {
  info: registeredMethod('hirescam'),
  compute: ({ activation, gradient, channels, size }) => relu(elementwiseSum(activation, gradient!, channels, size, (g) => g)),
};
