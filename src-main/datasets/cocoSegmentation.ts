// A COCO annotation's `segmentation` as the run-length encoding pycocotools' annToRLE makes of it, and
// that RLE decoded as annToMask decodes it — ported from cocoapi's common/maskApi.c (rleFrPoly,
// rleFrBbox, rleFrString, rleDecode) and PythonAPI (frPyObjects' dispatch, merge of polygon parts):
//   * polygons [[x1, y1, x2, y2, …], …] at the image's stated height × width: each part rasterized by
//     maskApi's upsample-by-5 boundary walk, the parts united; a first part of exactly 4 numbers makes
//     frPyObjects read every part as a bbox [x, y, w, h] instead (reproduced, as pycocotools does it);
//   * uncompressed RLE {counts: [n0, n1, …], size: [h, w]} (crowd regions): counts as they are;
//   * compressed RLE {counts: "…", size: [h, w]}: maskApi's LEB128-like string, 5 bits per character
//     (ASCII 48 + value, bit 0x20 continues, 0x10 the sign of the last), counts from the 4th on stored
//     as the difference to the count two before.
// Counts alternate background/foreground runs starting with background, in column-major order
// (x · h + y). Counts that do not add up to h · w would make maskApi read or write past the mask, so
// they are a problem here rather than undefined behaviour.

/** A run-length encoded mask, maskApi's RLE: column-major runs starting with background. */
export interface Rle {
  height: number;
  width: number;
  counts: Uint32Array;
}

export type Parsed<T> = { ok: T } | { problem: string };

const UINT32 = 2 ** 32;
/** Characters per count: 6 × 5 bits hold any count (and difference, with its sign) of an image under the
 * 100-megapixel cap; beyond that maskApi's int shifts are undefined behaviour. */
const MAX_CHARS_PER_COUNT = 6;

const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** maskApi's rleFrPoly: the polygon xy (k points) as an RLE of an h × w mask. */
export function rleFromPolygon(xy: ArrayLike<number>, h: number, w: number): Rle {
  const scale = 5;
  const k = Math.floor(xy.length / 2);
  // (int)(v + .5) in C truncates toward zero.
  const x = Array.from({ length: k + 1 }, (_, j) => Math.trunc(scale * xy[(j % k) * 2]! + 0.5));
  const y = Array.from({ length: k + 1 }, (_, j) => Math.trunc(scale * xy[(j % k) * 2 + 1]! + 0.5));
  const u: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < k; j++) {
    let [xs, xe, ys, ye] = [x[j]!, x[j + 1]!, y[j]!, y[j + 1]!];
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) [xs, xe, ys, ye] = [xe, xs, ye, ys];
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy)
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u.push(t + xs);
        v.push(Math.trunc(ys + s * t + 0.5));
      }
    else
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v.push(t + ys);
        u.push(Math.trunc(xs + s * t + 0.5));
      }
  }
  // The points where the boundary crosses a pixel column's centre, downsampled.
  const a: number[] = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    const xd = ((u[j]! < u[j - 1]! ? u[j]! : u[j]! - 1) + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = ((v[j]! < v[j - 1]! ? v[j]! : v[j - 1]!) + 0.5) / scale - 0.5;
    yd = Math.ceil(yd < 0 ? 0 : yd > h ? h : yd);
    a.push((xd * h + yd) >>> 0);
  }
  a.push(h * w);
  a.sort((p, q) => p - q);
  for (let j = a.length - 1; j > 0; j--) a[j] -= a[j - 1]!;
  // Runs of length 0 (two crossings at one pixel) fold into the run before.
  const b: number[] = [a[0]!];
  for (let j = 1; j < a.length;) {
    if (a[j]! > 0) b.push(a[j++]!);
    else if (++j < a.length) b[b.length - 1] += a[j++]!;
  }
  return { height: h, width: w, counts: Uint32Array.from(b) };
}

