// Localization accuracy against the CAM threshold (Choe et al. 2020, "Evaluating Weakly Supervised Object Localization Methods Right"): per image the best IoU at each threshold, a hit at IoU ≥ 0.5.
import type { Box } from './explainTypes.js';
import type { Grid } from './mapGrid.js';
import { IOU_HIT, MAX_BOX_PIXELS, localizeAt, prepareBoxableMap } from './wsolBox.js';

/** 0.05, 0.10, …, 0.95 — computed from integers so the values print and compare cleanly. */
export const THRESHOLDS: readonly number[] = Array.from({ length: 19 }, (_, i) => (i + 1) / 20);

/** One image under one map: its best IoU with the ground truth at every threshold. */
export interface ImageSweep {
  imageId: number;
  ious: number[];
}

/** One point of the curve and the images behind it, each list by falling IoU, then id. */
export interface CurvePoint {
  threshold: number;
  /** Share of images with IoU ≥ IOU_HIT; null with no images. */
  accuracy: number | null;
  meanIoU: number | null;
  hits: number[];
  misses: number[];
}

/** Best IoUs at each threshold; null when the image has no ground truth, 0 for a constant map (src-shared/wsolBox.ts). */
export function sweepImage(
  imageId: number,
  grid: Grid,
  imageW: number,
  imageH: number,
  truths: readonly Box[],
  thresholds: readonly number[],
  maxPixels = MAX_BOX_PIXELS,
): ImageSweep | null {
  if (truths.length === 0) return null;
  const map = prepareBoxableMap(grid, imageW, imageH, maxPixels);
  return { imageId, ious: thresholds.map((t) => localizeAt(map, truths, t).iou!) };
}

/** The curve over the sweeps, one point per threshold (sweeps must share the thresholds). */
export function accuracyCurve(sweeps: readonly ImageSweep[], thresholds: readonly number[]): CurvePoint[] {
  return thresholds.map((threshold, i) => {
    const byIoU = [...sweeps].sort((a, b) => b.ious[i]! - a.ious[i]! || a.imageId - b.imageId);
    const hits = byIoU.filter((s) => s.ious[i]! >= IOU_HIT).map((s) => s.imageId);
    const misses = byIoU.filter((s) => s.ious[i]! < IOU_HIT).map((s) => s.imageId);
    const n = sweeps.length;
    return {
      threshold,
      accuracy: n ? hits.length / n : null,
      meanIoU: n ? sweeps.reduce((a, s) => a + s.ious[i]!, 0) / n : null,
      hits,
      misses,
    };
  });
}
