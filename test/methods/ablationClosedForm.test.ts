// Ablation-CAM's closed form on a GAP → Gemm head (y_k = y + w_k (v − mean(A_k))) gives the map of the
// general path (the ablated copies through the extracted head sub-graph), runs no head pass, and is not
// taken when the head's logit does not reproduce the model's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExplainEngine } from '../../src-main/explain/engine.js';
import { perturbationPasses } from '../../src-main/explain/explainer.js';
import { METHODS } from '../../src-main/explain/methods/index.js';
import type { MethodInput } from '../../src-main/explain/methods/method.js';
import { camHeadAt, type CamHead } from '../../src-main/model/camHead.js';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';
import { uniform } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-ablation-'));

async function setup(between?: string) {
  const file = writeModel(join(dir, `gap-${between ?? 'relu'}.onnx`), gapClassifier({ k: 7, classes: 5, size: 12, between, seed: 4 }));
  const model = await ClassifierModel.open(file, undefined, []);
  const engine = new ExplainEngine(model);
  const layer = model.defaultLayer();
  const x = uniform(3 * 12 * 12, -2, 2, 9);
  const out = await engine.forward(x, 1, [layer], { heads: [layer] });
  const { activations, dims } = out.layers.get(layer)!;
  const passes = perturbationPasses(engine, out, 0, layer, x, { headBatch: 3 });
  let headRuns = 0;
  const counted = { ...passes, head: (a: Float32Array, m: number) => (headRuns++, passes.head(a, m)) };
  const input = (target: number, head?: CamHead): MethodInput => ({
    activation: activations,
    channels: dims[1],
    size: dims[2] * dims[3],
    target,
    passes: counted,
    head,
  });
  const cam = camHeadAt(model, layer);
  assert.ok(cam.ok, 'the fixture has a CAM head');
  return { engine, input, head: cam as CamHead, runs: () => headRuns, reset: () => (headRuns = 0), activations };
}

for (const variant of ['zero', 'pytorchgradcam']) {
  for (const between of [undefined, 'Sigmoid']) {
    test(`closed form = head passes (${variant}, A ${between ? 'after a Sigmoid, min ≠ 0' : 'after ReLU'}), every class`, async () => {
      const s = await setup(between);
      if (between) assert.ok(Math.min(...s.activations) > 0, 'min(A) ≠ 0, so pytorchgradcam fills with min − 1e7');
      for (let target = 0; target < 5; target++) {
        s.reset();
        const general = await METHODS.ablationcam.compute({ ...s.input(target), variant });
        assert.ok(s.runs() > 0, 'the general path runs the head');
        s.reset();
        const closed = await METHODS.ablationcam.compute({ ...s.input(target, s.head), variant });
        assert.equal(s.runs(), 0, 'the closed form runs no head pass');
        assert.ok(
          general.some((v) => v > 0),
          'a map with signal',
        );
        const scale = Math.max(...general.map(Math.abs));
        // pytorchgradcam's 1e7 fill makes y_k ~1e7 in float32 through ONNX Runtime: relative error ~1e-7 of that.
        const tol = variant === 'zero' ? 1e-5 : 2e-3;
        general.forEach((g, i) => assert.ok(Math.abs(g - closed[i]!) <= tol * scale, `class ${target} pixel ${i}: ${g} vs ${closed[i]}`));
      }
      await s.engine.release();
    });
  }
}

test('a head whose logit is not the model’s is not used: the head passes run', async () => {
  const s = await setup();
  const wrong: CamHead = { ...s.head, bias: s.head.bias.map((b) => b + 1) };
  const general = await METHODS.ablationcam.compute(s.input(2));
  s.reset();
  const guarded = await METHODS.ablationcam.compute(s.input(2, wrong));
  assert.ok(s.runs() > 0);
  assert.deepEqual(guarded, general);
  await s.engine.release();
});
