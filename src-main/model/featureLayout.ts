// Which axes of a tensor are batch, channels and image positions — proven by tracing the tensor back
// to the image input, never guessed from its shape. A tensor is a feature map when its axes are the
// batch N first, one channel axis C and either the grid rows H and columns W (NCHW, channels-last
// NHWC, …) or one token axis T = p prefix tokens (class, distillation, registers) + h·w grid tokens
// in row-major order (ViT-style [N, T, C]).
//
// Roles start at the image [N, C, H, W] and follow each op whose effect on axes is known: NCHW ops
// (Conv, pooling, BatchNorm, …) on NCHW inputs; element-wise ops (the output is indexed like an input
// of its shape: a residual sum keeps the stream's positions); Transpose permutes roles; reshapes only
// split or merge channel axes, or merge H·W into tokens and back; Concat of prefix tokens before the
// grid tokens; MatMul with a constant [C, C'] and normalizations/reductions over channels; Slice of
// channels, of whole grids at a stride (patch merging) or of the prefix tokens. Anything else — a
// Reshape folding the batch into windows, a Concat along a grid axis (torch.roll's cyclic shift) — ends
// the proof, and the first node where it ended is kept as the reason a tensor is refused.
import { type GraphIndex, type NodeProto, attrInt, attrInts } from '../onnx/onnxModel.js';
import { sliceIndices } from '../onnx/gradients/shape.js';

export type AxisRole = 'N' | 'C' | 'H' | 'W' | 'T' | '1';

export interface Layout {
  /** Role of each axis. */
  roles: AxisRole[];
  /** Present when an axis is T: prefix tokens before the h × w grid. */
  tokens?: { prefix: number; h: number; w: number };
}

/** A proven feature map: where its N, C and grid axes are. */
export interface MapLayout extends Layout {
  channels: number;
  height: number;
  width: number;
  /** 'NCHW', 'NHWC', 'tokens' … for display. */
  name: string;
}

export interface LayoutTrace {
  layouts: Map<string, Layout>;
  /** Why a tensor has no layout: the first node on its first traced input where the proof ended. */
  lost: Map<string, string>;
}

const NCHW_OPS = new Set([
  'Conv',
  'ConvTranspose',
  'MaxPool',
  'AveragePool',
  'LpPool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'GlobalLpPool',
  'BatchNormalization',
  'InstanceNormalization',
  'LRN',
  'Resize',
  'Upsample',
  'MaxRoiPool',
]);
const ELEMENTWISE = new Set([
  'Relu',
  'LeakyRelu',
  'PRelu',
  'Elu',
  'Selu',
  'Celu',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Tanh',
  'Erf',
  'Exp',
  'Log',
  'Sqrt',
  'Neg',
  'Abs',
  'Reciprocal',
  'Clip',
  'Softplus',
  'Softsign',
  'Mish',
  'Gelu',
  'Identity',
  'Dropout',
  'Cast',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Sum',
  'Max',
  'Min',
  'Mean',
  'Where',
  'Sign',
  'Floor',
  'Ceil',
  'Round',
  'Sin',
  'Cos',
  'ThresholdedRelu',
  'QuantizeLinear',
  'DequantizeLinear',
  'Expand',
  'Shrink',
]);
const REDUCTIONS = new Set([
  'ReduceMean',
  'ReduceSum',
  'ReduceMax',
  'ReduceMin',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSumExp',
  'ReduceProd',
  'ReduceSumSquare',
]);
const RESHAPES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);

type Shapes = ReadonlyMap<string, readonly number[]>;
type Values = ReadonlyMap<string, { data: ArrayLike<number> | number[] }>;
type Result = Layout | string; // a string says why the proof ends here

