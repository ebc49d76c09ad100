// Gradients through the activation quantizers left in a QDQ graph (weights are folded to floats at
// load, see dequantize.ts). Convention: the straight-through estimator (Bengio et al. 2013, "Estimating
// or Propagating Gradients Through Stochastic Neurons") with clipping, as PyTorch's fake-quantize
// backward: a QuantizeLinear → DequantizeLinear pair, y = s·(clamp(round(x/s) + z, qmin, qmax) − z),
// has dy/dx = 1 where x/s + z lies in the representable range and 0 where the quantizer saturates.
// Split per node so that integer-domain ops between the two (MaxPool on int8) pass it on unchanged:
//   DequantizeLinear: dq = dy · s        QuantizeLinear: dx = dq / s · 1[qmin − ½ ≤ x/s + z ≤ qmax + ½]
import type { GradientContext, GradientRule } from './gradientRule.js';
import { QUANTIZED_RANGE } from '../dequantize.js';
import { attrInt, onnx } from '../onnxModel.js';
import { normalizeAxis } from './shape.js';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** Scale or zero point (input i) as a float tensor broadcasting over the data's `axis` (one value: as is). */
function perAxis(c: GradientContext, i: number, dataRank: number): string {
  const { e } = c;
  const name = c.input(i);
  const value = c.constant(name) ?? c.fail(`input ${i} (scale or zero point) must be a constant`);
  if (value.data.length === 1) return e.constFloat([value.data[0]!], []);
  const axis = normalizeAxis(attrInt(c.node, 'axis', 1), dataRank);
  return e.constFloat(Array.from(value.data), [value.data.length, ...Array<number>(dataRank - axis - 1).fill(1)]);
}

const dequantizeLinear: GradientRule = (c) => {
  if (attrInt(c.node, 'block_size', 0) !== 0) c.fail('blocked quantization (block_size) is not supported');
  return [c.e.op('Mul', [c.dOut(0)!, perAxis(c, 1, c.shape(c.input(0)).length)]), null, null];
};

const quantizeLinear: GradientRule = (c) => {
  const { e, node } = c;
  const x = c.input(0);
  const rank = c.shape(x).length;
  const zeroPoint = c.input(2) ? c.constant(c.input(2)) : null;
  const type = zeroPoint?.dataType ?? (attrInt(node, 'output_dtype', 0) || onnx.TensorProto.DataType.UINT8);
  const range = QUANTIZED_RANGE[type] ?? c.fail(`quantized data type ${type} is not supported`);
  const scale = perAxis(c, 1, rank);
  const level = e.op('Div', [x, scale]);
  const shifted = c.input(2) ? e.op('Add', [level, perAxis(c, 2, rank)]) : level;
  const below = e.op('Less', [shifted, e.scalar(range[0] - 0.5)]);
  const above = e.op('Greater', [shifted, e.scalar(range[1] + 0.5)]);
  const inRange = e.op('Cast', [e.op('Not', [e.op('Or', [below, above])])], { to: FLOAT });
  return [e.op('Mul', [e.op('Div', [c.dOut(0)!, scale]), inRange]), null, null];
};

export const quantizationRules: Record<string, GradientRule> = {
  DequantizeLinear: dequantizeLinear,
  QuantizeLinear: quantizeLinear,
};
