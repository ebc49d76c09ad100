// Border following of Suzuki & Abe, "Topological Structural Analysis of Digitized Binary Images by Border Following" (CVGIP 1985), as OpenCV's findContours(RETR_TREE, CHAIN_APPROX_SIMPLE) runs it.
//
// What must match OpenCV for MaxBoxAcc to match wsolevaluation: the image is framed by one zero
// pixel, foreground is 8-connected, hole borders are traced too, a point is kept where the
// chain direction changes, and contours come out in OpenCV's order (its tree is built by
// inserting every new contour as the FIRST child of its parent, then read depth-first), because
// max(contours, key=contourArea) keeps the first of equal areas.

export interface Contour {
  /** Corner points x0, y0, x1, y1, … in pixel indices (CHAIN_APPROX_SIMPLE). */
  points: Int32Array;
  /** A hole border (the border between a component and a hole inside it). */
  isHole: boolean;
  /** Index of the enclosing contour in the returned list, −1 at the top level. */
  parent: number;
}

// Chain code s: 0 = right, then counter-clockwise on screen (1 = up-right, 2 = up, …, 7 = down-right).
const DX = [1, 1, 0, -1, -1, -1, 0, 1] as const;
const DY = [0, -1, -1, -1, 0, 1, 1, 1] as const;

/**
 * Per-border results of one tracing pass in discovery (raster) order, as parallel arrays so that a pass allocates nothing
 * once they have grown: enough for MaxBoxAcc, which reads only each contour's bounding rect, its contourArea and the order.
 */
export class ContourTrace {
  /** Borders found. */
  count = 0;
  /** Discovery indices in findContours' output order (order[0 .. count − 1]). */
  order = new Int32Array(64);
  isHole = new Uint8Array(64);
  /** Discovery index of the enclosing border, −1 for the frame. */
  parent = new Int32Array(64);
  /** boundingRect of the corner points: columns x0 .. x1, rows y0 .. y1 (inclusive). */
  x0 = new Int32Array(64);
  y0 = new Int32Array(64);
  x1 = new Int32Array(64);
  y1 = new Int32Array(64);
  /** Oriented shoelace sum over the corner points: contourArea = |area2| / 2, exactly (integers). */
  area2 = new Float64Array(64);
  /** Newest child first (OpenCV's cvInsertNodeIntoTree inserts at the head): first child and next sibling, −1 = none. */
  firstChild = new Int32Array(64);
  nextSibling = new Int32Array(64);
  /** First top-level border (newest first), −1 = none. */
  firstRoot = -1;
  /** Image index offsets of the chain codes 0 .. 15 (twice round) in a padded image of row length deltaStep. */
  readonly deltas = new Int32Array(16);
  deltaStep = -1;

  /** Room for one more border. */
  reserve(): void {
    if (this.count < this.order.length) return;
    const n = 2 * this.order.length;
    const grow = <T extends Int32Array | Uint8Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.order = grow(this.order);
    this.isHole = grow(this.isHole);
    this.parent = grow(this.parent);
    this.x0 = grow(this.x0);
    this.y0 = grow(this.y0);
    this.x1 = grow(this.x1);
    this.y1 = grow(this.y1);
    this.area2 = grow(this.area2);
    this.firstChild = grow(this.firstChild);
    this.nextSibling = grow(this.nextSibling);
  }
}

/** The padded label image findContours works in, of a w×h mask: pass it again to reuse it (MaxBoxAcc's 100 thresholds). */
export function contourScratch(width: number, height: number): Int32Array {
  return new Int32Array((width + 2) * (height + 2));
}

function checkSize(length: number, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0 || length !== width * height) {
    throw new RangeError(`mask has ${length} entries, expected ${width}×${height}`);
  }
}

/**
 * Contours of the nonzero pixels of a w×h row-major mask, in the order cv2.findContours(mask,
 * RETR_TREE, CHAIN_APPROX_SIMPLE) returns them. `scratch` (contourScratch of the same size) is overwritten.
 */
