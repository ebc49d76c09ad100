// scorecam:topvar scores only the 64 channels of largest activation variance: its map is default Score-CAM's
// on A with the other channels zeroed (constant channels get no pass and weigh 0), in 64 model passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExplainEngine } from '../../src-main/explain/engine.js';
import { perturbationPasses } from '../../src-main/explain/explainer.js';
import { METHODS, parseMethod } from '../../src-main/explain/methods/index.js';
import { TOP_VARIANCE_CHANNELS } from '../../src-main/explain/methods/scoreCam.js';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';
import { uniform } from '../helpers/random.js';

test('topvar = the default on the 64 most varying channels, with 64 passes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-scorecam-'));
  const K = 90;
  const file = writeModel(join(dir, 'wide.onnx'), gapClassifier({ k: K, classes: 4, size: 8, seed: 3 }));
  const model = await ClassifierModel.open(file, undefined, []);
  const engine = new ExplainEngine(model);
  const layer = model.defaultLayer();
  const x = uniform(3 * 8 * 8, -2, 2, 5);
  const out = await engine.forward(x, 1, [layer]);
  const { activations, dims } = out.layers.get(layer)!;
  const size = dims[2] * dims[3];
  const passes = perturbationPasses(engine, out, 0, layer, x, { inputBatch: 7 });
  let rows = 0;
  const counted = { ...passes, model: (inputs: Float32Array, m: number) => ((rows += m), passes.model(inputs, m)) };

  // Variance by the two-pass formula, in float64.
  const variance = Array.from({ length: K }, (_, k) => {
    const a = Array.from(activations.subarray(k * size, (k + 1) * size));
    const mean = a.reduce((s, v) => s + v, 0) / size;
    return a.reduce((s, v) => s + (v - mean) ** 2, 0) / size;
  });
  const kept = new Set(
    variance
      .map((v, k) => [v, k] as const)
      .sort((p, q) => q[0] - p[0] || p[1] - q[1])
      .slice(0, TOP_VARIANCE_CHANNELS)
      .map(([, k]) => k),
  );
  assert.ok(variance.filter((v) => v > 0).length > TOP_VARIANCE_CHANNELS, 'more varying channels than the subset keeps');
  const zeroed = Float32Array.from(activations, (v, i) => (kept.has(Math.floor(i / size)) ? v : 0));

  assert.equal(parseMethod('scorecam:topvar').id, 'scorecam:topvar');
  for (let target = 0; target < 4; target++) {
    rows = 0;
    const subset = await METHODS.scorecam.compute({ activation: activations, channels: K, size, target, variant: 'topvar', passes: counted });
    assert.equal(rows, TOP_VARIANCE_CHANNELS, 'one pass per kept channel');
    const reference = await METHODS.scorecam.compute({ activation: zeroed, channels: K, size, target, variant: 'classes', passes: counted });
    const scale = Math.max(...reference);
    assert.ok(scale > 0);
    subset.forEach((v, i) => assert.ok(Math.abs(v - reference[i]!) <= 1e-6 * scale, `class ${target} pixel ${i}: ${v} vs ${reference[i]}`));
  }
  await engine.release();
});
