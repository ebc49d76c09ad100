// GT-known and Top-1 localization accuracy of Zhou et al., "Learning Deep Features for Discriminative Localization" (CVPR 2016), with the ILSVRC rule IoU ≥ 0.5.
//
// The box, IoU and hit are the one WSOL rule of src-shared/wsolBox.ts (bilinear upsampling to the original image,
// keep ≥ 20 % of the normalized map, box of the largest 8-connected component; exclusive-x1 IoU): a constant map has
// no box and scores IoU 0, a miss; an image without ground truth has IoU null and counts in no accuracy.
import type { Box } from '../../../src-shared/explainTypes.js';
import { WSOL_THRESHOLD, bestIoU, boxFromMap, isHit } from '../../../src-shared/wsolBox.js';
import type { MapGrid } from '../../explain/postprocess/mapGrid.js';

export interface LocalizationOutcome {
  box: Box | null;
  /** Best IoU with any GT box (0 without a box, null without ground truth). */
  iou: number | null;
  /** GT-known Loc: IoU ≥ 0.5 with any GT box (the map should be the ground-truth class's); null without ground truth. */
  gtKnown: boolean | null;
  /** Top-1 Loc: gtKnown and the top-1 prediction is the ground truth; null when that is unknown. */
  top1: boolean | null;
}

export interface LocalizationOptions {
  /** WSOL threshold as a fraction of the normalized map (default 0.2). */
  threshold?: number;
  /** Whether the model's top-1 class is the ground-truth class (null/absent: unknown). */
  top1Correct?: boolean | null;
}

/** The threshold and image size a map's box was found at (the explainer's MapResult.box), so it is not found again. */
export interface BoxedAt {
  threshold: number;
  width: number;
  height: number;
}

/** A map, and the box already found on it with where it was found; the box is reused only where `boxedAt` matches. */
export type LocalizableMap = MapGrid & { box?: Box | null; boxedAt?: BoxedAt };

/** The map's box at the threshold on an image of this size: `map.box` when it was found at exactly those, else boxFromMap. */
export function mapBox(map: LocalizableMap, image: { width: number; height: number }, threshold: number): Box | null {
  const at = map.boxedAt;
  if (at && map.box !== undefined && at.threshold === threshold && at.width === image.width && at.height === image.height) return map.box;
  return boxFromMap(map, image.width, image.height, threshold);
}

/** One image: `map` at layer resolution, `gtBoxes` in original-image pixels (x1/y1 exclusive). */
export function localizeImage(
  map: LocalizableMap,
  image: { width: number; height: number },
  gtBoxes: Box[],
  { threshold = WSOL_THRESHOLD, top1Correct = null }: LocalizationOptions = {},
): LocalizationOutcome {
  const box = mapBox(map, image, threshold);
  const iou = bestIoU(box, gtBoxes);
  const gtKnown = isHit(iou);
  return { box, iou, gtKnown, top1: top1Correct === null || gtKnown === null ? null : top1Correct && gtKnown };
}

export interface LocalizationAccuracy {
  images: number;
  /** Percent of images, null without images. */
  gtKnownLoc: number | null;
  /** Percent over the images whose top-1 correctness is known, null when none is. */
  top1Loc: number | null;
}

/** Percentages over per-image outcomes (images without ground truth count in neither). */
export function localizationAccuracy(all: LocalizationOutcome[]): LocalizationAccuracy {
  const outcomes = all.filter((o) => o.gtKnown !== null);
  const known = outcomes.filter((o) => o.top1 !== null);
  const percent = (hits: number, n: number) => (n === 0 ? null : (100 * hits) / n);
  return {
    images: outcomes.length,
    gtKnownLoc: percent(outcomes.filter((o) => o.gtKnown).length, outcomes.length),
    top1Loc: percent(known.filter((o) => o.top1).length, known.length),
  };
}