export function findContours(mask: ArrayLike<number>, width: number, height: number, scratch?: Int32Array): Contour[] {
  checkSize(mask.length, width, height);
  const step = width + 2;
  const labels = scratch && scratch.length === step * (height + 2) ? scratch.fill(0) : new Int32Array(step * (height + 2));
  // The mask framed by one zero pixel, foreground = 1 (> cut 0); every row scanned in full.
  const fg = new Uint8Array(step * (height + 2));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (mask[y * width + x]) fg[(y + 1) * step + x + 1] = 1;
  }
  const spanL = new Int32Array(height + 2).fill(1);
  const spanR = new Int32Array(height + 2).fill(width);
  const t = new ContourTrace();
  const points: number[][] = [];
  traceBorders(fg, 0, labels, width, 1, height, spanL, spanR, t, points);
  const out: Contour[] = [];
  const at = new Int32Array(t.count); // discovery index → output index
  for (let n = 0; n < t.count; n++) {
    const k = t.order[n]!;
    at[k] = n;
    const p = t.parent[k]!;
    out.push({ points: Int32Array.from(points[k]!), isHole: t.isHole[k] === 1, parent: p < 0 ? -1 : at[p]! });
  }
  return out;
}

/**
 * findContours of `u8 > cut` for many cuts of one uint8 map, without materialising points: each cut() fills `trace`
 * (bounding rect, doubled contourArea, order) with exactly what findContours + boundingRect + contourArea give. No
 * mask is filled: the tracer tests u8 > cut itself; each row is scanned only from its first to its last pixel above
 * the cut (binary searches in per-row prefix and suffix maxima, computed once per map), and only that is cleared after.
 */
export class ThresholdContours {
  readonly trace = new ContourTrace();
  /** The map framed by one zero pixel. */
  private readonly fg: Uint8Array;
  /** The padded label image, all zero between calls. */
  private readonly labels: Int32Array;
  /** Per row of the map: max of u8 over columns 0 .. x (prefix) and x .. w − 1 (suffix). */
  private readonly prefixMax: Uint8Array;
  private readonly suffixMax: Uint8Array;
  /** Per padded row: the columns (padded) of its first and last pixel above the cut; L > R for none. */
  private readonly spanL: Int32Array;
  private readonly spanR: Int32Array;
  private hasMap = false;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    checkSize(width * height, width, height);
    this.fg = new Uint8Array((width + 2) * (height + 2));
    this.labels = contourScratch(width, height);
    this.prefixMax = new Uint8Array(width * height);
    this.suffixMax = new Uint8Array(width * height);
    this.spanL = new Int32Array(height + 2);
    this.spanR = new Int32Array(height + 2);
  }

  /** The w×h uint8 map to cut (copied). */
  setMap(u8: Uint8Array): void {
    const { width, height, fg, prefixMax, suffixMax } = this;
    checkSize(u8.length, width, height);
    const step = width + 2;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      fg.set(u8.subarray(row, row + width), (y + 1) * step + 1);
      let m = 0;
      for (let x = 0; x < width; x++) prefixMax[row + x] = m = Math.max(m, u8[row + x]!);
      m = 0;
      for (let x = width - 1; x >= 0; x--) suffixMax[row + x] = m = Math.max(m, u8[row + x]!);
    }
    this.hasMap = true;
  }

  /** Contours of the pixels with u8 > cut, into `trace` (overwritten by the next call). */
  cut(cut: number): ContourTrace {
    if (!this.hasMap) throw new Error('ThresholdContours.cut before setMap');
    const { width, height, prefixMax, suffixMax, spanL, spanR, labels, fg, trace } = this;
    // Rows y0 .. y1 (padded) hold the foreground; none → no contour.
    let y0 = 0;
    let y1 = -1;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      if (prefixMax[row + width - 1]! <= cut) {
        spanL[y + 1] = 1;
        spanR[y + 1] = 0;
        continue;
      }
      // First x with prefixMax > cut (nondecreasing), last x with suffixMax > cut (nonincreasing).
      let lo = 0;
      let hi = width - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (prefixMax[row + mid]! > cut) hi = mid;
        else lo = mid + 1;
      }
      spanL[y + 1] = lo + 1;
      lo = 0;
      hi = width - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (suffixMax[row + mid]! > cut) lo = mid;
        else hi = mid - 1;
      }
      spanR[y + 1] = lo + 1;
      if (y1 < 0) y0 = y + 1;
      y1 = y + 1;
    }
    if (y1 < 0) {
      trace.count = 0;
      trace.firstRoot = -1;
      return trace;
    }
    traceBorders(fg, cut, labels, width, y0, y1, spanL, spanR, trace, null);
    const step = width + 2;
    for (let y = y0; y <= y1; y++) if (spanL[y]! <= spanR[y]!) labels.fill(0, y * step + spanL[y]!, y * step + spanR[y]! + 1);
    return trace;
  }
}

