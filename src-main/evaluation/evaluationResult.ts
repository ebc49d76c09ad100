// What `camscope eval` computes besides the EvaluationSummary contract: per-image numbers, curves,
// per-class tables and provenance, which the HTML, CSV and PDF reports render.
import type { Box, Prediction, Preprocessing } from '../../src-shared/explainTypes.js';
import type { EvaluationSummary } from '../../src-shared/evaluationTypes.js';
import type { DatasetItem } from '../datasets/datasetTypes.js';
import type { BoxedAt, MaxBoxAccResult } from './metrics/index.js';
import { valueRange } from '../../src-shared/mapGrid.js';

/** A map at layer resolution with the class it explains and its WSOL box (original pixels). */
export interface EvaluatedMap {
  target: number;
  width: number;
  height: number;
  values: Float32Array;
  box: Box | null;
  /** Where `box` was found (the explainer's threshold and image size): localization reuses it there instead of boxing the map again. */
  boxedAt?: BoxedAt;
}

/** An EvaluatedMap whose values the evaluation may have let go (EvaluateOptions.keepMaps): class, size and box stay. */
export type ResultMap = Omit<EvaluatedMap, 'values' | 'boxedAt'> & { values: Float32Array | null; boxedAt?: BoxedAt };

/** The map with its values, or an error saying the evaluation did not keep them (EvaluateOptions.keepMaps). */
export function keptMap(m: ResultMap): EvaluatedMap {
  if (!m.values) throw new Error('the evaluation did not keep this map (EvaluateOptions.keepMaps)');
  return m as EvaluatedMap;
}

/** Report gallery size: the images where the first pair of methods disagrees most, the only maps `camscope eval` keeps. */
export const GALLERY_IMAGES = 8;

/** The report gallery's order for pair "a|b": lowest Spearman ρ of the two top-1 maps first, then by id; undefined ρ last. */
export function disagreementOrder(key: string): (x: ImageEvaluation, y: ImageEvaluation) => number {
  const rho = (im: ImageEvaluation) => im.pairs[key]!.spearman ?? Infinity;
  return (x, y) => rho(x) - rho(y) || x.item.id.localeCompare(y.item.id);
}

export interface ImageMethodEvaluation {
  /** Map of the predicted class (what the project stores and the gallery shows); values only where kept. */
  map: ResultMap;
  /** The map's largest value (the analytic CAM ↔ Grad-CAM note's scale), kept when the values are not. */
  peak: number;
  /** Per-image numbers (CSV columns); null where not defined (no label, no box, constant map). */
  values: Record<string, number | null>;
}

/** An image's result for one method, its map's peak taken while the values are at hand. */
export function methodEvaluation(map: EvaluatedMap, values: Record<string, number | null>): ImageMethodEvaluation {
  return { map, peak: valueRange(map.values).max, values };
}

export interface ImagePairEvaluation {
  pearson: number | null;
  spearman: number | null;
  /** IoU of the two WSOL boxes (0 when either map is constant). */
  box_iou: number;
  /** Both maps' maxima inside a GT box; null without GT boxes. */
  both_inside: boolean | null;
  /** max |b − ReLU(a)/(H·W)| over the map, for the analytic CAM → Grad-CAM link. */
  analytic_error: number | null;
}

export interface ImageEvaluation {
  item: DatasetItem;
  /** Top-5 of the model, best first (logit indices); only the top-1 where eval let the image's maps go (keepMaps). */
  predictions: Prediction[];
  /** The ground-truth class as a logit index (dataset label + offset), null without a label. */
  gtIndex: number | null;
  correct: boolean | null;
  methods: Record<string, ImageMethodEvaluation>;
  /** Keyed "a|b" as EvaluationSummary.agreement. */
  pairs: Record<string, ImagePairEvaluation>;
}

/** y over x, e.g. box accuracy over CAM thresholds or the mean score over the deleted fraction. */
export interface Curve {
  x: number[];
  y: number[];
}

export interface MethodCurves {
  /** MaxBoxAcc: box accuracy (%) at IoU ≥ δ over the map threshold, one curve per δ. */
  boxAccuracy: Record<string, Curve>;
  deletion: Curve | null;
  insertion: Curve | null;
  /** ROAD: mean score over the removed share (most / least relevant first); null without --road. */
  morf: Curve | null;
  lerf: Curve | null;
}

export interface ClassRow {
  index: number;
  name: string;
  images: number;
  /** Percent. */
  accuracy: number;
  /** Per method, percent; null without boxes. */
  gtKnownLoc: Record<string, number | null>;
  top1Loc: Record<string, number | null>;
}

export interface Provenance {
  model: { path: string; sha256: string; classes: number; layer: string };
  preprocessing: Preprocessing;
  labelOffset: number;
  methods: { id: string; params: Record<string, unknown> }[];
  dataset: { root: string; format: string; split: string | null; fingerprint: string; images: number; warnings: number };
  camscopeVersion: string;
  createdAt: string;
}

export interface EvaluationResult {
  summary: EvaluationSummary;
  images: ImageEvaluation[];
  curves: Record<string, MethodCurves>;
  /** Per method, the BoxEvaluator's result (curves per δ and setting), for the held-out threshold protocol. */
  maxBoxAcc: Record<string, MaxBoxAccResult>;
  perClass: ClassRow[];
  /** Methods that could not run on this model, with the engine's reason. */
  refused: Record<string, string>;
  provenance: Provenance;
}
