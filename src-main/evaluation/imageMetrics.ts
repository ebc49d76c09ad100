// Per-image numbers of one method's maps and of pairs of methods, and their aggregation over a dataset.
import { weightedMean, type BootstrapOptions } from '../../src-shared/bootstrap.js';
import type { MethodMetrics, MetricKey, PairAgreement } from '../../src-shared/evaluationTypes.js';
import type { DatasetItem } from '../datasets/datasetTypes.js';
import { boxIoU } from '../../src-shared/wsolBox.js';
import {
  type ClassRow,
  type Curve,
  type EvaluatedMap,
  type EvaluationResult,
  type ImageEvaluation,
  type ImagePairEvaluation,
  type MethodCurves,
  keptMap,
} from './evaluationResult.js';
import {
  IOU_THRESHOLDS,
  MaxBoxAccAccumulator,
  energyPointing,
  gtBoxesToScoremap,
  localizeImage,
  pearson,
  pointingGame,
  scoremapFromMap,
  spearman,
} from './metrics/index.js';
import { PxapAccumulator, ROAD_PERCENTAGES, type MaxBoxAccResult } from './metrics/index.js';
import { FAITHFULNESS_NAMES, ROAD_NAMES } from './faithfulness.js';
import { uncertaintyOf } from './uncertainty.js';

/** An image's maps for one method: the predicted class's and the ground-truth class's (the same object when equal; null without a label). */
export interface ImageMaps {
  top1: EvaluatedMap;
  gt: EvaluatedMap | null;
}

/** Per-image localization numbers (0/1 for hits; null where undefined: no GT box or no label). */
export const LOCALIZATION_NAMES = ['iou', 'gt_iou', 'top1_loc', 'gt_known_loc', 'pointing', 'energy_pointing'] as const;
export const IMAGE_METRIC_NAMES: readonly string[] = [...LOCALIZATION_NAMES, ...FAITHFULNESS_NAMES, ...ROAD_NAMES];

const bit = (b: boolean | null) => (b === null ? null : b ? 1 : 0);

/** `iou`: the top-1 map's box; the others from the GT-class map (Top-1 Loc = GT-known and top-1 correct). */
export function localizationValues(item: DatasetItem, maps: ImageMaps, correct: boolean | null, threshold: number): Record<string, number | null> {
  const values: Record<string, number | null> = Object.fromEntries(LOCALIZATION_NAMES.map((n) => [n, null]));
  if (item.boxes.length === 0) return values;
  values.iou = localizeImage(maps.top1, item, item.boxes, { threshold }).iou;
  if (maps.gt) {
    const gt = localizeImage(maps.gt, item, item.boxes, { threshold, top1Correct: correct });
    values.gt_iou = gt.iou;
    values.gt_known_loc = bit(gt.gtKnown);
    values.top1_loc = bit(gt.top1);
    values.pointing = bit(pointingGame(maps.gt, item, item.boxes).hit);
    values.energy_pointing = energyPointing(maps.gt, item, item.boxes);
  }
  return values;
}

/** Every pair of methods in the order given, keyed "a|b". */
export function methodPairs(ids: readonly string[]): [string, string][] {
  return ids.flatMap((a, i) => ids.slice(i + 1).map((b): [string, string] => [a, b]));
}

/**
 * On a GAP → linear head Grad-CAM = ReLU(CAM)/(H·W) exactly (the channel weights are w/(H·W)):
 * the largest deviation from that identity over the map.
 */
export function analyticError(cam: EvaluatedMap, gradcam: EvaluatedMap): number {
  const hw = cam.width * cam.height;
  let worst = 0;
  for (let i = 0; i < hw; i++) worst = Math.max(worst, Math.abs(gradcam.values[i]! - Math.max(0, cam.values[i]!) / hw));
  return worst;
}

/** Agreement of every pair of the image's top-1 maps. */
export function imagePairs(image: ImageEvaluation, ids: readonly string[]): Record<string, ImagePairEvaluation> {
  const { item } = image;
  const out: Record<string, ImagePairEvaluation> = {};
  const points = (m: EvaluatedMap) => pointingGame(m, item, item.boxes).hit;
  for (const [a, b] of methodPairs(ids)) {
    const ma = keptMap(image.methods[a]!.map);
    const mb = keptMap(image.methods[b]!.map);
    out[`${a}|${b}`] = {
      pearson: pearson(ma, mb),
      spearman: spearman(ma, mb),
      box_iou: ma.box && mb.box ? boxIoU(ma.box, mb.box) : 0,
      both_inside: item.boxes.length ? points(ma) && points(mb) : null,
      analytic_error: a === 'cam' && b === 'gradcam' ? analyticError(ma, mb) : null,
    };
  }
  return out;
}

