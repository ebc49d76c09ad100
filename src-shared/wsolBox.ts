// The WSOL rule (Zhou et al. 2016, CAM §3), once for the engine, store, evaluation, services and views: upsample the
// map to the image, keep ≥ 20 % of its range, box the largest 8-connected blob; a hit is IoU ≥ 0.5 with a ground-truth box.
//
// "No box" and "no ground truth", decided once: a map constant at layer resolution points nowhere and has no box
// (null); scored against ground truth that is a miss with IoU 0, so it stays in every accuracy and mean (a method
// that gives flat maps localizes nothing). An image without ground-truth boxes has IoU null and is left out of every
// accuracy and mean: it cannot count either way.
import type { Box } from './explainTypes.js';
import { upsampleBilinear, valueRange, type Grid } from './mapGrid.js';

export type { Box };

/** The CAM paper's threshold: keep pixels at ≥ 20 % of the way from the map's minimum to its maximum. */
export const WSOL_THRESHOLD = 0.2;
/** The ILSVRC criterion for a correct localization: IoU ≥ 0.5 with a ground-truth box. */
export const IOU_HIT = 0.5;

/** Whether a localization threshold is a fraction in [0, 1]. */
export function validThreshold(threshold: number): boolean {
  return threshold >= 0 && threshold <= 1;
}

/** The map at (up to) image resolution with its range, ready to be boxed at any threshold. */
export interface BoxableMap {
  width: number;
  height: number;
  values: Float32Array;
  min: number;
  range: number;
  /** Image pixels per grid pixel along x and y (1 unless the image was too large to upsample fully). */
  scaleX: number;
  scaleY: number;
}

/** Above this many pixels the map is boxed on a proportionally smaller grid (a 4000×3000 float map is 48 MB). */
export const MAX_BOX_PIXELS = 8_000_000;

/**
 * The engine's boxFromMap up to the threshold: the raw map upsampled to the image size, then min-max normalized there.
 * Null for a map that is constant at layer resolution (it points nowhere; upsampling would only add float noise).
 * maxPixels bounds the grid for the interactive views; main passes Infinity to box exactly as the engine stored.
 */
export function prepareBoxableMap(grid: Grid, imageW: number, imageH: number, maxPixels = MAX_BOX_PIXELS): BoxableMap | null {
  if (grid.values.length !== grid.width * grid.height)
    throw new RangeError(`map has ${grid.values.length} values, expected ${grid.width}×${grid.height}`);
  const low = valueRange(grid.values);
  if (!(low.max - low.min > 0)) return null;
  const shrink = Math.min(1, Math.sqrt(maxPixels / (imageW * imageH)));
  const width = Math.max(1, Math.round(imageW * shrink));
  const height = Math.max(1, Math.round(imageH * shrink));
  const values = upsampleBilinear(grid, width, height);
  const { min, max } = valueRange(values);
  return { width, height, values, min, range: max - min, scaleX: imageW / width, scaleY: imageH / height };
}

/**
 * Box of the largest 8-connected component of { p : (v_p − min)/range ≥ threshold }, in pixel-edge coordinates
 * (x1 exclusive); ties go to the component met first in a row-major scan. Null when nothing passes.
 *
 * Works on horizontal runs rather than pixels: a run joins every run of the row above that touches it, diagonals
 * included, through a union-find that keeps size, extent and first run at each root. Memory is per run, so a
 * slider can call this on every input event for a full-size photo.
 */
