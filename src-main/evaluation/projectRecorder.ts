// Evaluation results in a project: the dataset's images with their ground truth, one run per method
// (target top-1, the map the WSOL view shows), and per image its box, IoU and every metric. A rerun
// with the same model, dataset and options finds its runs and skips the images they already hold.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Box, Prediction } from '../../src-shared/explainTypes.js';
import type { Explainer } from '../explain/explainer.js';
import { serializeProbe } from '../onnx/probeCache.js';
import { ProjectStore } from '../store/projectStore.js';
import type { RecordedImage } from '../store/storeTypes.js';
import type { Dataset, DatasetItem } from '../datasets/datasetTypes.js';
import { toStoredMasks } from '../datasets/storedMasks.js';
import { defaultLabelOffset } from '../model/labels.js';

/** What identifies an evaluation run besides model, method and layer: a rerun must match all of it to resume. */
export interface EvaluationKey {
  dataset: string;
  images: number;
  threshold: number;
  labelOffset: number;
  /** Whether the faithfulness metrics were computed (a run without them cannot supply them later). */
  faithfulness: boolean;
  /** 'K/N' for one shard of a sharded evaluation (`images` is then the shard's); `camscope merge` removes it. */
  shard?: string;
}

/** One image of a method's run as the project holds it, enough to rebuild its evaluation without recomputing. */
export interface StoredImageEvaluation {
  predictions: Prediction[];
  map: { target: number; width: number; height: number; values: Float32Array; box: Box | null };
  metrics: Record<string, number>;
}

/** One image of one method's batch as eval records it. */
export interface RecordedEvaluation {
  index: number;
  predictions: Prediction[];
  map: StoredImageEvaluation['map'];
  iou: number | null;
  metrics: Record<string, number>;
}

/**
 * Set in every evaluation row eval writes: a run the app resumed after a crash stores rows without
 * the metrics, and those images are evaluated again (their maps are not stored twice).
 */
const EVALUATED = 'evaluated';

export class ProjectRecorder {
  private readonly runIds = new Map<string, number>();
  /** Per method, the item indices its run already has rows for. */
  private readonly recorded = new Map<string, Set<number>>();
  private readonly imageIds: number[];
  private modelId = 0;

  private constructor(
    readonly store: ProjectStore,
    private readonly items: readonly DatasetItem[],
  ) {
    this.imageIds = new Array<number>(items.length);
  }

  /**
   * Opens the project (created when the file does not exist) and adds the images with their ground truth, labels in the
   * dataset's own numbering as the app keeps them (`prepareRuns` records the offset that maps them to the model's logits).
   */
  static open(file: string, dataset: Dataset, items: readonly DatasetItem[]): ProjectRecorder {
    const store = existsSync(file) ? ProjectStore.open(file) : ProjectStore.create(file);
    try {
      const recorder = new ProjectRecorder(store, items);
      const name = basename(dataset.root);
      const { ids } = store.addImages(
        items.map((it) => ({
          path: it.path,
          sha256: createHash('sha256').update(readFileSync(it.path)).digest('hex'),
          width: it.width,
          height: it.height,
          dataset: name,
          gtLabel: it.label,
          gtBoxes: it.boxes.map((box) => ({ box, label: it.label })),
          gtMasks: it.masks && toStoredMasks(dataset.root, it.masks),
        })),
      );
      ids.forEach((id, i) => (recorder.imageIds[i] = id));
      return recorder;
    } catch (e) {
      store.close();
      throw e;
    }
  }

  /** The project's ids of the items, in their order. */
  get itemImageIds(): readonly number[] {
    return this.imageIds;
  }

  /** Registers the explainer's model (or finds it by content) with what its probe learned; returns its id. */
  addModel(explainer: Explainer): number {
    const m = explainer.model;
    // As the app's model registry records it: the model's default label offset (what a dataset without one of its own
    // uses), the names from that logit on (Labels' convention: names[i] is logit i + offset).
    const labelOffset = defaultLabelOffset(m.metadata, m.numClasses);
    const labels = Array.from({ length: m.numClasses - labelOffset }, (_, i) => explainer.labels.name(i + labelOffset) ?? String(i + labelOffset));
    this.modelId = this.store.addModel({
      path: m.file,
      sha256: m.sha256,
      input: { name: m.inputName, shape: m.inputDims },
      preprocessing: explainer.preprocessing,
      labels,
      labelOffset,
      numClasses: m.numClasses,
      defaultLayer: m.defaultLayer(),
    });
    // The project keeps what the probe learned, so the app opens this model from the project without probing.
    this.store.probeCache().set(m.probeKey, serializeProbe(m.probe));
    return this.modelId;
  }