const defined = (xs: (number | null | undefined)[]) => xs.filter((x): x is number => x !== null && x !== undefined && Number.isFinite(x));
/** Percent of the defined values (0/1 hits, or per-image fractions): 100 · Σ / n, as hits · 100 / images. */
const percentOf = (xs: (number | null | undefined)[]) => weightedMean(xs, ONES(xs.length), 100);
const ONES = (n: number) => new Uint32Array(n).fill(1);

/** The MethodMetrics that are means of a per-image number over the images where it is defined: which number, and the scale (100 for percentages). */
export const PER_IMAGE_METRICS: Record<Exclude<MetricKey, 'maxboxacc' | 'maxboxacc_v2' | 'pxap'>, { name: string; scale: number }> = {
  top1_loc: { name: 'top1_loc', scale: 100 },
  gt_known_loc: { name: 'gt_known_loc', scale: 100 },
  pointing_game: { name: 'pointing', scale: 100 },
  energy_pointing_game: { name: 'energy_pointing', scale: 100 },
  average_drop: { name: 'average_drop', scale: 1 },
  increase_in_confidence: { name: 'increase_in_confidence', scale: 100 },
  deletion_auc: { name: 'deletion_auc', scale: 1 },
  insertion_auc: { name: 'insertion_auc', scale: 1 },
  adcc: { name: 'adcc', scale: 1 },
  road_morf: { name: 'road_morf', scale: 1 },
  road_lerf: { name: 'road_lerf', scale: 1 },
};

/** The PairAgreement means: the per-image number and its scale. */
export const PAIR_MEANS = { pearson: 1, spearman: 1, box_iou: 1, both_point_inside: 100 } as const;
const pairValue = (p: ImagePairEvaluation, name: keyof typeof PAIR_MEANS) => (name === 'both_point_inside' ? bit(p.both_inside) : p[name]);

export const EMPTY_METRICS: MethodMetrics = {
  top1_loc: null,
  gt_known_loc: null,
  maxboxacc: null,
  maxboxacc_v2: null,
  pointing_game: null,
  energy_pointing_game: null,
  average_drop: null,
  increase_in_confidence: null,
  deletion_auc: null,
  insertion_auc: null,
  adcc: null,
  road_morf: null,
  road_lerf: null,
  pxap: null,
};

/** Collects per-image results into the summary, curves and per-class table. */
export class MetricAggregator {
  private readonly boxAcc = new Map<string, MaxBoxAccAccumulator>();
  /** Per method: the position (order of add) of each image the MaxBoxAcc accumulator holds. */
  private readonly boxImages = new Map<string, number[]>();
  /** Per method: PxAP over the images with masks, and their positions. */
  private readonly pxap = new Map<string, PxapAccumulator>();
  private readonly maskImages = new Map<string, number[]>();
  private readonly added = new Map<string, number>();
  /** Per method and curve kind: summed scores and the number of images summed. */
  private readonly curveSums = new Map<string, { sum: Float64Array; n: number }>();

  /** `fractions`: x of the deletion and insertion curves. */
  constructor(
    private readonly ids: readonly string[],
    private readonly fractions: number[],
  ) {
    for (const id of ids) {
      this.boxAcc.set(id, new MaxBoxAccAccumulator());
      this.boxImages.set(id, []);
      this.pxap.set(id, new PxapAccumulator());
      this.maskImages.set(id, []);
    }
  }

  /** Once per image and method, in the order of the images given to result(). MaxBoxAcc scores the GT-class map (wsolevaluation's setting), on the 224×224 scoremap scale. */
  add(id: string, item: DatasetItem, maps: ImageMaps, curves: Record<string, ArrayLike<number>>, gtMask: Uint8Array | null = null): void {
    const position = this.added.get(id) ?? 0;
    this.added.set(id, position + 1);
    for (const kind of ['deletion', 'insertion', 'morf', 'lerf']) {
      const c = curves[kind];
      if (!c) continue;
      const key = `${id}|${kind}`;
      const acc = this.curveSums.get(key) ?? { sum: new Float64Array(this.xOf(kind).length), n: 0 };
      if (c.length !== acc.sum.length) throw new RangeError(`${kind} curve of ${item.id} has ${c.length} points, expected ${acc.sum.length}`);
      for (let k = 0; k < c.length; k++) acc.sum[k]! += c[k]!;
      acc.n++;
      this.curveSums.set(key, acc);
    }
    if (!maps.gt) return;
    if (gtMask) {
      // PxAP scores the GT-class scoremap at 224×224 against the mask (wsolevaluation's MaskEvaluator).
      this.pxap.get(id)!.add(scoremapFromMap(maps.gt).values, gtMask);
      this.maskImages.get(id)!.push(position);
    }
    if (item.boxes.length === 0) return;
    this.boxAcc.get(id)!.add(scoremapFromMap(maps.gt), gtBoxesToScoremap(item.boxes, item.width, item.height));
    this.boxImages.get(id)!.push(position);
  }

