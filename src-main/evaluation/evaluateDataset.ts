// `camscope eval`: explains a dataset with several methods in batches, scores every map against the
// ground truth, compares methods pairwise and aggregates everything into an EvaluationResult.
import pkg from '../../package.json' with { type: 'json' };
import type { BootstrapOptions } from '../../src-shared/bootstrap.js';
import { WSOL_THRESHOLD } from '../../src-shared/wsolBox.js';
import { CamscopeError } from '../errors.js';
import { Explainer, type ExplainOptions, type ModelOptions } from '../explain/explainer.js';
import { type MethodChoice } from '../explain/methods/index.js';
import { applicableMethods } from './applicableMethods.js';
import { Progress } from '../terminal/progress.js';
import type { Dataset, DatasetItem } from '../datasets/datasetTypes.js';
import type { MapResult, Prediction } from '../../src-shared/explainTypes.js';
import {
  type EvaluatedMap,
  type EvaluationResult,
  type ImageEvaluation,
  type ImageMethodEvaluation,
  disagreementOrder,
  methodEvaluation,
} from './evaluationResult.js';
import { checkLabelsFit, resolveLabelOffset } from './labelMapping.js';
import { ProjectRecorder, type RecordedEvaluation } from './projectRecorder.js';
import { loadGroundTruthMask } from './groundTruthMask.js';
import { type Shard, inShard, shardLabel } from '../datasets/shard.js';
import { writeScoremap } from './npyExport.js';
import { packMetrics, unpackMetrics } from './storedMetrics.js';
import { IMAGE_METRIC_NAMES, MetricAggregator, imagePairs, localizationValues, methodPairs, type ImageMaps } from './imageMetrics.js';
import { deletionFractions, faithfulnessOf } from './faithfulness.js';
import { explainerMaps, explainerScore, inputShapeOf } from './metrics/index.js';

export interface EvaluateOptions {
  model: string;
  dataset: Dataset;
  /** Method specs as for --method (id[:variant]). */
  methods: string[];
  modelOptions?: ModelOptions;
  /** Target layer (a tensor name); default the model's default layer. */
  layer?: string;
  batchSize?: number;
  /** Evaluate only the first N images. */
  limit?: number;
  /** WSOL threshold (fraction of the map's range) for the Top-1 / GT-known boxes; default WSOL_THRESHOLD. */
  threshold?: number;
  /** Project file to store runs in (created when missing); a rerun resumes. */
  project?: string;
  /** Folder for <method>/<image_id>.npy score maps (wsolevaluation layout). */
  exportMaps?: string;
  progress?: NodeJS.WriteStream | null;
  /** Average Drop, Deletion/Insertion and ADCC (hundreds of model passes per image); default true. */
  faithfulness?: boolean;
  /** ROAD MoRF/LeRF with the faithfulness metrics (18 imputations and passes per image and method); default false. */
  road?: boolean;
  /** Bootstrap intervals and paired tests (src-shared/bootstrap.ts defaults); null: none. */
  bootstrap?: BootstrapOptions | null;
  /** Checked between batches: once aborted, the batch in hand is committed and the evaluation stops (exit 130). */
  signal?: AbortSignal;
  /** Evaluate only this shard's images (of the first `limit`), partitioned by dataset id (datasets/shard.ts). */
  shard?: Shard | null;
  /**
   * Which top-1 maps the result keeps the values of: 'all' (default), or the N images where the first pair of methods
   * disagrees most (the report's gallery, disagreementOrder), so memory stays flat over a large dataset.
   */
  keepMaps?: 'all' | number;
}

