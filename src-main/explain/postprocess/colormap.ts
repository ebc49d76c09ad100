// matplotlib's 'jet' colormap as a 256-entry byte lookup table, quantized the way matplotlib indexes it.
export type Rgb = [r: number, g: number, b: number];

/** matplotlib segment data: per channel, rows (x, value left of x, value right of x), x rising from 0 to 1. */
type Segments = readonly (readonly [x: number, y0: number, y1: number])[];

const JET_SEGMENTS: Record<'red' | 'green' | 'blue', Segments> = {
  red: [[0, 0, 0], [0.35, 0, 0], [0.66, 1, 1], [0.89, 1, 1], [1, 0.5, 0.5]],
  green: [[0, 0, 0], [0.125, 0, 0], [0.375, 1, 1], [0.64, 1, 1], [0.91, 0, 0], [1, 0, 0]],
  blue: [[0, 0.5, 0.5], [0.11, 1, 1], [0.34, 1, 1], [0.65, 0, 0], [1, 0, 0]],
};

/** Colormap entries, as matplotlib builds them by default. */
export const LUT_SIZE = 256;

/**
 * matplotlib's _create_lookup_table, with its float operations in its order (so bytes match exactly):
 * breakpoints scaled to 0..N−1, entry i interpolated between the first breakpoint ≥ i and the one
 * before, clipped to [0, 1].
 */
function channelLut(segments: Segments, n: number): Float64Array {
  const lut = new Float64Array(n);
  lut[0] = segments[0]![2];
  lut[n - 1] = segments[segments.length - 1]![1];
  const step = 1 / (n - 1);
  let k = 1;
  for (let i = 1; i < n - 1; i++) {
    const x = (n - 1) * (i * step);
    while (segments[k]![0] * (n - 1) < x) k++;
    const xa = segments[k - 1]![0] * (n - 1);
    const ya = segments[k - 1]![2];
    const xb = segments[k]![0] * (n - 1);
    const yb = segments[k]![1];
    lut[i] = Math.min(1, Math.max(0, ((x - xa) / (xb - xa)) * (yb - ya) + ya));
  }
  return lut;
}

/** Interleaved RGB bytes, LUT_SIZE entries; channel values in [0, 1] → bytes truncated, as matplotlib's to_rgba(bytes=True). */
export const JET_LUT: Uint8Array = (() => {
  const channels = [JET_SEGMENTS.red, JET_SEGMENTS.green, JET_SEGMENTS.blue].map((s) => channelLut(s, LUT_SIZE));
  const bytes = new Uint8Array(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    for (let c = 0; c < 3; c++) bytes[3 * i + c] = Math.floor(channels[c]![i]! * 255);
  }
  return bytes;
})();

/**
 * The LUT entry matplotlib picks for t: floor(t·N), with t = 1 (and anything above) on the last entry
 * and anything below 0 on the first. NaN, which matplotlib draws transparent, gets the first entry.
 */
export function jetIndex(t: number): number {
  const i = Math.floor(t * LUT_SIZE);
  return i >= LUT_SIZE ? LUT_SIZE - 1 : i > 0 ? i : 0;
}

/** jet colour of t in [0, 1] as [r, g, b] bytes. */
export function jet(t: number): Rgb {
  const i = 3 * jetIndex(t);
  return [JET_LUT[i]!, JET_LUT[i + 1]!, JET_LUT[i + 2]!];
}
