// Gradients of nearest-neighbour upsampling and local response normalization.
//   Upsample / Resize, mode nearest, integer factor s per spatial axis (N, C unchanged): every output
//     copies input ⌊i/s⌋ (asymmetric/floor, and half_pixel with either rounding, agree on integer
//     factors), so dx sums dy over each s_h × s_w block: a depthwise Conv of ones with stride s.
//   LRN (Krizhevsky et al. 2012): y_c = x_c · d_c^−β with d_c = bias + α/size · Σ_{i ∈ win(c)} x_i²,
//     win(c) = [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉], so
//     dx_i = dy_i · d_i^−β − (2αβ/size) · x_i · Σ_{c : i ∈ win(c)} dy_c · x_c · d_c^(−β−1).
//     Both channel sums are 1×1 convolutions with the 0/1 band matrix of the windows (and its transpose).
import type { GradientRule } from './gradientRule.js';
import { attrFloat, attrInt, attrString } from '../onnxModel.js';

const NEAREST_COORDINATES = new Set(['asymmetric', 'half_pixel', 'pytorch_half_pixel']);

const nearestUpsample: GradientRule = (c) => {
  const { e, node } = c;
  const mode = attrString(node, 'mode', 'nearest');
  if (mode !== 'nearest') c.fail(`mode '${mode}' is not supported (nearest only)`);
  const coordinates = attrString(node, 'coordinate_transformation_mode', 'half_pixel');
  if (node.opType === 'Resize' && e.opset >= 11 && !NEAREST_COORDINATES.has(coordinates)) {
    c.fail(`coordinate_transformation_mode '${coordinates}' is not supported (asymmetric, half_pixel, pytorch_half_pixel)`);
  }
  const nearestMode = attrString(node, 'nearest_mode', 'round_prefer_floor');
  if (coordinates === 'asymmetric' && e.opset >= 11 && nearestMode !== 'floor')
    c.fail(`asymmetric coordinates with nearest_mode '${nearestMode}' are not supported`);
  const inShape = c.shape(c.input(0));
  const outShape = c.shape(c.output(0));
  if (inShape.length !== 4 || inShape[1] !== outShape[1] || inShape[0] !== outShape[0])
    c.fail('only spatial upsampling of [N, C, H, W] is supported');
  const factors = [2, 3].map((a) => outShape[a]! / inShape[a]!);
  if (!factors.every((f) => Number.isInteger(f) && f >= 1)) c.fail(`scale factors ${JSON.stringify(factors)} are not integers`);
  const channels = inShape[1]!;
  const ones = e.constFloat(new Float32Array(channels * factors[0]! * factors[1]!).fill(1), [channels, 1, ...factors]);
  const dx = e.op('Conv', [c.dOut(0)!, ones], { kernel_shape: factors, strides: factors, group: channels });
  return (c.node.input ?? []).map((_, i) => (i === 0 ? dx : null));
};

const lrn: GradientRule = (c) => {
  const { e, node } = c;
  const x = c.input(0);
  const shape = c.shape(x);
  if (shape.length !== 4) c.fail('only [N, C, H, W] inputs are supported');
  const channels = shape[1]!;
  const size = attrInt(node, 'size', 1);
  const [alpha, beta, bias] = [attrFloat(node, 'alpha', 1e-4), attrFloat(node, 'beta', 0.75), attrFloat(node, 'bias', 1)];
  const [before, after] = [Math.floor((size - 1) / 2), Math.ceil((size - 1) / 2)];
  const band = new Float32Array(channels * channels);
  const bandT = new Float32Array(channels * channels);
  for (let ch = 0; ch < channels; ch++) {
    for (let i = Math.max(0, ch - before); i <= Math.min(channels - 1, ch + after); i++) {
      band[ch * channels + i] = 1;
      bandT[i * channels + ch] = 1;
    }
  }
  const windowSum = (t: string, m: Float32Array) => e.op('Conv', [t, e.constFloat(m, [channels, channels, 1, 1])]);
  const d = e.op('Add', [e.scalar(bias), e.op('Mul', [e.scalar(alpha / size), windowSum(e.op('Mul', [x, x]), band)])]);
  const dy = c.dOut(0)!;
  const direct = e.op('Mul', [dy, e.op('Pow', [d, e.scalar(-beta)])]);
  const spread = windowSum(e.op('Mul', [e.op('Mul', [dy, x]), e.op('Pow', [d, e.scalar(-beta - 1)])]), bandT);
  return [e.op('Sub', [direct, e.op('Mul', [e.scalar((2 * alpha * beta) / size), e.op('Mul', [x, spread])])])];
};

export const resamplingRules: Record<string, GradientRule> = {
  Upsample: nearestUpsample,
  Resize: nearestUpsample,
  LRN: lrn,
};
