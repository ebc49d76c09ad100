// Weakly-supervised localization: threshold the normalized map, box the largest 8-connected component.
import { CamscopeError } from '../../errors.js';
import type { Box } from '../../../src-shared/explainTypes.js';
import { boxAtThreshold, prepareBoxableMap } from '../../../src-shared/wsolBox.js';
import { checkMapGrid, valueRange, type MapGrid } from './mapGrid.js';

/** [x0, y0, x1, y1] in pixel-edge coordinates: x1 = rightmost column + 1, so width = x1 − x0. */
export type { Box };
export { boxIoU } from '../../../src-shared/wsolBox.js';

export interface Components {
  /** 0 for background, else 1..count; labels follow the row-major order of each component's first pixel. */
  labels: Int32Array;
  count: number;
  /** Pixel count of label k at index k − 1. */
  sizes: Int32Array;
  /** Box of label k at indices 4(k − 1) .. 4(k − 1) + 3, as in Box. */
  boxes: Int32Array;
}

/** Components as runs: a run is a horizontal stretch of foreground pixels within one row. */
interface RunComponents {
  count: number;
  sizes: Int32Array;
  boxes: Int32Array;
  runY: Int32Array;
  runX0: Int32Array;
  runX1: Int32Array;
  runLabel: Int32Array;
}

/**
 * 8-connected components over runs rather than pixels: a run joins every run in the row above
 * that overlaps it widened by one pixel (the diagonals), through an iterative union-find whose
 * root is always the component's first run in row-major order. No recursion and few unions, so a
 * single component covering a 4000×3000 map costs little more than reading the mask.
 */
function runComponents(mask: Uint8Array, w: number, h: number): RunComponents {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 0 || h < 0 || mask.length !== w * h) {
    throw new RangeError(`mask has ${mask.length} entries, expected ${w}×${h}`);
  }
  let nRuns = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0, row = y * w, on = false; x < w; x++) {
      const m = mask[row + x] !== 0;
      if (m && !on) nRuns++;
      on = m;
    }
  }
  const runY = new Int32Array(nRuns);
  const runX0 = new Int32Array(nRuns);
  const runX1 = new Int32Array(nRuns);
  const parent = new Int32Array(nRuns);
  const find = (r: number): number => {
    while (parent[r] !== r) r = parent[r] = parent[parent[r]!]!;
    return r;
  };

  let n = 0;
  let prevFirst = 0; // runs of the row above: prevFirst .. rowFirst − 1
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const rowFirst = n;
    let j = prevFirst;
    for (let x = 0; x < w; ) {
      if (mask[row + x] === 0) {
        x++;
        continue;
      }
      const x0 = x;
      while (x < w && mask[row + x] !== 0) x++;
      runY[n] = y;
      runX0[n] = x0;
      runX1[n] = x;
      parent[n] = n;
      // Runs above are sorted by x: skip those ending left of x0 − 1, join those starting at or before x.
      while (j < rowFirst && runX1[j]! < x0) j++;
      for (let k = j; k < rowFirst && runX0[k]! <= x; k++) {
        const a = find(n);
        const b = find(k);
        if (a < b) parent[b] = a;
        else if (b < a) parent[a] = b;
      }
      n++;
    }
    prevFirst = rowFirst;
  }

  // Roots are first runs, so numbering roots in run order numbers components by their first pixel.
  const runLabel = new Int32Array(nRuns);
  const sizes = new Int32Array(nRuns);
  const boxes = new Int32Array(4 * nRuns);
  let count = 0;
  for (let r = 0; r < nRuns; r++) {
    const root = find(r);
    const y = runY[r]!, x0 = runX0[r]!, x1 = runX1[r]!;
    const b = 4 * (root === r ? count : runLabel[root]! - 1);
    if (root === r) {
      runLabel[r] = ++count;
      boxes[b] = x0;
      boxes[b + 1] = y;
      boxes[b + 2] = x1;
    } else {
      runLabel[r] = runLabel[root]!;
      if (x0 < boxes[b]!) boxes[b] = x0;
      if (x1 > boxes[b + 2]!) boxes[b + 2] = x1;
    }
    boxes[b + 3] = y + 1; // runs come in row order, so the latest row is the bottom
    sizes[b >> 2] += x1 - x0;
  }
  return { count, sizes: sizes.slice(0, count), boxes: boxes.slice(0, 4 * count), runY, runX0, runX1, runLabel };
}

/** Labels the 8-connected components of mask (nonzero = foreground), w×h row-major. */
export function connectedComponents8(mask: Uint8Array, w: number, h: number): Components {
  const { count, sizes, boxes, runY, runX0, runX1, runLabel } = runComponents(mask, w, h);
  const labels = new Int32Array(w * h);
  for (let r = 0; r < runLabel.length; r++) {
    const row = runY[r]! * w;
    labels.fill(runLabel[r]!, row + runX0[r]!, row + runX1[r]!);
  }
  return { labels, count, sizes, boxes };
}

export interface WsolOptions {
  /** Keep pixels whose min-max normalized value is ≥ threshold (the CAM paper's 20 %). */
  threshold?: number;
}

/**
 * CAM-style localization on a map already at image resolution: min-max normalize to [0, 1],
 * keep values ≥ threshold, box the largest 8-connected component (ties: first in row-major scan).
 * Returns null for a constant map, which points nowhere.
 */
export function wsolBox(map: MapGrid, { threshold = 0.2 }: WsolOptions = {}): Box | null {
  checkMapGrid(map);
  checkThreshold(threshold);
  const { min, max } = valueRange(map.values);
  return boxAtThreshold({ width: map.width, height: map.height, values: map.values, min, range: max - min, scaleX: 1, scaleY: 1 }, threshold);
}

/**
 * The lecture's pipeline: upsample the low-resolution CAM to the full image size (no cap: stored boxes are exact),
 * then localize. A map constant at layer resolution gives null (upsampling would only add float noise).
 */
export function boxFromMap(lowResMap: MapGrid, imageW: number, imageH: number, threshold = 0.2): Box | null {
  checkMapGrid(lowResMap);
  const map = prepareBoxableMap(lowResMap, imageW, imageH, Infinity);
  if (!map) return null;
  checkThreshold(threshold);
  return boxAtThreshold(map, threshold);
}

function checkThreshold(threshold: number): void {
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new CamscopeError(`localization threshold ${threshold} is outside [0, 1]`);
  }
}
