// Shared plumbing of the faithfulness metrics (Average Drop, Deletion/Insertion, ADCC): the model
// callbacks they are pure over, the saliency mask, and scoring perturbed inputs in batches.
import { type Grid, minMaxNormalize, upsampleBilinear } from '../../../src-shared/mapGrid.js';

/**
 * Scores a batch of model inputs: `inputs` is [n, C, H, W] (preprocessed, as the model reads it),
 * `classIndex[k]` the class whose score row k should return. One number per row.
 */
export type ScoreFn = (inputs: Float32Array, classIndex: number[]) => Promise<ArrayLike<number>>;

/** Explains a batch of model inputs for the given classes: one map per row (any resolution). */
export type ExplainFn = (inputs: Float32Array, classIndex: number[]) => Promise<Grid[]>;

/** The model input of one image: C×H×W. */
export interface InputShape {
  channels: number;
  width: number;
  height: number;
}

/** One image to score: its model input, its map (layer resolution) and the class the map explains. */
export interface FaithfulnessSample {
  input: Float32Array;
  map: Grid;
  classIndex: number;
}

/** Per-channel mean and std in 0..1 units (torchvision convention), to undo the input normalization. */
export interface Normalization {
  mean: readonly number[];
  std: readonly number[];
}

export const DEFAULT_SCORE_BATCH = 16;

/** The map as a mask on the input: bilinear upsampling to H×W, then min-max to [0, 1] (a constant map → zeros). */
export function saliencyMask(map: Grid, shape: InputShape): Float32Array {
  return minMaxNormalize(upsampleBilinear(map, shape.width, shape.height));
}

/** One perturbed input to score: `fill` writes it into `row` (C·H·W values); rows are filled in order. */
export interface ScoreRow {
  classIndex: number;
  fill(row: Float32Array): void;
}

/** Scores rows `batchSize` at a time, so memory stays at one batch however many rows there are. */
export async function scoreRows(
  score: ScoreFn,
  shape: InputShape,
  rows: Iterable<ScoreRow>,
  count: number,
  batchSize = DEFAULT_SCORE_BATCH,
): Promise<Float64Array> {
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new RangeError(`batch size ${batchSize} is not a positive integer`);
  const per = shape.channels * shape.width * shape.height;
  const out = new Float64Array(count);
  const batch = new Float32Array(Math.min(batchSize, Math.max(count, 1)) * per);
  let classes: number[] = [];
  let done = 0;
  const flush = async () => {
    const scores = await score(batch.subarray(0, classes.length * per), classes);
    if (scores.length !== classes.length) throw new RangeError(`the scorer returned ${scores.length} scores for ${classes.length} inputs`);
    for (let k = 0; k < classes.length; k++) out[done + k] = scores[k]!;
    done += classes.length;
    classes = [];
  };
  for (const row of rows) {
    if (done + classes.length >= count) throw new RangeError(`more than ${count} rows to score`);
    row.fill(batch.subarray(classes.length * per, (classes.length + 1) * per));
    classes.push(row.classIndex);
    if (classes.length * per === batch.length) await flush();
  }
  if (classes.length) await flush();
  if (done !== count) throw new RangeError(`${done} rows scored, expected ${count}`);
  return out;
}
