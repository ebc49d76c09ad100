// The wsolevaluation protocol of Choe et al., "Evaluating Weakly Supervised Object Localization Methods
// Right" (CVPR 2020), §4: the operating threshold is a hyperparameter, so it is chosen on a held-out split
// with full supervision (their train-fullsup, wsolevaluation's metadata split `val`) and then applied to
// the test split; the best-on-test MaxBoxAcc is an upper bound that peeks at the test labels.
import type { MethodThresholdSplit, ThresholdSplit } from '../../src-shared/evaluationTypes.js';
import { IOU_THRESHOLDS, type BoxAccCurve, type MaxBoxAccResult } from './metrics/index.js';

export const THRESHOLD_SPLIT_SPEC = {
  name: 'MaxBoxAcc at the held-out threshold',
  formula:
    't*_δ = argmax_t BoxAcc_heldout(t, δ); V1 = BoxAcc_test(t*_50, 50) with the largest box; V2 = mean_δ∈{30,50,70} BoxAcc_test(t*_δ, δ) with all boxes',
  citation: 'Choe et al., "Evaluating Weakly Supervised Object Localization Methods Right", CVPR 2020, §4 (train-fullsup)',
  variant: 'none',
  default:
    "held-out split given by --threshold-split (wsolevaluation's train-fullsup is its metadata split `val`); ties → the first threshold (np.argmax); the same cam-curve thresholds on both splits",
} as const;

const bestIndex = (c: BoxAccCurve) => c.accuracy.indexOf(c.best);

/** One method: thresholds from the held-out result, accuracies read off the test result at them. */
export function applyHeldOutThreshold(heldOut: MaxBoxAccResult, test: MaxBoxAccResult): MethodThresholdSplit {
  if (heldOut.images === 0 || test.images === 0)
    return { maxboxacc: null, maxboxacc_v2: null, threshold: null, thresholds_v2: null, best_on_test: { maxboxacc: test.v1, maxboxacc_v2: test.v2 } };
  const d50 = IOU_THRESHOLDS.indexOf(50);
  const v1Index = bestIndex(heldOut.largestContour[d50]!);
  const v2Indices = heldOut.allContours.map(bestIndex);
  return {
    maxboxacc: test.largestContour[d50]!.accuracy[v1Index]!,
    maxboxacc_v2: v2Indices.reduce((s, t, d) => s + test.allContours[d]!.accuracy[t]!, 0) / v2Indices.length,
    threshold: heldOut.thresholds[v1Index]!,
    thresholds_v2: v2Indices.map((t) => heldOut.thresholds[t]!),
    best_on_test: { maxboxacc: test.v1, maxboxacc_v2: test.v2 },
  };
}

/** Every method evaluated on both splits. */
export function thresholdSplit(
  split: string,
  heldOutImages: number,
  heldOut: Record<string, MaxBoxAccResult>,
  test: Record<string, MaxBoxAccResult>,
): ThresholdSplit {
  const methods: Record<string, MethodThresholdSplit> = {};
  for (const id of Object.keys(test)) if (heldOut[id]) methods[id] = applyHeldOutThreshold(heldOut[id]!, test[id]!);
  return { split, images: heldOutImages, methods };
}
