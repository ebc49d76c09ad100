// Gradients of normalization layers with respect to their data input.
//   BatchNormalization (inference): y = γ·(x − μ)/√(σ² + ε) + β with fixed statistics,
//     so dx = dy · γ/√(σ² + ε), one constant per channel.
//   LayerNormalization, InstanceNormalization: x̂ = (x − mean(x))/σ over the normalized axes and
//     y = γ·x̂ + β, so with g = dy·γ: dx = (g − mean(g) − x̂·mean(g·x̂)) / σ.
import type { GradientContext, GradientRule } from './gradientRule.js';
import { attrFloat, attrInt } from '../onnxModel.js';

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

const batchNormalization: GradientRule = (c) => {
  const { e, node } = c;
  // Training mode normalizes with the batch's own statistics (and outputs the running ones).
  if (attrInt(node, 'training_mode', 0) === 1 || (node.output ?? []).slice(1).some(Boolean)) {
    c.fail('training mode is not supported');
  }
  if ([1, 2, 3, 4].some((i) => c.needs(i))) c.fail('gradients with respect to scale, bias or statistics are not supported');
  // Opsets 7–8 allow spatial = 0: statistics per activation rather than per channel.
  if (attrInt(node, 'spatial', 1) === 0) c.fail('spatial = 0 (per-activation statistics) is not supported');
  const scale = c.constant(c.input(1)) ?? c.fail('scale must be a constant');
  const variance = c.constant(c.input(4)) ?? c.fail('variance must be a constant');
  const eps = attrFloat(node, 'epsilon', 1e-5);
  const factor = Array.from(scale.data, (s, i) => s / Math.sqrt(variance.data[i]! + eps));
  const rank = c.shape(c.input(0)).length;
  const perChannel = e.constFloat(factor, [factor.length, ...Array<number>(rank - 2).fill(1)]);
  return [e.op('Mul', [c.dOut(0)!, perChannel])];
};

/** dx of x̂ = (x − mean)/σ over `axes`, given g = dy·γ; mean and σ are recomputed from x. */
function standardizeBackward(c: GradientContext, x: string, g: string, axes: number[], eps: number): string {
  const { e } = c;
  const centered = e.op('Sub', [x, e.reduceMean(x, axes, true)]);
  const variance = e.reduceMean(e.op('Mul', [centered, centered]), axes, true);
  const invStd = e.op('Reciprocal', [e.op('Sqrt', [e.op('Add', [variance, e.scalar(eps)])])]);
  const xHat = e.op('Mul', [centered, invStd]);
  const meanG = e.reduceMean(g, axes, true);
  const meanGxHat = e.reduceMean(e.op('Mul', [g, xHat]), axes, true);
  const projected = e.op('Sub', [e.op('Sub', [g, meanG]), e.op('Mul', [xHat, meanGxHat])]);
  return e.op('Mul', [projected, invStd]);
}

const layerNormalization: GradientRule = (c) => {
  const { e, node } = c;
  if (c.needs(1) || c.needs(2)) c.fail('gradients with respect to scale or bias are not supported');
  if (c.dOut(1) || c.dOut(2)) c.fail('gradients through the Mean and InvStdDev outputs are not supported');
  const x = c.input(0);
  const rank = c.shape(x).length;
  const axis = attrInt(node, 'axis', -1);
  const g = e.op('Mul', [c.dOut(0)!, c.input(1)]);
  return [standardizeBackward(c, x, g, range(axis < 0 ? axis + rank : axis, rank), attrFloat(node, 'epsilon', 1e-5))];
};

const instanceNormalization: GradientRule = (c) => {
  const { e, node } = c;
  if (c.needs(1) || c.needs(2)) c.fail('gradients with respect to scale or bias are not supported');
  const x = c.input(0);
  const rank = c.shape(x).length;
  // γ has shape [C]; it scales axis 1 of [N, C, …spatial].
  const gamma = e.unsqueeze(c.input(1), range(1, rank - 1));
  const g = e.op('Mul', [c.dOut(0)!, gamma]);
  return [standardizeBackward(c, x, g, range(2, rank), attrFloat(node, 'epsilon', 1e-5))];
};

export const normalizationRules: Record<string, GradientRule> = {
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  InstanceNormalization: instanceNormalization,
};