export async function evaluateDataset(opts: EvaluateOptions): Promise<EvaluationResult> {
  const { dataset } = opts;
  const threshold = opts.threshold ?? WSOL_THRESHOLD;
  const faithfulness = opts.faithfulness ?? true;
  const road = faithfulness && (opts.road ?? false);
  const shard = opts.shard ?? null;
  const limited = dataset.items.slice(0, opts.limit ?? dataset.items.length);
  const items = shard ? limited.filter((it) => inShard(it.id, shard)) : limited;
  if (shard && items.length === 0 && limited.length > 0) {
    throw new CamscopeError(`${dataset.root}: shard ${shardLabel(shard)} holds none of the ${limited.length} images; use fewer shards`);
  }
  if (items.length === 0) throw new CamscopeError(`${dataset.root}: no images to evaluate`);
  const explainer = await Explainer.open(opts.model, opts.modelOptions);
  if (explainer.deviceNotice) opts.progress?.write(`${explainer.deviceNotice}\n`);
  let recorder: ProjectRecorder | null = null;
  try {
    const model = explainer.model;
    const labelOffset = resolveLabelOffset(model, opts.modelOptions?.labelOffset);
    checkLabelsFit(items, model, labelOffset);
    const layer = model.resolveLayer(opts.layer ?? 'auto');

    const { choices, refused } = applicableMethods(opts.model, model, layer, opts.methods);
    const explainOpts: ExplainOptions = { methods: choices, layers: [layer], target: 'top1', threshold };
    const prepared = explainer.prepare(explainOpts);
    const ids = choices.map((c) => c.id);

    let stored = new Map<string, Set<number>>();
    if (opts.project) {
      recorder = ProjectRecorder.open(opts.project, dataset, items);
      stored = recorder.prepareRuns(explainer, ids, layer, {
        dataset: dataset.fingerprint,
        images: items.length,
        threshold,
        labelOffset,
        faithfulness,
        ...(road ? { road } : {}),
        ...(shard ? { shard: shardLabel(shard) } : {}),
      });
    }
    const isStored = (i: number) => ids.every((id) => stored.get(id)?.has(i));

    const gtIndexOf = (it: DatasetItem) => (it.label === null ? null : it.label + labelOffset);
    const aggregator = new MetricAggregator(ids, deletionFractions(inputShapeOf(explainer)));
    const images: ImageEvaluation[] = [];
    const progress = opts.progress ? new Progress(items.length, 'images', opts.progress) : null;
    const batchSize = model.dynamicBatch ? Math.max(1, opts.batchSize ?? 8) : 1;
    const gallery = opts.keepMaps === undefined || opts.keepMaps === 'all' ? null : new MapKeeper(opts.keepMaps, ids);

    const freshIn = (start: number) =>
      Array.from({ length: Math.max(0, Math.min(batchSize, items.length - start)) }, (_, k) => start + k).filter((i) => !isStored(i));
    for (let start = 0; start < items.length; start += batchSize) {
      if (opts.signal?.aborted) {
        recorder?.interrupt();
        throw new CamscopeError(
          recorder
            ? `interrupted: ${start} of ${items.length} images are stored in ${opts.project}; rerun the same command to resume`
            : `interrupted after ${start} of ${items.length} images (nothing is kept without --project)`,
          130,
        );
      }
      const indices = Array.from({ length: Math.min(batchSize, items.length - start) }, (_, k) => start + k);
      const fresh = indices.filter((i) => !isStored(i));
      explainer.prefetch(freshIn(start + batchSize).map((i) => items[i]!.path));
      const began = Date.now();
      const computed = await explainRows(
        explainer,
        explainOpts,
        prepared,
        fresh.map((i) => items[i]!),
        (it) => gtIndexOf(it),
      );
      if (faithfulness) await addFaithfulness(computed, explainer, choices, layer, road);
      const elapsed = Date.now() - began;
      const perRecord = new Map<string, RecordedEvaluation[]>(ids.map((id) => [id, []]));
      for (const i of indices) {
        const item = items[i]!;
        const gtIndex = gtIndexOf(item);
        const row = fresh.indexOf(i);
        const source: RowMaps = row >= 0 ? computed.rows[row]! : readStored(recorder!, ids, i, gtIndex);
        const correct = gtIndex === null ? null : source.predictions[0]!.index === gtIndex;
        const methods: Record<string, ImageMethodEvaluation> = {};
        const gtMask = await loadGroundTruthMask(item);
        for (const id of ids) {
          const maps = source.maps[id]!;
          const values = row >= 0 ? { ...localizationValues(item, maps, correct, threshold), ...source.values[id] } : source.values[id]!;
          const curves = source.vectors[id] ?? {};
          methods[id] = methodEvaluation(maps.top1, values);
          aggregator.add(id, item, maps, curves, gtMask);
          if (row >= 0 && !stored.get(id)?.has(i)) {
            // The GT-class map is kept only where it differs from the stored top-1 map.
            const vectors = maps.gt && maps.gt !== maps.top1 ? { ...curves, gt_map: maps.gt.values } : curves;
            perRecord
              .get(id)!
              .push({ index: i, predictions: source.predictions, map: maps.top1, iou: values.iou ?? null, metrics: packMetrics(values, vectors) });
          }
          if (opts.exportMaps) writeScoremap(opts.exportMaps, id, item.id, maps.gt ?? maps.top1);
        }
        const image: ImageEvaluation = { item, predictions: source.predictions, gtIndex, correct, methods, pairs: {} };
        image.pairs = imagePairs(image, ids);
        images.push(image);
        gallery?.offer(image);
      }
      recorder?.recordBatch(perRecord, threshold, elapsed / ids.length);
      progress?.update(images.length);
    }
    recorder?.finish();

    return {
      ...aggregator.result(
        images,
        refused,
        (label) => dataset.classNames?.[label] ?? explainer.labels.name(label + labelOffset) ?? String(label),
        opts.bootstrap === undefined ? {} : opts.bootstrap,
      ),
      images,
      refused,
      provenance: {
        model: { path: opts.model, sha256: model.sha256, classes: model.numClasses, layer },
        preprocessing: explainer.preprocessing,
        labelOffset,
        methods: [
          ...choices.map((c) => ({ id: c.id, params: { target: 'top1', threshold, variant: c.variant } })),
          ...Object.keys(refused).map((id) => ({ id, params: { refused: true } })),
        ],
        dataset: {
          root: dataset.root,
          format: dataset.format,
          split: items[0]?.split ?? null,
          fingerprint: dataset.fingerprint,
          images: items.length,
          warnings: dataset.warnings.length,
        },
        camscopeVersion: pkg.version,
        createdAt: new Date().toISOString(),
      },
    };
  } catch (e) {
    recorder?.fail(e instanceof Error ? e.message.split('\n')[0]! : String(e));
    throw e;
  } finally {
    recorder?.close();
    await explainer.close();
  }
}

