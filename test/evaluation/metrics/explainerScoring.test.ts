// The faithfulness callbacks built from an Explainer on a tiny ONNX model (Conv → ReLU → GAP → Gemm, 16×16 input).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Explainer, softmax } from '../../../src-main/explain/explainer.js';
import { parseMethod } from '../../../src-main/explain/methods/index.js';
import { explainerMaps, explainerScore, inputShapeOf, normalizationOf } from '../../../src-main/evaluation/metrics/explainerScoring.js';
import { averageDrop } from '../../../src-main/evaluation/metrics/averageDrop.js';
import { deletionInsertion } from '../../../src-main/evaluation/metrics/deletionInsertion.js';
import { adcc } from '../../../src-main/evaluation/metrics/adcc.js';
import { gapClassifier, writeModel } from '../../helpers/tinyModels.js';
import { uniform } from '../../helpers/random.js';

const work = mkdtempSync(join(tmpdir(), 'camscope-metrics-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function open(): Promise<Explainer> {
  return Explainer.open(writeModel(join(work, 'gap.onnx'), gapClassifier({ size: 16, classes: 3 })));
}

test("score = softmax probability (or logit) of each row's class from full-model runs; maps per row's class", async () => {
  const ex = await open();
  try {
    const shape = inputShapeOf(ex);
    assert.deepEqual(shape, { channels: 3, width: 16, height: 16 });
    assert.deepEqual(normalizationOf(ex), { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
    const per = 3 * 16 * 16;
    const inputs = uniform(3 * per, -2, 2, 7);
    const classes = [0, 2, 0];
    const probs = await explainerScore(ex, { batchSize: 2 })(inputs, classes);
    const logits = await explainerScore(ex, { score: 'logit' })(inputs, classes);
    const cams = await explainerMaps(ex, 'cam', { batchSize: 2 })(inputs, classes);
    for (let row = 0; row < 3; row++) {
      const input = inputs.subarray(row * per, (row + 1) * per);
      const c = classes[row]!;
      // The reference: the same row explained alone for its class, and the logits of that run.
      const [alone] = await ex.explainInput(input, [{ width: 16, height: 16 }], { methods: [parseMethod('cam')], target: c });
      const rowLogits = await ex.engine.runModel(input, 1);
      assert.ok(Math.abs(logits[row]! - rowLogits[c]!) < 1e-5);
      assert.ok(Math.abs(probs[row]! - softmax(rowLogits)[c]!) < 1e-6);
      assert.equal(cams[row]!.width, alone!.maps[0]!.width);
      Array.from(cams[row]!.values).forEach((v, i) => assert.ok(Math.abs(v - alone!.maps[0]!.values[i]!) < 1e-5, `row ${row}, value ${i}`));
    }
  } finally {
    await ex.close();
  }
});

test('Average Drop, Deletion/Insertion and ADCC run end to end through the adapter', async () => {
  const ex = await open();
  try {
    const shape = inputShapeOf(ex);
    const per = 3 * 16 * 16;
    const score = explainerScore(ex);
    const samples = [11, 12].map((seed) => {
      const input = uniform(per, -2, 2, seed);
      return { input, classIndex: 1, map: { width: 16, height: 16, values: uniform(256, 0, 1, seed + 100) } };
    });
    const original = await score(new Float32Array([...samples[0]!.input, ...samples[1]!.input]), [1, 1]);
    const drop = await averageDrop(samples, score, shape, { batchSize: 3 });
    assert.deepEqual(
      drop.perImage.map((p) => p.original),
      Array.from(original),
    );
    assert.ok(drop.averageDrop! >= 0 && drop.averageDrop! <= 100);
    const di = await deletionInsertion(samples, score, shape, { pixelsPerStep: 64, batchSize: 4 });
    // 256 pixels in 4 steps: 5 scores; deletion starts at x, insertion ends at x.
    assert.equal(di.deletion[0]!.scores.length, 5);
    samples.forEach((_, i) => {
      assert.ok(Math.abs(di.deletion[i]!.scores[0]! - original[i]!) < 1e-7);
      assert.ok(Math.abs(di.insertion[i]!.scores[4]! - original[i]!) < 1e-7);
    });
    const a = await adcc(samples, score, explainerMaps(ex, 'gradcam'), shape, { averageDrop: drop });
    for (const t of a.perImage) {
      assert.ok(t.coherency >= 0 && t.coherency <= 1 && t.complexity > 0 && t.complexity < 1 && t.adcc >= 0 && t.adcc <= 1);
    }
  } finally {
    await ex.close();
  }
});
