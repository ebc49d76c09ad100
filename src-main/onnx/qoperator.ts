// QOperator models (ONNX Runtime's quantizer in QOperator format): QLinearConv and QLinearMatMul
// compute on integers and requantize their output. Each is rewritten at load into its float
// equivalent between quantizers, DequantizeLinear → Conv / MatMul → QuantizeLinear, which is what
// the operator specifies (its output is the rounded float result), so dequantize.ts then folds the
// constant weights and the graph is a QDQ graph. ONNX Runtime's quantizer fuses a ReLU into the
// output quantizer by giving it the zero point of the range's bottom: the quantizer then clamps at 0
// exactly as the ReLU did, and the rewrite spells that ReLU out so gradients see it (the forward
// values are the same with or without it). Integer ops without a float equivalent here are refused.
import { CamscopeError } from '../errors.js';
import { QUANTIZED_RANGE } from './dequantize.js';
import { GraphIndex, type ModelProto, type NodeProto, floatTensor, makeAttribute, onnx } from './onnxModel.js';

/** Integer ops that have no rewrite: refused by name rather than explained wrongly. */
const REFUSED: Record<string, string> = {
  ConvInteger: 'dynamic quantization (ConvInteger)',
  MatMulInteger: 'dynamic quantization (MatMulInteger)',
  DynamicQuantizeLinear: 'dynamic quantization (DynamicQuantizeLinear)',
};

/** Rewrites the QOperator nodes of `model` in place; returns the op types rewritten (one entry per node). */
export function dequantizeQOperators(model: ModelProto, file: string): string[] {
  const graph = model.graph!;
  const index = new GraphIndex(graph);
  const rewritten: string[] = [];
  const nodes: NodeProto[] = [];
  for (const n of index.nodes) {
    const op = n.opType ?? '';
    if (REFUSED[op]) throw new CamscopeError(`${file}: ${index.nodeLabel(n)}: ${REFUSED[op]} is not supported; export a float or QDQ model`);
    if (op !== 'QLinearConv' && op !== 'QLinearMatMul') {
      nodes.push(n);
      continue;
    }
    const fail = (why: string): never => {
      throw new CamscopeError(`${file}: ${index.nodeLabel(n)}: ${why}`);
    };
    const input = (i: number) => n.input?.[i] ?? '';
    const out = n.output![0]!;
    const name = (what: string) => `${out}/camscope_${what}`;
    const dq = (i: number, what: string, axis?: number): string => {
      nodes.push({
        opType: 'DequantizeLinear',
        name: name(`${what}_dequantize`),
        input: [input(i), input(i + 1), input(i + 2)],
        output: [name(what)],
        attribute: axis === undefined ? [] : [makeAttribute('axis', axis)],
      });
      return name(what);
    };
    const x = dq(0, 'x');
    const wScale = index.constant(input(4));
    const perChannel = (wScale?.data.length ?? 1) > 1;
    const w = dq(3, 'w', perChannel ? (op === 'QLinearConv' ? 0 : -1) : undefined);
    let y: string;
    if (op === 'QLinearConv') {
      const inputs = [x, w];
      if (input(8)) {
        // The int32 bias is in units of x_scale · w_scale (per output channel), zero point 0.
        const xScale = index.constant(input(1)) ?? fail('x_scale must be a constant');
        if (!wScale) fail('w_scale must be a constant');
        const scale = Array.from(wScale!.data, (s) => Math.fround(xScale.data[0]! * s));
        const scaleName = name('bias_scale');
        graph.initializer!.push(floatTensor(scaleName, [scale.length], scale));
        nodes.push({
          opType: 'DequantizeLinear',
          name: name('bias_dequantize'),
          input: [input(8), scaleName],
          output: [name('bias')],
          attribute: scale.length > 1 ? [makeAttribute('axis', 0)] : [],
        });
        inputs.push(name('bias'));
      }
      nodes.push({ opType: 'Conv', name: name('conv_node'), input: inputs, output: [name('conv')], attribute: n.attribute ?? [] });
      y = name('conv');
    } else {
      nodes.push({ opType: 'MatMul', name: name('matmul_node'), input: [x, w], output: [name('matmul')] });
      y = name('matmul');
    }
    // An absent zero point is uint8 0, the bottom of its range.
    const yZeroPoint = input(7) ? (index.constant(input(7)) ?? fail('y_zero_point must be a constant')) : null;
    const range = QUANTIZED_RANGE[yZeroPoint?.dataType ?? onnx.TensorProto.DataType.UINT8];
    if (range && Array.from(yZeroPoint?.data ?? [0]).every((z) => z === range[0])) {
      nodes.push({ opType: 'Relu', name: name('fused_relu_node'), input: [y], output: [name('fused_relu')] });
      y = name('fused_relu');
    }
    nodes.push({ opType: 'QuantizeLinear', name: name('quantize'), input: [y, input(6), input(7)], output: [out] });
    rewritten.push(op);
  }
  if (rewritten.length) graph.node = nodes;
  return rewritten;
}
