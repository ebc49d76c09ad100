// What callers hand the project store and what they get back (rows in camelCase, JSON columns parsed).
import type { Box, Prediction, Preprocessing } from '../../src-shared/explainTypes.js';
import type { StoredMasks } from '../datasets/storedMasks.js';

export type { StoredMasks };

export interface GtBox {
  box: Box;
  /** Class index of the boxed object, when the dataset says. */
  label: number | null;
}

export interface NewImage {
  path: string;
  /** Hex sha256 of the file's bytes: with path, what makes an image the same image. */
  sha256: string;
  width: number;
  height: number;
  dataset?: string | null;
  gtLabel?: number | null;
  gtBoxes?: GtBox[];
  /** Segmentation ground truth by reference; written for an image already present too (a dataset imported again). */
  gtMasks?: StoredMasks;
}

export interface ImageRow {
  id: number;
  path: string;
  sha256: string;
  width: number;
  height: number;
  dataset: string | null;
  gtLabel: number | null;
  addedAt: string;
  gtBoxes: GtBox[];
}

export interface DatasetRow {
  name: string;
  images: number;
  /** Dataset class i is logit i + labelOffset; null: each model's default (ModelRow.labelOffset). */
  labelOffset: number | null;
}

export interface NewModel {
  path: string;
  sha256: string;
  input: { name: string; shape: (number | string)[] };
  preprocessing: Preprocessing;
  labels: string[] | null;
  /** Offset of the labels' names, and the label offset of datasets that set none (defaultLabelOffset for app-added models). */
  labelOffset: number;
  numClasses: number;
  defaultLayer: string | null;
}

export interface ModelRow extends NewModel {
  id: number;
  addedAt: string;
}

export const RUN_STATUSES = ['pending', 'running', 'done', 'cancelled', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Which class each image is explained for: its top-1 prediction, or one fixed logit index. */
export type TargetRule = 'top1' | number;

export interface NewRun {
  modelId: number;
  /** Method id, with ':variant' for non-default variants (as MapResult.method). */
  method: string;
  layer: string;
  target: TargetRule;
  params?: Record<string, unknown>;
  imageIds: number[];
  /** Defaults to the package version. */
  appVersion?: string;
}

export interface RunRow {
  id: number;
  modelId: number;
  method: string;
  layer: string;
  target: TargetRule;
  params: Record<string, unknown>;
  status: RunStatus;
  error: string | null;
  total: number;
  done: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Compute time summed over the batches recorded, so time spent crashed is not counted. */
  elapsedMs: number;
  appVersion: string;
}

export interface MapInput {
  classIndex: number;
  width: number;
  height: number;
  values: Float32Array | number[];
}

export interface BoxInput {
  classIndex: number;
  /** The map threshold (0..1 of the normalized map) the box was cut at. */
  threshold: number;
  box: Box;
}

export interface EvaluationInput {
  /** Best IoU of the predicted box against the image's ground-truth boxes; null when either is missing. */
  iou: number | null;
  metrics?: Record<string, number>;
}

/** One image's results in a run. An image that failed carries `error` and no maps. */
export interface RecordedImage {
  imageId: number;
  /** Top-5 of the run's model, best first. Stored per model (runs sharing a model share them); labels come from the model row. */
  predictions?: Prediction[];
  maps?: MapInput[];
  boxes?: BoxInput[];
  evaluation?: EvaluationInput;
  error?: string;
}

export interface EvaluationRow {
  iou: number | null;
  metrics: Record<string, number>;
}

export interface ResumableRun {
  run: RunRow;
  /** Images of the run whose results were never committed, ascending. */
  missingImageIds: number[];
}

export type GallerySort = 'id' | 'confidence' | 'iou' | 'disagreement';

export interface GalleryFilters {
  dataset?: string;
  gtClass?: number;
  /** Top-1 class of the model in context (modelId, else the run's model). */
  predictedClass?: number;
  modelId?: number;
  /** Top-1 equals the ground-truth label; images without a label match neither true nor false. */
  correct?: boolean;
  /** Inclusive IoU bounds in runId's evaluations. */
  iouMin?: number;
  iouMax?: number;
  /** Only images the run covers; also the run whose IoU and maps the row reports. */
  runId?: number;
}

export interface GalleryQuery {
  offset: number;
  limit: number;
  filters?: GalleryFilters;
  /**
   * 'id' lists every matching image. A measure sort lists the matching images that have the
   * measure: 'confidence' needs a model, 'iou' filters.runId, 'disagreement' filters.runId and compareRunId.
   */
  sort?: GallerySort;
  order?: 'asc' | 'desc';
  /** The run compared with filters.runId for 'disagreement'. */
  compareRunId?: number;
}

export interface GalleryRow {
  id: number;
  path: string;
  width: number;
  height: number;
  dataset: string | null;
  /** In the dataset's numbering. */
  gtLabel: number | null;
  /** gtLabel as the logit index of the model in context (its dataset's label offset applied), null without either. */
  gtClass: number | null;
  /** Top-1 class and score of the model in context, when there is one and it has predicted the image. */
  predictedClass: number | null;
  confidence: number | null;
  /** In filters.runId, when given and evaluated. */
  iou: number | null;
  /** Between filters.runId and compareRunId, when both are given and r is defined. */
  disagreement: number | null;
}

export interface GalleryPage {
  total: number;
  rows: GalleryRow[];
}
