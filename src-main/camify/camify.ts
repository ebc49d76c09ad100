// `camscope camify`: makes CAM apply to any CNN by training a GAP head on the frozen features of a layer (Zhou et
// al. 2016, "Learning Deep Features for Discriminative Localization", the VGGnet-GAP recipe): by default the
// paper's conv-gap head (3×3 conv + ReLU → GAP → linear, distilled from the original's softmax), or a linear
// refit on the pooled features; the layer, unless given, is the candidate with the best validation agreement.
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isPlainNchw } from '../model/featureLayout.js';
import type { ClassifierModel } from '../model/classifierModel.js';
import { CamscopeError } from '../errors.js';
import { type Dataset, type DatasetFormat, detectFormat, loadDataset } from '../datasets/index.js';
import { isImageName } from '../datasets/folderPerClass.js';
import { fingerprint } from '../datasets/datasetItems.js';
import { checkLabelsFit, resolveLabelOffset } from '../evaluation/labelMapping.js';
import { Explainer } from '../explain/explainer.js';
import { METADATA_KEY as PREPROCESSING_KEY, type PreprocessingFlags } from '../model/preprocessing.js';
import { encodeModel } from '../onnx/onnxModel.js';
import { CAMIFY_METADATA_KEY, type CamifyHead, type CamifyRecord, type TargetSource, describeCamify } from '../model/camifyMetadata.js';
import { candidateLayers } from './candidateLayers.js';
import { CONV_GAP_DEFAULTS, type ConvGapFitResult, fitConvGapHead } from './convGapFit.js';
import { buildGapHeadModel } from './gapHeadModel.js';
import { type ExtractedFeatures, VIEW_NAMES, extractFeatures } from './layerFeatures.js';
import { type FitResult, fitSoftmaxRegression } from './softmaxRegression.js';
import { splitRows, takeRows } from './split.js';

export const CAMIFY_HEADS: readonly CamifyHead[] = ['conv-gap', 'linear'];
export const DEFAULT_HEAD: CamifyHead = 'conv-gap';
/** λ per head. Linear: on standardized features, chosen on synthetic-shapes distillation (few hundred images, K ≈ 100), where 1e-4 overfits. */
export const DEFAULT_L2: Record<CamifyHead, number> = { linear: 1e-2, 'conv-gap': 1e-4 };
/** The paper adds 1024 filters; on shapes-fc 32 and 64 reach the same validation agreement (README) at a fraction of the time. */
export const DEFAULT_FILTERS = 32;
/**
 * The conv-gap head's 3×3 conv without --dilation: taps 2 cells apart (a 5×5 field) on maps at least 8 cells on each
 * side, else adjacent. On shapes-fc, dilation 2 reached a higher validation agreement at the 32×32 layer over
 * three seeds than the paper's plain 3×3 (or dilation 3), while on the 4×4 map it left most taps on the padding
 * and its CAM stopped localizing (README).
 */
export function defaultDilation(height: number, width: number): number {
  return Math.min(height, width) >= 8 ? 2 : 1;
}
export const DEFAULT_VAL_SPLIT = 0.2;
/** Views of each image the conv-gap head trains on (layerFeatures.VIEW_NAMES): the image, mirrored, upside down, turned. */
export const CONV_GAP_VIEWS = 4;
/** Without --layer: the finest candidate map whose validation agreement reaches this wins (CAM is for localizing). */
export const DEFAULT_MIN_AGREEMENT = 0.95;

export interface CamifyOptions extends PreprocessingFlags {
  model: string;
  /** A dataset folder (any format loadDataset reads) or a plain folder of images. */
  dataset: string;
  out: string;
  /** 'auto' (of candidateLayers.ts, chosen by validation agreement: see minAgreement) or a candidate tensor. */
  layer?: string;
  head?: CamifyHead;
  /** The conv-gap head's filters. */
  filters?: number;
  /** The conv-gap head's conv dilation; default: defaultDilation of the layer's map. */
  dilation?: number;
  /** Layer choice: the finest candidate with at least this validation agreement, else the best agreement. */
  minAgreement?: number;
  targetSource?: TargetSource;
  valSplit?: number;
  seed?: number;
  l2?: number;
  format?: DatasetFormat;
  split?: string;
  labelOffset?: number;
  batchSize?: number;
  onProgress?: (stage: 'features' | 'fit', done: number, total: number) => void;
  onIteration?: (p: { iteration: number; loss: number; valLoss: number | null }) => void;
}