export function traceLayouts(index: GraphIndex, input: string, shapes: Shapes, values: Values): LayoutTrace {
  const layouts = new Map<string, Layout>([[input, { roles: ['N', 'C', 'H', 'W'] }]]);
  const lost = new Map<string, string>();
  const ints = (name: string | undefined): number[] | undefined => {
    if (!name) return undefined;
    const v = index.constant(name) ?? values.get(name);
    return v ? Array.from(v.data as ArrayLike<number>, Number) : undefined;
  };
  /** Dims of an initializer or Constant output, also through the exporter's Identity of a shared initializer. */
  const constantDims = (name: string): readonly number[] | null => {
    const p = index.producer.get(name);
    if (p?.opType === 'Identity') return constantDims(p.input?.[0] ?? '');
    return index.constant(name)?.dims ?? null;
  };
  for (const n of index.nodes) {
    if (n.opType === 'Shape' || n.opType === 'Size') continue; // integer metadata, not a map
    const traced = (n.input ?? []).filter((i) => i && layouts.has(i));
    if (traced.length === 0) {
      // Inherit the reason from the first float-data input that lost its layout.
      const why = (n.input ?? []).map((i) => lost.get(i)).find(Boolean);
      if (why) for (const o of n.output ?? []) if (o) lost.set(o, why);
      continue;
    }
    const result = propagate(n, layouts, shapes, ints, constantDims);
    const label = `${n.opType} node '${n.name || n.output?.[0]}'`;
    for (const o of n.output ?? []) {
      if (!o) continue;
      if (typeof result === 'string') lost.set(o, `${label} ${result}`);
      else if (shapes.get(o)?.length === result.roles.length) layouts.set(o, result);
    }
  }
  return { layouts, lost };
}

function propagate(
  n: NodeProto,
  layouts: Map<string, Layout>,
  shapes: Shapes,
  ints: (name?: string) => number[] | undefined,
  constantDims: (name: string) => readonly number[] | null,
): Result {
  const op = n.opType ?? '';
  const inputs = n.input ?? [];
  const x = inputs[0] ?? '';
  const lx = layouts.get(x);
  const sx = shapes.get(x);
  const out = n.output?.[0] ?? '';
  const so = shapes.get(out);
  if (!so) return 'has an output of unknown shape';
  if (NCHW_OPS.has(op)) {
    if (!lx || !isRoles(lx, ['N', 'C', 'H', 'W'])) return 'reads its input as NCHW, which it is not proven to be';
    return lx;
  }
  if (ELEMENTWISE.has(op)) return elementwise(inputs, layouts, shapes, so);
  if (op === 'Transpose') {
    if (!lx) return 'transposes an unproven tensor';
    const perm = attrInts(n, 'perm') ?? lx.roles.map((_, i) => lx.roles.length - 1 - i);
    return { ...lx, roles: perm.map((a) => lx.roles[a]!) };
  }
  if (RESHAPES.has(op)) return lx && sx ? reshape(lx, sx, so) : 'reshapes an unproven tensor';
  if (op === 'Concat') return concat(n, inputs, layouts, shapes);
  if (!lx || !sx) return 'reads an unproven tensor';
  const axisOf = (a: number) => (a < 0 ? a + sx.length : a);
  const channelAxes = (axes: number[]) => axes.every((a) => lx.roles[axisOf(a)] === 'C' || sx[axisOf(a)] === 1);
  switch (op) {
    case 'Pad': {
      const pads = ints(inputs[1]) ?? attrInts(n, 'pads') ?? [];
      const rank = sx.length;
      const padded = lx.roles.filter((_, a) => (pads[a] ?? 0) !== 0 || (pads[a + rank] ?? 0) !== 0);
      return padded.every((r) => r === 'H' || r === 'W') ? lx : 'pads the batch, channel or token axis';
    }
    case 'Gather': {
      const axis = axisOf(attrInt(n, 'axis', 0));
      const indices = constantDims(inputs[1] ?? '');
      if (!indices || lx.roles[axis] !== 'C')
        return lx.roles[axis] === 'T' ? 'selects tokens (e.g. the class token), not the grid' : 'gathers along a non-channel axis';
      return indices.length === 0 ? { ...lx, roles: lx.roles.filter((_, a) => a !== axis) } : lx;
    }
    case 'Split':
      return channelAxes([attrInt(n, 'axis', 0)]) ? lx : 'splits along a non-channel axis';
    case 'Slice':
      return slice(n, lx, sx, ints);
    case 'MatMul': {
      const w = constantDims(inputs[1] ?? '');
      if (!w || w.length !== 2 || lx.roles.at(-1) !== 'C') return 'is not a per-position linear map over channels (a constant [C, C′] weight)';
      return lx;
    }
    case 'Softmax':
    case 'LogSoftmax':
      return channelAxes([attrInt(n, 'axis', -1)]) ? lx : 'normalizes over a non-channel axis';
    case 'LayerNormalization': {
      const axis = axisOf(attrInt(n, 'axis', -1));
      return channelAxes(range(axis, sx.length)) ? lx : 'normalizes over a non-channel axis';
    }
    default:
      if (REDUCTIONS.has(op)) {
        const axes = ints(inputs[1]) ?? attrInts(n, 'axes') ?? range(0, sx.length);
        if (attrInt(n, 'keepdims', 1) === 1) return lx;
        const dropped = new Set(axes.map(axisOf));
        const roles = lx.roles.filter((_, a) => !dropped.has(a));
        return { roles, tokens: roles.includes('T') ? lx.tokens : undefined };
      }
      return 'has no known effect on axes';
  }
}

