// The WSOL box of a finite layer map bilinearly upsampled to width × height — bit for bit the box of
// upsampleBilinear + min-max + threshold + largest component — without forming the upsampled map, which for a
// full-size photo is a million values per map and the bulk of an explanation's cost.
//
// Along one output row, between two source columns (a "segment": the pixels sharing their left tap), the exact
// value v = bilinearAt(…) is within ε = SLACK · max|corner| of the estimate e(x) = P + λ_x·(Q − P), with P and Q
// the row's values at the two source columns; e is monotone in x there, because λ_x is. So per row and segment,
// binary searches on e find the pixels that surely pass (e − ε ≥ cutoff), surely fail (e + ε < cutoff) and the few
// in between, which are computed exactly. The map's range is found the same way: only pixels whose estimate is
// within the slack of the extreme estimates can hold an extreme, and those are computed exactly.
import type { Box } from './explainTypes.js';
import { type Taps, axisTaps, bilinearAt, type Grid } from './mapGrid.js';
import { RowRuns, RunComponents } from './runComponents.js';

/**
 * |v − e| ≤ SLACK · max|corner|: the four float32 weight products (2⁻²⁴ each), float32 rounding of 1 − λ (2⁻²⁴),
 * the final float32 rounding (2⁻²⁴) and double rounding make under 7 · 2⁻²⁴; 2⁻²⁰ leaves a wide margin.
 */
const SLACK = 2 ** -20;

/**
 * Box (pixel edges, x1 exclusive) of the largest 8-connected component of the pixels of the map upsampled to
 * width × height whose min-max normalized value is ≥ threshold; null when the upsampled map is constant.
 * The map must be finite (wsolBox.boxFromMap takes the general path otherwise).
 */
export function upsampledBox(grid: Grid, width: number, height: number, threshold: number): Box | null {
  const rows = new SegmentRows(grid, width, height);
  const { min, max } = rows.range();
  const range = max - min;
  if (!(range > 0)) return null;
  const cut = passCutoff(min, range, threshold);
  const components = new RunComponents();
  const runs = new RowRuns(components);
  for (let y = 0; y < height; y++) {
    runs.row(y);
    for (let s = 0; s < rows.segments; s++) {
      rows.at(y, s);
      const { x0, x1, eps } = rows;
      // [x0, a): one side of the cutoff for sure, [a, b): computed exactly, [b, x1): the other side for sure.
      // Most segments lie wholly on one side: e is monotone, so its two ends decide them (what the searches would find).
      const e0 = rows.estimate(x0);
      const e1 = rows.estimate(x1 - 1);
      const lowEnd = rows.rising ? e0 : e1;
      const highEnd = rows.rising ? e1 : e0;
      if (lowEnd >= cut + eps) {
        runs.span(x0, x1);
        continue;
      }
      if (highEnd < cut - eps) continue;
      if (rows.rising) {
        const a = rows.first(x0, x1, AT_LEAST, cut - eps);
        const b = rows.first(a, x1, AT_LEAST, cut + eps);
        for (let x = a; x < b; x++) if (rows.exact(x) >= cut) runs.span(x, x + 1);
        runs.span(b, x1);
      } else {
        const a = rows.first(x0, x1, BELOW, cut + eps);
        const b = rows.first(a, x1, BELOW, cut - eps);
        runs.span(x0, a);
        for (let x = a; x < b; x++) if (rows.exact(x) >= cut) runs.span(x, x + 1);
      }
    }
  }
  runs.flush();
  return components.largest();
}

const AT_LEAST = 0;
const ABOVE = 1;
const BELOW = 2;
const AT_MOST = 3;
type Compare = typeof AT_LEAST | typeof ABOVE | typeof BELOW | typeof AT_MOST;

/** Row y of the upsampled map, one segment (pixels sharing their source columns) at a time. */
class SegmentRows {
  private readonly values: Float64Array;
  private readonly inW: number;
  private readonly tx: Taps;
  private readonly ty: Taps;
  private readonly starts: number[] = [];
  readonly segments: number;
  // The current (row, segment): weights, corners, estimate e(x) = p + λ_x · d, slack.
  private wt = 0;
  private wb = 0;
  private tl = 0;
  private tr = 0;
  private bl = 0;
  private br = 0;
  private p = 0;
  private d = 0;
  x0 = 0;
  x1 = 0;
  eps = 0;
  rising = true;

  constructor(
    grid: Grid,
    width: number,
    private readonly height: number,
  ) {
    this.values = Float64Array.from(grid.values);
    this.inW = grid.width;
    this.tx = axisTaps(grid.width, width, false);
    this.ty = axisTaps(grid.height, height, false);
    for (let x = 0; x < width; x++) if (x === 0 || this.tx.lo[x] !== this.tx.lo[x - 1]) this.starts.push(x);
    this.segments = this.starts.length;
    this.starts.push(width);
  }

