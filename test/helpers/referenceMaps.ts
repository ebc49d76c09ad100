// One method's map for one row of an engine run, from a reference fixture's method key ('id[:variant][@softmax]').
import type { CamHead } from '../../src-main/model/camHead.js';
import type { EngineResult, ExplainEngine } from '../../src-main/explain/engine.js';
import { perturbationPasses } from '../../src-main/explain/explainer.js';
import { parseMethod } from '../../src-main/explain/methods/index.js';

/** Runs by score: the '@softmax' keys read the run of the softmax score's gradients. */
export type ScoreRuns = { logit: EngineResult; softmax: EngineResult };

export async function referenceKeyMap(
  engine: ExplainEngine,
  runs: ScoreRuns,
  key: string,
  tensor: string,
  row: number,
  target: number,
  input: Float32Array,
  head?: CamHead,
): Promise<Float32Array> {
  const [spec, score] = key.split('@') as [string, 'softmax' | undefined];
  const choice = parseMethod(spec);
  const out = runs[score ?? 'logit'];
  const o = out.layers.get(tensor)!;
  const [, channels, h, w] = o.dims;
  const size = h * w;
  const slice = (v: Float32Array) => v.subarray(row * channels * size, (row + 1) * channels * size);
  return choice.method.compute({
    activation: slice(o.activations),
    gradient: o.gradients && slice(o.gradients),
    channels,
    size,
    target,
    variant: choice.variant,
    head,
    passes: perturbationPasses(engine, out, row, tensor, input),
  });
}
