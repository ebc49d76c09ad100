// ADCC of Poppi et al., "Revisiting the Evaluation of Class Activation Mapping for Explainability: A Novel Metric and Experimental Analysis" (CVPR Workshops 2021).
//
// Per image: Coherency = (Pearson(M, M') + 1)/2 where M' is the map of x ⊙ M for the same class;
// Complexity = ‖M‖₁ / (H·W); Average Drop as Chattopadhay et al. (a fraction here);
// ADCC = 3 / (1/Coherency + 1/(1 − Complexity) + 1/(1 − AverageDrop)), 0 when a term is 0.
// M and M' are the maps upsampled to the input and min-max normalized (saliencyMask). A constant
// M or M' has no correlation: coherency 0, as the authors' code gives for NaN maps.
import { pearsonValues } from '../../../src-shared/mapAgreement.js';
import { type AverageDropOptions, type AverageDropResult, averageDrop, averageDropTerms, maskInput } from './averageDrop.js';
import { type ExplainFn, type FaithfulnessSample, type InputShape, type ScoreFn, DEFAULT_SCORE_BATCH, saliencyMask } from './perturbation.js';

/** How image values become the dataset's number. */
export type AdccAggregation = 'per-image' | 'of-means';

export const ADCC_SPEC = {
  name: 'ADCC (Average Drop, Coherency, Complexity)',
  formula: 'ADCC = 3 / (1/Coherency + 1/(1 − Complexity) + 1/(1 − AD)); Coherency = (r(M, map(x ⊙ M)) + 1)/2; Complexity = ‖M‖₁/(H·W)',
  citation:
    'Poppi et al., "Revisiting the Evaluation of Class Activation Mapping for Explainability: A Novel Metric and Experimental Analysis", CVPR Workshops 2021',
  variant: "'of-means': the harmonic mean of the dataset means of the three terms (OpenVINO XAI)",
  default: "'per-image': mean over images of each image's ADCC (the paper's per-image definition); x ⊙ M and scores as Average Drop's defaults",
} as const;

export interface AdccTerms {
  coherency: number;
  complexity: number;
  /** A fraction, 0..1. */
  averageDrop: number;
  adcc: number;
}

/** The harmonic mean of coherency, 1 − complexity and 1 − averageDrop; 0 when any of them is 0. */
export function adccOf(coherency: number, complexity: number, averageDrop: number): number {
  const terms = [coherency, 1 - complexity, 1 - averageDrop];
  return terms.some((t) => t <= 0) ? 0 : 3 / terms.reduce((s, t) => s + 1 / t, 0);
}

/** Mean of the normalized mask. */
export function complexity(mask: Float32Array): number {
  let s = 0;
  for (let i = 0; i < mask.length; i++) s += Math.abs(mask[i]!);
  return s / mask.length;
}

/** (r + 1)/2 of the two masks; 0 when either is constant. */
export function coherency(mask: Float32Array, maskOfMasked: Float32Array): number {
  const r = pearsonValues(mask, maskOfMasked);
  return r === null ? 0 : (r + 1) / 2;
}

export interface AdccResult {
  images: number;
  /** Percent, null without images. */
  adcc: number | null;
  /** Dataset means in percent. */
  coherency: number | null;
  complexity: number | null;
  averageDrop: number | null;
  perImage: AdccTerms[];
}

export interface AdccOptions extends AverageDropOptions {
  aggregation?: AdccAggregation;
  /** Average Drop of the same samples with the same options, to skip scoring them again. */
  averageDrop?: AverageDropResult;
}

export async function adcc(
  samples: FaithfulnessSample[],
  score: ScoreFn,
  explain: ExplainFn,
  shape: InputShape,
  opts: AdccOptions = {},
): Promise<AdccResult> {
  const drop = opts.averageDrop ?? (await averageDrop(samples, score, shape, opts));
  if (drop.perImage.length !== samples.length) throw new RangeError(`Average Drop of ${drop.perImage.length} images given for ${samples.length}`);
  const per = shape.channels * shape.width * shape.height;
  const batchSize = opts.batchSize ?? DEFAULT_SCORE_BATCH;
  const perImage: AdccTerms[] = [];
  for (let start = 0; start < samples.length; start += batchSize) {
    const chunk = samples.slice(start, start + batchSize);
    const masks = chunk.map((s) => saliencyMask(s.map, shape));
    const inputs = new Float32Array(chunk.length * per);
    chunk.forEach((s, k) => maskInput(s.input, masks[k]!, shape, inputs.subarray(k * per, (k + 1) * per), opts));
    const maps = await explain(
      inputs,
      chunk.map((s) => s.classIndex),
    );
    if (maps.length !== chunk.length) throw new RangeError(`the explainer returned ${maps.length} maps for ${chunk.length} inputs`);
    chunk.forEach((_, k) => {
      const { original, masked } = drop.perImage[start + k]!;
      const terms = {
        coherency: coherency(masks[k]!, saliencyMask(maps[k]!, shape)),
        complexity: complexity(masks[k]!),
        averageDrop: averageDropTerms(original, masked).drop,
      };
      perImage.push({ ...terms, adcc: adccOf(terms.coherency, terms.complexity, terms.averageDrop) });
    });
  }
  const mean = (f: (t: AdccTerms) => number) => (perImage.length ? perImage.reduce((s, t) => s + f(t), 0) / perImage.length : null);
  const [coh, com, ad] = [mean((t) => t.coherency), mean((t) => t.complexity), mean((t) => t.averageDrop)];
  const value = (opts.aggregation ?? 'per-image') === 'per-image' ? mean((t) => t.adcc) : coh === null ? null : adccOf(coh, com!, ad!);
  const percent = (v: number | null) => (v === null ? null : 100 * v);
  return { images: samples.length, adcc: percent(value), coherency: percent(coh), complexity: percent(com), averageDrop: percent(ad), perImage };
}
