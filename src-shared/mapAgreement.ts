// Agreement of two maps: Pearson's r and Spearman's ρ (Pearson's r of average ranks, the tie-corrected form).
//
// Maps on different grids are both upsampled (camscope's bilinear) to the larger width and larger
// height. A constant map correlates with nothing: null.
import { type Grid, upsampleBilinear } from './mapGrid.js';

function sameGrid(a: Grid, b: Grid): [ArrayLike<number>, ArrayLike<number>] {
  if (a.width === b.width && a.height === b.height) return [a.values, b.values];
  const w = Math.max(a.width, b.width);
  const h = Math.max(a.height, b.height);
  const at = (g: Grid) => (g.width === w && g.height === h ? g.values : upsampleBilinear(g, w, h));
  return [at(a), at(b)];
}

/** Σ(a − ā)(b − b̄) / √(Σ(a − ā)² Σ(b − b̄)²), in float64; null when either side is constant. */
export function pearsonValues(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  if (a.length !== b.length) throw new RangeError(`maps have ${a.length} and ${b.length} values`);
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (!(saa > 0 && sbb > 0)) return null;
  // Rounding can push |r| a hair past 1 for (anti)proportional maps.
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

/** Ranks 1..n, tied values sharing the mean of their ranks. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((i, j) => values[i]! - values[j]!);
  const ranks = new Float64Array(values.length);
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    const rank = (start + 1 + end) / 2; // mean of ranks start + 1 .. end
    for (let k = start; k < end; k++) ranks[order[k]!] = rank;
    start = end;
  }
  return ranks;
}

export function pearson(a: Grid, b: Grid): number | null {
  const [va, vb] = sameGrid(a, b);
  return pearsonValues(va, vb);
}

export function spearman(a: Grid, b: Grid): number | null {
  const [va, vb] = sameGrid(a, b);
  return pearsonValues(averageRanks(va), averageRanks(vb));
}
