// The pointing game of Zhang et al., "Top-down Neural Attention by Excitation Backprop" (ECCV 2016).
//
// The map is upsampled to the original image (camscope's bilinear, as for boxes) and its maximum
// located. Ties: the first maximum in row-major order (numpy's argmax, as TorchRay's
// implementation). Default 'strict': a hit when that pixel lies inside a GT box; the paper's
// variant with tolerance 15 counts a hit when any GT-box pixel lies within 15 px (Euclidean) of
// it. A constant map points nowhere: a miss, with point null.
import type { Box } from '../../../src-shared/explainTypes.js';
import { upsampleBilinear, valueRange, type MapGrid } from '../../explain/postprocess/mapGrid.js';

/** The paper's tolerance, in pixels of the original image. */
export const PAPER_TOLERANCE = 15;

export const POINTING_GAME_SPEC = {
  name: 'Pointing game',
  formula: 'hit ⇔ argmax of the map (upsampled to the image) lies in a GT box, within `tolerance` px; score = hits / images · 100',
  citation: 'Zhang et al., "Top-down Neural Attention by Excitation Backprop", ECCV 2016',
  variant: 'tolerance 15 px (the paper)',
  default: 'strict inside (tolerance 0); ties → first maximum in row-major order',
} as const;

export interface PointingOutcome {
  hit: boolean;
  /** [x, y] pixel of the maximum in the original image, or null for a constant map. */
  point: [number, number] | null;
}

/** One image: `map` at layer resolution, `gtBoxes` in original-image pixels (x1/y1 exclusive). */
export function pointingGame(map: MapGrid, image: { width: number; height: number }, gtBoxes: Box[], { tolerance = 0 } = {}): PointingOutcome {
  const { min, max } = valueRange(map.values);
  if (!(max > min)) return { hit: false, point: null };
  const up = upsampleBilinear(map, image.width, image.height).values;
  let best = 0;
  for (let i = 1; i < up.length; i++) if (up[i]! > up[best]!) best = i;
  const x = best % image.width;
  const y = (best - x) / image.width;
  // Distance from the pixel to the nearest pixel of each box (columns x0 .. x1 − 1).
  const hit = gtBoxes.some((b) => {
    const dx = Math.max(b[0] - x, 0, x - (b[2] - 1));
    const dy = Math.max(b[1] - y, 0, y - (b[3] - 1));
    return b[2] > b[0] && b[3] > b[1] && dx * dx + dy * dy <= tolerance * tolerance;
  });
  return { hit, point: [x, y] };
}

/** Percent of hits, null without images. */
export function pointingAccuracy(outcomes: PointingOutcome[]): number | null {
  return outcomes.length === 0 ? null : (100 * outcomes.filter((o) => o.hit).length) / outcomes.length;
}
