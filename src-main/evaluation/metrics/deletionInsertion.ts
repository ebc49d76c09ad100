// Deletion and Insertion of Petsiuk et al., "RISE: Randomized Input Sampling for Explanation of Black-box Models" (BMVC 2018).
//
// Pixels are taken in order of decreasing saliency (the map upsampled bilinearly to the input;
// ties by increasing pixel index), `pixelsPerStep` at a time over all channels. Deletion starts
// from x and moves pixels to its baseline (zeros by default: the input's zero, the dataset mean
// after normalization); Insertion starts from its baseline (RISE's blur by default) and moves
// pixels back to x. The score is recorded before the first and after every step; the AUC is the
// trapezoid rule over the fraction of pixels moved (RISE's formula when the step divides H·W).
import { type FaithfulnessSample, type InputShape, type ScoreFn, type ScoreRow, saliencyMask, scoreRows } from './perturbation.js';

export type Baseline = 'zeros' | 'blur';

export const DELETION_INSERTION_SPEC = {
  name: 'Deletion / Insertion AUC',
  formula: 'AUC = Σ_k (f_{k+1} − f_k)(s_k + s_{k+1})/2, s_k = score after moving the first k·step most salient pixels, f_k their fraction of H·W',
  citation: 'Petsiuk et al., "RISE: Randomized Input Sampling for Explanation of Black-box Models", BMVC 2018',
  variant: 'deletion baseline blur; insertion baseline zeros; any pixels per step',
  default:
    'deletion → zeros, insertion → blur (RISE: 11×11 Gaussian, σ = 5, on the model input), pixelsPerStep = input width (224 at 224×224, as RISE)',
} as const;

export interface DeletionInsertionOptions {
  pixelsPerStep?: number;
  deletionBaseline?: Baseline;
  insertionBaseline?: Baseline;
  batchSize?: number;
}

export interface ScoreCurve {
  /** Fraction of pixels moved at each recorded score, 0 … 1. */
  fractions: Float64Array;
  scores: Float64Array;
  auc: number;
}

export interface DeletionInsertionResult {
  images: number;
  /** Mean AUC over images, null without images. */
  deletionAuc: number | null;
  insertionAuc: number | null;
  deletion: ScoreCurve[];
  insertion: ScoreCurve[];
}

/** The trapezoid rule over (fractions, scores). */
export function trapezoidAuc(fractions: ArrayLike<number>, scores: ArrayLike<number>): number {
  let area = 0;
  for (let k = 0; k + 1 < scores.length; k++) area += ((fractions[k + 1]! - fractions[k]!) * (scores[k]! + scores[k + 1]!)) / 2;
  return area;
}

/** Pixel indices by decreasing saliency, ties by increasing index. */
export function saliencyOrder(mask: Float32Array): Uint32Array {
  return Uint32Array.from(mask.keys()).sort((i, j) => mask[j]! - mask[i]! || i - j);
}

/**
 * RISE's blur kernel gkern(11, 5): scipy's gaussian_filter (σ = 5, truncate 4, mode 'reflect') of an
 * 11×11 unit impulse, which is the outer product of the 1-D filter response k1 with itself.
 */
export function riseBlurKernel(size = 11, sigma = 5): Float64Array {
  const radius = Math.trunc(4 * sigma + 0.5);
  const w = Array.from({ length: 2 * radius + 1 }, (_, j) => Math.exp(-0.5 * ((j - radius) / sigma) ** 2));
  const total = w.reduce((a, b) => a + b, 0);
  // scipy 'reflect' (d c b a | a b c d | d c b a): period 2·size.
  const reflect = (k: number) => {
    const m = ((k % (2 * size)) + 2 * size) % (2 * size);
    return m < size ? m : 2 * size - 1 - m;
  };
  const center = Math.floor(size / 2);
  const k1 = new Float64Array(size);
  for (let i = 0; i < size; i++) for (let t = -radius; t <= radius; t++) if (reflect(i + t) === center) k1[i] += w[t + radius]! / total;
  const k2 = new Float64Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) k2[y * size + x] = k1[y]! * k1[x]!;
  return k2;
}

