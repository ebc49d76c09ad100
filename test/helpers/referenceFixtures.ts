// Loads the PyTorch-autograd reference fixtures written by scripts/fixtures/makeReferenceFixtures.py.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const REFERENCE_DIR = 'test/fixtures/reference';

export interface ReferenceLayer {
  tensor: string;
  module: string;
  role: 'default' | 'early' | 'mid';
  shape: [number, number, number, number];
  targets: number[];
  gradcam: number[][];
  cam: number[][] | null;
  /**
   * Torch references of the other methods, per batch row, at layer resolution (before any
   * normalization or upsampling); only at the default layer and one other (mid, else early), null
   * elsewhere. Keys are method specs for `parseMethod` ('gradcam++:summed', 'reciprocam', …),
   * optionally suffixed '@softmax' for gradients of the softmax score (ExplainOptions.score).
   * Recipro-CAM and Score-CAM are left out at an early layer.
   */
  methods: Record<string, number[][]> | null;
  /**
   * Per method computed from A and g alone (gradient methods, Eigen-CAM) and per row: how far the
   * torch map moves, as max |Δ| / max |map|, per unit of relative noise on A and g (noise scaled by
   * each tensor's max |·|). Large where the formula cancels (Grad-CAM++'s denominators, XGrad-CAM's
   * Σ A, HiResCAM before a channel LayerNorm). null where `methods` is.
   */
  sensitivity: Record<string, number[]> | null;
}

/** What every fixture JSON written by the developer-run scripts starts with: the model file, its input and PyTorch's top-5. */
export interface FixtureModel {
  family: string;
  opset: number;
  onnx: string;
  input: { name: string; shape: [number, number, number, number]; formula: string };
  num_classes: number;
  top5: { index: number; score: number; logit: number }[][];
}

export interface ReferenceFixture extends FixtureModel {
  default_layer: { tensor: string; module: string };
  cam: { applicable: true } | { applicable: false; blocking_op: string; reason: string };
  layers: ReferenceLayer[];
}

/** Every fixture JSON in a folder (sorted), with the path of its model; none when the folder is absent. */
export function fixturesIn<F extends FixtureModel>(dir: string): { json: string; model: string; fixture: F }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const fixture = JSON.parse(readFileSync(join(dir, f), 'utf8')) as F;
      return { json: f, model: join(dir, fixture.onnx), fixture };
    });
}

export function referenceFixtures(): { json: string; model: string; fixture: ReferenceFixture }[] {
  return fixturesIn<ReferenceFixture>(REFERENCE_DIR);
}

/** The fixtures' deterministic input: float32(sin(0.37 i)·1.5 + 0.25 cos(0.011 i)) over the flat index. */
export function referenceInput(shape: readonly number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, (_, i) => Math.sin(0.37 * i) * 1.5 + 0.25 * Math.cos(0.011 * i));
}

/** max |a − b| / max |b| */
export function relMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return m === 0 ? d : d / m;
}