/** Discovery index of the contour with the largest contourArea, the first of equals in findContours' order; −1 if none. */
export function largestContour(t: ContourTrace): number {
  let best = -1;
  let bestArea = -1;
  for (let n = 0; n < t.count; n++) {
    const k = t.order[n]!;
    const a = Math.abs(t.area2[k]!);
    if (a > bestArea) {
      best = k;
      bestArea = a;
    }
  }
  return best;
}

/**
 * Suzuki's raster scan of the padded image `fg` (foreground: fg > cut; the frame and everything outside the spans is
 * background) over padded rows ya .. yb, row y from column spanL[y] to spanR[y] (its first and last foreground pixel),
 * tracing every border into `t` (and, with `points`, its corner points into points[k]); then t.order.
 * `labels` (zero on entry): ±(k + 2) where border k passed, negative where the pixel's right neighbour is background
 * seen from that border (Suzuki's −NBD). A pixel's value in Suzuki's terms: its label, else 1 (foreground) or 0.
 */
function traceBorders(
  fg: Uint8Array,
  cut: number,
  labels: Int32Array,
  width: number,
  ya: number,
  yb: number,
  spanL: Int32Array,
  spanR: Int32Array,
  t: ContourTrace,
  points: number[][] | null,
): void {
  const step = width + 2;
  if (t.deltaStep !== step) {
    for (let s = 0; s < 16; s++) t.deltas[s] = DX[s & 7] + DY[s & 7] * step;
    t.deltaStep = step;
  }
  const deltas = t.deltas;
  t.count = 0;
  t.firstRoot = -1;
  // Suzuki's scan looks at pixel pairs (previous, current): an outer border starts at (0, 1), a hole border at
  // (≥ 1, 0), and lnbd follows every labelled pixel. Only run ends pair a zero with a nonzero, so runs of background
  // and of foreground are skipped on the foreground test alone: a run's first pixel always carries a label once passed
  // (it starts an outer border or was on one), so lnbd at a run's end is the run's last labelled pixel, and after it
  // the run's end column (a labelled pixel, or the hole border started there).
  for (let y = ya; y <= yb; y++) {
    if (spanL[y]! > spanR[y]!) continue;
    let lnbd = 0;
    // Right of the last foreground pixel only a hole border could start, one column on (not in the frame column);
    // none does, as that pixel's border is traced and marked −label already, but the scan stays the full one's.
    const xEnd = Math.min(spanR[y]! + 1, width);
    let x = spanL[y]!;
    let i = y * step + x;
    for (;;) {
      while (x <= xEnd && fg[i]! <= cut) {
        x++;
        i++;
      }
      if (x > xEnd) break;
      if (labels[i] === 0) newBorder(fg, cut, labels, deltas, step, t, points, i, x, y, false, lnbd);
      do {
        x++;
        i++;
      } while (x <= xEnd && fg[i]! > cut);
      if (x > xEnd) break;
      // x is background after the run: a hole border starts unless the last pixel is marked −label.
      const last = labels[i - 1]!;
      if (last >= 0) {
        if (last > 0) lnbd = x - 1;
        else {
          lnbd = x - 2;
          while (labels[y * step + lnbd] === 0) lnbd--;
        }
        newBorder(fg, cut, labels, deltas, step, t, points, i, x, y, true, lnbd);
      }
      lnbd = x - 1;
    }
  }
  // Depth-first, parents before children, newest sibling first: OpenCV's cvTreeToNodeSeq.
  let n = 0;
  let k = t.firstRoot;
  while (k !== -1) {
    t.order[n++] = k;
    if (t.firstChild[k] !== -1) {
      k = t.firstChild[k]!;
      continue;
    }
    while (k !== -1 && t.nextSibling[k] === -1) k = t.parent[k]!;
    if (k !== -1) k = t.nextSibling[k]!;
  }
}

/**
 * A new border starting at image index i, column x of padded row y, into `t`; `lnbd` is the column of the border met
 * last on this row (0: the frame). Parent from that border (Suzuki's table 1): same kind → its parent, else itself.
 */
