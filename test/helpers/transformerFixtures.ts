// Loads the vision-transformer reference fixtures written by scripts/fixtures/makeTransformerFixtures.py.
import { fixturesIn, type FixtureModel } from './referenceFixtures.js';

export const TRANSFORMER_DIR = 'test/fixtures/transformers';

export interface TransformerLayer {
  tensor: string;
  module: string;
  role: 'default' | 'mid' | 'cam';
  op: string;
  /** The layer tensor's shape, [N, T, C] or [N, H, W, C]. */
  shape: number[];
  /** [C, h, w] of the map read from it. */
  map_shape: [number, number, number];
  targets: number[];
  /** Per method spec ('@softmax': gradient of the softmax score), per row, the map [h·w] at layer resolution. */
  methods: Record<string, number[][]>;
  sensitivity: Record<string, number[]> | null;
}

export interface TransformerFixture extends FixtureModel {
  layout: { kind: 'tokens' | 'nhwc'; prefix: number; grid: [number, number] };
  default_layer: string;
  /** The layer whose head is a mean over the grid → Linear (CAM applies), if any. */
  cam_layer: string | null;
  layers: TransformerLayer[];
  /** Attention Softmax outputs per block and the rollout maps per head fusion, per row (models with a class token). */
  attention: { softmax: string[]; rollout: Record<string, number[][]> } | null;
  /** Swin: the last block's attention output, channels-last but not provably so. */
  unprovable_layer?: { tensor: string; op: string };
}

export function transformerFixtures(): { json: string; model: string; fixture: TransformerFixture }[] {
  return fixturesIn<TransformerFixture>(TRANSFORMER_DIR);
}
