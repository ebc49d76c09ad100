// Every torchvision-like family: maps from ONNX gradient graphs vs PyTorch autograd references.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { camHeadAt } from '../../src-main/model/camHead.js';
import { ExplainEngine } from '../../src-main/explain/engine.js';
import { METHODS } from '../../src-main/explain/methods/index.js';
import { softmax } from '../../src-main/explain/explainer.js';
import { referenceFixtures, referenceInput, relMaxDiff } from '../helpers/referenceFixtures.js';

const TOLERANCE = 1e-4;
const fixtures = referenceFixtures();

test('reference fixtures are present', () => {
  assert.ok(fixtures.length >= 2, `found ${fixtures.length} fixtures`);
});

for (const { json, model: file, fixture } of fixtures) {
  test(`${json}: top-5, default layer, CAM applicability and maps match PyTorch`, async () => {
    const model = await ClassifierModel.open(file);
    assert.equal(model.defaultLayer(), fixture.default_layer.tensor, 'default target layer');
    const head = camHeadAt(model, fixture.default_layer.tensor);
    assert.equal(head.ok, fixture.cam.applicable, `CAM applicability: ${head.ok ? 'ok' : head.reason}`);
    if (!head.ok && !fixture.cam.applicable) {
      assert.match(head.reason, new RegExp(`\\b${fixture.cam.blocking_op}\\b`), 'refusal names the blocking op');
    }

    const engine = new ExplainEngine(model);
    const shape = fixture.input.shape;
    const n = shape[0];
    const input = referenceInput(shape);
    const layers = fixture.layers.map((l) => l.tensor);
    const targets = fixture.layers[0]!.targets;
    const out = await engine.backward(input, n, layers, targets);
    const top1 = await engine.backward(input, n, layers, ['top1', 'top1']);

    for (let row = 0; row < n; row++) {
      const logits = out.logits.subarray(row * fixture.num_classes, (row + 1) * fixture.num_classes);
      const probs = softmax(logits);
      const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]!);
      assert.deepEqual(order.slice(0, 5), fixture.top5[row]!.map((p) => p.index), `top-5 of row ${row}`);
      fixture.top5[row]!.forEach((p) => assert.ok(Math.abs(probs[p.index]! - p.score) < 1e-4, `score of class ${p.index}`));
    }

    for (const ref of fixture.layers) {
      const o = out.layers.get(ref.tensor)!;
      assert.deepEqual(o.dims, ref.shape, `shape of ${ref.tensor}`);
      const [, channels, h, w] = o.dims;
      const size = h * w;
      for (let row = 0; row < n; row++) {
        const slice = (t: Float32Array) => t.subarray(row * channels * size, (row + 1) * channels * size);
        const input = { activation: slice(o.activations), gradient: slice(o.gradients!), channels, size, target: ref.targets[row]! };
        const gradcam = METHODS.gradcam.compute(input);
        const err = relMaxDiff(gradcam, ref.gradcam[row]!);
        assert.ok(err <= TOLERANCE, `Grad-CAM at ${ref.role} layer ${ref.tensor}, row ${row}: rel. error ${err}`);
        const viaTop1 = top1.layers.get(ref.tensor)!;
        assert.ok(relMaxDiff(slice(viaTop1.gradients!), slice(o.gradients!)) === 0, 'in-graph top-1 seed equals the explicit target');
        if (ref.cam) {
          assert.ok(head.ok);
          const cam = METHODS.cam.compute({ ...input, head });
          const camErr = relMaxDiff(cam, ref.cam[row]!);
          assert.ok(camErr <= TOLERANCE, `CAM row ${row}: rel. error ${camErr}`);
        }
      }
    }
    await engine.release();
  });
}
