// Seeded train/validation split of row indices.

/** mulberry32: a small deterministic PRNG, so a seed fixes the split on every platform. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles 0..n−1 (Fisher–Yates) and puts round(n·valFraction) rows in validation, both lists ascending. */
export function splitRows(n: number, valFraction: number, seed: number): { train: number[]; val: number[] } {
  const order = Array.from({ length: n }, (_, i) => i);
  const random = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const nVal = Math.round(n * valFraction);
  const asc = (a: number, b: number) => a - b;
  return { train: order.slice(nVal).sort(asc), val: order.slice(0, nVal).sort(asc) };
}

/** The rows `rows` of a [n, k] matrix, in that order. */
export function takeRows(x: Float32Array, k: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * k);
  rows.forEach((r, i) => out.set(x.subarray(r * k, (r + 1) * k), i * k));
  return out;
}
