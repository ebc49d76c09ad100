// MaxBoxAcc and MaxBoxAccV2 of Choe et al., "Evaluating Weakly Supervised Object Localization Methods Right" (CVPR 2020), as clovaai/wsolevaluation computes them.
//
// Box convention. wsolevaluation's boxes are INCLUSIVE pixel corners: its IoU adds 1 to widths
// and heights, and its localization.txt corners are read that way. Boxes here (GT and estimated)
// use that convention; camscope's exclusive-x1 GT boxes are converted by gtBoxesToScoremap
// (x1 − 1, y1 − 1, then scaled to 224) so the numbers equal the reference evaluator's on the same
// files. Estimated boxes copy the reference exactly, quirks included: boundingRect gives
// [x, y, x + w, y + h] (one past the last pixel), clipped to W − 1 / H − 1, and no contour gives
// [0, 0, 0, 0] (a one-pixel box under the +1 IoU).
import type { Box } from '../../../src-shared/explainTypes.js';
import { ThresholdContours, largestContour, type ContourTrace } from './contours.js';
import type { Scoremap } from './scoremap.js';

/** IoU thresholds δ (percent) of MaxBoxAccV2; V1 uses 50. */
export const IOU_THRESHOLDS = [30, 50, 70] as const;
/** The reference default for box evaluation (--cam_curve_interval). */
export const CAM_CURVE_INTERVAL = 0.01;

/** np.arange(0, 1, interval): i · interval for i < ceil(1 / interval). */
export function camThresholds(interval = CAM_CURVE_INTERVAL): number[] {
  if (!(interval > 0 && interval <= 1)) throw new RangeError(`cam curve interval ${interval} is outside (0, 1]`);
  return Array.from({ length: Math.ceil(1 / interval) }, (_, i) => i * interval);
}

/** calculate_multiple_iou for one pair: inclusive corners, +1 on each side; a non-positive union → 0. */
export function wsolIoU(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 1);
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1);
  const inter = iw * ih;
  const union = (a[2] - a[0] + 1) * (a[3] - a[1] + 1) + (b[2] - b[0] + 1) * (b[3] - b[1] + 1) - inter;
  return union <= 0 ? 0 : inter / union;
}

/** The scoremap as the reference's uint8 image: trunc(v · 255). */
export function scoremapToU8(scoremap: Scoremap): Uint8Array {
  const u8 = new Uint8Array(scoremap.values.length);
  for (let i = 0; i < u8.length; i++) u8[i] = Math.trunc(scoremap.values[i]! * 255);
  return u8;
}

/** What boxesAtThreshold reuses: the contour tracer of one map size (its label image and per-contour arrays). */
export interface BoxScratch {
  contours: ThresholdContours;
}

export function boxScratch(width: number, height: number): BoxScratch {
  return { contours: new ThresholdContours(width, height) };
}

export interface ThresholdBoxes {
  /** Box of the contour with the largest cv2.contourArea (first of equals, in OpenCV's order). */
  largest: Box;
  /** Boxes of every contour (outer and hole borders). */
  all: Box[];
}

/**
 * The estimated box of traced contour k (k = −1: no contour, the reference's [0, 0, 0, 0]): boundingRect's
 * [x, y, x + w, y + h], clipped to W − 1 / H − 1 as the reference does; into `out` (a reused box) when given.
 */
function boxOf(t: ContourTrace, k: number, width: number, height: number, out: Box = [0, 0, 0, 0]): Box {
  if (k < 0) out.fill(0);
  else {
    out[0] = t.x0[k]!;
    out[1] = t.y0[k]!;
    out[2] = Math.min(t.x1[k]! + 1, width - 1);
    out[3] = Math.min(t.y1[k]! + 1, height - 1);
  }
  return out;
}

