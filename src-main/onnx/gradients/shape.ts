// Gradients of ops that move values without changing them; the gradient is moved back the same way:
//   Reshape-like: dy reshaped to the input's shape    Transpose: dy transposed by the inverse permutation
//   Concat: dy sliced per input                        Split: output gradients concatenated (zeros where none)
//   Slice: dy put back among zeros                     Pad (constant mode): the padding sliced off dy
//   Gather (constant indices): dy spread back by a 0/1 selection product; GatherElements: ScatterElements
//   Tile: the tiles of dy summed                       ScatterND: dy where not overwritten, GatherND(dy) for updates
// Static sizes are read only along the axes an op works on; the other axes, batch included, stay free.
import type { GradientContext, GradientRule } from './gradientRule.js';
import type { NodeEmitter } from '../nodeEmitter.js';
import { type DecodedTensor, attrInt, attrInts, attrString, floatTensor } from '../onnxModel.js';

/** An ONNX axis (negative counts from the end) as an index in [0, rank). */
export function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

// Slice clamps ends to the axis size, so this reads "to the end" without fixing a size.
const TO_END = Number.MAX_SAFE_INTEGER;

/** Slice along `axes`: starts/ends/axes are inputs from opset 10, attributes before. */
function slice(e: NodeEmitter, x: string, starts: number[], ends: number[], axes: number[]): string {
  if (e.opset >= 10) return e.op('Slice', [x, e.constInt64(starts), e.constInt64(ends), e.constInt64(axes)]);
  return e.op('Slice', [x], { starts, ends, axes });
}

/** Zero padding, pads = [begin per axis…, end per axis…]: an input from opset 11, an attribute before. */
function zeroPad(e: NodeEmitter, x: string, pads: number[]): string {
  if (pads.every((p) => p === 0)) return x;
  if (e.opset >= 11) return e.op('Pad', [x, e.constInt64(pads)]);
  return e.op('Pad', [x], { pads });
}

