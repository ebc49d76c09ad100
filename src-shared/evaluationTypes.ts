// The evaluation contract: what `camscope eval --json` writes, what reports render and what the
// app's WSOL view and Report button show. Localization numbers are percentages (0..100).

/** Per method, over a dataset. null where a metric was not computed (e.g. CAM refused, no boxes). */
export interface MethodMetrics {
  /** IoU ≥ 0.5 with any GT box (box from the 20 %-of-max rule) and top-1 correct. */
  top1_loc: number | null;
  /** IoU ≥ 0.5 with any GT box, map of the ground-truth class. */
  gt_known_loc: number | null;
  /** Choe et al. 2020: best threshold, δ = 50, largest contour. */
  maxboxacc: number | null;
  /** Choe et al. 2020: mean over δ ∈ {30, 50, 70}, all contours. */
  maxboxacc_v2: number | null;
  /** Share of images whose map maximum lies inside a GT box. */
  pointing_game: number | null;
  /** Wang et al. 2020 (Score-CAM): mean share of the map's mass inside the GT boxes, percent. */
  energy_pointing_game: number | null;
  /** Chattopadhay et al. 2018, percent. */
  average_drop: number | null;
  /** Chattopadhay et al. 2018, percent. */
  increase_in_confidence: number | null;
  /** Petsiuk et al. 2018, area under the score curve, 0..1. */
  deletion_auc: number | null;
  insertion_auc: number | null;
  /** Poppi et al. 2021, percent. */
  adcc: number | null;
  /** Rong et al. 2022: mean class probability after removing 10 … 90 % of the most (MoRF ↓) / least (LeRF ↑) relevant pixels by noisy linear imputation; null unless asked for (--road). */
  road_morf: number | null;
  road_lerf: number | null;
  /** Choe et al. 2020: pixel average precision of the GT-class scoremap against the segmentation masks, percent; null without masks. */
  pxap: number | null;
}

export const METRIC_KEYS = [
  'top1_loc',
  'gt_known_loc',
  'maxboxacc',
  'maxboxacc_v2',
  'pointing_game',
  'energy_pointing_game',
  'average_drop',
  'increase_in_confidence',
  'deletion_auc',
  'insertion_auc',
  'adcc',
  'road_morf',
  'road_lerf',
  'pxap',
] as const satisfies readonly (keyof MethodMetrics)[];

/** CAM vs Grad-CAM (or any pair of methods) over a dataset. */
export interface PairAgreement {
  a: string;
  b: string;
  /** Means over images. */
  pearson: number;
  spearman: number;
  /** Mean IoU of the two methods' WSOL boxes. */
  box_iou: number;
  /** Percent of images where both maxima fall inside a GT box. */
  both_point_inside: number | null;
  /** On GAP→linear heads: max |Grad-CAM − ReLU(CAM)/(H·W)| over images (the analytic link), else null. */
  analytic_max_error: number | null;
}

export type MetricKey = (typeof METRIC_KEYS)[number];
/** [low, high]; null where the metric is null or no resample defines it. */
export type Interval = [number, number] | null;

/** Method a against method b on one metric (src-shared/bootstrap.ts, src-main/evaluation/metrics/wilcoxon.ts). */
export interface PairedComparison {
  /** a − b on the dataset. */
  difference: number;
  /** Paired bootstrap: percentile interval of the resampled difference, and its two-sided p-value. */
  interval: Interval;
  p_bootstrap: number | null;
  /** Wilcoxon signed-rank test on the per-image differences; null for dataset-level metrics (MaxBoxAcc/V2) or no non-zero difference. */
  wilcoxon: { n: number; statistic: number; z: number; p: number } | null;
}

/** Bootstrap intervals of every dataset number and paired tests between every pair of methods. */
export interface Uncertainty {
  /** 'percentile' (Efron 1979), images resampled with replacement. */
  method: 'percentile';
  level: number;
  resamples: number;
  seed: number;
  /** Per method, per MethodMetrics key. */
  methods: Record<string, Record<MetricKey, Interval>>;
  /** Per pair "a|b", per PairAgreement mean. */
  agreement: Record<string, Record<'pearson' | 'spearman' | 'box_iou' | 'both_point_inside', Interval>>;
  /** Per pair "a|b" (every ordered pair of the evaluated methods, as agreement), per MethodMetrics key; null where either side is null. */
  comparisons: Record<string, Record<MetricKey, PairedComparison | null>>;
}

/** MaxBoxAcc/V2 of one method at the thresholds chosen on the held-out split (Choe et al. 2020's protocol). */
export interface MethodThresholdSplit {
  maxboxacc: number | null;
  maxboxacc_v2: number | null;
  /** The held-out split's best cam threshold for V1 (δ = 50, largest box), and per δ ∈ {30, 50, 70} for V2. */
  threshold: number | null;
  thresholds_v2: number[] | null;
  /** The same numbers with the threshold chosen on the test split itself (what `methods` reports). */
  best_on_test: { maxboxacc: number | null; maxboxacc_v2: number | null };
}

export interface ThresholdSplit {
  /** The held-out split's name, e.g. wsolevaluation's `val` (train-fullsup). */
  split: string;
  images: number;
  methods: Record<string, MethodThresholdSplit>;
}

/** The stable `--json` contract. */
export interface EvaluationSummary {
  images: number;
  /** Top-1 accuracy in percent, null when the dataset has no labels. */
  accuracy: number | null;
  methods: Record<string, MethodMetrics>;
  /** Keyed "a|b", e.g. "cam|gradcam". */
  agreement: Record<string, PairAgreement>;
  /** null when the bootstrap was switched off (--bootstrap 0). */
  uncertainty: Uncertainty | null;
  /** With --threshold-split: MaxBoxAcc at the held-out split's thresholds next to the best-on-test numbers; else null. */
  threshold_split: ThresholdSplit | null;
}