  /** Selects row y, segment s (its pixels are [x0, x1)). */
  at(y: number, s: number): void {
    const { values, tx, ty, inW } = this;
    const x0 = (this.x0 = this.starts[s]!);
    this.x1 = this.starts[s + 1]!;
    const top = ty.lo[y]! * inW;
    const bottom = ty.hi[y]! * inW;
    const l = tx.lo[x0]!;
    const r = tx.hi[x0]!;
    this.wt = ty.wLo[y]!;
    this.wb = ty.wHi[y]!;
    this.tl = values[top + l]!;
    this.tr = values[top + r]!;
    this.bl = values[bottom + l]!;
    this.br = values[bottom + r]!;
    this.p = this.wt * this.tl + this.wb * this.bl;
    this.d = this.wt * this.tr + this.wb * this.br - this.p;
    this.rising = this.d >= 0;
    this.eps = SLACK * Math.max(Math.abs(this.tl), Math.abs(this.tr), Math.abs(this.bl), Math.abs(this.br));
  }

  estimate(x: number): number {
    return this.p + this.tx.wHi[x]! * this.d;
  }

  exact(x: number): number {
    return bilinearAt(this.wt, this.wb, this.tx.wLo[x]!, this.tx.wHi[x]!, this.tl, this.tr, this.bl, this.br);
  }

  /** The first x in [x0, x1) whose estimate e compares with level as asked (false along the segment, then true), else x1. */
  first(x0: number, x1: number, compare: Compare, level: number): number {
    let lo = x0;
    let hi = x1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = this.estimate(mid);
      if (compare === AT_LEAST ? e >= level : compare === ABOVE ? e > level : compare === BELOW ? e < level : e <= level) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** valueRange of the upsampled map: exact values at the pixels that can hold an extreme. */
  range(): { min: number; max: number } {
    // Bounds from the estimates: the maximum is ≥ every e − ε, the minimum ≤ every e + ε (e is monotone per segment,
    // so its ends bound it).
    let maxAtLeast = -Infinity;
    let minAtMost = Infinity;
    // Per (row, segment): its estimates' ends, max and min, and its slack, to skip it below when it holds no candidate.
    const cells = this.height * this.segments;
    const [eHigh, eLow, slack] = [new Float64Array(cells), new Float64Array(cells), new Float64Array(cells)];
    for (let y = 0, c = 0; y < this.height; y++) {
      for (let s = 0; s < this.segments; s++, c++) {
        this.at(y, s);
        const e0 = this.estimate(this.x0);
        const e1 = this.estimate(this.x1 - 1);
        eHigh[c] = Math.max(e0, e1);
        eLow[c] = Math.min(e0, e1);
        slack[c] = this.eps;
        maxAtLeast = Math.max(maxAtLeast, eHigh[c]! - this.eps);
        minAtMost = Math.min(minAtMost, eLow[c]! + this.eps);
      }
    }
    let min = Infinity;
    let max = -Infinity;
    const fold = (x: number) => {
      const v = this.exact(x);
      if (v < min) min = v;
      if (v > max) max = v;
    };
    for (let y = 0, c = 0; y < this.height; y++) {
      for (let s = 0; s < this.segments; s++, c++) {
        // No pixel of a segment whose highest estimate is below `high` and lowest above `low` is a candidate
        // (the searches below would find empty ranges: e is monotone along it).
        const eps = slack[c]!;
        if (eps !== 0 && eHigh[c]! < maxAtLeast - eps && eLow[c]! > minAtMost + eps) continue;
        this.at(y, s);
        const { x0, x1 } = this;
        if (this.eps === 0) {
          // All four corners are 0: every value here is exactly 0.
          min = Math.min(min, 0);
          max = Math.max(max, 0);
          continue;
        }
        // Candidates for the maximum: e + ε ≥ maxAtLeast; for the minimum: e − ε ≤ minAtMost (each at one end).
        const high = maxAtLeast - this.eps;
        const low = minAtMost + this.eps;
        const hi0 = this.rising ? this.first(x0, x1, AT_LEAST, high) : x0;
        const hi1 = this.rising ? x1 : this.first(x0, x1, BELOW, high);
        const lo0 = this.rising ? x0 : this.first(x0, x1, AT_MOST, low);
        const lo1 = this.rising ? this.first(x0, x1, ABOVE, low) : x1;
        for (let x = hi0; x < hi1; x++) fold(x);
        for (let x = lo0; x < lo1; x++) if (x < hi0 || x >= hi1) fold(x);
      }
    }
    return { min, max };
  }
}

const f32 = new Float32Array(1);
const bits = new Int32Array(f32.buffer);

/** The float32 next to float32 v upwards (dir 1) or downwards (−1). */
function nextFloat32(v: number, dir: 1 | -1): number {
  if (v === 0) return dir * 2 ** -149;
  f32[0] = v;
  bits[0]! += v > 0 === dir > 0 ? 1 : -1;
  return f32[0];
}

/**
 * The smallest float32 c with (c − min)/range ≥ threshold (min, range finite, range > 0). That test is monotone in
 * the value (each rounding step is), so a float32 value passes it exactly when it is ≥ c.
 */
export function passCutoff(min: number, range: number, threshold: number): number {
  const passes = (v: number) => (v - min) / range >= threshold;
  let c = Math.fround(min + threshold * range);
  while (!passes(c)) c = nextFloat32(c, 1);
  for (let below = nextFloat32(c, -1); passes(below); below = nextFloat32(c, -1)) c = below;
  return c;
}