function elementwise(inputs: string[], layouts: Map<string, Layout>, shapes: Shapes, so: readonly number[]): Result {
  const traced = inputs.filter((i) => i && layouts.has(i));
  const full = traced.find((i) => sameDims(shapes.get(i), so));
  if (!full) return 'broadcasts its traced input to another shape';
  const l = layouts.get(full)!;
  for (const i of traced) {
    const other = layouts.get(i)!;
    if (other.roles.length === l.roles.length && other.roles.some((r, a) => r !== l.roles[a] && r !== '1' && shapes.get(i)![a] !== 1)) {
      return 'combines tensors whose axes mean different things';
    }
  }
  return l;
}

function concat(n: NodeProto, inputs: string[], layouts: Map<string, Layout>, shapes: Shapes): Result {
  const present = inputs.filter(Boolean);
  const traced = present.filter((i) => layouts.has(i));
  const l = layouts.get(traced[0]!)!;
  const rank = l.roles.length;
  const axis = ((a) => (a < 0 ? a + rank : a))(attrInt(n, 'axis', 0));
  const role = l.roles[axis];
  if (role === 'C' || role === '1') {
    if (traced.length !== present.length) return 'joins channels with an unproven tensor';
    const channelsAt = (x: Layout) => x.roles.map((r, a) => (a === axis ? 'C' : r));
    if (traced.some((i) => !isRoles({ roles: channelsAt(layouts.get(i)!) }, channelsAt(l)))) return 'joins tensors whose axes mean different things';
    return { ...l, roles: channelsAt(l) as AxisRole[] };
  }
  if (role === 'T' && traced.length === 1 && l.tokens) {
    // Tokens before the grid tokens (class, distillation, registers) become prefix tokens.
    const at = present.indexOf(traced[0]!);
    if (at !== present.length - 1) return 'appends tokens after the grid tokens';
    const before = present.slice(0, at).reduce((s, i) => s + (shapes.get(i)?.[axis] ?? NaN), 0);
    if (!Number.isFinite(before)) return 'joins tokens of unknown count';
    return { roles: l.roles, tokens: { ...l.tokens, prefix: l.tokens.prefix + before } };
  }
  return `joins along a ${role === 'H' || role === 'W' ? 'grid' : role === 'N' ? 'batch' : 'token'} axis (e.g. torch.roll's cyclic shift), which moves positions`;
}

