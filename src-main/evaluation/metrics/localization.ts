// GT-known and Top-1 localization accuracy of Zhou et al., "Learning Deep Features for Discriminative Localization" (CVPR 2016), with the ILSVRC rule IoU ≥ 0.5.
//
// The box is camscope's seed rule (boxFromMap: bilinear upsampling to the original image, keep
// ≥ 20 % of the normalized map, box of the largest 8-connected component); boxes and IoU are in
// camscope's exclusive-x1 convention (boxIoU). A constant map has no box and localizes nothing.
import type { Box } from '../../../src-shared/explainTypes.js';
import { boxFromMap, boxIoU } from '../../explain/postprocess/wsolBox.js';
import type { MapGrid } from '../../explain/postprocess/mapGrid.js';

export const LOCALIZATION_IOU = 0.5;

export interface LocalizationOutcome {
  box: Box | null;
  /** Best IoU with any GT box (0 without a box). */
  iou: number;
  /** GT-known Loc: IoU ≥ 0.5 with any GT box (the map should be the ground-truth class's). */
  gtKnown: boolean;
  /** Top-1 Loc: gtKnown and the top-1 prediction is the ground truth; null when that is unknown. */
  top1: boolean | null;
}

export interface LocalizationOptions {
  /** WSOL threshold as a fraction of the normalized map (default 0.2). */
  threshold?: number;
  /** Whether the model's top-1 class is the ground-truth class (null/absent: unknown). */
  top1Correct?: boolean | null;
}

/** One image: `map` at layer resolution, `gtBoxes` in original-image pixels (x1/y1 exclusive). */
export function localizeImage(
  map: MapGrid,
  image: { width: number; height: number },
  gtBoxes: Box[],
  { threshold = 0.2, top1Correct = null }: LocalizationOptions = {},
): LocalizationOutcome {
  const box = boxFromMap(map, image.width, image.height, threshold);
  const iou = box ? Math.max(0, ...gtBoxes.map((g) => boxIoU(box, g))) : 0;
  const gtKnown = iou >= LOCALIZATION_IOU;
  return { box, iou, gtKnown, top1: top1Correct === null ? null : top1Correct && gtKnown };
}

export interface LocalizationAccuracy {
  images: number;
  /** Percent of images, null without images. */
  gtKnownLoc: number | null;
  /** Percent over the images whose top-1 correctness is known, null when none is. */
  top1Loc: number | null;
}

/** Percentages over per-image outcomes. */
export function localizationAccuracy(outcomes: LocalizationOutcome[]): LocalizationAccuracy {
  const known = outcomes.filter((o) => o.top1 !== null);
  const percent = (hits: number, n: number) => (n === 0 ? null : (100 * hits) / n);
  return {
    images: outcomes.length,
    gtKnownLoc: percent(outcomes.filter((o) => o.gtKnown).length, outcomes.length),
    top1Loc: percent(known.filter((o) => o.top1).length, known.length),
  };
}
