// The WSOL rule (Zhou et al. 2016, CAM §3), once for the engine, store, evaluation, services and views: upsample the
// map to the image, keep ≥ 20 % of its range, box the largest 8-connected blob; a hit is IoU ≥ 0.5 with a ground-truth box.
//
// "No box" and "no ground truth", decided once: a map constant at layer resolution points nowhere and has no box
// (null); scored against ground truth that is a miss with IoU 0, so it stays in every accuracy and mean (a method
// that gives flat maps localizes nothing). An image without ground-truth boxes has IoU null and is left out of every
// accuracy and mean: it cannot count either way.
import type { Box } from './explainTypes.js';
import { upsampleBilinearInto, valueRange, type Grid } from './mapGrid.js';
import { RowRuns, RunComponents } from './runComponents.js';
import { upsampledBox } from './upsampledBox.js';

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

/** The grid a map is boxed on: the image's size, or proportionally smaller above maxPixels. */
function boxGridSize(imageW: number, imageH: number, maxPixels: number): { width: number; height: number } {
  const shrink = Math.min(1, Math.sqrt(maxPixels / (imageW * imageH)));
  return { width: Math.max(1, Math.round(imageW * shrink)), height: Math.max(1, Math.round(imageH * shrink)) };
}

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
  const { width, height } = boxGridSize(imageW, imageH, maxPixels);
  const values = new Float32Array(width * height);
  const { min, max } = upsampleBilinearInto(grid, width, height, values);
  return { width, height, values, min, range: max - min, scaleX: imageW / width, scaleY: imageH / height };
}

/**
 * Box of the largest 8-connected component of { p : (v_p − min)/range ≥ threshold }, in pixel-edge coordinates
 * (x1 exclusive); ties go to the component met first in a row-major scan. Null when nothing passes.
 *
 * Works on horizontal runs rather than pixels (src-shared/runComponents.ts), so a slider can call this on every
 * input event for a full-size photo.
 */
export function boxAtThreshold(map: BoxableMap, threshold: number): Box | null {
  const { width: w, height: h, values, min, range } = map;
  if (!(range > 0)) return null;
  const components = new RunComponents();
  const runs = new RowRuns(components);
  for (let y = 0; y < h; y++) {
    runs.row(y);
    const base = y * w;
    for (let x = 0; x < w; x++) if ((values[base + x]! - min) / range >= threshold) runs.span(x, x + 1);
  }
  runs.flush();
  return toImageBox(components.largest(), map.scaleX, map.scaleY);
}

/** A box found on a grid scaled from the image back in image pixels. */
function toImageBox(box: Box | null, sx: number, sy: number): Box | null {
  if (!box || (sx === 1 && sy === 1)) return box;
  return [Math.round(box[0] * sx), Math.round(box[1] * sy), Math.round(box[2] * sx), Math.round(box[3] * sy)];
}

/**
 * The whole pipeline for one threshold, at the image's full resolution (the engine's stored boxes) unless maxPixels
 * caps it; prefer prepareBoxableMap + boxAtThreshold when the threshold moves. Null for a constant map.
 * The same box as prepareBoxableMap + boxAtThreshold, computed from the layer map without forming the upsampled
 * one (src-shared/upsampledBox.ts) when the map is finite.
 */
export function boxFromMap(grid: Grid, imageW: number, imageH: number, threshold = WSOL_THRESHOLD, maxPixels = Infinity): Box | null {
  if (!validThreshold(threshold)) throw new RangeError(`localization threshold ${threshold} is outside [0, 1]`);
  if (!isFiniteMap(grid)) {
    const map = prepareBoxableMap(grid, imageW, imageH, maxPixels);
    return map && boxAtThreshold(map, threshold);
  }
  if (grid.values.length !== grid.width * grid.height)
    throw new RangeError(`map has ${grid.values.length} values, expected ${grid.width}×${grid.height}`);
  const low = valueRange(grid.values);
  if (!(low.max - low.min > 0)) return null;
  const { width, height } = boxGridSize(imageW, imageH, maxPixels);
  return toImageBox(upsampledBox(grid, width, height, threshold), imageW / width, imageH / height);
}

function isFiniteMap(grid: Grid): boolean {
  for (let i = 0; i < grid.values.length; i++) if (!Number.isFinite(grid.values[i])) return false;
  return true;
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