export interface CamifyResult {
  out: string;
  /** The source model's layer the head reads. */
  layer: string;
  /** The tensor CAM explains in the written model. */
  camLayer: string;
  record: CamifyRecord;
  description: string;
  fit: FitResult | ConvGapFitResult;
  /** Dataset warnings (skipped images or boxes), one line each. */
  warnings: string[];
  /** The validation images as a dataset (for the comparison report); null for a plain folder of images. */
  validation: Dataset | null;
}

interface CamifyImage {
  path: string;
  label: number | null;
}

/** Images and labels of a dataset folder; a folder of images with no dataset layout gives unlabelled images. */
async function loadImages(
  dir: string,
  format: DatasetFormat | undefined,
  split: string | undefined,
): Promise<{ images: CamifyImage[]; dataset: Dataset | null }> {
  let entries;
  try {
    entries = statSync(dir).isDirectory() ? readdirSync(dir, { withFileTypes: true }).filter((d) => !d.name.startsWith('.')) : null;
  } catch {
    throw new CamscopeError(`${dir}: dataset folder not found`);
  }
  if (!entries) throw new CamscopeError(`${dir}: not a folder (--dataset takes a dataset folder or a folder of images)`);
  const plain = entries
    .filter((d) => !d.isDirectory() && isImageName(d.name))
    .map((d) => d.name)
    .sort();
  if (entries.length === 0) throw new CamscopeError(`${dir}: no images (empty folder)`);
  let detected = format;
  try {
    detected ??= await detectFormat(dir, split);
  } catch (e) {
    // No dataset layout: a plain folder of images, unlabelled.
    if (!(e instanceof CamscopeError) || !plain.length) throw e;
    return { images: plain.map((f) => ({ path: join(dir, f), label: null })), dataset: null };
  }
  const dataset = await loadDataset(dir, { format: detected, split });
  return { images: dataset.items.map((it) => ({ path: it.path, label: it.label })), dataset };
}

/** The dataset restricted to the items at `rows`. */
function rowsOf(dataset: Dataset, rows: number[]): Dataset {
  const items = rows.map((i) => dataset.items[i]!);
  return { ...dataset, items, fingerprint: fingerprint(items) };
}

function checkOptions(o: CamifyOptions): {
  valSplit: number;
  seed: number;
  l2: number;
  targetSource: TargetSource;
  head: CamifyHead;
  filters: number;
  dilation: number | undefined;
  minAgreement: number;
} {
  const head = o.head ?? DEFAULT_HEAD;
  if (!CAMIFY_HEADS.includes(head)) throw new CamscopeError(`--head: expected ${CAMIFY_HEADS.join(' or ')}, got '${head}'`);
  const filters = o.filters ?? DEFAULT_FILTERS;
  if (!(Number.isInteger(filters) && filters >= 1)) throw new CamscopeError(`--filters: expected an integer ≥ 1, got ${filters}`);
  const dilation = o.dilation;
  if (dilation !== undefined && !(Number.isInteger(dilation) && dilation >= 1))
    throw new CamscopeError(`--dilation: expected an integer ≥ 1, got ${dilation}`);
  const minAgreement = o.minAgreement ?? DEFAULT_MIN_AGREEMENT;
  if (!(minAgreement >= 0 && minAgreement <= 1)) throw new CamscopeError(`--min-agreement: expected a fraction in [0, 1], got ${minAgreement}`);
  const valSplit = o.valSplit ?? DEFAULT_VAL_SPLIT;
  const seed = o.seed ?? 0;
  const l2 = o.l2 ?? DEFAULT_L2[head];
  const targetSource = o.targetSource ?? 'model';
  if (!(valSplit >= 0 && valSplit < 1)) throw new CamscopeError(`--val-split: expected a fraction in [0, 1), got ${valSplit}`);
  if (!Number.isInteger(seed)) throw new CamscopeError(`--seed: expected an integer, got ${seed}`);
  if (!(l2 >= 0 && Number.isFinite(l2))) throw new CamscopeError(`--l2: expected a number ≥ 0, got ${l2}`);
  if (targetSource !== 'model' && targetSource !== 'labels')
    throw new CamscopeError(`--target-source: expected model or labels, got '${targetSource}'`);
  return { valSplit, seed, l2, targetSource, head, filters, dilation, minAgreement };
}

