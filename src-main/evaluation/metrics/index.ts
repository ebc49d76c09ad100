// The evaluation metrics: pure functions over maps, boxes and caller-supplied model scoring.
//
// Box conventions: camscope's Box (x1/y1 exclusive) everywhere except in maxBoxAcc.ts, which works
// in wsolevaluation's inclusive corners at the 224×224 scoremap scale (convert with gtBoxesToScoremap).
// Percentages are 0..100 like src-shared/evaluationTypes.ts; null where a metric has no images.

// Localization (Choe et al. 2020; Zhou et al. 2016; Zhang et al. 2016)
export { MaxBoxAccAccumulator, IOU_THRESHOLDS, CAM_CURVE_INTERVAL, camThresholds, wsolIoU, boxesAtThreshold, scoremapToU8 } from './maxBoxAcc.js';
export type { MaxBoxAccResult, BoxAccCurve, ThresholdBoxes } from './maxBoxAcc.js';
export { WSOL_SIZE, scoremapFromMap, normalizeScoremap, gtBoxesToScoremap, resizeCubic } from './scoremap.js';
export type { Scoremap, ScoremapInterpolation } from './scoremap.js';
export { findContours, contourArea, boundingRect } from './contours.js';
export type { Contour } from './contours.js';
export { PxapAccumulator, resizeNearest, groundTruthMask, PXAP_SPEC, MASK_BACKGROUND, MASK_FOREGROUND, MASK_IGNORE } from './pxap.js';
export type { PxapResult } from './pxap.js';
export { localizeImage, localizationAccuracy, mapBox } from './localization.js';
export type { LocalizationOutcome, LocalizationOptions, LocalizationAccuracy, BoxedAt, LocalizableMap } from './localization.js';
export { pointingGame, pointingAccuracy, PAPER_TOLERANCE, POINTING_GAME_SPEC } from './pointingGame.js';
export type { PointingOutcome } from './pointingGame.js';
export { energyPointing, ENERGY_POINTING_SPEC } from './energyPointingGame.js';
export type { EnergyMass } from './energyPointingGame.js';

// Paired tests between methods (the bootstrap itself is src-shared/bootstrap.ts, shared with the app)
export { wilcoxonSignedRank, normalCdf, erfc, WILCOXON_SPEC } from './wilcoxon.js';
export type { WilcoxonResult } from './wilcoxon.js';

// Similarity of maps (the sanity checks)
export { ssim, SSIM_SPEC } from './ssim.js';

// Agreement between two methods' maps
export { pearson, spearman, pearsonValues, averageRanks } from '../../../src-shared/mapAgreement.js';

// Faithfulness: pure over a ScoreFn (and an ExplainFn for ADCC); explainerScoring.ts builds both from an Explainer.
export { DEFAULT_SCORE_BATCH, saliencyMask, scoreRows } from './perturbation.js';
export type { ScoreFn, ExplainFn, InputShape, FaithfulnessSample, Normalization, ScoreRow } from './perturbation.js';
export { averageDrop, averageDropTerms, maskInput, AVERAGE_DROP_SPEC } from './averageDrop.js';
export type { AverageDropResult, AverageDropOptions, MaskOptions, MaskSpace } from './averageDrop.js';
export { deletionInsertion, trapezoidAuc, saliencyOrder, riseBlurKernel, blurInput, DELETION_INSERTION_SPEC } from './deletionInsertion.js';
export type { DeletionInsertionResult, DeletionInsertionOptions, ScoreCurve, Baseline } from './deletionInsertion.js';
export { adcc, adccOf, coherency, complexity, ADCC_SPEC } from './adcc.js';
export type { AdccResult, AdccOptions, AdccTerms, AdccAggregation } from './adcc.js';
export { road, roadMask, ROAD_PERCENTAGES, ROAD_SPEC } from './road.js';
export type { RoadCurves, RoadOptions } from './road.js';
export { noisyLinearImpute, NEIGHBOUR_WEIGHTS, ROAD_NOISE } from './noisyLinearImputation.js';
export type { ImputationOptions } from './noisyLinearImputation.js';
export { explainerScore, explainerMaps, inputShapeOf, normalizationOf } from './explainerScoring.js';
export type { ScoreKind } from './explainerScoring.js';
