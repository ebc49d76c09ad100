// MapGrid (a row-major 2-D activation map), min-max normalization and PyTorch-faithful bilinear upsampling.
import { CamscopeError } from '../../errors.js';

/** A 2-D map, row-major: the value at column x, row y is values[y * width + x]. */
export interface MapGrid {
  width: number;
  height: number;
  values: Float32Array;
}

/** Rejects a map whose size is not a positive integer size or does not match its values. */
export function checkMapGrid(map: MapGrid, what = 'activation map'): void {
  const { width, height, values } = map;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new CamscopeError(`${what}: size ${width}×${height} is not a positive integer size`);
  }
  if (values.length !== width * height) {
    throw new CamscopeError(`${what}: ${values.length} values for a ${width}×${height} grid (expected ${width * height})`);
  }
}

/** Smallest and largest value, skipping NaN; both are NaN when no value is a number. */
export function valueRange(values: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : { min: NaN, max: NaN };
}

/** (v − min) / (max − min); a constant map has nothing to show, so it becomes all zeros rather than NaN. */
export function minMaxNormalize(map: MapGrid): MapGrid {
  checkMapGrid(map);
  const { min, max } = valueRange(map.values);
  const range = max - min;
  const out = new Float32Array(map.values.length);
  if (range > 0) {
    for (let i = 0; i < out.length; i++) out[i] = (map.values[i]! - min) / range;
  }
  return { width: map.width, height: map.height, values: out };
}

/** Per output index along one axis: the two source indices and their float32 weights. */
interface AxisTaps {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float32Array;
  w1: Float32Array;
}

/**
 * PyTorch's source index for bilinear, align_corners=False, output size given:
 * src = scale·(dst + 0.5) − 0.5 with scale = float32(in/out), clamped at 0; i0 = ⌊src⌋ (at most in − 1),
 * the right tap repeats the edge, and λ = src − i0 is stored as float32, as ATen's kernel does.
 */
function axisTaps(inSize: number, outSize: number): AxisTaps {
  const taps: AxisTaps = {
    i0: new Int32Array(outSize),
    i1: new Int32Array(outSize),
    w0: new Float32Array(outSize),
    w1: new Float32Array(outSize),
  };
  const scale = Math.fround(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    // Same size: PyTorch copies (λ = 0) rather than trusting the arithmetic.
    const src = inSize === outSize ? d : Math.max(0, scale * (d + 0.5) - 0.5);
    const i = Math.min(Math.floor(src), inSize - 1);
    const lambda = Math.fround(Math.min(Math.max(src - i, 0), 1));
    taps.i0[d] = i;
    taps.i1[d] = i < inSize - 1 ? i + 1 : i;
    taps.w0[d] = 1 - lambda;
    taps.w1[d] = lambda;
  }
  return taps;
}

/**
 * Resizes like F.interpolate(x, size=(outH, outW), mode='bilinear', align_corners=False), no antialias,
 * on a single-channel map. Arithmetic as in ATen's CPU kernel for such a map: the four corner weights
 * are float32 products h·w, the weighted sum is accumulated in double and rounded once to float32.
 * Bit-identical to torch 1.13 on CPU; other versions and kernels differ from it by at most an ulp or so.
 */
export function upsampleBilinear(map: MapGrid, outW: number, outH: number): MapGrid {
  checkMapGrid(map);
  if (!Number.isInteger(outW) || !Number.isInteger(outH) || outW < 1 || outH < 1) {
    throw new CamscopeError(`cannot resize an activation map to ${outW}×${outH}: not a positive integer size`);
  }
  const { width: inW, height: inH, values } = map;
  const { i0: cx0, i1: cx1, w0: wx0, w1: wx1 } = axisTaps(inW, outW);
  const ty = axisTaps(inH, outH);
  const out = new Float32Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const a = ty.i0[y]! * inW;
    const b = ty.i1[y]! * inW;
    const h0 = ty.w0[y]!;
    const h1 = ty.w1[y]!;
    const o = y * outW;
    for (let x = 0; x < outW; x++) {
      const c = cx0[x]!;
      const d = cx1[x]!;
      const w0 = wx0[x]!;
      const w1 = wx1[x]!;
      out[o + x] =
        Math.fround(h0 * w0) * values[a + c]! +
        Math.fround(h0 * w1) * values[a + d]! +
        Math.fround(h1 * w0) * values[b + c]! +
        Math.fround(h1 * w1) * values[b + d]!;
    }
  }
  return { width: outW, height: outH, values: out };
}
