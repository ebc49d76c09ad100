// The energy-based pointing game of Wang et al., "Score-CAM: Score-Weighted Visual Explanations for
// Convolutional Neural Networks" (CVPR-W 2020), §5.2: the share of the map's mass inside the box(es).
//
// The map is upsampled to the original image (camscope's bilinear, as for boxes and the pointing
// game), then brought to non-negative mass: default 'minmax' — (L − min)/(max − min), the [0, 1]
// saliency map the Score-CAM paper and its code score; variant 'positive' — max(L, 0) unscaled (the
// "attribution localisation" of Kohlbrenner et al. 2020, Quantus). The image is binarized with the
// union of the GT boxes of the class: proportion = Σ_{(i,j)∈box} L(i,j) / Σ_{(i,j)} L(i,j).
// A map without mass (constant under 'minmax', nowhere positive under 'positive') is undefined: null.
import type { Box } from '../../../src-shared/explainTypes.js';
import { upsampleBilinear, valueRange, type MapGrid } from '../../explain/postprocess/mapGrid.js';

export type EnergyMass = 'minmax' | 'positive';

export const ENERGY_POINTING_SPEC = {
  name: 'Energy-based pointing game',
  formula:
    'proportion = Σ_{(i,j) ∈ ∪ GT boxes} L(i,j) / Σ_{(i,j)} L(i,j), L the map upsampled to the image and min-max scaled to [0, 1]; score = mean proportion · 100',
  citation: 'Wang et al., "Score-CAM: Score-Weighted Visual Explanations for Convolutional Neural Networks", CVPR Workshops 2020, §5.2',
  variant: "mass 'positive': max(L, 0) without scaling (Kohlbrenner et al. 2020's attribution localisation, as Quantus)",
  default: "mass 'minmax' (the paper's normalized map); boxes as their union; a map without mass is left out (null)",
} as const;

/** One image: `map` at layer resolution, `gtBoxes` in original-image pixels (x1/y1 exclusive); the share in 0..1 or null. */
export function energyPointing(
  map: MapGrid,
  image: { width: number; height: number },
  gtBoxes: Box[],
  { mass = 'minmax' as EnergyMass } = {},
): number | null {
  const up = upsampleBilinear(map, image.width, image.height).values;
  const { min, max } = valueRange(up);
  const energyOf = mass === 'minmax' ? (v: number) => (v - min) / (max - min) : (v: number) => Math.max(v, 0);
  if (mass === 'minmax' && !(max > min)) return null;
  const inside = new Uint8Array(up.length);
  for (const [x0, y0, x1, y1] of gtBoxes) {
    for (let y = Math.max(0, y0); y < Math.min(image.height, y1); y++)
      inside.fill(1, y * image.width + Math.max(0, x0), y * image.width + Math.min(image.width, x1));
  }
  let total = 0;
  let within = 0;
  for (let i = 0; i < up.length; i++) {
    const e = energyOf(up[i]!);
    total += e;
    if (inside[i]) within += e;
  }
  return total > 0 ? within / total : null;
}
