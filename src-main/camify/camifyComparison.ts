// The camify comparison: on held-out images, Grad-CAM of the original model against CAM of the refit head, both
// at the camify layer — agreement of their top-1 predictions, per-image map correlation and each one's
// localization, from one `camscope eval` run (evaluateDataset, no faithfulness) per model.
import type { MethodMetrics } from '../../src-shared/evaluationTypes.js';
import type { Dataset } from '../datasets/index.js';
import { evaluateDataset } from '../evaluation/evaluateDataset.js';
import type { EvaluationResult, ImageEvaluation } from '../evaluation/evaluationResult.js';
import { imagePairs } from '../evaluation/imageMetrics.js';
import type { ModelOptions } from '../explain/explainer.js';

export const ORIGINAL_METHOD = 'gradcam';
export const REFIT_METHOD = 'cam';
/** The key of the pair in the merged images' `pairs`. */
export const PAIR_KEY = `${ORIGINAL_METHOD}|${REFIT_METHOD}`;

export interface CamifyImageComparison {
  id: string;
  originalTop1: number;
  refitTop1: number;
  /** Of the two top-1 maps; null where either is constant. */
  pearson: number | null;
  spearman: number | null;
}

export type Localization = Pick<MethodMetrics, 'gt_known_loc' | 'maxboxacc_v2' | 'pointing_game'>;

/** The `camify --json` contract. */
export interface CamifyComparison {
  original: { model: string; method: string; layer: string; localization: Localization };
  refit: { model: string; method: string; layer: string; localization: Localization };
  images: number;
  /** Share of images where both models' top-1 is the same logit, 0..1. */
  top1Agreement: number;
  /** Means over the images where the correlation is defined. */
  meanPearson: number | null;
  meanSpearman: number | null;
  perImage: CamifyImageComparison[];
}

export interface CompareOptions {
  original: string;
  refit: string;
  /** The held-out images. */
  dataset: Dataset;
  layer: string;
  /** For the original model; the refit model carries its preprocessing, so it gets only the label offset. */
  modelOptions: ModelOptions;
  batchSize?: number;
}

const localization = (m: MethodMetrics): Localization => ({
  gt_known_loc: m.gt_known_loc,
  maxboxacc_v2: m.maxboxacc_v2,
  pointing_game: m.pointing_game,
});

const meanOf = (xs: (number | null)[]): number | null => {
  const d = xs.filter((x): x is number => x !== null);
  return d.length ? d.reduce((s, x) => s + x, 0) / d.length : null;
};

const top1 = (im: ImageEvaluation) => im.predictions[0]!.index;

/**
 * The comparison, and per image both top-1 maps merged into one ImageEvaluation (the original's item and
 * predictions, pairs keyed PAIR_KEY: Pearson and Spearman of mapAgreement.ts, resampling different grids).
 */
export async function compareCamify(
  o: CompareOptions,
): Promise<{ comparison: CamifyComparison; images: ImageEvaluation[]; refitImages: ImageEvaluation[] }> {
  const run = (model: string, method: string, modelOptions: ModelOptions) =>
    evaluateDataset({ model, dataset: o.dataset, methods: [method], layer: o.layer, modelOptions, batchSize: o.batchSize, faithfulness: false });
  const original = await run(o.original, ORIGINAL_METHOD, o.modelOptions);
  const refit = await run(o.refit, REFIT_METHOD, { labelOffset: o.modelOptions.labelOffset });
  const images = original.images.map((a, i): ImageEvaluation => {
    const merged = { ...a, methods: { ...a.methods, ...refit.images[i]!.methods } };
    return { ...merged, pairs: imagePairs(merged, [ORIGINAL_METHOD, REFIT_METHOD]) };
  });
  const perImage = images.map((im, i): CamifyImageComparison => {
    const { pearson, spearman } = im.pairs[PAIR_KEY]!;
    return { id: im.item.id, originalTop1: top1(im), refitTop1: top1(refit.images[i]!), pearson, spearman };
  });
  const side = (model: string, method: string, r: EvaluationResult) => ({
    model,
    method,
    layer: o.layer,
    localization: localization(r.summary.methods[method]!),
  });
  const comparison: CamifyComparison = {
    original: side(o.original, ORIGINAL_METHOD, original),
    refit: side(o.refit, REFIT_METHOD, refit),
    images: perImage.length,
    top1Agreement: perImage.filter((p) => p.originalTop1 === p.refitTop1).length / perImage.length,
    meanPearson: meanOf(perImage.map((p) => p.pearson)),
    meanSpearman: meanOf(perImage.map((p) => p.spearman)),
    perImage,
  };
  return { comparison, images, refitImages: refit.images };
}
