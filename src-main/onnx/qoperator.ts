// QOperator models (ONNX Runtime's quantizer in QOperator format, and the ONNX Model Zoo's int8
// models): integer ops that dequantize their inputs, compute, and requantize their output. Each is
// rewritten at load into that float computation between quantizers, DequantizeLinear → op →
// QuantizeLinear, which is what the operator specifies (its output is the rounded float result); then
// dequantize.ts folds the constant weights and the graph is a QDQ graph. Covered: ONNX's QLinearConv
// and QLinearMatMul, and ONNX Runtime's com.microsoft QLinearAdd, QLinearMul, QLinearGlobalAveragePool,
// QLinearAveragePool, QLinearLeakyRelu, QLinearSigmoid, QLinearConcat and QGemm. ONNX Runtime's quantizer
// fuses a ReLU into a Conv / MatMul / Gemm output quantizer by giving it the zero point of the range's
// bottom: the quantizer then clamps at 0 exactly as the ReLU did, and the rewrite spells that ReLU out
// so gradients see it (the forward values are the same either way). Pools, Add and the like keep
// their quantizer alone (a ReLU there would also hide a GAP → linear head from CAM). Integer ops without a float
// equivalent here are refused by name.
import { CamscopeError } from '../errors.js';
import { QUANTIZED_RANGE } from './dequantize.js';
import { type AttributeProto, GraphIndex, type ModelProto, type NodeProto, attrInt, floatTensor, makeAttribute, onnx } from './onnxModel.js';

/** Integer ops that have no rewrite: refused by name rather than explained wrongly. */
const REFUSED: Record<string, string> = {
  ConvInteger: 'dynamic quantization (ConvInteger)',
  MatMulInteger: 'dynamic quantization (MatMulInteger)',
  DynamicQuantizeLinear: 'dynamic quantization (DynamicQuantizeLinear)',
};

export const MS_DOMAIN = 'com.microsoft';

/**
 * Element-wise and pooling QOperator ops: which inputs start a (data, scale, zero point) triple,
 * where the output's scale and zero point are, and the float op.
 */
const SIMPLE: Record<string, { domain: string; float: string; quantized: number[]; output: number }> = {
  QLinearAdd: { domain: MS_DOMAIN, float: 'Add', quantized: [0, 3], output: 6 },
  QLinearMul: { domain: MS_DOMAIN, float: 'Mul', quantized: [0, 3], output: 6 },
  QLinearGlobalAveragePool: { domain: MS_DOMAIN, float: 'GlobalAveragePool', quantized: [0], output: 3 },
  QLinearAveragePool: { domain: MS_DOMAIN, float: 'AveragePool', quantized: [0], output: 3 },
  QLinearLeakyRelu: { domain: MS_DOMAIN, float: 'LeakyRelu', quantized: [0], output: 3 },
  QLinearSigmoid: { domain: MS_DOMAIN, float: 'Sigmoid', quantized: [0], output: 3 },
};
const REWRITTEN = new Set([...Object.keys(SIMPLE), 'QLinearConv', 'QLinearMatMul', 'QLinearConcat', 'QGemm']);

/** Whether `n` is an op this file rewrites (QLinearConv / QLinearMatMul in ONNX's domain, the rest in com.microsoft). */
export function isRewrittenQOperator(n: NodeProto): boolean {
  const domain = n.domain || '';
  const op = n.opType ?? '';
  if (op === 'QLinearConv' || op === 'QLinearMatMul') return domain === '' || domain === 'ai.onnx';
  return REWRITTEN.has(op) && domain === MS_DOMAIN;
}

