// Gradients of pooling and reductions.
//   MaxPool:       dy goes to each window's argmax; windows sharing an argmax add up.
//   AveragePool:   dx = Σ over windows containing x of dy / divisor(window).
//   Global pools:  the same with one window covering the whole spatial extent.
//   ReduceSum/Mean: dx = dy (/ count) broadcast back over the reduced axes.
import type { GradientContext, GradientRule } from './gradientRule.js';
import { attrInt, attrInts } from '../onnxModel.js';
import { type Windows, scatterWindows, windowsOf } from './convolution.js';

const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const ones = (n: number): number[] => Array<number>(n).fill(1);

/**
 * Flat position of each window's argmax inside its window (row-major over the kernel), from
 * MaxPool's Indices output. Indices are flat over the whole unpadded input, row-major or, with
 * storage_order 1, column-major over the spatial axes; per axis, Div by the axis's stride then Mod
 * by its size gives the coordinate (the Mod also drops the batch and channel offsets).
 */
function argmaxOffsets(c: GradientContext, indices: string, w: Windows, columnMajor: boolean): string {
  const { e } = c;
  const n = w.kernel.length;
  let offset: string | null = null;
  for (let a = 0; a < n; a++) {
    const stride = columnMajor ? product(w.inSize.slice(0, a)) : product(w.inSize.slice(a + 1));
    const coord = e.mod(e.op('Div', [indices, e.constInt64([stride], [])]), e.constInt64([w.inSize[a]!], []));
    // First input row of each window along this axis, laid out to broadcast over [N, C, …out].
    const starts = range(0, w.outSize[a]!).map((o) => o * w.strides[a]! - w.padsBegin[a]!);
    const start = e.constInt64(starts, [w.outSize[a]!, ...ones(n - 1 - a)]);
    const step = e.op('Div', [e.op('Sub', [coord, start]), e.constInt64([w.dilations[a]!], [])]);
    const term = e.op('Mul', [step, e.constInt64([product(w.kernel.slice(a + 1))], [])]);
    offset = offset ? e.op('Add', [offset, term]) : term;
  }
  return offset!;
}

/**
 * Routes dy[n, c, o] to the argmax of window o: a one-hot over the k window offsets turns dy into
 * k channels per input channel, and a ConvTranspose with one-hot kernels (channel j of group c
 * writes only at offset j) places them and sums overlapping windows. Exact at every opset, unlike
 * ScatterElements, which cannot accumulate before opset 16.
 */
const maxPool: GradientRule = (c) => {
  const { e, node } = c;
  const x = c.input(0);
  const w = windowsOf(c, attrInts(node, 'kernel_shape')!);
  const channels = c.shape(x)[1]!;
  const n = w.kernel.length;
  const k = product(w.kernel);
  let oneHot: string;
  if (e.opset >= 8) {
    // The graph is a copy, so the forward node can be asked for its optional Indices output.
    const outputs = node.output!;
    if (!outputs[1]) outputs[1] = e.fresh('maxpool_indices');
    const offset = argmaxOffsets(c, outputs[1]!, w, attrInt(node, 'storage_order', 0) === 1);
    oneHot = e.mask(e.op('Equal', [e.unsqueeze(offset, [2]), e.constInt64(range(0, k), [k, ...ones(n)])]));
  } else {
    oneHot = firstMaxOneHot(c, w, channels);
  }
  const routed = e.op('Mul', [oneHot, e.unsqueeze(c.dOut(0)!, [2])]);
  const stacked = e.op('Reshape', [routed, e.constInt64([0, channels * k, ...w.outSize])]);
  const kernels = new Float32Array(channels * k * k);
  for (let i = 0; i < channels * k; i++) kernels[i * k + (i % k)] = 1;
  return [scatterWindows(c, stacked, e.constFloat(kernels, [channels * k, 1, ...w.kernel]), channels, w)];
};

/**
 * MaxPool before opset 8 has no Indices output. The same one-hot [N, C, k, …out] of each window's
 * first maximum (row-major over the kernel, as ONNX Runtime and torch pick it) is built from the
 * window's k values: offset j's value in every window is a depthwise Conv with a one-hot kernel,
 * it is a maximum where it is not below the pooled value and lies inside the input (zero padding
 * is masked out by a constant), and the first such offset wins.
 */
function firstMaxOneHot(c: GradientContext, w: Windows, channels: number): string {
  const { e } = c;
  const x = c.input(0);
  const y = c.output(0);
  const k = product(w.kernel);
  let taken: string | null = null;
  const picks: string[] = [];
  for (let j = 0; j < k; j++) {
    const kernel = new Float32Array(channels * k);
    for (let ch = 0; ch < channels; ch++) kernel[ch * k + j] = 1;
    const value = e.op('Conv', [x, e.constFloat(kernel, [channels, 1, ...w.kernel])], {
      kernel_shape: w.kernel,
      strides: w.strides,
      pads: [...w.padsBegin, ...w.padsEnd],
      group: channels,
    });
    // Offset j of window o lies at o·stride − pad + j_a along each axis a (no dilation before opset 10).
    const inside = insideInput(w, j);
    const isMax = e.op('Mul', [e.mask(e.op('Not', [e.op('Less', [value, y])])), e.constFloat(inside, w.outSize)]);
    const first: string = taken ? e.op('Mul', [isMax, e.op('Sub', [e.scalar(1), taken])]) : isMax;
    taken = taken ? e.op('Add', [taken, first]) : first;
    picks.push(e.unsqueeze(first, [2]));
  }
  return e.op('Concat', picks, { axis: 2 });
}