  /** x of a curve kind: the deleted/inserted fraction, or ROAD's removed share. */
  private xOf(kind: string): readonly number[] {
    return kind === 'morf' || kind === 'lerf' ? ROAD_PERCENTAGES : this.fractions;
  }

  private meanCurve(id: string, kind: string): Curve | null {
    const acc = this.curveSums.get(`${id}|${kind}`);
    return acc ? { x: [...this.xOf(kind)], y: Array.from(acc.sum, (v) => v / acc.n) } : null;
  }

  /** MaxBoxAcc/V2 of a method with image i counted weights[i] times (the accumulator's images' weights gathered into one reused buffer). */
  private boxResult(id: string, weights: ArrayLike<number>): MaxBoxAccResult {
    const positions = this.boxImages.get(id)!;
    return this.boxAcc.get(id)!.result(gather(positions, weights, this.scratch(`box|${id}`, positions.length)));
  }

  private readonly scratchBuffers = new Map<string, Float64Array>();
  /** A reused buffer of n numbers per use, so a bootstrap resample allocates nothing that grows with the dataset. */
  private scratch(key: string, n: number): Float64Array {
    let b = this.scratchBuffers.get(key);
    if (!b || b.length < n) this.scratchBuffers.set(key, (b = new Float64Array(n)));
    return b.subarray(0, n);
  }

  /** A method's MethodMetrics with image i counted weights[i] times (ones: the dataset's numbers; a resample: its bootstrap replicate). */
  methodMetrics(numbers: PerImageNumbers, id: string, weights: ArrayLike<number>): MethodMetrics {
    const box = this.boxResult(id, weights);
    const px = this.pxap.get(id)!;
    const masked = this.maskImages.get(id)!;
    const pxap = px.images ? px.result(gather(masked, weights, this.scratch(`mask|${id}`, masked.length))).pxap : null;
    const out: MethodMetrics = { ...EMPTY_METRICS, maxboxacc: box.v1, maxboxacc_v2: box.v2, pxap };
    for (const [key, { name, scale }] of Object.entries(PER_IMAGE_METRICS)) {
      const column = numbers.method(id, name);
      out[key as MetricKey] = column ? weightedMean(column, weights, scale) : null;
    }
    return out;
  }

  /** The PairAgreement means of pair "a|b" with image i counted weights[i] times. */
  pairMeans(numbers: PerImageNumbers, key: string, weights: ArrayLike<number>): Record<keyof typeof PAIR_MEANS, number | null> {
    const out = {} as Record<keyof typeof PAIR_MEANS, number | null>;
    for (const [name, scale] of Object.entries(PAIR_MEANS) as [keyof typeof PAIR_MEANS, number][]) {
      const column = numbers.pair(key, name);
      out[name] = column ? weightedMean(column, weights, scale) : null;
    }
    return out;
  }

  /** `bootstrap` null: no uncertainty (the summary's `uncertainty` is null). */
  result(
    images: ImageEvaluation[],
    refused: Record<string, string>,
    className: (label: number) => string,
    bootstrap: BootstrapOptions | null = {},
  ): Pick<EvaluationResult, 'summary' | 'curves' | 'perClass' | 'maxBoxAcc'> {
    const ones = ONES(images.length);
    const numbers = new PerImageNumbers(images, this.ids);
    const methods: Record<string, MethodMetrics> = {};
    const curves: Record<string, MethodCurves> = {};
    const maxBoxAcc: Record<string, MaxBoxAccResult> = {};
    for (const id of this.ids) {
      methods[id] = this.methodMetrics(numbers, id, ones);
      const box = this.boxResult(id, ones);
      maxBoxAcc[id] = box;
      const boxAccuracy: Record<string, Curve> = {};
      if (box.images > 0) {
        const v1 = box.largestContour[IOU_THRESHOLDS.indexOf(50)]!;
        boxAccuracy['MaxBoxAcc (largest box, δ = 50)'] = { x: box.thresholds, y: v1.accuracy };
        for (const c of box.allContours) boxAccuracy[`V2 (all boxes, δ = ${c.iouThreshold})`] = { x: box.thresholds, y: c.accuracy };
      }
      curves[id] = {
        boxAccuracy,
        deletion: this.meanCurve(id, 'deletion'),
        insertion: this.meanCurve(id, 'insertion'),
        morf: this.meanCurve(id, 'morf'),
        lerf: this.meanCurve(id, 'lerf'),
      };
    }
    for (const id of Object.keys(refused)) methods[id] = { ...EMPTY_METRICS };

    const agreement: Record<string, PairAgreement> = {};
    for (const [a, b] of methodPairs(this.ids)) {
      const key = `${a}|${b}`;
      const means = this.pairMeans(numbers, key, ones);
      const errors = defined(images.map((im) => im.pairs[key]!.analytic_error));
      agreement[key] = {
        a,
        b,
        pearson: means.pearson ?? NaN,
        spearman: means.spearman ?? NaN,
        box_iou: means.box_iou ?? NaN,
        both_point_inside: means.both_point_inside,
        analytic_max_error: errors.length ? Math.max(...errors) : null,
      };
    }

    const labelled = images.filter((im) => im.correct !== null);
    const summary = {
      images: images.length,
      accuracy: labelled.length ? (100 * labelled.filter((im) => im.correct).length) / labelled.length : null,
      methods,
      agreement,
      uncertainty:
        bootstrap && images.length
          ? uncertaintyOf(
              this,
              numbers,
              images,
              this.ids,
              (k) => (k in PER_IMAGE_METRICS ? PER_IMAGE_METRICS[k as keyof typeof PER_IMAGE_METRICS].name : null),
              methods,
              bootstrap,
            )
          : null,
      threshold_split: null,
    };
    return { summary, curves, maxBoxAcc, perClass: perClassRows(images, this.ids, className) };
  }
}