  /** Registers the model and finds or creates one run per method; returns, per method, the item indices already evaluated. */
  prepareRuns(explainer: Explainer, methods: string[], layer: string, key: EvaluationKey): Map<string, Set<number>> {
    this.addModel(explainer);
    this.recordLabelOffset(key.labelOffset);
    const params = { threshold: key.threshold, evaluation: key };
    const done = new Map<string, Set<number>>();
    const existing = this.store.listRuns();
    for (const method of methods) {
      const found = existing.find(
        (r) => r.modelId === this.modelId && r.method === method && r.layer === layer && r.target === 'top1' && sameKey(r.params.evaluation, key),
      );
      const runId = found?.id ?? this.store.createRun({ modelId: this.modelId, method, layer, target: 'top1', imageIds: this.imageIds, params });
      if (found && found.status !== 'done') this.store.startRun(runId);
      this.runIds.set(method, runId);
      const evaluated = new Set<number>();
      const recorded = new Set<number>();
      this.imageIds.forEach((imageId, i) => {
        const row = this.store.getEvaluation(runId, imageId);
        if (row) recorded.add(i);
        if (row?.metrics[EVALUATED] === 1) evaluated.add(i);
      });
      this.recorded.set(method, recorded);
      done.set(method, evaluated);
    }
    return done;
  }

  /**
   * Makes the project compare labels with this model's logits as the evaluation did (dataset class i = logit i +
   * `offset`): each of the images' datasets gets `offset`, or none (the model's default) where that is the default, and is
   * left alone where it already means `offset`. Labels an older camscope stored shifted by the offset (eval's before
   * dataset label offsets) go back to the dataset's numbering first.
   */
  private recordLabelOffset(offset: number): void {
    const model = this.store.getModel(this.modelId)!;
    const rows = this.imageIds.map((id) => this.store.getImage(id)!);
    const shifted =
      offset === 0
        ? []
        : rows.flatMap((row, i) => {
            const label = this.items[i]!.label;
            return label !== null && row.gtLabel === label + offset ? [{ imageId: row.id, gtLabel: label }] : [];
          });
    if (shifted.length) this.store.setGroundTruthLabels(shifted);
    const datasets = new Set(rows.map((r) => r.dataset).filter((d): d is string => d !== null));
    for (const name of datasets) {
      if ((this.store.datasetLabelOffset(name) ?? model.labelOffset) !== offset)
        this.store.setDatasetLabelOffset(name, offset === model.labelOffset ? null : offset);
    }
  }

  /** The stored results of item `index` in `method`'s run. */
  read(method: string, index: number): StoredImageEvaluation {
    const runId = this.runIds.get(method)!;
    const imageId = this.imageIds[index]!;
    const map = this.store.getMap(runId, imageId);
    const evaluation = this.store.getEvaluation(runId, imageId);
    if (!map || !evaluation) throw new Error(`run ${runId} has no evaluation of image ${imageId}`);
    const box = this.store.getBoxes(runId, imageId).find((b) => b.classIndex === map.classIndex)?.box ?? null;
    return {
      predictions: this.store.getPredictions(this.modelId, imageId),
      map: { target: map.classIndex, width: map.width, height: map.height, values: map.values, box },
      metrics: evaluation.metrics,
    };
  }

  /**
   * Stores one batch's results of every method (maps, boxes, IoU, metrics) and each run's progress in one store
   * transaction, as the app's runs do (ProjectStore.recordRunBatches); `elapsedMs` is each method's share of the batch.
   */
  recordBatch(batches: ReadonlyMap<string, readonly RecordedEvaluation[]>, threshold: number, elapsedMs: number): void {
    const runs = [...batches].map(([method, batch]) => {
      const recorded = this.recorded.get(method)!;
      const rows: RecordedImage[] = batch
        .filter((b) => !recorded.has(b.index))
        .map((b) => ({
          imageId: this.imageIds[b.index]!,
          predictions: b.predictions,
          maps: [{ classIndex: b.map.target, width: b.map.width, height: b.map.height, values: b.map.values }],
          boxes: b.map.box ? [{ classIndex: b.map.target, threshold, box: b.map.box }] : [],
          evaluation: { iou: b.iou, metrics: { ...b.metrics, [EVALUATED]: 1 } },
        }));
      return { runId: this.runIds.get(method)!, batch: rows, elapsedMs };
    });
    const fresh = runs.filter((r) => r.batch.length);
    if (fresh.length) this.store.recordRunBatches(fresh);
  }

  finish(): void {
    for (const runId of this.runIds.values()) {
      const run = this.store.getRun(runId)!;
      if (run.status !== 'done' && run.done === run.total) this.store.finishRun(runId, 'done');
    }
  }

  /** Marks unfinished runs failed (the images recorded so far stay, and a rerun resumes them). */
  fail(error: string): void {
    for (const runId of this.runIds.values()) {
      if (this.store.getRun(runId)?.status === 'running') this.store.finishRun(runId, 'failed', error);
    }
  }

  /** Marks unfinished runs cancelled after an interrupt; the committed images stay and a rerun resumes. */
  interrupt(): void {
    for (const runId of this.runIds.values()) {
      if (this.store.getRun(runId)?.status === 'running') this.store.finishRun(runId, 'cancelled', 'interrupted');
    }
  }

  close(): void {
    this.store.close();
  }
}

function sameKey(stored: unknown, key: EvaluationKey): boolean {
  if (typeof stored !== 'object' || stored === null) return false;
  const s = stored as Record<string, unknown>;
  return (Object.keys(key) as (keyof EvaluationKey)[]).every((k) => s[k] === key[k]);
}
