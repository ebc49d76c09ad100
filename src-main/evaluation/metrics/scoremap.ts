// Bringing a camscope map and GT boxes to the 224×224 scoremap scale of wsolevaluation (Choe et al., CVPR 2020: inference.py, evaluation.py).
//
// Their pipeline: the CAM at layer resolution → float64 → cv2.resize(224×224, INTER_CUBIC) →
// min-max normalization (NaN or constant → zeros). camscope's own display path is different
// (normalize at layer resolution, then PyTorch bilinear), so both are offered; 'cubic' is the
// default because it reproduces the reference numbers.
import { CamscopeError } from '../../errors.js';
import type { Box } from '../../../src-shared/explainTypes.js';
import { type Grid, heatmap } from '../../../src-shared/mapGrid.js';

/** The side every wsolevaluation scoremap and GT box is brought to. */
export const WSOL_SIZE = 224;

export type ScoremapInterpolation = 'cubic' | 'bilinear';

/** A float64 map in [0, 1], row-major. */
export interface Scoremap {
  width: number;
  height: number;
  values: Float64Array;
}

/**
 * The scoremap the reference evaluates: 'cubic' (default) = cv2.resize INTER_CUBIC of the raw map,
 * then normalization; 'bilinear' = camscope's heatmap (normalize, PyTorch bilinear), renormalized.
 */
export function scoremapFromMap(map: Grid, { size = WSOL_SIZE, interpolation = 'cubic' as ScoremapInterpolation } = {}): Scoremap {
  const resized = interpolation === 'cubic' ? resizeCubic(map, size, size) : Float64Array.from(heatmap(map, size, size));
  return { width: size, height: size, values: normalizeScoremap(resized) };
}

/** inference.py's normalize_scoremap in float64: (v − min) / (max − min); any NaN or a constant map → zeros. */
export function normalizeScoremap(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) return out;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) return out;
  const range = max - min;
  for (let i = 0; i < out.length; i++) out[i] = (values[i]! - min) / range;
  return out;
}

/**
 * camscope GT boxes (original pixels, x1/y1 exclusive) → wsolevaluation boxes at the scoremap
 * scale: back to inclusive corners (x1 − 1, y1 − 1, as their localization.txt), then resize_bbox's
 * int(v · size / imageSide).
 */
export function gtBoxesToScoremap(boxes: Box[], imageWidth: number, imageHeight: number, size = WSOL_SIZE): Box[] {
  return boxes.map((b) => {
    if (!(b[2] > b[0] && b[3] > b[1] && b[0] >= 0 && b[1] >= 0)) {
      throw new CamscopeError(`ground-truth box [${b.join(', ')}] is empty or negative`);
    }
    const sx = (v: number) => Math.trunc((v * size) / imageWidth);
    const sy = (v: number) => Math.trunc((v * size) / imageHeight);
    return [sx(b[0]), sy(b[1]), sx(b[2] - 1), sy(b[3] - 1)];
  });
}

interface CubicTaps {
  /** Source index of tap 1 of 4 (taps sx − 1 .. sx + 2, clamped to the edge). */
  sx: Int32Array;
  /** Four float32 weights per output index. */
  weights: Float32Array;
}

const A = Math.fround(-0.75);
const f = Math.fround;

/** OpenCV's interpolateCubic (Keys, a = −0.75) evaluated in float32 like the C++ code. */
function cubicWeights(x: number, out: Float32Array, at: number): void {
  const x1 = f(x + 1);
  const c0 = f(f(f(f(f(f(A * x1) - f(5 * A)) * x1) + f(8 * A)) * x1) - f(4 * A));
  const c1 = f(f(f(f(f(f(A + 2) * x) - f(A + 3)) * x) * x) + 1);
  const y = f(1 - x);
  const c2 = f(f(f(f(f(f(A + 2) * y) - f(A + 3)) * y) * y) + 1);
  out[at] = c0;
  out[at + 1] = c1;
  out[at + 2] = c2;
  out[at + 3] = f(f(f(1 - c0) - c1) - c2);
}

function cubicTaps(inSize: number, outSize: number): CubicTaps {
  const scale = 1 / (outSize / inSize); // OpenCV keeps 1/inv_scale, not in/out
  const taps: CubicTaps = { sx: new Int32Array(outSize), weights: new Float32Array(4 * outSize) };
  for (let d = 0; d < outSize; d++) {
    const fx = f((d + 0.5) * scale - 0.5);
    const sx = Math.floor(fx);
    taps.sx[d] = sx;
    cubicWeights(f(fx - sx), taps.weights, 4 * d);
  }
  return taps;
}

/** cv2.resize(src float64, (outW, outH), interpolation=INTER_CUBIC): float32 weights, float64 sums, edge taps replicated. */
export function resizeCubic(grid: Grid, outW: number, outH: number): Float64Array {
  const { width: inW, height: inH, values } = grid;
  if (values.length !== inW * inH || inW < 1 || inH < 1) throw new RangeError(`map has ${values.length} values, expected ${inW}×${inH}`);
  if (inW === outW && inH === outH) return Float64Array.from(values);
  const tx = cubicTaps(inW, outW);
  const ty = cubicTaps(inH, outH);
  const clamp = (i: number, n: number) => (i < 0 ? 0 : i >= n ? n - 1 : i);
  // Horizontal pass on every source row, then the vertical pass on those rows.
  const rows = new Float64Array(inH * outW);
  for (let y = 0; y < inH; y++) {
    for (let x = 0; x < outW; x++) {
      const s = tx.sx[x]!;
      const w = 4 * x;
      let v = 0;
      for (let k = 0; k < 4; k++) v += values[y * inW + clamp(s - 1 + k, inW)]! * tx.weights[w + k]!;
      rows[y * outW + x] = v;
    }
  }
  const out = new Float64Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const s = ty.sx[y]!;
    const w = 4 * y;
    const r0 = clamp(s - 1, inH) * outW,
      r1 = clamp(s, inH) * outW,
      r2 = clamp(s + 1, inH) * outW,
      r3 = clamp(s + 2, inH) * outW;
    const b0 = ty.weights[w]!,
      b1 = ty.weights[w + 1]!,
      b2 = ty.weights[w + 2]!,
      b3 = ty.weights[w + 3]!;
    for (let x = 0; x < outW; x++) {
      out[y * outW + x] = rows[r0 + x]! * b0 + rows[r1 + x]! * b1 + rows[r2 + x]! * b2 + rows[r3 + x]! * b3;
    }
  }
  return out;
}