function slice(n: NodeProto, l: Layout, sx: readonly number[], ints: (name?: string) => number[] | undefined): Result {
  const inputs = n.input ?? [];
  const rank = sx.length;
  const starts = ints(inputs[1]) ?? attrInts(n, 'starts');
  const ends = ints(inputs[2]) ?? attrInts(n, 'ends');
  if (!starts || !ends) return 'has bounds computed at run time';
  const axes = (ints(inputs[3]) ?? attrInts(n, 'axes') ?? range(0, starts.length)).map((a) => (a < 0 ? a + rank : a));
  const steps = ints(inputs[4]) ?? starts.map(() => 1);
  if (steps.some((st) => st === 0)) return 'has a step of 0';
  let tokens = l.tokens;
  for (let k = 0; k < axes.length; k++) {
    const a = axes[k]!;
    const dim = sx[a]!;
    const picked = sliceIndices(dim, starts[k]!, ends[k]!, steps[k]!);
    const role = l.roles[a];
    if (picked.length === dim || role === 'C') continue;
    const step = steps[k]!;
    // Every step-th row or column from one of the first `step`: the whole grid at a coarser stride.
    if ((role === 'H' || role === 'W') && step > 1 && picked[0]! < step && picked.length === Math.ceil((dim - picked[0]!) / step)) continue;
    if (role === 'T' && tokens && step === 1 && picked[0]! <= tokens.prefix && picked.at(-1) === dim - 1) {
      tokens = { ...tokens, prefix: tokens.prefix - picked[0]! };
      continue;
    }
    return role === 'T'
      ? 'keeps only some tokens, not the grid'
      : "crops the grid (as torch.roll's halves and windows do), so the map would not cover the image";
  }
  return { roles: l.roles, tokens };
}

/** Reshapes that split or merge channel axes, merge H·W into tokens or split tokens back into H, W. */
function reshape(l: Layout, sx: readonly number[], so: readonly number[]): Result {
  if (l.roles[0] !== 'N' || so[0] !== sx[0]) return 'merges the batch with other axes (e.g. windows)';
  const roles: AxisRole[] = ['N'];
  let tokens = l.tokens;
  let i = 1;
  let j = 1;
  const skipOnes = () => {
    while (i < sx.length && sx[i] === 1) i++;
    while (j < so.length && so[j] === 1) (roles.push('1'), j++);
  };
  skipOnes();
  while (i < sx.length || j < so.length) {
    if (i >= sx.length || j >= so.length) return 'changes the number of elements';
    const [i0, j0] = [i, j];
    let [pi, pj] = [sx[i++]!, so[j++]!];
    while (pi !== pj) {
      if (pi < pj && i < sx.length) pi *= sx[i++]!;
      else if (pj < pi && j < so.length) pj *= so[j++]!;
      else return 'changes the number of elements';
    }
    const from = l.roles.slice(i0, i).filter((_, k) => sx[i0 + k] !== 1);
    const to = so.slice(j0, j);
    const mapped = reshapeBlock(from, to, tokens, sx.slice(i0, i));
    if (typeof mapped === 'string') return mapped;
    roles.push(...mapped.roles);
    tokens = mapped.tokens ?? tokens;
    skipOnes();
  }
  return { roles, tokens: roles.includes('T') ? tokens : undefined };
}

function reshapeBlock(
  from: AxisRole[],
  to: readonly number[],
  tokens: Layout['tokens'],
  fromDims: readonly number[],
): { roles: AxisRole[]; tokens?: Layout['tokens'] } | string {
  const ones = (r: AxisRole): AxisRole[] => to.map((d) => (d === 1 ? '1' : r));
  if (from.every((r) => r === 'C')) return { roles: ones('C') };
  const real = to.filter((d) => d !== 1);
  const key = from.join('');
  if (key === 'HW' && real.length === 1) {
    const [h, w] = fromDims.filter((d) => d !== 1) as [number, number];
    return { roles: ones('T'), tokens: { prefix: 0, h, w } };
  }
  if (key === 'T' && tokens && tokens.prefix === 0 && real.length === 2 && real[0] === tokens.h && real[1] === tokens.w) {
    const rs: AxisRole[] = [];
    let next: AxisRole = 'H';
    for (const d of to)
      if (d === 1) rs.push('1');
      else (rs.push(next), (next = 'W'));
    return { roles: rs };
  }
  if (from.length === 1 && real.length === 1) return { roles: ones(from[0]!) };
  if (key === 'HW' && real.length === 2 && real[0] === fromDims.filter((d) => d !== 1)[0]) return { roles: ['H', 'W'] };
  return `regroups ${from.join(', ') || 'size-1'} axes into ${JSON.stringify(to)}, which splits or mixes the grid`;
}

