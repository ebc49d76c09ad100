// estimateCost: passes per image for every method, and a memory estimate that follows the batch sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { estimateCost } from '../../src-main/explain/methods/cost.js';
import { METHODS } from '../../src-main/explain/methods/index.js';

import { gapClassifier, writeModel } from '../helpers/tinyModels.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-cost-'));

test('estimateCost: passes per image by method on a 4×16×16 layer', async () => {
  const model = await ClassifierModel.open(writeModel(join(dir, 'gap.onnx'), gapClassifier({ k: 4, size: 16 })));
  const layer = 'features';
  const passes = (name: keyof typeof METHODS) => {
    const { forwardPasses, backwardPasses, headPasses, inputPasses } = estimateCost(METHODS[name], model, layer);
    return [forwardPasses, backwardPasses, headPasses, inputPasses];
  };
  assert.deepEqual(passes('cam'), [1, 0, 0, 0]);
  assert.deepEqual(passes('eigencam'), [1, 0, 0, 0]);
  for (const g of ['gradcam', 'gradcam++', 'xgradcam', 'hirescam', 'layercam'] as const) assert.deepEqual(passes(g), [1, 1, 0, 0], g);
  assert.deepEqual(passes('ablationcam'), [1, 0, 4, 0], 'Ablation-CAM: K head passes');
  assert.deepEqual(passes('reciprocam'), [1, 0, 256, 0], 'Recipro-CAM: h·w head passes');
  assert.deepEqual(passes('scorecam'), [1, 0, 0, 4], 'Score-CAM: K full passes');
  for (const name of Object.keys(METHODS) as (keyof typeof METHODS)[]) assert.ok(estimateCost(METHODS[name], model, layer).peakBytes > 0, name);

  const peak = (name: keyof typeof METHODS, o = {}) => estimateCost(METHODS[name], model, layer, o).peakBytes;
  assert.ok(peak('gradcam') > peak('cam'), 'a backward run holds more than a forward run');
  assert.ok(peak('reciprocam', { headBatch: 64 }) > peak('reciprocam', { headBatch: 1 }), 'head batches of 64 copies hold more than 1');
  assert.ok(peak('scorecam', { inputBatch: 4 }) > peak('scorecam', { inputBatch: 1 }), 'more masked inputs per run hold more');
  assert.equal(peak('ablationcam', { headBatch: 64 }), peak('ablationcam', { headBatch: 4 }), 'no more rows than K are ever batched');
  assert.throws(() => estimateCost(METHODS.cam, model, 'logits'), /'logits' is not a feature map/);
});
