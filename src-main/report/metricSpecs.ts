// The definition cards the report shows next to the numbers, as the metrics module states them.
import { BOOTSTRAP_SPEC, PAIRED_BOOTSTRAP_SPEC } from '../../src-shared/bootstrap.js';
import { THRESHOLD_SPLIT_SPEC } from '../evaluation/thresholdSplit.js';
import {
  WILCOXON_SPEC,
  ADCC_SPEC,
  AVERAGE_DROP_SPEC,
  DELETION_INSERTION_SPEC,
  ENERGY_POINTING_SPEC,
  PXAP_SPEC,
  ROAD_SPEC,
  POINTING_GAME_SPEC,
} from '../evaluation/metrics/index.js';

export interface MetricSpec {
  name: string;
  formula: string;
  citation: string;
  variant: string;
  default: string;
}

export const METRIC_SPECS: readonly MetricSpec[] = [
  THRESHOLD_SPLIT_SPEC,
  PXAP_SPEC,
  POINTING_GAME_SPEC,
  ENERGY_POINTING_SPEC,
  AVERAGE_DROP_SPEC,
  DELETION_INSERTION_SPEC,
  ROAD_SPEC,
  ADCC_SPEC,
  BOOTSTRAP_SPEC,
  PAIRED_BOOTSTRAP_SPEC,
  WILCOXON_SPEC,
];