function inversePermutation(perm: readonly number[]): number[] {
  const inv: number[] = [];
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/**
 * An integer parameter that is constant input i from opset `inputFrom` and attribute `name` before it;
 * undefined when absent. Parameters computed at run time are rejected.
 */
function intParam(c: GradientContext, inputFrom: number, i: number, name: string): number[] | undefined {
  if (c.e.opset < inputFrom) return attrInts(c.node, name);
  if (!c.input(i)) return undefined;
  const value = shapeValue(c, c.input(i));
  if (!value) c.fail(`'${name}' is computed at run time; only constant '${name}' is supported`);
  return Array.from(value.data);
}

/**
 * The value of a constant, or of integer arithmetic on constants and tensor shapes (Shape, Size:
 * the probe saw it at the model's input size, e.g. ViT's q/k/v Slice bounds or a Range of indices).
 * Values computed from data (ArgMax, …) are null: the probe's value would not hold for other inputs.
 */
function shapeValue(c: GradientContext, name: string): DecodedTensor | null {
  const fromShapes = (t: string, depth: number): boolean => {
    if (c.index.constant(t) || c.index.initializers.has(t)) return true;
    const p = c.index.producer.get(t);
    if (!p || depth > 64) return false;
    if (p.opType === 'Shape' || p.opType === 'Size') return true;
    return (p.input ?? []).every((i) => !i || fromShapes(i, depth + 1));
  };
  return fromShapes(name, 0) ? c.constant(name) : null;
}

/** Flatten, Reshape, Squeeze, Unsqueeze: the gradient takes the input's shape back. */
const reshapeLike: GradientRule = (c) => {
  const shape = c.e.op('Shape', [c.input(0)]);
  return [c.e.op('Reshape', [c.dOut(0)!, shape])];
};

/** The default permutation reverses the axes. */
const transpose: GradientRule = (c) => {
  const perm = attrInts(c.node, 'perm') ?? range(c.shape(c.input(0)).length).reverse();
  return [c.e.op('Transpose', [c.dOut(0)!], { perm: inversePermutation(perm) })];
};

const concat: GradientRule = (c) => {
  const inputs = c.node.input ?? [];
  const axis = normalizeAxis(attrInt(c.node, 'axis', 0), c.shape(inputs[0]!).length);
  let offset = 0;
  return inputs.map((name, i) => {
    const start = offset;
    offset += c.shape(name)[axis]!;
    return c.needs(i) ? slice(c.e, c.dOut(0)!, [start], [offset], [axis]) : null;
  });
};

/** The split sizes need not be known: the outputs' gradients (or zeros of their shape) concatenate back. */
const split: GradientRule = (c) => {
  const { e } = c;
  const axis = normalizeAxis(attrInt(c.node, 'axis', 0), c.shape(c.input(0)).length);
  const parts = (c.node.output ?? []).map(
    (out, i) => c.dOut(i) ?? e.op('ConstantOfShape', [e.op('Shape', [out])]), // default value: float 0
  );
  return [e.op('Concat', parts, { axis })];
};

/** Indices a Slice picks along an axis of size `dim` (ONNX: negative counts from the end, then clamped). */
export function sliceIndices(dim: number, start: number, end: number, step: number): number[] {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const [s, t] = [start < 0 ? start + dim : start, end < 0 ? end + dim : end];
  const [from, to] = step > 0 ? [clamp(s, 0, dim), clamp(t, 0, dim)] : [clamp(s, 0, dim - 1), clamp(t, -1, dim - 1)];
  const picked: number[] = [];
  for (let i = from; step > 0 ? i < to : i > to; i += step) picked.push(i);
  return picked;
}

/**
 * Spreads g's entries along `axis` to positions `picked` of an axis of size `dim`, zeros elsewhere:
 * g · S with the 0/1 selection matrix S[k, picked[k]] = 1. Exact, as every result sums one product.
 */
function spreadAlong(e: NodeEmitter, g: string, axis: number, rank: number, picked: number[], dim: number): string {
  const selection = new Float32Array(picked.length * dim);
  picked.forEach((p, k) => (selection[k * dim + p] = 1));
  const s = e.constFloat(selection, [picked.length, dim]);
  if (axis === rank - 1) return e.op('MatMul', [g, s]);
  const toLast = [...range(rank).filter((a) => a !== axis), axis];
  const moved = e.op('MatMul', [e.op('Transpose', [g], { perm: toLast }), s]);
  return e.op('Transpose', [moved], { perm: inversePermutation(toLast) });
}

/** Unit-step axes are restored by one zero Pad, other steps by a selection MatMul per axis. */
const sliceRule: GradientRule = (c) => {
  const shape = c.shape(c.input(0));
  const rank = shape.length;
  const starts = intParam(c, 10, 1, 'starts') ?? c.fail('starts are required');
  const ends = intParam(c, 10, 2, 'ends') ?? c.fail('ends are required');
  const axes = (intParam(c, 10, 3, 'axes') ?? range(starts.length)).map((a) => normalizeAxis(a, rank));
  const steps = intParam(c, 10, 4, 'steps') ?? starts.map(() => 1);
  const pads = new Array<number>(2 * rank).fill(0);
  const strided: { axis: number; picked: number[] }[] = [];
  axes.forEach((axis, k) => {
    const [dim, step] = [shape[axis]!, steps[k]!];
    if (step === 0) c.fail('a step of 0 is invalid');
    const picked = sliceIndices(dim, starts[k]!, ends[k]!, step);
    if (step !== 1) strided.push({ axis, picked });
    else {
      pads[axis] = picked[0] ?? 0;
      pads[axis + rank] = dim - pads[axis]! - picked.length;
    }
  });
  let g = zeroPad(c.e, c.dOut(0)!, pads);
  for (const { axis, picked } of strided) g = spreadAlong(c.e, g, axis, rank, picked, shape[axis]!);
  return [g];
};

/** Constant mode only: edge/reflect padding copies input values, and negative pads crop. */
const pad: GradientRule = (c) => {
  const mode = attrString(c.node, 'mode', 'constant');
  if (mode !== 'constant') c.fail(`mode '${mode}' is not supported (constant only)`);
  if (c.needs(2)) c.fail('gradients with respect to the padding value are not supported');
  const rank = c.shape(c.input(0)).length;
  const pads = intParam(c, 11, 1, 'pads') ?? c.fail('pads are required');
  if (pads.some((p) => p < 0)) c.fail(`negative pads ${JSON.stringify(pads)} are not supported`);
  const axes = (intParam(c, 18, 3, 'axes') ?? range(rank)).map((a) => normalizeAxis(a, rank));
  const padded = axes.map((axis, k) => ({ axis, begin: pads[k]!, end: pads[k + axes.length]! })).filter((p) => p.begin > 0 || p.end > 0);
  const dy = c.dOut(0)!;
  if (padded.length === 0) return [dy];
  const ends = padded.map((p) => (p.end > 0 ? -p.end : TO_END));
  return [
    slice(
      c.e,
      dy,
      padded.map((p) => p.begin),
      ends,
      padded.map((p) => p.axis),
    ),
  ];
};

/** Constant indices along `axis`, made non-negative; the gradient of index tensors is not defined. */
function constantIndices(c: GradientContext, axis: number, dim: number): { picked: number[]; dims: number[] } {
  const idx = shapeValue(c, c.input(1)) ?? c.fail('indices computed at run time are not supported (constant indices only)');
  const picked = Array.from(idx.data, (v) => (v < 0 ? v + dim : v));
  if (picked.some((v) => v < 0 || v >= dim)) c.fail(`an index is outside the axis of size ${dim}`);
  return { picked, dims: idx.dims };
}

/**
 * Gather along `axis` with constant indices I (e.g. ViT's class token x[:, 0]): y = x · Sᵀ along the
 * axis with S[k, I_k] = 1, so dx = dy · S — the same selection product as a strided Slice, which also
 * sums the gradients of repeated indices. dy first gets the index dims as one axis.
 */
const gather: GradientRule = (c) => {
  if (!c.needs(0)) return [null, null];
  const shape = c.shape(c.input(0));
  const axis = normalizeAxis(attrInt(c.node, 'axis', 0), shape.length);
  const { picked, dims } = constantIndices(c, axis, shape[axis]!);
  let g = c.dOut(0)!;
  if (dims.length === 0) g = c.e.unsqueeze(g, [axis]);
  else if (dims.length > 1) {
    // 0 copies a leading dim of dy; the trailing dims are static unless the batch is among them.
    if (axis === 0) c.fail('multi-dimensional indices along axis 0 are not supported');
    g = c.e.op('Reshape', [g, c.e.constInt64([...Array<number>(axis).fill(0), picked.length, ...shape.slice(axis + 1)])]);
  }
  return [spreadAlong(c.e, g, axis, shape.length, picked, shape[axis]!), null];
};

/**
 * GatherElements with constant indices: dx = ScatterElements(0, I, dy), adding where indices repeat
 * (reduction 'add', opset 16); before opset 16 only indices without repeats are differentiated.
 */
const gatherElements: GradientRule = (c) => {
  if (!c.needs(0)) return [null, null];
  const { e } = c;
  const shape = c.shape(c.input(0));
  const axis = normalizeAxis(attrInt(c.node, 'axis', 0), shape.length);
  const { picked, dims } = constantIndices(c, axis, shape[axis]!);
  const indices = e.constInt64(picked, dims);
  const zeros = e.op('ConstantOfShape', [e.op('Shape', [c.input(0)])]);
  if (e.opset >= 16) return [e.op('ScatterElements', [zeros, indices, c.dOut(0)!], { axis, reduction: 'add' }), null];
  const along = dims[axis]!;
  const seen = new Set<string>();
  picked.forEach((p, i) => {
    // The fiber of element i: its flat index with the axis coordinate replaced by the picked one.
    const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const key = `${Math.floor(i / (inner * along))}:${i % inner}:${p}`;
    if (seen.has(key)) c.fail(`repeated indices need opset 16 (ScatterElements with reduction 'add'); the model has opset ${e.opset}`);
    seen.add(key);
  });
  return [e.op('ScatterElements', [zeros, indices, c.dOut(0)!], { axis }), null];
};

/**
 * Tile with constant repeats r: dy [r₀·d₀, r₁·d₁, …] reshaped to [r₀, d₀, r₁, d₁, …] and summed over
 * the r axes. An axis with r = 1 keeps −1 as its size, so the batch stays free.
 */
const tile: GradientRule = (c) => {
  if (!c.needs(0)) return [null, null];
  const shape = c.shape(c.input(0));
  const repeats = intParam(c, 0, 1, 'repeats') ?? c.fail('repeats are required');
  let free = false;
  const split = shape.flatMap((d, i) => {
    if (repeats[i] === 1 && !free) return ((free = true), [1, -1]);
    return [repeats[i]!, d];
  });
  const g = c.e.op('Reshape', [c.dOut(0)!, c.e.constInt64(split)]);
  return [
    c.e.reduceSum(
      g,
      range(shape.length).map((i) => 2 * i),
      false,
    ),
    null,
  ];
};

/**
 * ScatterND without reduction: the updated positions of the data take the updates, so the data's
 * gradient is dy with those positions zeroed (dy · (1 − ScatterND(0, I, 1))) and the updates'
 * gradient is GatherND(dy, I). Indices may be computed at run time (they carry no gradient).
 */
const scatterNd: GradientRule = (c) => {
  const { e } = c;
  const reduction = attrString(c.node, 'reduction', 'none');
  if (reduction !== 'none') c.fail(`reduction '${reduction}' is not supported`);
  const [indices, dy] = [c.input(1), c.dOut(0)!];
  const dData = () => {
    const ones = e.op('ConstantOfShape', [e.op('Shape', [c.input(2)])], { value: floatTensor('one', [1], [1]) });
    const zeros = e.op('ConstantOfShape', [e.op('Shape', [c.input(0)])]);
    const written = e.op('ScatterND', [zeros, indices, ones]);
    return e.op('Mul', [dy, e.op('Sub', [e.scalar(1), written])]);
  };
  return [c.needs(0) ? dData() : null, null, c.needs(2) ? e.op('GatherND', [dy, indices]) : null];
};

export const shapeRules: Record<string, GradientRule> = {
  Flatten: reshapeLike,
  Reshape: reshapeLike,
  Squeeze: reshapeLike,
  Unsqueeze: reshapeLike,
  Transpose: transpose,
  Concat: concat,
  Split: split,
  Slice: sliceRule,
  Pad: pad,
  Gather: gather,
  GatherElements: gatherElements,
  Tile: tile,
  ScatterND: scatterNd,
};
