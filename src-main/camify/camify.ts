// `camscope camify`: makes CAM apply to any CNN by refitting a GAP → linear head on the frozen features of
// a layer (Zhou et al. 2016, "Learning Deep Features for Discriminative Localization", the VGGnet-GAP recipe).
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isPlainNchw } from '../model/featureLayout.js';
import { CamscopeError } from '../errors.js';
import { type Dataset, type DatasetFormat, detectFormat, loadDataset } from '../datasets/index.js';
import { isImageName } from '../datasets/folderPerClass.js';
import { fingerprint } from '../datasets/datasetItems.js';
import { checkLabelsFit, resolveLabelOffset } from '../evaluation/labelMapping.js';
import { Explainer } from '../explain/explainer.js';
import { METADATA_KEY as PREPROCESSING_KEY, type PreprocessingFlags } from '../model/preprocessing.js';
import { encodeModel } from '../onnx/onnxModel.js';
import { CAMIFY_METADATA_KEY, type CamifyRecord, type TargetSource, describeCamify } from '../model/camifyMetadata.js';
import { buildGapHeadModel } from './gapHeadModel.js';
import { extractPooledFeatures } from './pooledFeatures.js';
import { type FitResult, fitSoftmaxRegression } from './softmaxRegression.js';
import { splitRows, takeRows } from './split.js';

// On standardized features; chosen on synthetic-shapes distillation (few hundred images, K ≈ 100), where 1e-4 overfits.
export const DEFAULT_L2 = 1e-2;
export const DEFAULT_VAL_SPLIT = 0.2;

export interface CamifyOptions extends PreprocessingFlags {
  model: string;
  /** A dataset folder (any format loadDataset reads) or a plain folder of images. */
  dataset: string;
  out: string;
  /** 'auto' (the default layer) or a candidate tensor. */
  layer?: string;
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
  layer: string;
  record: CamifyRecord;
  description: string;
  fit: FitResult;
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

function checkOptions(o: CamifyOptions): { valSplit: number; seed: number; l2: number; targetSource: TargetSource } {
  const valSplit = o.valSplit ?? DEFAULT_VAL_SPLIT;
  const seed = o.seed ?? 0;
  const l2 = o.l2 ?? DEFAULT_L2;
  const targetSource = o.targetSource ?? 'model';
  if (!(valSplit >= 0 && valSplit < 1)) throw new CamscopeError(`--val-split: expected a fraction in [0, 1), got ${valSplit}`);
  if (!Number.isInteger(seed)) throw new CamscopeError(`--seed: expected an integer, got ${seed}`);
  if (!(l2 >= 0 && Number.isFinite(l2))) throw new CamscopeError(`--l2: expected a number ≥ 0, got ${l2}`);
  if (targetSource !== 'model' && targetSource !== 'labels')
    throw new CamscopeError(`--target-source: expected model or labels, got '${targetSource}'`);
  return { valSplit, seed, l2, targetSource };
}

export async function camify(o: CamifyOptions): Promise<CamifyResult> {
  const { valSplit, seed, l2, targetSource } = checkOptions(o);
  if (resolve(o.out) === resolve(o.model)) throw new CamscopeError(`${o.out}: --out would overwrite the source model`);
  const explainer = await Explainer.open(o.model, o);
  try {
    const model = explainer.model;
    const layer = model.resolveLayer(o.layer);
    const layout = model.mapLayoutOf(layer);
    if (typeof layout !== 'string' && !isPlainNchw(layout)) {
      throw new CamscopeError(`${o.model}: camify appends a global average pool to an NCHW layer; '${layer}' is read as ${layout.name}`);
    }
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

    const features = await extractPooledFeatures(
      explainer,
      layer,
      images.map((im) => im.path),
      {
        batchSize: o.batchSize ?? 16,
        onProgress: (done, total) => o.onProgress?.('features', done, total),
      },
    );
    const labelIndex = (i: number) => (images[i]!.label === null || !labelled ? null : images[i]!.label! + offset);
    const targets = Int32Array.from({ length: images.length }, (_, i) => (targetSource === 'model' ? features.top1[i]! : labelIndex(i)!));
    const distinct = new Set(targets).size;
    if (distinct < 2) {
      throw new CamscopeError(
        `${o.dataset}: every image has the same target class (${targets[0]}, from the ${targetSource === 'model' ? "model's predictions" : 'labels'}); a classifier head needs at least 2`,
      );
    }

    const { train, val } = splitRows(images.length, valSplit, seed);
    const part = (rows: number[]) => ({
      x: takeRows(features.x, features.k, rows),
      labels: Int32Array.from(rows, (i) => targets[i]!),
      n: rows.length,
    });
    const fit = await fitSoftmaxRegression(part(train), val.length ? part(val) : null, {
      classes: model.numClasses,
      features: features.k,
      l2,
      onIteration: (p) => {
        o.onIteration?.(p);
        o.onProgress?.('fit', p.iteration, 0);
      },
    });

    const share = (rows: number[], hit: (row: number, k: number) => boolean) =>
      rows.length ? rows.filter((row, k) => hit(row, k)).length / rows.length : null;
    const labelledVal = val.filter((i) => labelIndex(i) !== null);
    const predictionOf = new Map(val.map((row, k) => [row, fit.valPredictions[k]!]));
    const record: CamifyRecord = {
      sourceSha256: model.sha256,
      sourceFile: basename(o.model),
      layer,
      targetSource,
      fit: {
        l2,
        valSplit,
        seed,
        iterations: fit.iterations,
        stoppedBy: fit.stoppedBy,
        optimizer: 'L-BFGS, standardized features, early stopping on validation loss',
      },
      images: images.length,
      trainImages: train.length,
      valImages: val.length,
      valAgreement: share(val, (row, k) => fit.valPredictions[k] === features.top1[row]),
      valAccuracy: labelled ? share(labelledVal, (row) => predictionOf.get(row) === labelIndex(row)) : null,
    };
    const p = explainer.preprocessing;
    const proto = buildGapHeadModel(model, layer, fit.head, {
      // The features were computed with this preprocessing; CAM on the new model must see the same inputs.
      [PREPROCESSING_KEY]: JSON.stringify({ size: [p.width, p.height], mean: p.mean, std: p.std }),
      [CAMIFY_METADATA_KEY]: JSON.stringify(record),
    });
    const out = resolve(o.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, encodeModel(proto));
    const validation = dataset && rowsOf(dataset, val);
    return { out, layer, record, description: describeCamify(record), fit, warnings: dataset?.warnings ?? [], validation };
  } finally {
    await explainer.close();
  }
}