/** The layers to try: the given one (which must be a plain NCHW map), else candidateLayers. */
function layersToTry(model: ClassifierModel, file: string, layer: string | undefined): string[] {
  if (!layer || layer === 'auto') return candidateLayers(model);
  const chosen = model.resolveLayer(layer);
  const layout = model.mapLayoutOf(chosen);
  if (typeof layout !== 'string' && !isPlainNchw(layout)) {
    throw new CamscopeError(`${file}: camify appends a global average pool to an NCHW layer; '${chosen}' is read as ${layout.name}`);
  }
  return [chosen];
}

interface Trained {
  layer: string;
  fit: FitResult | ConvGapFitResult;
  valAgreement: number | null;
}

/** Fits the head on one layer's features: train/val rows, targets as class indices (linear) or distributions (conv-gap). */
async function fitOn(
  layer: string,
  features: ExtractedFeatures,
  rows: { train: number[]; val: number[] },
  targets: { index: Int32Array; distribution: Float32Array },
  o: {
    head: CamifyHead;
    classes: number;
    l2: number;
    filters: number;
    dilation: number | undefined;
    seed: number;
    onIteration?: CamifyOptions['onIteration'];
  },
): Promise<FitResult | ConvGapFitResult> {
  const f = features.layers.get(layer)!;
  const [c, h, w] = f.shape;
  const rowSize = f.pooled ? c : c * h * w;
  const part = (r: number[]) => ({
    x: takeRows(f.x, rowSize, r),
    labels: Int32Array.from(r, (i) => targets.index[i]!),
    targets: takeRows(targets.distribution, o.classes, r),
    n: r.length,
  });
  const val = rows.val.length ? part(rows.val) : null;
  if (o.head === 'linear')
    return fitSoftmaxRegression(part(rows.train), val, { classes: o.classes, features: c, l2: o.l2, onIteration: o.onIteration });
  const maps = (p: ReturnType<typeof part>) => ({ maps: p.x, targets: p.targets, n: p.n });
  return fitConvGapHead(maps(part(rows.train)), val && maps(val), {
    classes: o.classes,
    channels: c,
    height: h,
    width: w,
    filters: o.filters,
    dilation: o.dilation ?? defaultDilation(h, w),
    l2: o.l2,
    seed: o.seed,
    onIteration: o.onIteration,
  });
}