/** Each channel convolved with the kernel, zero padding (RISE's conv2d with padding = size/2). */
export function blurInput(input: Float32Array, shape: InputShape, kernel = riseBlurKernel()): Float32Array {
  const size = Math.round(Math.sqrt(kernel.length));
  const r = Math.floor(size / 2);
  const { width: w, height: h } = shape;
  const out = new Float32Array(input.length);
  for (let c = 0; c < shape.channels; c++) {
    const o = c * w * h;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let v = 0;
        for (let ky = 0; ky < size; ky++) {
          const sy = y + ky - r;
          if (sy < 0 || sy >= h) continue;
          for (let kx = 0; kx < size; kx++) {
            const sx = x + kx - r;
            if (sx >= 0 && sx < w) v += kernel[ky * size + kx]! * input[o + sy * w + sx]!;
          }
        }
        out[o + y * w + x] = v;
      }
    }
  }
  return out;
}

/** Rows of one curve: `from` with the first k·step ordered pixels taken from `to`, k = 0 … steps. */
function* curveRows(
  from: Float32Array,
  to: Float32Array,
  order: Uint32Array,
  shape: InputShape,
  step: number,
  classIndex: number,
): Generator<ScoreRow> {
  const plane = shape.width * shape.height;
  const current = Float32Array.from(from);
  for (let moved = 0; ;) {
    yield { classIndex, fill: (row) => row.set(current) };
    if (moved === plane) return;
    const next = Math.min(moved + step, plane);
    for (let k = moved; k < next; k++) {
      const p = order[k]!;
      for (let c = 0; c < shape.channels; c++) current[c * plane + p] = to[c * plane + p]!;
    }
    moved = next;
  }
}

/** Deletion and Insertion curves and AUCs of every sample. */
export async function deletionInsertion(
  samples: FaithfulnessSample[],
  score: ScoreFn,
  shape: InputShape,
  opts: DeletionInsertionOptions = {},
): Promise<DeletionInsertionResult> {
  const plane = shape.width * shape.height;
  const step = opts.pixelsPerStep ?? shape.width;
  if (!(Number.isInteger(step) && step > 0)) throw new RangeError(`pixels per step ${step} is not a positive integer`);
  const steps = Math.ceil(plane / step);
  const fractions = Float64Array.from({ length: steps + 1 }, (_, k) => Math.min(k * step, plane) / plane);
  const baseline = (kind: Baseline, input: Float32Array) => (kind === 'zeros' ? new Float32Array(input.length) : blurInput(input, shape));
  const deletionBaseline = opts.deletionBaseline ?? 'zeros';
  const insertionBaseline = opts.insertionBaseline ?? 'blur';

  function* rows(): Generator<ScoreRow> {
    for (const s of samples) {
      const order = saliencyOrder(saliencyMask(s.map, shape));
      yield* curveRows(s.input, baseline(deletionBaseline, s.input), order, shape, step, s.classIndex);
      yield* curveRows(baseline(insertionBaseline, s.input), s.input, order, shape, step, s.classIndex);
    }
  }
  const per = steps + 1;
  const scores = await scoreRows(score, shape, rows(), 2 * per * samples.length, opts.batchSize);
  const curve = (offset: number): ScoreCurve => {
    const s = scores.slice(offset, offset + per);
    return { fractions, scores: s, auc: trapezoidAuc(fractions, s) };
  };
  const deletion = samples.map((_, i) => curve(2 * per * i));
  const insertion = samples.map((_, i) => curve(2 * per * i + per));
  const mean = (cs: ScoreCurve[]) => (cs.length ? cs.reduce((a, c) => a + c.auc, 0) / cs.length : null);
  return { images: samples.length, deletionAuc: mean(deletion), insertionAuc: mean(insertion), deletion, insertion };
}