/** 1 where kernel offset j (row-major) of each window lies inside the unpadded input, else 0. */
function insideInput(w: Windows, j: number): Float32Array {
  const offsets: number[] = [];
  let rest = j;
  for (let a = w.kernel.length - 1; a >= 0; a--) {
    offsets[a] = rest % w.kernel[a]!;
    rest = Math.floor(rest / w.kernel[a]!);
  }
  let mask = [1];
  w.kernel.forEach((_, a) => {
    const along = range(0, w.outSize[a]!).map((o) => {
      const p = o * w.strides[a]! - w.padsBegin[a]! + offsets[a]! * w.dilations[a]!;
      return p >= 0 && p < w.inSize[a]! ? 1 : 0;
    });
    mask = mask.flatMap((m) => along.map((v) => m * v));
  });
  return Float32Array.from(mask);
}

/**
 * Number of elements ONNX Runtime divides each window's sum by, along one axis: the window's
 * positions inside the input, or with count_include_pad inside the padded input (still clipped at
 * its end, which matters under ceil_mode). The divisor of a window is the product over axes.
 */
function windowCounts(w: Windows, a: number, includePad: boolean): number[] {
  const lo = includePad ? -w.padsBegin[a]! : 0;
  const hi = includePad ? w.inSize[a]! + w.padsEnd[a]! : w.inSize[a]!;
  return range(0, w.outSize[a]!).map((o) => {
    const start = o * w.strides[a]! - w.padsBegin[a]!;
    const inside = range(0, w.kernel[a]!).filter((j) => {
      const p = start + j * w.dilations[a]!;
      return p >= lo && p < hi;
    }).length;
    // A window entirely in padding outputs 0 and has no input to pass a gradient to.
    return Math.max(inside, 1);
  });
}

const averagePool: GradientRule = (c) => {
  const { e, node } = c;
  const w = windowsOf(c, attrInts(node, 'kernel_shape')!);
  const includePad = attrInt(node, 'count_include_pad', 0) === 1;
  let divisors = [1];
  w.kernel.forEach((_, a) => {
    const counts = windowCounts(w, a, includePad);
    divisors = divisors.flatMap((d) => counts.map((m) => d * m));
  });
  const scaled = e.op('Div', [c.dOut(0)!, e.constFloat(divisors, w.outSize)]);
  const channels = c.shape(c.input(0))[1]!;
  const allOnes = e.constFloat(new Float32Array(channels * product(w.kernel)).fill(1), [channels, 1, ...w.kernel]);
  return [scatterWindows(c, scaled, allOnes, channels, w)];
};

const globalAveragePool: GradientRule = (c) => {
  const { e } = c;
  const x = c.input(0);
  const area = product(c.shape(x).slice(2));
  return [e.expandTo(e.op('Div', [c.dOut(0)!, e.scalar(area)]), x, c.shape(x))];
};

/** dy goes to the first maximum of each channel, found by a MaxPool over the whole extent. */
const globalMaxPool: GradientRule = (c) => {
  const { e } = c;
  const spatial = c.shape(c.input(0)).slice(2);
  const area = product(spatial);
  const [, indices] = e.emit('MaxPool', [c.input(0)], { kernel_shape: spatial }, 2);
  const inPlane = e.mod(indices!, e.constInt64([area], []));
  const isMax = e.mask(e.op('Equal', [inPlane, e.constInt64(range(0, area), spatial)]));
  return [e.op('Mul', [isMax, c.dOut(0)!])];
};

/** Reduced axes, from the attribute (older opsets) or the constant second input. */
function reducedAxes(c: GradientContext, rank: number): number[] {
  let axes = attrInts(c.node, 'axes');
  if (!axes && c.input(1)) {
    const t = c.constant(c.input(1));
    if (!t) c.fail('axes must be a constant');
    axes = Array.from(t.data);
  }
  if (!axes || axes.length === 0) return attrInt(c.node, 'noop_with_empty_axes', 0) ? [] : range(0, rank);
  return axes.map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
}

function reduceBackward(c: GradientContext, mean: boolean): string {
  const { e } = c;
  const x = c.input(0);
  const axes = reducedAxes(c, c.shape(x).length);
  let g = c.dOut(0)!;
  if (!attrInt(c.node, 'keepdims', 1)) g = e.unsqueeze(g, axes);
  if (mean) {
    // |X| / |Y| elements per mean, from run-time sizes: the batch axis may be reduced too.
    const size = (t: string) => e.op('Cast', [e.op('Size', [t])], { to: 1 });
    g = e.op('Div', [g, e.op('Div', [size(x), size(c.output(0))])]);
  }
  if (e.opset < 8 && axes.includes(0)) c.fail('a reduction over the batch axis needs Expand (opset 8)');
  return e.expandTo(g, x, c.shape(x));
}

export const poolingRules: Record<string, GradientRule> = {
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalAveragePool,
  GlobalMaxPool: globalMaxPool,
  ReduceSum: (c) => [reduceBackward(c, false)],
  ReduceMean: (c) => [reduceBackward(c, true)],
};
