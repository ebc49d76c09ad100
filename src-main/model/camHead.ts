// CAM applicability (Zhou et al. 2016): the target map must feed global average pooling followed by a
// linear classifier, M_c(x,y) = Σ_k w_k^c f_k(x,y). Finds that head and extracts w (and b).
import { attrFloat, attrInt, attrInts, attrString, type NodeProto, type GraphIndex, onnx } from '../onnx/onnxModel.js';
import type { MapLayout } from './featureLayout.js';

export interface CamHead {
  ok: true;
  /** Class weights, row-major [classes, K]. */
  weights: Float32Array;
  bias: Float32Array;
  classes: number;
  channels: number;
}
export type CamHeadResult = CamHead | { ok: false; reason: string };

/** What camHeadAt needs of a model (kept minimal so tests can build heads directly). */
export interface HeadGraph {
  index: GraphIndex;
  outputName: string;
  shapeOf(tensor: string): readonly number[] | undefined;
  /** Proven layouts (token and channels-last maps); without it every map is NCHW. */
  mapLayoutOf?(tensor: string): MapLayout | string;
}

// Activation quantizers (QDQ) pass the map on rounded: CAM explains the float classifier they approximate.
const PASS = new Set(['Identity', 'Dropout', 'QuantizeLinear', 'DequantizeLinear']);
const REARRANGE = new Set(['Transpose', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Slice']);
// After the pooling the spatial axes have size 1, so a Transpose only reorders the pooled vector's axes.
const RESHAPE_OR_PASS = new Set([...PASS, 'Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'Transpose']);

/** Heads found so far, per graph and tensor: extracting w (classes × K) is not free on big heads. */
const found = new WeakMap<GraphIndex, Map<string, CamHeadResult>>();

export function camHeadAt(g: HeadGraph, tensor: string): CamHeadResult {
  let perGraph = found.get(g.index);
  if (!perGraph) found.set(g.index, (perGraph = new Map()));
  let result = perGraph.get(tensor);
  if (!result) perGraph.set(tensor, (result = findCamHead(g, tensor)));
  return result;
}

function findCamHead(g: HeadGraph, tensor: string): CamHeadResult {
  const layoutOf = (t: string): MapLayout | string => {
    if (g.mapLayoutOf) return g.mapLayoutOf(t);
    const s = g.shapeOf(t);
    if (!s || s.length !== 4) return 'not a 4-D feature map';
    return { roles: ['N', 'C', 'H', 'W'], channels: s[1]!, height: s[2]!, width: s[3]!, name: 'NCHW' };
  };
  const layout = layoutOf(tensor);
  if (typeof layout === 'string') return refuse(`'${tensor}' is not a feature map (${layout})`);
  const { channels, height: h, width: w } = layout;
  const label = (n: NodeProto) => `${n.opType} node '${n.name || n.output?.[0]}'`;
  let current = tensor;
  let currentLayout = layout;

  /** The single node consuming `current` after skipping `ops`; null at the logits; a string says why not. */
  const follow = (ops: Set<string>): NodeProto | string | null => {
    for (;;) {
      // Shape and Size read dims only (e.g. a reshape's target), not the map's values.
      const consumers = (g.index.consumers.get(current) ?? []).filter((c) => c.opType !== 'Shape' && c.opType !== 'Size');
      // The logits may feed the model's own Softmax / LogSoftmax: CAM explains the logits.
      if (current === g.outputName) return null;
      if (consumers.length === 0) return `'${current}' does not reach the logits`;
      if (consumers.length > 1) {
        return `${consumers.map(label).join(' and ')} follow '${current}'; CAM needs a single GAP → linear path`;
      }
      const n = consumers[0]!;
      // A Cast to float of a float (what an upcast float16 model's output Cast became) changes nothing.
      const floatCast = n.opType === 'Cast' && attrInt(n, 'to', 0) === onnx.TensorProto.DataType.FLOAT;
      if (!ops.has(n.opType ?? '') && !floatCast) return n;
      current = n.output![0]!;
    }
  };
  const blocked = (n: NodeProto | string | null, why: string): { ok: false; reason: string } =>
    refuse(typeof n === 'string' ? n : n ? `${label(n)} ${why}` : `the logits come ${why}`);
  /** Only reshapes may remain up to the logits. */
  const toLogits = (after: string): CamHeadResult | null => {
    const n = follow(RESHAPE_OR_PASS);
    return n === null ? null : blocked(n, `comes between ${after} and the logits, so class scores are not linear in the pooled features`);
  };

  let n = follow(PASS);
  // Ops that only rearrange the same map (channels-last → NCHW Transpose, dropping prefix tokens).
  for (;;) {
    if (!n || typeof n === 'string') return blocked(n, 'right after the target layer');
    const next = REARRANGE.has(n.opType ?? '') ? layoutOf(n.output![0]!) : null;
    if (!next || typeof next === 'string' || next.channels !== channels || next.height !== h || next.width !== w) break;
    current = n.output![0]!;
    currentLayout = next;
    n = follow(PASS);
  }

  // A 1×1 class convolution before the pooling is the same linear map applied before averaging.
  const classConv = linearWeights(g, n, current, channels, { spatial: true });
  if (classConv) {
    current = classConv.output;
    n = follow(PASS);
    if (!n || typeof n === 'string' || !isGlobalAverage(g, n, currentLayout)) {
      return blocked(n, 'comes between the 1×1 class convolution and the global average pooling, so CAM does not apply');
    }
    current = n.output![0]!;
    return toLogits('the global average pooling') ?? head(classConv, channels);
  }

  if (!isGlobalAverage(g, n, currentLayout)) {
    return blocked(n, `follows '${tensor}'; CAM needs a global average over the grid right after the target layer`);
  }
  current = n.output![0]!;
  n = follow(RESHAPE_OR_PASS);
  const linear = n && typeof n !== 'string' ? linearWeights(g, n, current, channels, { spatial: false }) : null;
  if (!linear) return blocked(n, 'after the pooling is not a linear classifier (Gemm, MatMul(+Add) or 1×1 Conv with constant weights)');
  current = linear.output;
  return toLogits('the linear classifier') ?? head(linear, channels);
}

function head(l: Linear, channels: number): CamHead {
  return { ok: true, weights: l.weights, bias: l.bias, classes: l.bias.length, channels };
}

function refuse(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

/**
 * The mean over exactly the grid positions: GlobalAveragePool or a whole-map AveragePool of an NCHW
 * map, or ReduceMean over its grid axes (H and W, or the tokens when there are no prefix tokens —
 * a mean that includes the class token is not a mean over the map).
 */
function isGlobalAverage(g: HeadGraph, n: NodeProto, l: MapLayout): boolean {
  const nchw = l.roles.length === 4 && l.roles.every((r, i) => r === 'NCHW'[i]);
  if (n.opType === 'GlobalAveragePool') return nchw;
  if (n.opType === 'ReduceMean') {
    const axesInput = n.input?.[1];
    const axes = axesInput ? (g.index.constant(axesInput)?.data as number[] | undefined) : attrInts(n, 'axes');
    if (!axes) return false;
    const rank = l.roles.length;
    const reduced = new Set(axes.map((a) => l.roles[a < 0 ? a + rank : a]));
    if (l.tokens) return axes.length === 1 && reduced.has('T') && l.tokens.prefix === 0;
    return axes.length === 2 && reduced.has('H') && reduced.has('W');
  }
  if (n.opType === 'AveragePool') {
    const k = attrInts(n, 'kernel_shape') ?? [];
    const pads = attrInts(n, 'pads') ?? [];
    return nchw && k[0] === l.height && k[1] === l.width && pads.every((p) => p === 0);
  }
  return false;
}

interface Linear {
  weights: Float32Array;
  bias: Float32Array;
  output: string;
}

/**
 * Weights [classes, K] of a linear layer applied to `x`, or null. `spatial`: x is the feature map
 * itself, where only a 1×1 convolution (stride 1, no padding) qualifies.
 */
function linearWeights(g: HeadGraph, n: NodeProto, x: string, k: number, { spatial }: { spatial: boolean }): Linear | null {
  const constF = (name: string | undefined) => {
    const c = name ? g.index.constant(name) : null;
    return c && c.data instanceof Float32Array ? c : null;
  };
  if (spatial && n.opType !== 'Conv') return null;
  if (n.opType === 'Gemm' && n.input?.[0] === x) {
    const b = constF(n.input[1]);
    if (!b || attrInt(n, 'transA', 0) !== 0) return null;
    const alpha = attrFloat(n, 'alpha', 1);
    const beta = attrFloat(n, 'beta', 1);
    const transB = attrInt(n, 'transB', 0);
    const [r, c] = b.dims as [number, number];
    const classes = transB ? r : c;
    if ((transB ? c : r) !== k) return null;
    const weights = new Float32Array(classes * k);
    for (let cl = 0; cl < classes; cl++) {
      for (let j = 0; j < k; j++) weights[cl * k + j] = alpha * (transB ? b.data[cl * k + j]! : b.data[j * classes + cl]!);
    }
    const bias = biasVector(constF(n.input[2]), classes, beta);
    return bias && { weights, bias, output: n.output![0]! };
  }
  if (n.opType === 'MatMul' && n.input?.[0] === x) {
    const b = constF(n.input[1]);
    if (!b || b.dims.length !== 2 || b.dims[0] !== k) return null;
    const classes = b.dims[1]!;
    const weights = new Float32Array(classes * k);
    for (let cl = 0; cl < classes; cl++) for (let j = 0; j < k; j++) weights[cl * k + j] = b.data[j * classes + cl]!;
    // An Add of a constant bias may follow.
    const consumers = g.index.consumers.get(n.output![0]!) ?? [];
    const add = consumers.length === 1 && consumers[0]!.opType === 'Add' ? consumers[0]! : null;
    const biasName = add?.input?.find((i) => i !== n.output![0]);
    const biasT = add ? constF(biasName) : null;
    if (add && biasT) {
      const bias = biasVector(biasT, classes, 1);
      return bias && { weights, bias, output: add.output![0]! };
    }
    return { weights, bias: new Float32Array(classes), output: n.output![0]! };
  }
  if (n.opType === 'Conv' && n.input?.[0] === x) {
    const wt = constF(n.input[1]);
    if (!wt || wt.dims.length !== 4 || wt.dims[1] !== k || wt.dims[2] !== 1 || wt.dims[3] !== 1) return null;
    if (attrInt(n, 'group', 1) !== 1) return null;
    const trivial = (name: string) => (attrInts(n, name) ?? []).every((v) => v === 1);
    if (spatial && (!trivial('strides') || !(attrInts(n, 'pads') ?? []).every((p) => p === 0))) return null;
    if (spatial && !['NOTSET', 'VALID'].includes(attrString(n, 'auto_pad', 'NOTSET'))) return null;
    const classes = wt.dims[0]!;
    const bias = biasVector(constF(n.input[2]), classes, 1);
    return bias && { weights: Float32Array.from(wt.data), bias, output: n.output![0]! };
  }
  return null;
}

function biasVector(t: { dims: number[]; data: Float32Array | number[] } | null, classes: number, scale: number): Float32Array | null {
  if (!t) return new Float32Array(classes);
  const size = t.dims.reduce((a, b) => a * b, 1);
  if (size === 1) return new Float32Array(classes).fill(scale * t.data[0]!);
  if (size !== classes) return null;
  return Float32Array.from(t.data, (v) => scale * v);
}
