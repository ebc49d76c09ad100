// ROAD — RemOve And Debias — of Rong et al., "A Consistent and Efficient Evaluation Strategy for
// Attribution Methods" (ICML 2022): remove a share p of the pixels by noisy linear imputation
// (noisyLinearImputation.ts) instead of a constant, which would tell the model *where* the mask is
// (the class information leaking through the mask's shape that biases Deletion/Insertion), and score.
// MoRF removes the most relevant pixels first (a faithful map makes the score fall fast: lower is
// better), LeRF the least relevant first (the score should stay: higher is better).
//
// Ranking: the map upsampled bilinearly to the input, by decreasing value, ties by pixel index
// (as Deletion/Insertion); at share p the first (MoRF) or last (LeRF) round(p·H·W) pixels are removed.
import { mixSeed } from '../../../src-shared/random.js';
import { saliencyOrder } from './deletionInsertion.js';
import { noisyLinearImpute, ROAD_NOISE } from './noisyLinearImputation.js';
import { type FaithfulnessSample, type InputShape, type ScoreFn, type ScoreRow, saliencyMask, scoreRows } from './perturbation.js';

/** The paper's removal shares (its Figures: 10 % … 90 %). */
export const ROAD_PERCENTAGES: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

export const ROAD_SPEC = {
  name: 'ROAD (MoRF / LeRF)',
  formula:
    'score of the explained class after removing the share p of the most (MoRF) / least (LeRF) relevant pixels by noisy linear imputation, p ∈ {10 %, …, 90 %}; per image the mean over p',
  citation: 'Rong et al., "A Consistent and Efficient Evaluation Strategy for Attribution Methods", ICML 2022',
  variant:
    'any shares; noise 0 (plain linear imputation); the model score as ScoreFn gives it (the paper plots accuracy over a dataset; per image camscope keeps the probability)',
  default: `shares 0.1 … 0.9; noise σ = ${ROAD_NOISE} on the model input, seeded per (seed, order, share); neighbour weights 1/6 direct, 1/12 diagonal; softmax probability of the explained class; MoRF ↓, LeRF ↑`,
} as const;

export interface RoadOptions {
  percentages?: readonly number[];
  noise?: number;
  seed?: number;
  batchSize?: number;
}

export interface RoadCurves {
  /** Score at each share, MoRF and LeRF. */
  morf: Float64Array;
  lerf: Float64Array;
  /** Means over the shares. */
  morfMean: number;
  lerfMean: number;
}

/** `removed` for the share p: the first (MoRF) or last (LeRF) round(p·H·W) pixels of the saliency order. */
export function roadMask(order: Uint32Array, share: number, from: 'morf' | 'lerf'): Uint8Array {
  const count = Math.round(share * order.length);
  const removed = new Uint8Array(order.length);
  for (let k = 0; k < count; k++) removed[order[from === 'morf' ? k : order.length - 1 - k]!] = 1;
  return removed;
}

/** MoRF and LeRF curves of every sample. */
export async function road(samples: FaithfulnessSample[], score: ScoreFn, shape: InputShape, opts: RoadOptions = {}): Promise<RoadCurves[]> {
  const shares = opts.percentages ?? ROAD_PERCENTAGES;
  const noise = opts.noise ?? ROAD_NOISE;
  function* rows(): Generator<ScoreRow> {
    for (const s of samples) {
      const order = saliencyOrder(saliencyMask(s.map, shape));
      for (const from of ['morf', 'lerf'] as const) {
        for (const share of shares) {
          const seed = mixSeed(opts.seed ?? 0, from, share);
          yield {
            classIndex: s.classIndex,
            fill: (row) => row.set(noisyLinearImpute(s.input, shape, roadMask(order, share, from), { noise, seed })),
          };
        }
      }
    }
  }
  const per = 2 * shares.length;
  const scores = await scoreRows(score, shape, rows(), per * samples.length, opts.batchSize);
  const mean = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return samples.map((_, i) => {
    const morf = scores.slice(per * i, per * i + shares.length);
    const lerf = scores.slice(per * i + shares.length, per * (i + 1));
    return { morf, lerf, morfMean: mean(morf), lerfMean: mean(lerf) };
  });
}