/** weights[positions[k]] into out[k] (a resample's weights of an accumulator's images, in the order it holds them). */
function gather(positions: readonly number[], weights: ArrayLike<number>, out: Float64Array): Float64Array {
  for (let k = 0; k < positions.length; k++) out[k] = weights[positions[k]!]!;
  return out;
}

/**
 * The per-image numbers the dataset means and their bootstrap replicates read, one Float64Array per (method, number)
 * and (pair, number), NaN where undefined (weightedMean leaves those out, as it leaves out null): 8 bytes per image
 * and number, and a number undefined on every image holds no array. Built once, so a resample reads columns instead
 * of mapping every image again.
 */
export class PerImageNumbers {
  private readonly methods = new Map<string, Float64Array | null>();
  private readonly pairs = new Map<string, Float64Array | null>();

  constructor(images: readonly ImageEvaluation[], ids: readonly string[]) {
    const names = new Set(Object.values(PER_IMAGE_METRICS).map((m) => m.name));
    for (const id of ids)
      for (const name of names)
        this.methods.set(
          `${id}|${name}`,
          column(images, (im) => im.methods[id]!.values[name]),
        );
    for (const [a, b] of methodPairs(ids)) {
      const key = `${a}|${b}`;
      for (const name of Object.keys(PAIR_MEANS) as (keyof typeof PAIR_MEANS)[]) {
        this.pairs.set(
          `${key}|${name}`,
          column(images, (im) => pairValue(im.pairs[key]!, name)),
        );
      }
    }
  }

  /** Method `id`'s per-image `name` (IMAGE_METRIC_NAMES), null when no image defines it. */
  method(id: string, name: string): Float64Array | null {
    return this.methods.get(`${id}|${name}`) ?? null;
  }

  /** Pair "a|b"'s per-image agreement number, null when no image defines it. */
  pair(key: string, name: keyof typeof PAIR_MEANS): Float64Array | null {
    return this.pairs.get(`${key}|${name}`) ?? null;
  }
}

function column(images: readonly ImageEvaluation[], value: (im: ImageEvaluation) => number | null | undefined): Float64Array | null {
  const out = new Float64Array(images.length);
  let any = false;
  images.forEach((im, i) => {
    const v = value(im);
    if (v === null || v === undefined || !Number.isFinite(v)) out[i] = NaN;
    else {
      out[i] = v;
      any = true;
    }
  });
  return any ? out : null;
}

function perClassRows(images: ImageEvaluation[], ids: readonly string[], className: (label: number) => string): ClassRow[] {
  const byClass = new Map<number, ImageEvaluation[]>();
  for (const im of images) {
    if (im.item.label === null) continue;
    const members = byClass.get(im.item.label);
    if (members) members.push(im);
    else byClass.set(im.item.label, [im]);
  }
  return [...byClass.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, members]) => ({
      index,
      name: className(index),
      images: members.length,
      accuracy: (100 * members.filter((m) => m.correct).length) / members.length,
      gtKnownLoc: Object.fromEntries(ids.map((id) => [id, percentOf(members.map((m) => m.methods[id]!.values.gt_known_loc))])),
      top1Loc: Object.fromEntries(ids.map((id) => [id, percentOf(members.map((m) => m.methods[id]!.values.top1_loc))])),
    }));
}
