// PxAP of Choe et al., "Evaluating Weakly Supervised Object Localization Methods Right" (CVPR 2020), as
// clovaai/wsolevaluation's MaskEvaluator computes it on OpenImages30k: pixel-wise average precision of the
// scoremap (224×224, [0, 1]) against the union of the image's instance masks, pixels of the ignore mask
// (its ignore box minus the foreground) counted on neither side.
//
// Every pixel score goes into histogram bins [t_i, t_{i+1}) over the cam thresholds t = np.arange(0, 1, δ)
// extended by the right edges 1, 2, 3 (np.histogram: the last bin is closed, values outside are dropped);
// from the highest bin down, TP and FP are cumulative sums, precision = TP/(TP+FP), recall = TP/(TP+FN), and
// PxAP = 100 · Σ_{k ≥ 1, TP_k + FP_k > 0} precision_k · (recall_k − recall_{k−1}).
import { CAM_CURVE_INTERVAL, camThresholds } from './maxBoxAcc.js';

export const PXAP_SPEC = {
  name: 'PxAP',
  formula:
    'PxAP = 100 · Σ_k P_k (R_k − R_{k−1}) over thresholds from high to low; P = TP/(TP+FP), R = TP/(TP+FN), pixels of all images pooled, ignore pixels left out',
  citation: 'Choe et al., "Evaluating Weakly Supervised Object Localization Methods Right", CVPR 2020 (MaskEvaluator of clovaai/wsolevaluation)',
  variant: 'none',
  default:
    'cam curve interval 0.01; masks resized to 224×224 with nearest neighbour, foreground = any instance mask > 0.5, ignore = ignore mask > 0.5 and not foreground',
} as const;

/** Ground-truth pixel classes at the scoremap's resolution. */
export const MASK_BACKGROUND = 0;
export const MASK_FOREGROUND = 1;
export const MASK_IGNORE = 255;

export interface PxapResult {
  pxap: number | null;
  thresholds: number[];
  /** From the highest bin down, as the reference computes them (length thresholds + 2). */
  precision: number[];
  recall: number[];
}

export class PxapAccumulator {
  readonly thresholds: number[];
  private readonly edges: number[];
  /** Per image (in the order added): its foreground and background pixel counts per bin (whole numbers: 824 bytes an image). */
  private readonly perImage: { fg: Uint32Array; bg: Uint32Array }[] = [];

  constructor({ camCurveInterval = CAM_CURVE_INTERVAL } = {}) {
    this.thresholds = camThresholds(camCurveInterval);
    this.edges = [...this.thresholds, 1, 2, 3];
  }

  /** np.histogram's bin of v: edges[i] ≤ v < edges[i+1], the last bin closed; −1 outside. */
  private bin(v: number): number {
    const e = this.edges;
    if (!(v >= e[0]!) || v > e[e.length - 1]!) return -1;
    let lo = 0;
    let hi = e.length - 1;
    // The largest i with e[i] ≤ v, capped at the last bin.
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (e[mid]! <= v) lo = mid;
      else hi = mid;
    }
    return Math.min(lo, e.length - 2);
  }

  /** One image: scoremap values and the mask (0 background, 1 foreground, 255 ignore) of the same size. */
  add(scoremap: ArrayLike<number>, mask: ArrayLike<number>): void {
    if (scoremap.length !== mask.length) throw new RangeError(`scoremap of ${scoremap.length} pixels, mask of ${mask.length}`);
    const hist = { fg: new Uint32Array(this.edges.length - 1), bg: new Uint32Array(this.edges.length - 1) };
    this.perImage.push(hist);
    for (let i = 0; i < mask.length; i++) {
      const m = mask[i]!;
      if (m !== MASK_FOREGROUND && m !== MASK_BACKGROUND) continue;
      const b = this.bin(scoremap[i]!);
      if (b < 0) continue;
      (m === MASK_FOREGROUND ? hist.fg : hist.bg)[b]!++;
    }
  }

  get images(): number {
    return this.perImage.length;
  }

  /** Pooled over the images; `weights[i]` counts image i that many times (a bootstrap resample), default once. */
  result(weights?: ArrayLike<number>): PxapResult {
    const n = this.edges.length - 1;
    const trueHist = new Float64Array(n);
    const falseHist = new Float64Array(n);
    this.perImage.forEach((h, i) => {
      const w = weights ? weights[i]! : 1;
      if (w === 0) return;
      for (let k = 0; k < n; k++) {
        trueHist[k] += w * h.fg[k]!;
        falseHist[k] += w * h.bg[k]!;
      }
    });
    const positives = trueHist.reduce((a, b) => a + b, 0);
    const tp: number[] = [];
    const fp: number[] = [];
    for (let k = 0, t = 0, f = 0; k < n; k++) {
      t += trueHist[n - 1 - k]!;
      f += falseHist[n - 1 - k]!;
      tp.push(t);
      fp.push(f);
    }
    const precision = tp.map((t, k) => t / (t + fp[k]!));
    const recall = tp.map((t) => t / positives);
    if (positives <= 0 || tp.every((t, k) => t + fp[k]! <= 0)) return { pxap: null, thresholds: this.thresholds, precision, recall };
    let auc = 0;
    for (let k = 1; k < n; k++) if (tp[k]! + fp[k]! !== 0) auc += precision[k]! * (recall[k]! - recall[k - 1]!);
    return { pxap: auc * 100, thresholds: this.thresholds, precision, recall };
  }
}

/** cv2.resize(mask, (w, h), INTER_NEAREST): source index ⌊x · srcW / w⌋ per axis. */
export function resizeNearest(mask: ArrayLike<number>, srcW: number, srcH: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const sx = srcW / w;
  const sy = srcH / h;
  for (let y = 0; y < h; y++) {
    const yy = Math.min(srcH - 1, Math.floor(y * sy));
    for (let x = 0; x < w; x++) out[y * w + x] = mask[yy * srcW + Math.min(srcW - 1, Math.floor(x * sx))]!;
  }
  return out;
}

/** wsolevaluation's get_mask: instance masks (resized) united as foreground, the ignore mask minus it as 255. */
export function groundTruthMask(instances: Uint8Array[], ignore: Uint8Array | null): Uint8Array {
  const out = new Uint8Array(instances[0]?.length ?? ignore?.length ?? 0);
  for (let i = 0; i < out.length; i++) {
    const fg = instances.some((m) => m[i]! > 0.5);
    out[i] = fg ? MASK_FOREGROUND : ignore && ignore[i]! > 0.5 ? MASK_IGNORE : MASK_BACKGROUND;
  }
  return out;
}
