// Disagreement of two maps of one image: 1 − Pearson r, in 0..2 (0 = same shape up to scale and offset).

/**
 * Pearson correlation in float64, two-pass (mean first) so large offsets do not cancel digits.
 * null when either map is constant: r is undefined, and a made-up value would sort as if it meant something.
 */
export function pearson(a: Float32Array, b: Float32Array): number | null {
  if (a.length !== b.length || a.length === 0) throw new Error(`pearson: maps of ${a.length} and ${b.length} values`);
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return null;
  // Clamped: rounding can push |r| a hair past 1 for near-identical maps.
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

/** 1 − r, or null when r is undefined. */
export function disagreement(a: Float32Array, b: Float32Array): number | null {
  const r = pearson(a, b);
  return r === null ? null : 1 - r;
}
