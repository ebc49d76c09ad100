// Average Drop and Increase in Confidence of Chattopadhay et al., "Grad-CAM++: Generalized Gradient-based Visual Explanations for Deep Convolutional Networks" (WACV 2018).
import { type FaithfulnessSample, type InputShape, type Normalization, type ScoreFn, saliencyMask, scoreRows } from './perturbation.js';

/** Where x ⊙ map is formed: on the normalized model input (default) or on the 0..1 RGB pixels before normalization. */
export type MaskSpace = 'input' | 'rgb';

export const AVERAGE_DROP_SPEC = {
  name: 'Average Drop / Increase in Confidence',
  formula: 'AD = mean_i max(0, Y_i − O_i) / Y_i · 100;  IC = mean_i 1[O_i > Y_i] · 100;  O_i = score of x_i ⊙ M_i',
  citation: 'Chattopadhay et al., "Grad-CAM++: Generalized Gradient-based Visual Explanations for Deep Convolutional Networks", WACV 2018',
  variant: "'rgb': the product on 0..1 RGB pixels, then normalized ((rgb·M − mean)/std)",
  default:
    "'input': the product on the normalized model input (as pytorch-grad-cam); Y, O = softmax probability of the explained class (the paper); M = map upsampled bilinearly to the input, min-max normalized",
} as const;

export interface MaskOptions {
  space?: MaskSpace;
  /** Needed for space 'rgb'. */
  normalization?: Normalization;
}

/** x ⊙ M into `out`: every channel times the mask, in the chosen space. */
export function maskInput(
  input: Float32Array,
  mask: Float32Array,
  shape: InputShape,
  out: Float32Array,
  { space = 'input', normalization }: MaskOptions = {},
): void {
  const plane = shape.width * shape.height;
  if (input.length !== shape.channels * plane || mask.length !== plane)
    throw new RangeError(`input of ${input.length} values and mask of ${mask.length} for ${shape.channels}×${shape.height}×${shape.width}`);
  if (space === 'rgb' && !normalization) throw new RangeError("mask space 'rgb' needs the input normalization (mean, std)");
  for (let c = 0; c < shape.channels; c++) {
    const o = c * plane;
    if (space === 'input') {
      for (let p = 0; p < plane; p++) out[o + p] = input[o + p]! * mask[p]!;
    } else {
      const mean = normalization!.mean[c]!;
      const std = normalization!.std[c]!;
      for (let p = 0; p < plane; p++) out[o + p] = ((input[o + p]! * std + mean) * mask[p]! - mean) / std;
    }
  }
}

/** One image's terms: the relative drop max(0, Y − O)/Y and whether confidence increased. */
export function averageDropTerms(original: number, masked: number): { drop: number; increase: boolean } {
  if (!(original > 0)) throw new RangeError(`Average Drop needs a positive original score, got ${original}`);
  return { drop: Math.max(0, original - masked) / original, increase: masked > original };
}

export interface AverageDropResult {
  images: number;
  /** Percent, null without images. */
  averageDrop: number | null;
  increaseInConfidence: number | null;
  /** Y (original) and O (masked) per sample. */
  perImage: { original: number; masked: number }[];
}

export interface AverageDropOptions extends MaskOptions {
  batchSize?: number;
}

/** Scores every original and masked input (batched together) and averages the terms. */
export async function averageDrop(
  samples: FaithfulnessSample[],
  score: ScoreFn,
  shape: InputShape,
  opts: AverageDropOptions = {},
): Promise<AverageDropResult> {
  function* rows() {
    for (const s of samples) yield { classIndex: s.classIndex, fill: (row: Float32Array) => row.set(s.input) };
    for (const s of samples)
      yield { classIndex: s.classIndex, fill: (row: Float32Array) => maskInput(s.input, saliencyMask(s.map, shape), shape, row, opts) };
  }
  const n = samples.length;
  const scores = await scoreRows(score, shape, rows(), 2 * n, opts.batchSize);
  const perImage = samples.map((_, i) => ({ original: scores[i]!, masked: scores[n + i]! }));
  const terms = perImage.map((p) => averageDropTerms(p.original, p.masked));
  const mean = (xs: number[]) => (xs.length ? (100 * xs.reduce((a, b) => a + b, 0)) / xs.length : null);
  return {
    images: n,
    averageDrop: mean(terms.map((t) => t.drop)),
    increaseInConfidence: mean(terms.map((t) => (t.increase ? 1 : 0))),
    perImage,
  };
}