/** One image's top-5 and, per method, its maps, numbers and score curves (all of them when read back from a project). */
interface RowMaps {
  predictions: Prediction[];
  maps: Record<string, ImageMaps>;
  values: Record<string, Record<string, number | null>>;
  vectors: Record<string, Record<string, ArrayLike<number>>>;
}

/** The explainer's map with its box and where that box was found (threshold, decoded image size), so localization reuses it. */
const toEvaluated = (m: MapResult, threshold: number, image: { width: number; height: number }): EvaluatedMap => ({
  target: m.target,
  width: m.width,
  height: m.height,
  values: Float32Array.from(m.values),
  box: m.box,
  boxedAt: { threshold, width: image.width, height: image.height },
});

/**
 * Explains items for their top-1 class in one engine run, then, for the rows whose ground-truth class
 * differs from the prediction, once more with per-row targets (GT-known localization needs that map).
 */
async function explainRows(
  explainer: Explainer,
  opts: ExplainOptions,
  prepared: ReturnType<Explainer['prepare']>,
  items: DatasetItem[],
  gtIndexOf: (it: DatasetItem) => number | null,
): Promise<{ rows: RowMaps[]; input: Float32Array }> {
  if (items.length === 0) return { rows: [], input: new Float32Array(0) };
  const { images, input } = await explainer.loadBatch(items.map((it) => it.path));
  const top = await explainer.explainInput(input, images, opts, prepared);
  const plane = input.length / items.length;
  const redo = items.map((it, row) => ({ row, gt: gtIndexOf(it) })).filter(({ row, gt }) => gt !== null && gt !== top[row]!.predictions[0]!.index);
  const gtInput = new Float32Array(redo.length * plane);
  redo.forEach(({ row }, k) => gtInput.set(input.subarray(row * plane, (row + 1) * plane), k * plane));
  const gtRuns = redo.length
    ? await explainer.explainInput(
        gtInput,
        redo.map(({ row }) => images[row]!),
        opts,
        prepared,
        redo.map(({ gt }) => gt!),
      )
    : [];
  const threshold = opts.threshold ?? WSOL_THRESHOLD;
  const rows = top.map((t, row) => {
    const k = redo.findIndex((r) => r.row === row);
    const maps: Record<string, ImageMaps> = {};
    for (const m of t.maps) {
      const top1 = toEvaluated(m, threshold, images[row]!);
      const gtMap = k >= 0 ? gtRuns[k]!.maps.find((x) => x.method === m.method)! : null;
      maps[m.method] = { top1, gt: gtMap ? toEvaluated(gtMap, threshold, images[row]!) : gtIndexOf(items[row]!) === null ? null : top1 };
    }
    return { predictions: t.predictions, maps, values: {}, vectors: {} };
  });
  return { rows, input };
}

