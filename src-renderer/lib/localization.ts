// The localization view's threshold helpers; the curve itself is computed in main ('wsol.curve', src-shared/wsolCurve.ts).
import { THRESHOLDS } from '../../src-shared/wsolCurve.js';

export { THRESHOLDS } from '../../src-shared/wsolCurve.js';

/** Threshold index with the highest accuracy (the earliest on ties); -1 for a curve without values. */
export function bestThresholdIndex(curve: readonly (number | null)[]): number {
  let best = -1;
  curve.forEach((v, i) => {
    if (v !== null && !Number.isNaN(v) && (best < 0 || v > curve[best]!)) best = i;
  });
  return best;
}

/** Nearest index of THRESHOLDS to t (the sliders move in steps of 0.01, the curve in steps of 0.05). */
export function thresholdIndexOf(t: number): number {
  return Math.min(THRESHOLDS.length - 1, Math.max(0, Math.round(t * 20) - 1));
}
