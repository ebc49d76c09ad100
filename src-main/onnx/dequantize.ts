// Quantized weights as float at load: every DequantizeLinear of a constant (int8 / uint8 / int16 /
// uint16 weights, int32 biases, per tensor or per channel along `axis`) — and every
// QuantizeLinear → DequantizeLinear chain of a constant float — is replaced by the float initializer
// it computes, y = (q − zero_point) · scale (ONNX DequantizeLinear). ONNX Runtime then runs the
// float graph, CAM reads the classifier's weights as plain floats, and gradient rules never meet a
// constant integer tensor. QuantizeLinear → DequantizeLinear pairs on activations stay in the graph:
// the forward pass keeps the model's own rounding, and gradients/quantization.ts passes them straight
// through.
import { CamscopeError } from '../errors.js';
import {
  type DecodedTensor,
  GraphIndex,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  attrInt,
  floatTensor,
  onnx,
  toNumber,
} from './onnxModel.js';

const DT = onnx.TensorProto.DataType;

/** Representable range of each integer type QuantizeLinear can write. */
export const QUANTIZED_RANGE: Readonly<Record<number, readonly [number, number]>> = {
  [DT.INT8]: [-128, 127],
  [DT.UINT8]: [0, 255],
  [DT.INT16]: [-32768, 32767],
  [DT.UINT16]: [0, 65535],
  [DT.INT32]: [-(2 ** 31), 2 ** 31 - 1],
};

export interface Quantization {
  /** DequantizeLinear nodes of constants folded into float initializers. */
  foldedConstants: number;
  /** Some folded constant had one scale per channel (axis). */
  perChannel: boolean;
  /** QuantizeLinear → DequantizeLinear pairs left on run-time tensors (activations). */
  activationPairs: number;
}

/**
 * Folds the DequantizeLinear nodes of constants of `model` (in place) and reports what it found.
 * A constant DequantizeLinear camscope cannot evaluate (blocked quantization, 4-bit or float8
 * data) is refused naming the node, rather than left for a wrong map.
 */
export function dequantizeConstants(model: ModelProto, file: string): Quantization {
  const graph = model.graph!;
  const index = new GraphIndex(graph);
  const result: Quantization = { foldedConstants: 0, perChannel: false, activationPairs: 0 };
  const folded = new Map<string, TensorProto>();
  const removed = new Set<NodeProto>();
  const fail = (n: NodeProto, why: string): never => {
    throw new CamscopeError(`${file}: ${index.nodeLabel(n)}: ${why}`);
  };

  for (const n of index.nodes) {
    if (n.opType !== 'DequantizeLinear') continue;
    const [x, scaleName, zpName] = [n.input?.[0] ?? '', n.input?.[1] ?? '', n.input?.[2] ?? ''];
    const source = index.producer.get(x);
    const viaQuantize = source?.opType === 'QuantizeLinear' && constantInputs(index, source) ? source : null;
    if (!viaQuantize && !index.constant(x)) {
      if (source?.opType === 'QuantizeLinear') result.activationPairs++;
      continue;
    }
    const scale = index.constant(scaleName) ?? fail(n, 'the scale of a constant is computed at run time');
    const zeroPoint = zpName ? index.constant(zpName) : null;
    if (attrInt(n, 'block_size', 0) !== 0) fail(n, 'blocked quantization (block_size) is not supported');
    const q = viaQuantize ? quantize(index, viaQuantize, fail) : index.constant(x)!;
    if (!(q.dataType in QUANTIZED_RANGE)) fail(n, `quantized data type ${q.dataType} is not supported (int8, uint8, int16, uint16, int32)`);
    const out = n.output![0]!;
    const values = dequantize(q, scale, zeroPoint, attrInt(n, 'axis', 1), (why) => fail(n, why));
    folded.set(out, floatTensor(out, q.dims, values));
    if (scale.data.length > 1) result.perChannel = true;
    result.foldedConstants++;
    removed.add(n);
    if (viaQuantize && (index.consumers.get(x) ?? []).every((c) => removed.has(c))) removed.add(viaQuantize);
  }
  if (folded.size === 0) return result;

  graph.node = index.nodes.filter((n) => !removed.has(n));
  const used = new Set<string>([...graph.node.flatMap((n) => n.input ?? []), ...(graph.output ?? []).map((o) => o.name ?? '')]);
  graph.initializer = [...(graph.initializer ?? []).filter((t) => used.has(t.name ?? '')), ...folded.values()];
  // Before IR 4 every initializer is also listed as a graph input: keep that list in step.
  if (toNumber(model.irVersion) < 4) {
    const inputs = (graph.input ?? []).filter((i) => !index.initializers.has(i.name ?? '') || used.has(i.name ?? ''));
    for (const t of folded.values()) {
      inputs.push({ name: t.name, type: { tensorType: { elemType: DT.FLOAT, shape: { dim: (t.dims ?? []).map((d) => ({ dimValue: d })) } } } });
    }
    graph.input = inputs;
  }
  return result;
}

function constantInputs(index: GraphIndex, n: NodeProto): boolean {
  return (n.input ?? []).every((i) => !i || index.constant(i) !== null);
}

/** Per-element scale and zero-point index: one value, or one per slice along `axis`. */
function channelOf(dims: number[], axis: number, count: number, fail: (why: string) => never): (i: number) => number {
  if (count === 1) return () => 0;
  const a = axis < 0 ? axis + dims.length : axis;
  if (a < 0 || a >= dims.length || dims[a] !== count) {
    fail(`${count} scales do not match axis ${axis} of a tensor of shape ${JSON.stringify(dims)}`);
  }
  const inner = dims.slice(a + 1).reduce((p, d) => p * d, 1);
  return (i) => Math.floor(i / inner) % count;
}

/** y = (q − zero_point) · scale in float32, as ONNX Runtime computes it. */
export function dequantize(
  q: DecodedTensor,
  scale: DecodedTensor,
  zeroPoint: DecodedTensor | null,
  axis: number,
  fail: (why: string) => never,
): Float32Array {
  const channel = channelOf(q.dims, axis, scale.data.length, fail);
  const out = new Float32Array(q.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = channel(i);
    out[i] = (q.data[i]! - (zeroPoint?.data[c] ?? 0)) * scale.data[c]!;
  }
  return out;
}

/** QuantizeLinear of a constant: saturate(round_half_even(x / scale) + zero_point). */
function quantize(index: GraphIndex, n: NodeProto, fail: (n: NodeProto, why: string) => never): DecodedTensor {
  const x = index.constant(n.input![0]!)!;
  const scale = index.constant(n.input![1]!)!;
  const zeroPoint = n.input?.[2] ? index.constant(n.input[2]) : null;
  const dataType = zeroPoint?.dataType ?? (attrInt(n, 'output_dtype', 0) || DT.UINT8);
  const range = QUANTIZED_RANGE[dataType];
  if (!range) return fail(n, `quantized data type ${dataType} is not supported (int8, uint8, int16, uint16, int32)`);
  const channel = channelOf(x.dims, attrInt(n, 'axis', 1), scale.data.length, (why) => fail(n, why));
  const data = Array.from(x.data, (v, i) => {
    const c = channel(i);
    const q = roundHalfEven(Math.fround(v / scale.data[c]!)) + (zeroPoint?.data[c] ?? 0);
    return Math.min(Math.max(q, range[0]), range[1]);
  });
  return { dims: x.dims, dataType, data };
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
