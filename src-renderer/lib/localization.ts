// Localization accuracy against the threshold: per image the IoU at every threshold, then the share with IoU ≥ 0.5.
import type { Box } from '../../src-shared/explainTypes.js';
import type { Grid } from '../../src-shared/mapGrid.js';
import { bestIoU, boxAtThreshold, prepareBoxableMap } from './wsolBox.js';

/** The CAM paper's criterion for a correct localization. */
export const IOU_HIT = 0.5;

/** 0.05, 0.10, …, 0.95 — computed from integers so the values print and compare cleanly. */
export const THRESHOLDS: readonly number[] = Array.from({ length: 19 }, (_, i) => (i + 1) / 20);

/** One image under one method: its boxes and IoUs at every threshold of THRESHOLDS. */
export interface ImageSweep {
  imageId: number;
  boxes: (Box | null)[];
  ious: number[];
}

/** Boxes and best IoUs at each threshold; null when the image has no ground truth (it cannot count either way). */
export function sweepImage(imageId: number, grid: Grid, imageW: number, imageH: number, truths: readonly Box[], thresholds = THRESHOLDS): ImageSweep | null {
  if (truths.length === 0) return null;
  const map = prepareBoxableMap(grid, imageW, imageH);
  const boxes = thresholds.map((t) => (map ? boxAtThreshold(map, t) : null));
  return { imageId, boxes, ious: boxes.map((b) => bestIoU(b, truths)!) };
}

/** Fraction of images with IoU ≥ 0.5 at each threshold index (NaN with no images, so a plot shows a gap). */
export function accuracyCurve(sweeps: readonly ImageSweep[], count = THRESHOLDS.length): number[] {
  const hits = new Array<number>(count).fill(0);
  for (const s of sweeps) for (let i = 0; i < count; i++) if (s.ious[i]! >= IOU_HIT) hits[i]!++;
  return hits.map((h) => (sweeps.length ? h / sweeps.length : NaN));
}

/** The images behind one point of the curve: hits first by falling IoU, then misses by falling IoU. */
export function imagesAt(sweeps: readonly ImageSweep[], thresholdIndex: number): { hits: ImageSweep[]; misses: ImageSweep[] } {
  const byIoU = [...sweeps].sort((a, b) => b.ious[thresholdIndex]! - a.ious[thresholdIndex]! || a.imageId - b.imageId);
  return {
    hits: byIoU.filter((s) => s.ious[thresholdIndex]! >= IOU_HIT),
    misses: byIoU.filter((s) => s.ious[thresholdIndex]! < IOU_HIT),
  };
}

/** Threshold index with the highest accuracy (the earliest on ties); -1 for an empty curve. */
export function bestThresholdIndex(curve: readonly number[]): number {
  let best = -1;
  curve.forEach((v, i) => {
    if (!Number.isNaN(v) && (best < 0 || v > curve[best]!)) best = i;
  });
  return best;
}

/** Nearest index of THRESHOLDS to t (the sliders move in steps of 0.01, the curve in steps of 0.05). */
export function thresholdIndexOf(t: number): number {
  return Math.min(THRESHOLDS.length - 1, Math.max(0, Math.round(t * 20) - 1));
}