/** maskApi's rleFrString: the compressed counts string of an h × w mask. */
export function rleFromString(s: string, h: number, w: number): Parsed<Rle> {
  const counts: number[] = [];
  for (let p = 0; p < s.length;) {
    let x = 0;
    let k = 0;
    for (let more = true; more;) {
      if (p >= s.length) return { problem: 'compressed RLE ends inside a count' };
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) return { problem: `compressed RLE has the character '${s[p]}' (only ASCII 48–111)` };
      if (k === MAX_CHARS_PER_COUNT) return { problem: `compressed RLE has a count of more than ${MAX_CHARS_PER_COUNT} characters` };
      x += (c & 0x1f) * 32 ** k;
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= 32 ** k;
    }
    if (counts.length > 2) x += counts[counts.length - 2]!;
    counts.push(((x % UINT32) + UINT32) % UINT32);
  }
  return checkedRle(counts, h, w);
}

function checkedRle(counts: number[], h: number, w: number): Parsed<Rle> {
  const total = counts.reduce((t, c) => t + c, 0);
  if (total !== h * w) return { problem: `RLE counts add up to ${total}, not ${h}·${w} = ${h * w}` };
  return { ok: { height: h, width: w, counts: Uint32Array.from(counts) } };
}

/** maskApi's rleMerge (union), on decoded masks. */
function union(rles: Rle[]): Rle {
  const { height, width } = rles[0]!;
  const mask = new Uint8Array(height * width);
  for (const r of rles) decodeColumnMajor(r, mask);
  return encodeColumnMajor(mask, height, width);
}

/** maskApi's rleEncode of a column-major 0/1 mask. */
function encodeColumnMajor(mask: Uint8Array, h: number, w: number): Rle {
  const counts: number[] = [];
  let previous = 0;
  let run = 0;
  for (const m of mask) {
    if (m !== previous) {
      counts.push(run);
      run = 0;
      previous = m;
    }
    run++;
  }
  counts.push(run);
  return { height: h, width: w, counts: Uint32Array.from(counts) };
}

/** ORs the RLE's foreground into a column-major mask. */
function decodeColumnMajor(rle: Rle, into: Uint8Array): void {
  let p = 0;
  rle.counts.forEach((c, j) => {
    if (j % 2 === 1) into.fill(1, p, p + c);
    p += c;
  });
}

/** annToRLE: the segmentation of an annotation on an image stated as h × w (its RLE's own size for RLE). */
export function segmentationRle(segmentation: unknown, h: number, w: number): Parsed<Rle> {
  if (Array.isArray(segmentation)) {
    if (segmentation.length === 0 || !segmentation.every(isNumbers))
      return { problem: 'polygon segmentation must be a non-empty list of number lists' };
    const parts = segmentation;
    if (parts[0]!.length === 4) {
      // frPyObjects: a first part of four numbers means boxes [x, y, w, h] (rleFrBbox's four corners).
      if (!parts.every((p) => p.length === 4)) return { problem: 'segmentation mixes boxes [x, y, w, h] and polygons' };
      return { ok: union(parts.map(([x0, y0, bw, bh]) => rleFromPolygon([x0!, y0!, x0!, y0! + bh!, x0! + bw!, y0! + bh!, x0! + bw!, y0!], h, w))) };
    }
    if (parts[0]!.length < 4 || parts.some((p) => p.length < 2)) return { problem: 'a polygon part of fewer than 2 points (the first needs 3)' };
    return { ok: union(parts.map((p) => rleFromPolygon(p, h, w))) };
  }
  if (typeof segmentation !== 'object' || segmentation === null) return { problem: 'segmentation must be polygons or an RLE {counts, size}' };
  const { counts, size } = segmentation as { counts?: unknown; size?: unknown };
  if (!isNumbers(size) || size.length !== 2 || !size.every((n) => Number.isInteger(n) && n > 0))
    return { problem: 'RLE size must be [height, width] of positive integers' };
  const [rh, rw] = size as [number, number];
  if (typeof counts === 'string') return rleFromString(counts, rh, rw);
  if (!isNumbers(counts) || !counts.every((c) => Number.isInteger(c) && c >= 0 && c < UINT32))
    return { problem: 'RLE counts must be a string or a list of integers ≥ 0' };
  return checkedRle(counts, rh, rw);
}

/** rleDecode: the RLE as a row-major 0/1 mask of height × width. */
export function decodeRle(rle: Rle): Uint8Array {
  const { height: h, width: w } = rle;
  const columnMajor = new Uint8Array(h * w);
  decodeColumnMajor(rle, columnMajor);
  const out = new Uint8Array(h * w);
  for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) out[y * w + x] = columnMajor[x * h + y]!;
  return out;
}