/**
 * compute_bboxes_from_scoremaps at one threshold t on the uint8 scoremap: foreground = u8 > int(t · max u8)
 * (cv2.threshold BINARY), contours by cv2.findContours(RETR_TREE, CHAIN_APPROX_SIMPLE), each contour's
 * cv2.boundingRect and cv2.contourArea (ThresholdContours gives both without the points).
 */
export function boxesAtThreshold(
  u8: Uint8Array,
  width: number,
  height: number,
  threshold: number,
  maxU8 = u8.reduce((m, v) => Math.max(m, v), 0),
  scratch: BoxScratch = boxScratch(width, height),
): ThresholdBoxes {
  const tc = scratch.contours.width === width && scratch.contours.height === height ? scratch.contours : new ThresholdContours(width, height);
  tc.setMap(u8);
  const t = tc.cut(Math.trunc(threshold * maxU8));
  if (t.count === 0) return { largest: [0, 0, 0, 0], all: [[0, 0, 0, 0]] };
  const all = Array.from(t.order.subarray(0, t.count), (k) => boxOf(t, k, width, height));
  return { largest: boxOf(t, largestContour(t), width, height), all };
}

const SCRATCH_BOX: Box = [0, 0, 0, 0];

/** max over the GT boxes of wsolIoU(box of contour k, g), k = −1 for the no-contour box [0, 0, 0, 0]; NaN if any IoU is (as Math.max). */
function bestIoUOf(t: ContourTrace, k: number, width: number, height: number, gtBoxes: Box[]): number {
  const box = boxOf(t, k, width, height, SCRATCH_BOX);
  let best = -Infinity;
  for (let g = 0; g < gtBoxes.length; g++) {
    const v = wsolIoU(box, gtBoxes[g]!);
    if (v !== v) return NaN;
    if (v > best) best = v;
  }
  return best;
}

export interface BoxAccCurve {
  /** δ in percent. */
  iouThreshold: number;
  /** Percent of images localized at each cam threshold (same order as MaxBoxAccResult.thresholds). */
  accuracy: number[];
  /** max of accuracy. */
  best: number;
  /** The cam threshold where best is first reached. */
  bestThreshold: number;
}

export interface MaxBoxAccResult {
  images: number;
  thresholds: number[];
  /** MaxBoxAcc (V1): δ = 50, largest contour, percent; null without images. */
  v1: number | null;
  /** MaxBoxAccV2: mean of the best accuracies at δ ∈ {30, 50, 70}, all contours, percent; null without images. */
  v2: number | null;
  /** Per δ with the largest contour only (V1's setting). */
  largestContour: BoxAccCurve[];
  /** Per δ with every contour's box (V2's setting). */
  allContours: BoxAccCurve[];
}

/** The two box settings: V1's largest contour, V2's every contour. */
const SETTINGS = ['largest', 'all'] as const;
type Setting = (typeof SETTINGS)[number];
/** Bit of (setting, δ) in an image's per-threshold hit byte: IoU ≥ δ/100 is all that result() reads of an IoU. */
const hitBit = (setting: Setting, delta: number) => 1 << (SETTINGS.indexOf(setting) * IOU_THRESHOLDS.length + IOU_THRESHOLDS.indexOf(delta as 30));

/**
 * BoxEvaluator for both settings at once: add() one scoremap per image, then result() — of all images, or of a weighted
 * resample. Each image keeps one byte per threshold (its hits at every δ and setting), so 10 000 images hold about 1 MB.
 */
export class MaxBoxAccAccumulator {
  readonly thresholds: number[];
  /** hits[i · thresholds + t]: image i's hit bits at threshold t, in the order added. */
  private hits = new Uint8Array(0);
  private count = 0;

  constructor({ camCurveInterval = CAM_CURVE_INTERVAL } = {}) {
    this.thresholds = camThresholds(camCurveInterval);
  }

  get images(): number {
    return this.count;
  }

  /** The contour tracer of the last map size boxed: every threshold of every image reuses its buffers. */
  private contours: ThresholdContours | null = null;
  /** bitsByCut[cut]: the hit bits of the current image at a uint8 cut already traced, −1 = not yet. */
  private readonly bitsByCut = new Int16Array(256);

