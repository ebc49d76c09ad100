// On GAP → linear heads, ∂y^c/∂A_k = w_k^c/(H·W) everywhere, so Grad-CAM = ReLU(CAM)/(H·W), and
// XGrad-CAM and HiResCAM (whose weights average the same constant gradient) equal Grad-CAM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { camHeadAt } from '../../src-main/model/camHead.js';
import { ExplainEngine } from '../../src-main/explain/engine.js';
import { METHODS } from '../../src-main/explain/methods/index.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';
import { referenceFixtures, relMaxDiff } from '../helpers/referenceFixtures.js';
import { uniform } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-link-'));
const models = [
  writeModel(join(dir, 'gap.onnx'), gapClassifier({ k: 6, classes: 4, size: 12 })),
  ...referenceFixtures()
    .filter((f) => f.fixture.cam.applicable && f.fixture.opset === 13)
    .map((f) => f.model),
];

for (const file of models) {
  test(`Grad-CAM = XGrad-CAM = HiResCAM = ReLU(CAM)/(H·W) on ${file.split('/').pop()}`, async () => {
    const model = await ClassifierModel.open(file);
    const layer = model.defaultLayer();
    const head = camHeadAt(model, layer);
    assert.ok(head.ok);
    const { height, width } = model.inputSize;
    const n = 3;
    const input = uniform(n * 3 * height * width, -2, 2, 5);
    const engine = new ExplainEngine(model);
    const classes = model.numClasses;
    const targets = [0, classes - 1, 'top1'] as const;
    const out = await engine.backward(input, n, [layer], [...targets]);
    const { activations, gradients, dims } = out.layers.get(layer)!;
    const [, channels, h, w] = dims;
    const size = h * w;
    let rowsWithEvidence = 0;
    for (let row = 0; row < n; row++) {
      const t = targets[row]!;
      const logits = out.logits.subarray(row * classes, (row + 1) * classes);
      const target = t === 'top1' ? logits.indexOf(Math.max(...logits)) : t;
      const slice = (x: Float32Array) => x.subarray(row * channels * size, (row + 1) * channels * size);
      const x = { activation: slice(activations), gradient: slice(gradients!), channels, size, target, head };
      const cam = METHODS.cam.compute(x);
      const gradcam = METHODS.gradcam.compute(x);
      const expected = cam.map((v) => Math.max(0, v) / size);
      if (cam.some((v) => v > 0)) rowsWithEvidence++;
      const err = relMaxDiff(gradcam, expected);
      assert.ok(err < 1e-5, `row ${row}: rel. error ${err}`);
      for (const m of ['xgradcam', 'hirescam'] as const) {
        const e = relMaxDiff(METHODS[m].compute(x), gradcam);
        assert.ok(e < 1e-5, `${m} vs Grad-CAM, row ${row}: rel. error ${e}`);
      }
    }
    assert.ok(rowsWithEvidence > 0, 'some CAM has positive evidence, so the comparison is not of zeros');
    await engine.release();
  });
}