export function boxAtThreshold(map: BoxableMap, threshold: number): Box | null {
  const { width: w, height: h, values, min, range } = map;
  if (!(range > 0)) return null;
  const parent: number[] = [];
  const size: number[] = [];
  const ext: number[] = []; // x0, y0, x1, y1 per run, meaningful at roots
  const runX0: number[] = [];
  const runX1: number[] = [];
  const find = (r: number): number => {
    while (parent[r] !== r) r = parent[r] = parent[parent[r]!]!;
    return r;
  };
  const union = (a: number, b: number): void => {
    a = find(a);
    b = find(b);
    if (a === b) return;
    // The smaller index is the earlier run, so the root stays the component's first pixel in scan order.
    const [root, child] = a < b ? [a, b] : [b, a];
    parent[child] = root;
    size[root]! += size[child]!;
    ext[4 * root] = Math.min(ext[4 * root]!, ext[4 * child]!);
    ext[4 * root + 1] = Math.min(ext[4 * root + 1]!, ext[4 * child + 1]!);
    ext[4 * root + 2] = Math.max(ext[4 * root + 2]!, ext[4 * child + 2]!);
    ext[4 * root + 3] = Math.max(ext[4 * root + 3]!, ext[4 * child + 3]!);
  };

  let above = 0; // first run of the previous row
  for (let y = 0; y < h; y++) {
    const rowStart = parent.length;
    const base = y * w;
    let j = above;
    let x = 0;
    while (x < w) {
      if (!((values[base + x]! - min) / range >= threshold)) {
        x++;
        continue;
      }
      const x0 = x;
      while (x < w && (values[base + x]! - min) / range >= threshold) x++;
      const r = parent.length;
      parent.push(r);
      size.push(x - x0);
      ext.push(x0, y, x, y + 1);
      runX0.push(x0);
      runX1.push(x);
      // Runs above are in x order: skip those ending before column x0 − 1, join those starting by column x.
      while (j < rowStart && runX1[j]! < x0) j++;
      for (let k = j; k < rowStart && runX0[k]! <= x; k++) union(r, k);
    }
    above = rowStart;
  }

  let best = -1;
  for (let r = 0; r < parent.length; r++) {
    if (parent[r] === r && (best < 0 || size[r]! > size[best]!)) best = r;
  }
  if (best < 0) return null;
  const { scaleX: sx, scaleY: sy } = map;
  const box: Box = [ext[4 * best]!, ext[4 * best + 1]!, ext[4 * best + 2]!, ext[4 * best + 3]!];
  return sx === 1 && sy === 1 ? box : [Math.round(box[0] * sx), Math.round(box[1] * sy), Math.round(box[2] * sx), Math.round(box[3] * sy)];
}

/**
 * The whole pipeline for one threshold, at the image's full resolution (the engine's stored boxes) unless maxPixels
 * caps it; prefer prepareBoxableMap + boxAtThreshold when the threshold moves. Null for a constant map.
 */
export function boxFromMap(grid: Grid, imageW: number, imageH: number, threshold = WSOL_THRESHOLD, maxPixels = Infinity): Box | null {
  if (!validThreshold(threshold)) throw new RangeError(`localization threshold ${threshold} is outside [0, 1]`);
  const map = prepareBoxableMap(grid, imageW, imageH, maxPixels);
  return map && boxAtThreshold(map, threshold);
}

/** IoU in pixel-edge coordinates: area = (x1 − x0)·(y1 − y0). */
export function boxIoU(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  if (inter === 0) return 0;
  const area = (r: Box) => (r[2] - r[0]) * (r[3] - r[1]);
  return inter / (area(a) + area(b) - inter);
}

/**
 * The WSOL score of a prediction: its IoU with the best-matching ground-truth box (an image may hold several
 * instances). Null when there is no ground truth to score against; 0 when the map gave no box (see above).
 */
export function bestIoU(pred: Box | null, truths: readonly Box[]): number | null {
  if (truths.length === 0) return null;
  if (!pred) return 0;
  let best = 0;
  for (const t of truths) best = Math.max(best, boxIoU(pred, t));
  return best;
}

/** A hit: IoU ≥ IOU_HIT. An image without ground truth (null) is neither a hit nor a miss. */
export function isHit(iou: number | null): boolean | null {
  return iou === null ? null : iou >= IOU_HIT;
}

/** One map localized at a threshold as every view shows it: its box and best IoU (null without ground truth). */
export function localizeAt(map: BoxableMap | null, truths: readonly Box[], threshold: number): { box: Box | null; iou: number | null } {
  const box = map && boxAtThreshold(map, threshold);
  return { box, iou: bestIoU(box, truths) };
}
