// Test oracle: findContours as it was before the points-free tracer (camscope 2e06405), a plain per-pixel Suzuki–Abe
// raster scan over a filled label image. The shipped tracer skips runs and tests u8 > cut itself; the randomized tests
// check it against this one, which the OpenCV fixtures pinned down.
import type { Contour } from '../../../src-main/evaluation/metrics/contours.js';

// Chain code s: 0 = right, then counter-clockwise on screen (1 = up-right, 2 = up, …, 7 = down-right).
const DX = [1, 1, 0, -1, -1, -1, 0, 1] as const;
const DY = [0, -1, -1, -1, 0, 1, 1, 1] as const;

interface Traced {
  points: number[];
  isHole: boolean;
  /** Discovery index of the parent contour, −1 for the frame. */
  parent: number;
  /** Discovery indices of the children, newest first (OpenCV's cvInsertNodeIntoTree). */
  children: number[];
}

/**
 * Contours of the nonzero pixels of a w×h row-major mask, in the order cv2.findContours(mask,
 * RETR_TREE, CHAIN_APPROX_SIMPLE) returns them. `scratch` (contourScratch of the same size) is overwritten.
 */
export function referenceFindContours(mask: ArrayLike<number>, width: number, height: number, scratch?: Int32Array): Contour[] {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0 || mask.length !== width * height) {
    throw new RangeError(`mask has ${mask.length} entries, expected ${width}×${height}`);
  }
  // Padded label image: 0 background, 1 unvisited foreground, ±(k + 2) visited by contour k,
  // negative where the pixel's right neighbour is background seen from that border (Suzuki's −NBD).
  const step = width + 2;
  const img = scratch && scratch.length === step * (height + 2) ? scratch.fill(0) : new Int32Array(step * (height + 2));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (mask[y * width + x]) img[(y + 1) * step + x + 1] = 1;
  }
  const deltas = new Int32Array(16);
  for (let s = 0; s < 16; s++) deltas[s] = DX[s & 7] + DY[s & 7] * step;

  const traced: Traced[] = [];
  const roots: number[] = [];
  for (let y = 1; y <= height; y++) {
    let lnbd = 0; // column of the last border pixel met on this row; 0 = none (the frame)
    let prev = 0;
    for (let x = 1; x <= width; x++) {
      const i = y * step + x;
      const p = img[i]!;
      const outer = prev === 0 && p === 1;
      const hole = !outer && p === 0 && prev >= 1;
      if (outer || hole) {
        if (hole && prev !== 1) lnbd = x - 1;
        // Parent from the border met last (Suzuki's table 1): same kind → its parent, else itself.
        let parent = -1;
        if (lnbd > 0) {
          const last = Math.abs(img[y * step + lnbd]!) - 2;
          parent = traced[last]!.isHole === hole ? traced[last]!.parent : last;
        }
        const k = traced.length;
        const start = hole ? i - 1 : i;
        traced.push({ points: follow(img, deltas, start, hole, k + 2, x - (hole ? 1 : 0) - 1, y - 1), isHole: hole, parent, children: [] });
        (parent < 0 ? roots : traced[parent]!.children).unshift(k);
        lnbd = x - (hole ? 1 : 0);
        prev = img[i]!;
        continue;
      }
      prev = p;
      if (p !== 0 && p !== 1) lnbd = x;
    }
  }

  // Depth-first, parents before children, newest sibling first: OpenCV's cvTreeToNodeSeq.
  const out: Contour[] = [];
  const visit = (k: number, parent: number): void => {
    const t = traced[k]!;
    const index = out.length;
    out.push({ points: Int32Array.from(t.points), isHole: t.isHole, parent });
    for (const c of t.children) visit(c, index);
  };
  for (const r of roots) visit(r, -1);
  return out;
}

/**
 * Follows one border from pixel `start` (image index in the padded label image), labels it and
 * returns its corner points (x, y in unpadded pixel indices, starting at x0, y0).
 */
function follow(img: Int32Array, deltas: Int32Array, start: number, isHole: boolean, label: number, x0: number, y0: number): number[] {
  // Clockwise from the background neighbour (left for an outer border, right for a hole) to the first foreground one.
  const sFirst = isHole ? 0 : 4;
  let s = sFirst;
  let i1: number;
  do {
    s = (s - 1) & 7;
    i1 = start + deltas[s]!;
  } while (img[i1] === 0 && s !== sFirst);
  if (s === sFirst) {
    img[start] = -label; // a single pixel
    return [x0, y0];
  }
  const points: number[] = [];
  let i3 = start;
  let prevS = s ^ 4;
  let x = x0;
  let y = y0;
  for (;;) {
    // Counter-clockwise from the previous pixel to the next foreground neighbour.
    const sEnd = s;
    let i4 = i3;
    while (s < 15) {
      i4 = i3 + deltas[++s]!;
      if (img[i4] !== 0) break;
    }
    s &= 7;
    // Direction 0 (the right neighbour) was examined and found background: mark −label.
    if ((s - 1) >>> 0 < sEnd) img[i3] = -label;
    else if (img[i3] === 1) img[i3] = label;
    if (s !== prevS) points.push(x, y);
    prevS = s;
    x += DX[s]!;
    y += DY[s]!;
    if (i4 === start && i3 === i1) break;
    i3 = i4;
    s = (s + 4) & 7;
  }
  return points;
}