function newBorder(
  fg: Uint8Array,
  cut: number,
  labels: Int32Array,
  deltas: Int32Array,
  step: number,
  t: ContourTrace,
  points: number[][] | null,
  i: number,
  x: number,
  y: number,
  hole: boolean,
  lnbd: number,
): void {
  let parent = -1;
  if (lnbd > 0) {
    const last = Math.abs(labels[y * step + lnbd]!) - 2;
    parent = (t.isHole[last] === 1) === hole ? t.parent[last]! : last;
  }
  t.reserve();
  const k = t.count++;
  t.isHole[k] = hole ? 1 : 0;
  t.parent[k] = parent;
  t.firstChild[k] = -1;
  // Newest first: OpenCV's cvInsertNodeIntoTree.
  if (parent < 0) {
    t.nextSibling[k] = t.firstRoot;
    t.firstRoot = k;
  } else {
    t.nextSibling[k] = t.firstChild[parent]!;
    t.firstChild[parent] = k;
  }
  const pts = points ? (points[k] = []) : null;
  follow(fg, cut, labels, deltas, hole ? i - 1 : i, hole, k, x - (hole ? 1 : 0) - 1, y - 1, t, pts);
}

/**
 * Follows border k from pixel `start` (index in the padded images), labels it with k + 2 and records its corner
 * points (x, y in unpadded pixel indices, starting at x0, y0): their bounding rect and shoelace sum into `t`, the
 * points themselves into `points` when given.
 */
function follow(
  fg: Uint8Array,
  cut: number,
  labels: Int32Array,
  deltas: Int32Array,
  start: number,
  isHole: boolean,
  k: number,
  x0: number,
  y0: number,
  t: ContourTrace,
  points: number[] | null,
): void {
  const label = k + 2;
  // Clockwise from the background neighbour (left for an outer border, right for a hole) to the first foreground one.
  const sFirst = isHole ? 0 : 4;
  let s = sFirst;
  let i1: number;
  do {
    s = (s - 1) & 7;
    i1 = start + deltas[s]!;
  } while (fg[i1]! <= cut && s !== sFirst);
  if (s === sFirst) {
    labels[start] = -label; // a single pixel
    points?.push(x0, y0);
    t.x0[k] = t.x1[k] = x0;
    t.y0[k] = t.y1[k] = y0;
    t.area2[k] = 0;
    return;
  }
  let i3 = start;
  let prevS = s ^ 4;
  let x = x0;
  let y = y0;
  // Corner statistics: bounding rect, shoelace sum from the first corner (fx, fy) through the last (px, py).
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  let area2 = 0;
  let fx = 0;
  let fy = 0;
  let px = 0;
  let py = 0;
  let first = true;
  for (;;) {
    // Counter-clockwise from the previous pixel to the next foreground neighbour.
    const sEnd = s;
    let i4 = i3;
    while (s < 15) {
      i4 = i3 + deltas[++s]!;
      if (fg[i4]! > cut) break;
    }
    s &= 7;
    // Direction 0 (the right neighbour) was examined and found background: mark −label.
    if ((s - 1) >>> 0 < sEnd) labels[i3] = -label;
    else if (labels[i3] === 0) labels[i3] = label;
    if (s !== prevS) {
      points?.push(x, y);
      if (first) {
        fx = x;
        fy = y;
        first = false;
      } else area2 += px * y - py * x;
      px = x;
      py = y;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    prevS = s;
    x += DX[s]!;
    y += DY[s]!;
    if (i4 === start && i3 === i1) break;
    i3 = i4;
    s = (s + 4) & 7;
  }
  t.area2[k] = first ? 0 : area2 + (px * fy - py * fx);
  t.x0[k] = minX;
  t.y0[k] = minY;
  t.x1[k] = maxX;
  t.y1[k] = maxY;
}

/** cv2.contourArea(points) (not oriented): |shoelace| / 2 over the closed polygon of the points. */
export function contourArea(points: ArrayLike<number>): number {
  const n = points.length / 2;
  if (n < 3) return 0;
  let a = 0;
  let px = points[2 * n - 2]!;
  let py = points[2 * n - 1]!;
  for (let k = 0; k < n; k++) {
    const x = points[2 * k]!;
    const y = points[2 * k + 1]!;
    a += px * y - py * x;
    px = x;
    py = y;
  }
  return Math.abs(a / 2);
}

/** cv2.boundingRect(points) as [x, y, x + w, y + h]: the covered pixel columns x .. x + w − 1. */
export function boundingRect(points: ArrayLike<number>): [number, number, number, number] {
  if (points.length === 0) return [0, 0, 0, 0];
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (let k = 0; k < points.length; k += 2) {
    x0 = Math.min(x0, points[k]!);
    x1 = Math.max(x1, points[k]!);
    y0 = Math.min(y0, points[k + 1]!);
    y1 = Math.max(y1, points[k + 1]!);
  }
  return [x0, y0, x1 + 1, y1 + 1];
}