  /** One image: its normalized scoremap and its GT boxes at the scoremap's scale (inclusive corners). */
  add(scoremap: Scoremap, gtBoxes: Box[]): void {
    if (gtBoxes.length === 0) throw new RangeError('an image needs at least one ground-truth box');
    const { width, height } = scoremap;
    if (this.contours?.width !== width || this.contours.height !== height) this.contours = new ThresholdContours(width, height);
    const tc = this.contours;
    const u8 = scoremapToU8(scoremap);
    let maxU8 = 0;
    for (let i = 0; i < u8.length; i++) if (u8[i]! > maxU8) maxU8 = u8[i]!;
    tc.setMap(u8);
    const n = this.thresholds.length;
    if ((this.count + 1) * n > this.hits.length) {
      const grown = new Uint8Array(Math.max(1024 * n, 2 * this.hits.length));
      grown.set(this.hits);
      this.hits = grown;
    }
    const row = this.hits.subarray(this.count * n, (this.count + 1) * n);
    // Thresholds that cut the uint8 map at the same level give the same boxes.
    const byCut = this.bitsByCut.fill(-1);
    for (let ti = 0; ti < n; ti++) {
      const cut = Math.trunc(this.thresholds[ti]! * maxU8);
      let bits = byCut[cut]!;
      if (bits < 0) {
        const t = tc.cut(cut);
        // No contour: the reference's [0, 0, 0, 0] for both settings.
        const largest = bestIoUOf(t, t.count === 0 ? -1 : largestContour(t), width, height, gtBoxes);
        let all = t.count === 0 ? largest : -Infinity;
        for (let c = 0; c < t.count; c++) {
          const v = bestIoUOf(t, t.order[c]!, width, height, gtBoxes);
          if (v !== v || !(all >= v)) all = v;
          if (all !== all) break;
        }
        bits = 0;
        for (let d = 0; d < IOU_THRESHOLDS.length; d++) {
          const delta = IOU_THRESHOLDS[d]!;
          if (largest >= delta / 100) bits |= hitBit('largest', delta);
          if (all >= delta / 100) bits |= hitBit('all', delta);
        }
        byCut[cut] = bits;
      }
      row[ti] = bits;
    }
    this.count++;
  }

  /** The dataset numbers; `weights[i]` counts image i that many times (a bootstrap resample), default once each. */
  result(weights?: ArrayLike<number>): MaxBoxAccResult {
    const w = (i: number) => (weights ? weights[i]! : 1);
    let images = 0;
    for (let i = 0; i < this.count; i++) images += w(i);
    const n = this.thresholds.length;
    const curves = (setting: Setting): BoxAccCurve[] =>
      IOU_THRESHOLDS.map((delta) => {
        const counts = new Float64Array(n);
        const bit = hitBit(setting, delta);
        for (let i = 0; i < this.count; i++) {
          const wi = w(i);
          if (wi === 0) continue;
          for (let t = 0, at = i * n; t < n; t++, at++) if (this.hits[at]! & bit) counts[t]! += wi;
        }
        const accuracy = Array.from(counts, (c) => (c * 100) / images);
        let best = 0;
        for (let i = 1; i < accuracy.length; i++) if (accuracy[i]! > accuracy[best]!) best = i;
        return { iouThreshold: delta, accuracy, best: accuracy[best]!, bestThreshold: this.thresholds[best]! };
      });
    const largestContour = curves('largest');
    const allContours = curves('all');
    const empty = images === 0;
    return {
      images,
      thresholds: this.thresholds,
      v1: empty ? null : largestContour[IOU_THRESHOLDS.indexOf(50)]!.best,
      v2: empty ? null : allContours.reduce((s, c) => s + c.best, 0) / allContours.length,
      largestContour,
      allContours,
    };
  }
}