/** Rewrites the QOperator nodes of `model` in place; returns the op types rewritten (one entry per node). */
export function dequantizeQOperators(model: ModelProto, file: string): string[] {
  const graph = model.graph!;
  const index = new GraphIndex(graph);
  const rewritten: string[] = [];
  const nodes: NodeProto[] = [];
  for (const n of index.nodes) {
    const op = n.opType ?? '';
    if (REFUSED[op]) throw new CamscopeError(`${file}: ${index.nodeLabel(n)}: ${REFUSED[op]} is not supported; export a float or QDQ model`);
    if (!isRewrittenQOperator(n)) {
      nodes.push(n);
      continue;
    }
    const fail = (why: string): never => {
      throw new CamscopeError(`${file}: ${index.nodeLabel(n)}: ${why}`);
    };
    if (attrInt(n, 'channels_last', 0) !== 0) fail('channels_last = 1 is not supported');
    const input = (i: number) => n.input?.[i] ?? '';
    const out = n.output![0]!;
    const name = (what: string) => `${out}/camscope_${what}`;
    const constant = (i: number, what: string) => index.constant(input(i)) ?? fail(`${what} must be a constant`);
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
    /** An int32 bias (input i) in units of a_scale · b_scale (per output channel), zero point 0. */
    const biasDq = (i: number, aScale: number, bScale: number): string => {
      const scale = Array.from(constant(bScale, 'the weight scale').data, (s) => Math.fround(constant(aScale, 'the input scale').data[0]! * s));
      graph.initializer!.push(floatTensor(name('bias_scale'), [scale.length], scale));
      nodes.push({
        opType: 'DequantizeLinear',
        name: name('bias_dequantize'),
        input: [input(i), name('bias_scale')],
        output: [name('bias')],
        attribute: scale.length > 1 ? [makeAttribute('axis', 0)] : [],
      });
      return name('bias');
    };
    const perChannel = (i: number) => (index.constant(input(i))?.data.length ?? 1) > 1;
    const floatOp = (opType: string, inputs: string[], attribute: AttributeProto[] = []): string => {
      nodes.push({ opType, name: name(`${opType}_node`), input: inputs, output: [name(opType)], attribute });
      return name(opType);
    };
    /** The output quantizer (scale at input i, zero point at i + 1), with the ReLU it may fuse spelt out. */
    const requantize = (y: string, i: number, fusesRelu: boolean): void => {
      // An absent zero point is uint8 0, the bottom of its range.
      const zeroPoint = input(i + 1) ? constant(i + 1, 'y_zero_point') : null;
      const range = QUANTIZED_RANGE[zeroPoint?.dataType ?? onnx.TensorProto.DataType.UINT8];
      if (fusesRelu && range && Array.from(zeroPoint?.data ?? [0]).every((z) => z === range[0])) y = floatOp('Relu', [y]);
      nodes.push({ opType: 'QuantizeLinear', name: name('quantize'), input: [y, input(i), input(i + 1)], output: [out] });
    };
    const attributes = (n.attribute ?? []).filter((a) => a.name !== 'channels_last');

    if (op === 'QLinearConv') {
      const inputs = [dq(0, 'x'), dq(3, 'w', perChannel(4) ? 0 : undefined)];
      if (input(8)) inputs.push(biasDq(8, 1, 4));
      requantize(floatOp('Conv', inputs, attributes), 6, true);
    } else if (op === 'QLinearMatMul') {
      requantize(floatOp('MatMul', [dq(0, 'a'), dq(3, 'b', perChannel(4) ? -1 : undefined)]), 6, true);
    } else if (op === 'QGemm') {
      // B's per-channel scales run along its output axis: 0 when stored transposed, 1 otherwise.
      const inputs = [dq(0, 'a'), dq(3, 'b', perChannel(4) ? (attrInt(n, 'transB', 0) ? 0 : 1) : undefined)];
      if (input(6)) inputs.push(biasDq(6, 1, 4));
      const y = floatOp('Gemm', inputs, attributes);
      if (input(7)) requantize(y, 7, true);
      else nodes.push({ opType: 'Identity', name: name('float_output'), input: [y], output: [out] });
    } else if (op === 'QLinearConcat') {
      // Inputs: Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) per concatenated tensor.
      const parts: string[] = [];
      for (let i = 2; i + 2 < (n.input ?? []).length; i += 3) parts.push(dq(i, `x${(i - 2) / 3}`));
      requantize(floatOp('Concat', parts, attributes), 0, false);
    } else {
      const spec = SIMPLE[op]!;
      requantize(
        floatOp(
          spec.float,
          spec.quantized.map((i) => dq(i, `x${i}`)),
          attributes,
        ),
        spec.output,
        false,
      );
    }
    rewritten.push(op);
  }
  if (rewritten.length) {
    graph.node = nodes;
    // The com.microsoft import goes when no node of that domain is left.
    if (!nodes.some((x) => x.domain === MS_DOMAIN)) model.opsetImport = (model.opsetImport ?? []).filter((o) => o.domain !== MS_DOMAIN);
  }
  return rewritten;
}