/** Scores every fresh row's top-1 maps for faithfulness, per method (ADCC re-explains with the same method). */
async function addFaithfulness(
  computed: { rows: RowMaps[]; input: Float32Array },
  explainer: Explainer,
  choices: MethodChoice[],
  layer: string,
  road: boolean,
): Promise<void> {
  const { rows, input } = computed;
  if (rows.length === 0) return;
  const shape = inputShapeOf(explainer);
  const plane = shape.channels * shape.width * shape.height;
  const score = explainerScore(explainer);
  for (const choice of choices) {
    const samples = rows.map((r, k) => {
      const map = r.maps[choice.id]!.top1;
      return { input: input.subarray(k * plane, (k + 1) * plane), map, classIndex: map.target };
    });
    const results = await faithfulnessOf(samples, score, explainerMaps(explainer, choice.id, { layer }), shape, { road });
    results.forEach((f, k) => {
      rows[k]!.values[choice.id] = f.values;
      rows[k]!.vectors[choice.id] = { deletion: f.deletion, insertion: f.insertion, ...(f.morf && f.lerf ? { morf: f.morf, lerf: f.lerf } : {}) };
    });
  }
}

/** An image every method's run already holds: maps, box and numbers as stored. */
function readStored(recorder: ProjectRecorder, ids: string[], index: number, gtIndex: number | null): RowMaps {
  const row: RowMaps = { predictions: [], maps: {}, values: {}, vectors: {} };
  for (const id of ids) {
    const s = recorder.read(id, index);
    const { values, vectors } = unpackMetrics(s.metrics, IMAGE_METRIC_NAMES);
    const top1: EvaluatedMap = s.map;
    const gtValues = vectors.gt_map;
    const gt = gtIndex === null ? null : gtValues ? { ...top1, target: gtIndex, values: Float32Array.from(gtValues), box: null } : top1;
    row.predictions = s.predictions;
    row.maps[id] = { top1, gt };
    row.values[id] = values;
    row.vectors[id] = Object.fromEntries(Object.entries(vectors).filter(([name]) => name !== 'gt_map'));
  }
  return row;
}

/** Keeps the map values of the `size` images where the first method pair disagrees most; lets the others' go. */
class MapKeeper {
  private readonly kept: ImageEvaluation[] = [];
  private readonly key: string | null;

  constructor(
    private readonly size: number,
    ids: readonly string[],
  ) {
    const pair = methodPairs(ids)[0];
    this.key = pair ? `${pair[0]}|${pair[1]}` : null;
  }

  offer(image: ImageEvaluation): void {
    if (this.key === null || image.pairs[this.key]!.spearman === null || this.size <= 0) return release(image);
    const order = disagreementOrder(this.key);
    let at = this.kept.length;
    while (at > 0 && order(image, this.kept[at - 1]!) < 0) at--;
    this.kept.splice(at, 0, image);
    if (this.kept.length > this.size) release(this.kept.pop()!);
  }
}

/**
 * Keeps each map's class, size and box and the top-1 prediction (all the reports read of an image outside the gallery);
 * lets the map values, where the boxes were found and the other four predictions go (the project stores all five).
 */
function release(image: ImageEvaluation): void {
  image.predictions = image.predictions.slice(0, 1);
  for (const m of Object.values(image.methods))
    m.map = { target: m.map.target, width: m.map.width, height: m.map.height, values: null, box: m.map.box };
}
