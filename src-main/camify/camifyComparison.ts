// The camify comparison: on held-out images, Grad-CAM of the original model at the camify layer against CAM of
// the refit head at the layer it explains — agreement of their top-1 predictions, per-image map correlation and
// each one's localization, from one `camscope eval` run (evaluateDataset, no faithfulness) per model; the same
// for a baseline head (the other head kind, fit on the same split) when given.
import type { MethodMetrics } from '../../src-shared/evaluationTypes.js';
import type { Dataset } from '../datasets/index.js';
import { evaluateDataset } from '../evaluation/evaluateDataset.js';
import type { EvaluationResult, ImageEvaluation } from '../evaluation/evaluationResult.js';
import { imagePairs } from '../evaluation/imageMetrics.js';
import type { ModelOptions } from '../explain/explainer.js';
import type { CamifyHead } from '../model/camifyMetadata.js';

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

interface Side {
  model: string;
  method: string;
  layer: string;
  localization: Localization;
}

export interface RefitSide extends Side {
  head: CamifyHead;
  /** The source model's layer the head reads. */
  sourceLayer: string;
}

export interface Agreement {
  /** Share of images where both models' top-1 is the same logit, 0..1. */
  top1Agreement: number;
  /** Means over the images where the correlation is defined. */
  meanPearson: number | null;
  meanSpearman: number | null;
}

/** The `camify --json` contract: the written head's agreement at the top level. */
export interface CamifyComparison extends Agreement {
  original: Side;
  refit: RefitSide;
  /** The other head kind fit on the same images and split (not written), for comparison. */
  baseline: (RefitSide & Agreement) | null;
  images: number;
  perImage: CamifyImageComparison[];
}

export interface RefitModel {
  model: string;
  /** The tensor its CAM explains. */
  layer: string;
  head: CamifyHead;
  sourceLayer: string;
}

export interface CompareOptions {
  original: string;
  /** The original's layer (the one the heads read). */
  layer: string;
  refit: RefitModel;
  baseline?: RefitModel;
  /** The held-out images. */
  dataset: Dataset;
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
  const run = (model: string, method: string, layer: string, modelOptions: ModelOptions) =>
    evaluateDataset({ model, dataset: o.dataset, methods: [method], layer, modelOptions, batchSize: o.batchSize, faithfulness: false });
  const original = await run(o.original, ORIGINAL_METHOD, o.layer, o.modelOptions);
  const side = (model: string, method: string, layer: string, r: EvaluationResult): Side => ({
    model,
    method,
    layer,
    localization: localization(r.summary.methods[method]!),
  });
  /** One refit model against the original: its side, agreement, merged images and per-image numbers. */
  const against = async (m: RefitModel) => {
    // The refit model carries its preprocessing, so it gets only the label offset.
    const refit = await run(m.model, REFIT_METHOD, m.layer, { labelOffset: o.modelOptions.labelOffset });
    const images = original.images.map((a, i): ImageEvaluation => {
      const merged = { ...a, methods: { ...a.methods, ...refit.images[i]!.methods } };
      return { ...merged, pairs: imagePairs(merged, [ORIGINAL_METHOD, REFIT_METHOD]) };
    });
    const perImage = images.map((im, i): CamifyImageComparison => {
      const { pearson, spearman } = im.pairs[PAIR_KEY]!;
      return { id: im.item.id, originalTop1: top1(im), refitTop1: top1(refit.images[i]!), pearson, spearman };
    });
    const agreement: Agreement = {
      top1Agreement: perImage.filter((p) => p.originalTop1 === p.refitTop1).length / perImage.length,
      meanPearson: meanOf(perImage.map((p) => p.pearson)),
      meanSpearman: meanOf(perImage.map((p) => p.spearman)),
    };
    const refitSide: RefitSide = { ...side(m.model, REFIT_METHOD, m.layer, refit), head: m.head, sourceLayer: m.sourceLayer };
    return { refitSide, agreement, images, perImage, refitImages: refit.images };
  };
  const main = await against(o.refit);
  const baseline = o.baseline ? await against(o.baseline) : null;
  const comparison: CamifyComparison = {
    original: side(o.original, ORIGINAL_METHOD, o.layer, original),
    refit: main.refitSide,
    baseline: baseline && { ...baseline.refitSide, ...baseline.agreement },
    images: main.perImage.length,
    ...main.agreement,
    perImage: main.perImage,
  };
  return { comparison, images: main.images, refitImages: main.refitImages };
}
