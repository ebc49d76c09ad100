// The localization view's threshold helpers and uncertainty (bootstrap intervals, paired tests between runs); the curve itself is computed in main ('wsol.curve', src-shared/wsolCurve.ts).
import {
  BOOTSTRAP_DEFAULTS,
  bootstrapReplicates,
  pairedDifference,
  percentileInterval,
  weightedMean,
  type PairedDifference,
} from '../../src-shared/bootstrap.js';
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

/** One point of a run's curve: the images it localized at that threshold and those it missed. */
interface HitSets {
  hits: readonly number[];
  misses: readonly number[];
}

const ONE_RUN = (p: HitSets) =>
  new Map<number, number>([...p.hits.map((id): [number, number] => [id, 1]), ...p.misses.map((id): [number, number] => [id, 0])]);

/** 0/1 hits over the images in ascending id order, so a resample depends only on the image set. */
function hitVector(byImage: Map<number, number>, ids: readonly number[]): number[] {
  return ids.map((id) => byImage.get(id)!);
}

/** The accuracy's 95 % percentile-bootstrap interval over the point's images (src-shared/bootstrap.ts defaults, as `camscope eval`). */
export function accuracyInterval(point: HitSets, resamples = BOOTSTRAP_DEFAULTS.resamples): [number, number] | null {
  const byImage = ONE_RUN(point);
  const ids = [...byImage.keys()].sort((a, b) => a - b);
  if (ids.length === 0) return null;
  const hits = hitVector(byImage, ids);
  const [reps] = bootstrapReplicates(ids.length, (w) => [weightedMean(hits, w)], { resamples });
  return percentileInterval(reps!);
}

/** Run a − run b on the images both scored at one threshold: the paired bootstrap (accuracy as a fraction). */
export function pairedAccuracy(a: HitSets, b: HitSets, resamples = BOOTSTRAP_DEFAULTS.resamples): (PairedDifference & { images: number }) | null {
  const ma = ONE_RUN(a);
  const mb = ONE_RUN(b);
  const ids = [...ma.keys()].filter((id) => mb.has(id)).sort((x, y) => x - y);
  if (ids.length === 0) return null;
  const [ha, hb] = [hitVector(ma, ids), hitVector(mb, ids)];
  const ones = new Uint32Array(ids.length).fill(1);
  const [ra, rb] = bootstrapReplicates(ids.length, (w) => [weightedMean(ha, w), weightedMean(hb, w)], { resamples });
  return { ...pairedDifference(weightedMean(ha, ones)! - weightedMean(hb, ones)!, ra!, rb!), images: ids.length };
}
