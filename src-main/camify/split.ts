// Seeded train/validation split of row indices.
import { rng } from '../../src-shared/random.js';

/** Shuffles 0..n−1 (Fisher–Yates) and puts round(n·valFraction) rows in validation, both lists ascending. */
export function splitRows(n: number, valFraction: number, seed: number): { train: number[]; val: number[] } {
  const order = Array.from({ length: n }, (_, i) => i);
  const random = rng(seed); // seeded, so a seed fixes the split on every platform
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