/** The proven feature-map reading of a layout, or a reason it is not one. */
export function mapLayout(l: Layout, dims: readonly number[]): MapLayout | string {
  const count = (r: AxisRole) => l.roles.filter((x) => x === r).length;
  if (l.roles[0] !== 'N') return 'its first axis is not the batch';
  if (count('C') !== 1) return `it has ${count('C')} channel axes`;
  const channels = dims[l.roles.indexOf('C')]!;
  if (count('T') === 1 && count('H') + count('W') === 0 && l.tokens) {
    const { h, w, prefix } = l.tokens;
    if (dims[l.roles.indexOf('T')] !== prefix + h * w) return 'its token count does not match its grid';
    const axes = l.roles.filter((r) => r !== '1').map((r) => (r === 'T' ? `${prefix ? `${prefix} + ` : ''}${h}×${w}` : r));
    return { ...l, channels, height: h, width: w, name: `tokens [${axes.join(', ')}]` };
  }
  if (count('H') === 1 && count('W') === 1 && count('T') === 0) {
    const name = l.roles.filter((r) => r !== '1').join('');
    return { ...l, channels, height: dims[l.roles.indexOf('H')]!, width: dims[l.roles.indexOf('W')]!, name };
  }
  return 'its axes are not batch, channels and a grid';
}

/** Row-major offsets into one row of the layer tensor, per map element [C, h, w] (and of the prefix tokens). */
export function mapOffsets(l: MapLayout, dims: readonly number[]): { grid: Int32Array; prefix: Int32Array; rowSize: number } {
  const strides = new Array<number>(dims.length).fill(1);
  for (let a = dims.length - 2; a >= 0; a--) strides[a] = strides[a + 1]! * dims[a + 1]!;
  const at = (r: AxisRole) => strides[l.roles.indexOf(r)] ?? 0;
  const [sc, sh, sw, st] = [at('C'), at('H'), at('W'), at('T')];
  const { channels: k, height: h, width: w } = l;
  const p = l.tokens?.prefix ?? 0;
  const grid = new Int32Array(k * h * w);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        grid[(c * h + i) * w + j] = c * sc + (l.tokens ? (p + i * w + j) * st : i * sh + j * sw);
      }
    }
  }
  const prefix = new Int32Array(p * k);
  for (let t = 0; t < p; t++) for (let c = 0; c < k; c++) prefix[t * k + c] = t * st + c * sc;
  return { grid, prefix, rowSize: strides[0]! };
}

function isRoles(l: Layout, roles: AxisRole[]): boolean {
  return l.roles.length === roles.length && l.roles.every((r, i) => r === roles[i]);
}

function sameDims(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return !!a && a.length === b.length && a.every((d, i) => d === b[i]);
}

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** Whether the tensor already is [N, C, h, w] row-major (no conversion needed). */
export function isPlainNchw(l: MapLayout): boolean {
  return isRoles(l, ['N', 'C', 'H', 'W']);
}

/** The maps [n, C, h, w] of n rows of a layer tensor (dims at any batch), read through its layout. */
export function toMaps(raw: Float32Array, n: number, l: MapLayout, dims: readonly number[]): Float32Array {
  if (isPlainNchw(l)) return raw;
  const { grid, rowSize } = mapOffsets(l, dims);
  const out = new Float32Array(n * grid.length);
  for (let r = 0; r < n; r++) {
    const [src, dst] = [r * rowSize, r * grid.length];
    for (let i = 0; i < grid.length; i++) out[dst + i] = raw[src + grid[i]!]!;
  }
  return out;
}

/**
 * The inverse of `toMaps` for m altered maps [m, C, h, w] of one row: the layer tensor [m, …], its
 * prefix tokens copied from that row of the original tensor (`row`, one row's values).
 */
export function fromMaps(maps: Float32Array, m: number, l: MapLayout, dims: readonly number[], row: Float32Array): Float32Array {
  if (isPlainNchw(l)) return maps;
  const { grid, prefix, rowSize } = mapOffsets(l, dims);
  const out = new Float32Array(m * rowSize);
  for (let r = 0; r < m; r++) {
    const [dst, src] = [r * rowSize, r * grid.length];
    for (let i = 0; i < grid.length; i++) out[dst + grid[i]!] = maps[src + i]!;
    for (let i = 0; i < prefix.length; i++) out[dst + prefix[i]!] = row[prefix[i]!]!;
  }
  return out;
}
