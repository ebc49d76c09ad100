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
interface Taps {
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
function axisTaps(inSize: number, outSize: number, alignCorners: boolean): Taps {
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
  const { width: inW, height: inH, values } = grid;
  if (values.length !== inW * inH) throw new RangeError(`map has ${values.length} values, expected ${inW}×${inH}`);
  if (!(Number.isInteger(outW) && Number.isInteger(outH) && outW > 0 && outH > 0)) {
    throw new RangeError(`cannot upsample a map to ${outW}×${outH}`);
  }
  const tx = axisTaps(inW, outW, alignCorners);
  const ty = axisTaps(inH, outH, alignCorners);
  const out = new Float32Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const top = ty.lo[y]! * inW;
    const bottom = ty.hi[y]! * inW;
    const wt = ty.wLo[y]!;
    const wb = ty.wHi[y]!;
    const row = y * outW;
    for (let x = 0; x < outW; x++) {
      const l = tx.lo[x]!;
      const r = tx.hi[x]!;
      const wl = tx.wLo[x]!;
      const wr = tx.wHi[x]!;
      out[row + x] =
        Math.fround(wt * wl) * values[top + l]! +
        Math.fround(wt * wr) * values[top + r]! +
        Math.fround(wb * wl) * values[bottom + l]! +
        Math.fround(wb * wr) * values[bottom + r]!;
    }
  }
  return out;
}

/** What an overlay shows: normalize at layer resolution, then upsample (the order of the engine's PNG overlays). */
export function heatmap(grid: Grid, outW: number, outH: number): Float32Array {
  return upsampleBilinear({ width: grid.width, height: grid.height, values: minMaxNormalize(grid.values) }, outW, outH);
}
