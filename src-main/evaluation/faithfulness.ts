// Faithfulness numbers of a batch of maps (Average Drop / Increase in Confidence, Deletion / Insertion,
// ADCC) with the model as scorer, at the metrics module's default settings; per image, so they can
// be stored and aggregated with images read back from a project.
import {
  type ExplainFn,
  type FaithfulnessSample,
  type InputShape,
  type ScoreFn,
  adcc,
  averageDrop,
  deletionInsertion,
  road,
} from './metrics/index.js';

export const FAITHFULNESS_NAMES = [
  'average_drop',
  'increase_in_confidence',
  'deletion_auc',
  'insertion_auc',
  'adcc',
  'coherency',
  'complexity',
] as const;
/** ROAD's per-image means (with `road`). */
export const ROAD_NAMES = ['road_morf', 'road_lerf'] as const;

export interface FaithfulnessOfImage {
  values: Record<string, number>;
  /** Scores after each deletion / insertion step (fractions: deletionFractions). */
  deletion: Float64Array;
  insertion: Float64Array;
  /** ROAD's MoRF / LeRF scores at ROAD_PERCENTAGES, with `road`. */
  morf?: Float64Array;
  lerf?: Float64Array;
}

/** x-coordinates of the deletion and insertion curves: the fraction of pixels moved (the metrics module's default step, one row). */
export function deletionFractions(shape: InputShape): number[] {
  const plane = shape.width * shape.height;
  return Array.from({ length: Math.ceil(plane / shape.width) + 1 }, (_, k) => Math.min(k * shape.width, plane) / plane);
}

/** Every faithfulness number of one method's samples (maps explaining `classIndex` of `input`); ROAD too with `road`. */
export async function faithfulnessOf(
  samples: FaithfulnessSample[],
  score: ScoreFn,
  explain: ExplainFn,
  shape: InputShape,
  { road: withRoad = false } = {},
): Promise<FaithfulnessOfImage[]> {
  if (samples.length === 0) return [];
  const drop = await averageDrop(samples, score, shape);
  const curves = await deletionInsertion(samples, score, shape);
  const a = await adcc(samples, score, explain, shape, { averageDrop: drop });
  const roads = withRoad ? await road(samples, score, shape) : null;
  return samples.map((_, i) => {
    const { original, masked } = drop.perImage[i]!;
    const terms = a.perImage[i]!;
    const r = roads?.[i];
    return {
      ...(r ? { morf: r.morf, lerf: r.lerf } : {}),
      values: {
        average_drop: 100 * terms.averageDrop,
        increase_in_confidence: masked > original ? 1 : 0,
        deletion_auc: curves.deletion[i]!.auc,
        insertion_auc: curves.insertion[i]!.auc,
        adcc: 100 * terms.adcc,
        coherency: 100 * terms.coherency,
        complexity: 100 * terms.complexity,
        ...(r ? { road_morf: r.morfMean, road_lerf: r.lerfMean } : {}),
      },
      deletion: curves.deletion[i]!.scores,
      insertion: curves.insertion[i]!.scores,
    };
  });
}
