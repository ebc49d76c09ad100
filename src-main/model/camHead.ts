// CAM applicability (Zhou et al. 2016): the target map must feed global average pooling followed by a
// linear classifier, M_c(x,y) = Σ_k w_k^c f_k(x,y). Finds that head and extracts w (and b).
import { attrFloat, attrInt, attrInts, type NodeProto, type GraphIndex } from '../onnx/onnxModel.js';

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
}

const PASS = new Set(['Identity', 'Dropout']);
const RESHAPE = new Set(['Flatten', 'Reshape', 'Squeeze', 'Unsqueeze']);

export function camHeadAt(g: HeadGraph, tensor: string): CamHeadResult {
  const shape = g.shapeOf(tensor);
  if (!shape || shape.length !== 4) return refuse(`'${tensor}' is not a 4-D feature map`);
  const [, channels, h, w] = shape as [number, number, number, number];
  let current = tensor;

  const next = (): NodeProto | string => {
    const consumers = g.index.consumers.get(current) ?? [];
    const extra = g.outputName === current ? 1 : 0;
    if (consumers.length + extra !== 1) {
      return `'${current}' feeds ${consumers.length + extra} consumers; CAM needs a single GAP → linear path`;
    }
    return consumers[0]!;
  };
  const skip = (ops: Set<string>): NodeProto | string => {
    let n = next();
    while (typeof n !== 'string' && ops.has(n.opType ?? '')) {
      current = n.output![0]!;
      n = next();
    }
    return n;
  };
  const label = (n: NodeProto) => `${n.opType} node '${n.name || n.output?.[0]}'`;

  // 1. global average pooling over H, W
  let n = skip(PASS);
  if (typeof n === 'string') return refuse(n);
  if (!isGlobalAverage(g, n, h, w)) {
    return refuse(`${label(n)} follows '${tensor}'; CAM needs global average pooling right after the target layer`);
  }
  current = n.output![0]!;

  // 2. reshapes, then the linear classifier
  n = skip(new Set([...PASS, ...RESHAPE]));
  if (typeof n === 'string') return refuse(n);
  const linear = linearWeights(g, n, current, channels);
  if (!linear) return refuse(`${label(n)} after the pooling is not a linear classifier (Gemm, MatMul(+Add) or 1×1 Conv with constant weights)`);
  current = linear.output;

  // 3. nothing but reshapes up to the logits
  while (current !== g.outputName) {
    n = next();
    if (typeof n === 'string') return refuse(n);
    if (!PASS.has(n.opType ?? '') && !RESHAPE.has(n.opType ?? '')) {
      return refuse(`${label(n)} comes between the linear classifier and the logits, so class scores are not linear in the pooled features`);
    }
    current = n.output![0]!;
  }
  const classes = linear.bias.length;
  return { ok: true, weights: linear.weights, bias: linear.bias, classes, channels };
}

function refuse(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function isGlobalAverage(g: HeadGraph, n: NodeProto, h: number, w: number): boolean {
  if (n.opType === 'GlobalAveragePool') return true;
  if (n.opType === 'ReduceMean') {
    const axesInput = n.input?.[1];
    const axes = axesInput ? (g.index.constant(axesInput)?.data as number[] | undefined) : attrInts(n, 'axes');
    if (!axes) return false;
    const norm = new Set(axes.map((a) => (a < 0 ? a + 4 : a)));
    return norm.size === 2 && norm.has(2) && norm.has(3);
  }
  if (n.opType === 'AveragePool') {
    const k = attrInts(n, 'kernel_shape') ?? [];
    const pads = attrInts(n, 'pads') ?? [];
    return k[0] === h && k[1] === w && pads.every((p) => p === 0);
  }
  return false;
}

interface Linear {
  weights: Float32Array;
  bias: Float32Array;
  output: string;
}

/** Weights [classes, K] of a linear layer applied to the pooled tensor `x`, or null. */
function linearWeights(g: HeadGraph, n: NodeProto, x: string, k: number): Linear | null {
  const constF = (name: string | undefined) => {
    const c = name ? g.index.constant(name) : null;
    return c && c.data instanceof Float32Array ? c : null;
  };
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
