// Layer-resolution maps, shared by the engine and the renderer: min-max normalization and PyTorch-exact
// bilinear upsampling (align_corners False or True).

/** A row-major 2-D map: the value at column x, row y is values[y·width + x]. */
export interface Grid {
  width: number;
  height: number;
  values: ArrayLike<number>;
}

/** Smallest and largest value ignoring NaN; both NaN when there is no number at all. */
export function valueRange(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : { min: NaN, max: NaN };
}

/** (v − min)/(max − min) as float32; a constant map shows nothing, so it becomes zeros rather than NaN. */
export function minMaxNormalize(values: ArrayLike<number>): Float32Array {
  const out = new Float32Array(values.length);
  const { min, max } = valueRange(values);
  const range = max - min;
  if (range > 0) for (let i = 0; i < out.length; i++) out[i] = (values[i]! - min) / range;
  return out;
}

/** For every output index along one axis: both source taps and their float32 weights. */
export interface Taps {
  lo: Int32Array;
  hi: Int32Array;
  wLo: Float32Array;
  wHi: Float32Array;
}

/**
 * ATen's source coordinate with an explicit output size. align_corners=False: src = s·(d + ½) − ½ with s = float32(in/out),
 * clamped at 0; align_corners=True: src = s·d with s = float32((in − 1)/(out − 1)). The upper tap repeats the
 * edge; λ is kept as float32, like the CPU kernel.
 */
export function axisTaps(inSize: number, outSize: number, alignCorners: boolean): Taps {
  const taps: Taps = { lo: new Int32Array(outSize), hi: new Int32Array(outSize), wLo: new Float32Array(outSize), wHi: new Float32Array(outSize) };
  const scale = alignCorners ? (outSize > 1 ? Math.fround((inSize - 1) / (outSize - 1)) : 0) : Math.fround(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    // Equal sizes are a plain copy in PyTorch, whatever the arithmetic would say.
    const src = inSize === outSize ? d : alignCorners ? scale * d : Math.max(0, scale * (d + 0.5) - 0.5);
    const i = Math.min(Math.floor(src), inSize - 1);
    const lambda = Math.fround(Math.min(Math.max(src - i, 0), 1));
    taps.lo[d] = i;
    taps.hi[d] = Math.min(i + 1, inSize - 1);
    taps.wLo[d] = 1 - lambda;
    taps.wHi[d] = lambda;
  }
  return taps;
}

/**
 * F.interpolate(x, size=(outH, outW), mode='bilinear', align_corners) on one channel (default False; True is
 * nn.UpsamplingBilinear2d): corner weights are float32 products, the sum is formed in double and stored as float32,
 * so results are bit-identical to the engine's.
 */
export function upsampleBilinear(grid: Grid, outW: number, outH: number, alignCorners = false): Float32Array {
  const out = new Float32Array(outW * outH);
  upsampleBilinearInto(grid, outW, outH, out, alignCorners);
  return out;
}

/**
 * upsampleBilinear written into the first outW·outH values of `out`, returning their valueRange from the same pass
 * (boxing a full-size photo's map then reads it once, and can reuse one buffer).
 */
export function upsampleBilinearInto(grid: Grid, outW: number, outH: number, out: Float32Array, alignCorners = false): { min: number; max: number } {
  const { width: inW, height: inH } = grid;
  if (grid.values.length !== inW * inH) throw new RangeError(`map has ${grid.values.length} values, expected ${inW}×${inH}`);
  if (!(Number.isInteger(outW) && Number.isInteger(outH) && outW > 0 && outH > 0)) {
    throw new RangeError(`cannot upsample a map to ${outW}×${outH}`);
  }
  if (out.length < outW * outH) throw new RangeError(`an output of ${out.length} values cannot hold ${outW}×${outH}`);
  const values = Float64Array.from(grid.values); // one element type for the loop below (lossless for any number)
  const tx = axisTaps(inW, outW, alignCorners);
  const ty = axisTaps(inH, outH, alignCorners);
  const { lo, hi, wLo, wHi } = tx;
  let min = Infinity;
  let max = -Infinity;
  for (let y = 0; y < outH; y++) {
    const top = ty.lo[y]! * inW;
    const bottom = ty.hi[y]! * inW;
    const wt = ty.wLo[y]!;
    const wb = ty.wHi[y]!;
    const row = y * outW;
    for (let x = 0; x < outW; x++) {
      const l = lo[x]!;
      const r = hi[x]!;
      const wl = wLo[x]!;
      const wr = wHi[x]!;
      const v = bilinearAt(wt, wb, wl, wr, values[top + l]!, values[top + r]!, values[bottom + l]!, values[bottom + r]!);
      out[row + x] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return min <= max ? { min, max } : { min: NaN, max: NaN };
}

/** One upsampled value from its four source values (top/bottom × left/right) and tap weights, as ATen forms it. */
export function bilinearAt(wt: number, wb: number, wl: number, wr: number, tl: number, tr: number, bl: number, br: number): number {
  return Math.fround(Math.fround(wt * wl) * tl + Math.fround(wt * wr) * tr + Math.fround(wb * wl) * bl + Math.fround(wb * wr) * br);
}

/** What an overlay shows: normalize at layer resolution, then upsample (the order of the engine's PNG overlays). */
export function heatmap(grid: Grid, outW: number, outH: number): Float32Array {
  return upsampleBilinear({ width: grid.width, height: grid.height, values: minMaxNormalize(grid.values) }, outW, outH);
}
