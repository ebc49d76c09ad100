// Faithfulness numbers of a batch of maps (Average Drop / Increase in Confidence, Deletion / Insertion,
// ADCC) with the model as scorer, at the metrics module's default settings; per image, so they can
// be stored and aggregated with images read back from a project.
import { type ExplainFn, type FaithfulnessSample, type InputShape, type ScoreFn, adcc, averageDrop, deletionInsertion } from './metrics/index.js';

export const FAITHFULNESS_NAMES = ['average_drop', 'increase_in_confidence', 'deletion_auc', 'insertion_auc', 'adcc', 'coherency', 'complexity'] as const;

export interface FaithfulnessOfImage {
  values: Record<(typeof FAITHFULNESS_NAMES)[number], number>;
  /** Scores after each deletion / insertion step (fractions: deletionFractions). */
  deletion: Float64Array;
  insertion: Float64Array;
}

/** x-coordinates of the deletion and insertion curves: the fraction of pixels moved (the metrics module's default step, one row). */
export function deletionFractions(shape: InputShape): number[] {
  const plane = shape.width * shape.height;
  return Array.from({ length: Math.ceil(plane / shape.width) + 1 }, (_, k) => Math.min(k * shape.width, plane) / plane);
}

/** Every faithfulness number of one method's samples (maps explaining `classIndex` of `input`). */
export async function faithfulnessOf(samples: FaithfulnessSample[], score: ScoreFn, explain: ExplainFn, shape: InputShape): Promise<FaithfulnessOfImage[]> {
  if (samples.length === 0) return [];
  const drop = await averageDrop(samples, score, shape);
  const curves = await deletionInsertion(samples, score, shape);
  const a = await adcc(samples, score, explain, shape, { averageDrop: drop });
  return samples.map((_, i) => {
    const { original, masked } = drop.perImage[i]!;
    const terms = a.perImage[i]!;
    return {
      values: {
        average_drop: 100 * terms.averageDrop,
        increase_in_confidence: masked > original ? 1 : 0,
        deletion_auc: curves.deletion[i]!.auc,
        insertion_auc: curves.insertion[i]!.auc,
        adcc: 100 * terms.adcc,
        coherency: 100 * terms.coherency,
        complexity: 100 * terms.complexity,
      },
      deletion: curves.deletion[i]!.scores,
      insertion: curves.insertion[i]!.scores,
    };
  });
}