export async function camify(o: CamifyOptions): Promise<CamifyResult> {
  const { valSplit, seed, l2, targetSource, head, filters, dilation, minAgreement } = checkOptions(o);
  if (resolve(o.out) === resolve(o.model)) throw new CamscopeError(`${o.out}: --out would overwrite the source model`);
  const explainer = await Explainer.open(o.model, o);
  try {
    const model = explainer.model;
    const layers = layersToTry(model, o.model, o.layer);
    const { images, dataset } = await loadImages(o.dataset, o.format, o.split);
    const offset = resolveLabelOffset(model, o.labelOffset);
    // Labels are targets with --target-source labels, and must fit the outputs; else they only score accuracy.
    if (dataset && targetSource === 'labels') checkLabelsFit(dataset.items, model, offset);
    const labelled = images.some((im) => im.label !== null) && images.every((im) => im.label === null || im.label + offset < model.numClasses);
    if (targetSource === 'labels') {
      const unlabelled = images.filter((im) => im.label === null).length;
      if (unlabelled)
        throw new CamscopeError(`${o.dataset}: --target-source labels needs a label for every image, ${unlabelled} of ${images.length} have none`);
      const classes = new Set(images.map((im) => im.label)).size;
      if (classes < 2) throw new CamscopeError(`${o.dataset}: the labels name ${classes} class; a classifier head needs at least 2`);
    }

    const features = await extractFeatures(
      explainer,
      layers,
      images.map((im) => im.path),
      {
        batchSize: o.batchSize ?? 16,
        pooled: head === 'linear',
        // The conv-gap head also learns from the original's predictions on flipped views of its training images.
        views: head === 'conv-gap' ? CONV_GAP_VIEWS : 1,
        onProgress: (done, total) => o.onProgress?.('features', done, total),
      },
    );
    const classes = model.numClasses;
    const labelIndex = (i: number) => (images[i]!.label === null || !labelled ? null : images[i]!.label! + offset);
    // Row i ≥ images.length is a view (layerFeatures.VIEW_NAMES) of image i mod images.length.
    const image = (row: number) => row % images.length;
    const index = Int32Array.from({ length: features.n }, (_, i) => (targetSource === 'model' ? features.top1[i]! : labelIndex(image(i))!));
    const distinct = new Set(index).size;
    if (distinct < 2) {
      throw new CamscopeError(
        `${o.dataset}: every image has the same target class (${index[0]}, from the ${targetSource === 'model' ? "model's predictions" : 'labels'}); a classifier head needs at least 2`,
      );
    }
    // Distillation: the conv-gap head learns the original's whole softmax (the linear head, its top-1).
    const distribution =
      targetSource === 'model'
        ? features.probabilities
        : Float32Array.from({ length: features.n * classes }, (_, j) => (index[Math.floor(j / classes)] === j % classes ? 1 : 0));

    const { train, val } = splitRows(images.length, valSplit, seed);
    // The other views of the training images train too; validation stays the images themselves.
    const views = features.n / images.length;
    const trainRows = Array.from({ length: views }, (_, v) => train.map((i) => i + v * images.length)).flat();
    const share = (rows: number[], hit: (row: number, k: number) => boolean) =>
      rows.length ? rows.filter((row, k) => hit(row, k)).length / rows.length : null;
    const tried: Trained[] = [];
    for (const layer of layers) {
      const fit = await fitOn(
        layer,
        features,
        { train: trainRows, val },
        { index, distribution },
        {
          head,
          classes,
          l2,
          filters,
          dilation,
          seed,
          onIteration: (p) => {
            o.onIteration?.(p);
            o.onProgress?.('fit', p.iteration, 0);
          },
        },
      );
      const valAgreement = share(val, (row, k) => fit.valPredictions[k] === features.top1[row]);
      tried.push({ layer, fit, valAgreement });
      // Finer maps come first: once one reaches minAgreement, coarser ones cannot be chosen.
      if (valAgreement !== null && valAgreement >= minAgreement) break;
    }
    // The one that reached minAgreement (the last tried), else the best agreement (ties: the finer).
    const best =
      tried.find((t) => t.valAgreement !== null && t.valAgreement >= minAgreement) ??
      tried.reduce((a, b) => ((b.valAgreement ?? -1) > (a.valAgreement ?? -1) ? b : a));
    const { layer, fit } = best;

    const labelledVal = val.filter((i) => labelIndex(i) !== null);
    const predictionOf = new Map(val.map((row, k) => [row, fit.valPredictions[k]!]));
    const optimizer =
      head === 'linear'
        ? 'L-BFGS, standardized features, early stopping on validation loss'
        : `Adam (lr ${CONV_GAP_DEFAULTS.learningRate}, cosine decay over ${CONV_GAP_DEFAULTS.maxEpochs} epochs, batch ${CONV_GAP_DEFAULTS.batchSize}), ` +
          `training images in ${CONV_GAP_VIEWS} views (${VIEW_NAMES.slice(0, CONV_GAP_VIEWS).join(', ')}), maps projected to their ${CONV_GAP_DEFAULTS.projectedChannels} ` +
          'leading channel directions and scaled per channel (both folded into the conv), best validation loss, CAM weights shifted ≥ 0 per filter';
    const p = explainer.preprocessing;
    let record!: CamifyRecord;
    const { model: proto, camLayer } = buildGapHeadModel(model, layer, fit.head, (camLayer) => {
      record = {
        sourceSha256: model.sha256,
        sourceFile: basename(o.model),
        layer: camLayer,
        head,
        sourceLayer: layer,
        ...('convWeights' in fit.head ? { filters, dilation: fit.head.dilation ?? 1 } : {}),
        candidates: tried.map((t) => ({ layer: t.layer, valAgreement: t.valAgreement })),
        targetSource,
        fit: { l2, valSplit, seed, iterations: fit.iterations, stoppedBy: fit.stoppedBy, optimizer },
        images: images.length,
        trainImages: train.length,
        valImages: val.length,
        valAgreement: best.valAgreement,
        valAccuracy: labelled ? share(labelledVal, (row) => predictionOf.get(row) === labelIndex(row)) : null,
      };
      return {
        // The features were computed with this preprocessing; CAM on the new model must see the same inputs.
        [PREPROCESSING_KEY]: JSON.stringify({ size: [p.width, p.height], mean: p.mean, std: p.std }),
        [CAMIFY_METADATA_KEY]: JSON.stringify(record),
      };
    });
    const out = resolve(o.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, encodeModel(proto));
    const validation = dataset && rowsOf(dataset, val);
    return { out, layer, camLayer, record, description: describeCamify(record), fit, warnings: dataset?.warnings ?? [], validation };
  } finally {
    await explainer.close();
  }
}
