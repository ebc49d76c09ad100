// Gradients of the softmax score: ∂p_c/∂A = Σ_j p_c(δ_cj − p_j) ∂z_j/∂A, checked against per-class logit gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { ExplainEngine } from '../../src-main/explain/engine.js';
import { softmax } from '../../src-main/explain/explainer.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';
import { uniform } from '../helpers/random.js';
import { relMaxDiff } from '../helpers/referenceFixtures.js';

test('softmax-score gradients equal the chain rule over per-class logit gradients', async () => {
  const file = writeModel(join(mkdtempSync(join(tmpdir(), 'camscope-sm-')), 'gap.onnx'), gapClassifier({ k: 5, classes: 4, size: 10 }));
  const model = await ClassifierModel.open(file);
  const layer = model.defaultLayer();
  const engine = new ExplainEngine(model);
  const n = 2;
  const input = uniform(n * 3 * 100, -2, 2, 9);
  const classes = model.numClasses;
  const perClass = await Promise.all(Array.from({ length: classes }, (_, j) => engine.backward(input, n, [layer], [j, j])));
  const soft = await engine.backward(input, n, [layer], [1, 'top1'], { score: 'softmax' });
  const per = soft.layers.get(layer)!.activations.length / n;
  for (let row = 0; row < n; row++) {
    const p = softmax(perClass[0]!.logits.subarray(row * classes, (row + 1) * classes));
    const c = row === 0 ? 1 : p.indexOf(Math.max(...p));
    const expected = new Float64Array(per);
    for (let j = 0; j < classes; j++) {
      const g = perClass[j]!.layers.get(layer)!.gradients!.subarray(row * per, (row + 1) * per);
      const coef = p[c]! * ((c === j ? 1 : 0) - p[j]!);
      for (let i = 0; i < per; i++) expected[i]! += coef * g[i]!;
    }
    const got = soft.layers.get(layer)!.gradients!.subarray(row * per, (row + 1) * per);
    assert.ok(expected.some((v) => v !== 0));
    const err = relMaxDiff(got, expected);
    assert.ok(err < 1e-5, `row ${row}: rel. error ${err}`);
  }
  await engine.release();
});
