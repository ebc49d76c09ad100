// The 'wsol.curve' channel on a hand-worked project: two scored images, one without ground truth, one without a map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Workspace } from '../../src-main/services/workspace.js';
import { CamscopeError } from '../../src-main/errors.js';
import type { Box } from '../../src-shared/explainTypes.js';
import { sampleImage, sampleModel, tempProject } from '../store/storeFixtures.js';

test('accuracy, mean IoU and the images behind each threshold come from the stored maps and ground truth', async (t) => {
  const ws = Workspace.open(tempProject(t), { create: true });
  t.after(() => ws.close());
  const { store } = ws;
  // 4×1 images with 4×1 maps: upsampling is the identity, so boxes can be worked by hand.
  const gt = (box: Box) => ({ gtBoxes: [{ box, label: 1 }] });
  const ids = store.addImages([
    sampleImage(1, { width: 4, height: 1, ...gt([2, 0, 4, 1]) }),
    sampleImage(2, { width: 4, height: 1, ...gt([0, 0, 3, 1]) }),
    sampleImage(3, { width: 4, height: 1 }),
    sampleImage(4, { width: 4, height: 1, ...gt([0, 0, 4, 1]) }),
  ]).ids;
  const modelId = store.addModel(sampleModel());
  const runId = store.createRun({ modelId, method: 'cam', layer: 'features.3', target: 'top1', imageIds: ids });
  store.startRun(runId);
  const recorded = (imageId: number, values: number[]) => ({
    imageId,
    predictions: [{ index: 1, label: 'circle', score: 0.9 }],
    maps: [{ classIndex: 1, width: 4, height: 1, values: Float32Array.from(values) }],
    boxes: [],
    evaluation: { iou: null },
  });
  store.recordResults(runId, [recorded(ids[0]!, [0, 5, 10, 10]), recorded(ids[1]!, [0, 4, 10, 0]), recorded(ids[2]!, [10, 0, 0, 0])]);

  // Normalized maps: image 1 [0, .5, 1, 1], image 2 [0, .4, 1, 0].
  // At 0.25: boxes [1,0,4,1] (IoU 2/3 with [2,0,4,1]) and [1,0,3,1] (IoU 2/3 with [0,0,3,1]): both hit.
  // At 0.75: boxes [2,0,4,1] (IoU 1) and [2,0,3,1] (IoU 1/3): one hit.
  const curve = await ws.handlers()['wsol.curve']({ runId, thresholds: [0.25, 0.75] });
  assert.equal(curve.images, 2, 'image 3 has no ground truth, image 4 no map');
  assert.equal(curve.points.length, 2);
  const [low, high] = curve.points;
  assert.deepEqual({ ...low!, meanIoU: undefined }, { threshold: 0.25, accuracy: 1, meanIoU: undefined, hits: [ids[0], ids[1]], misses: [] });
  assert.ok(Math.abs(low!.meanIoU! - 2 / 3) < 1e-12);
  assert.deepEqual({ ...high!, meanIoU: undefined }, { threshold: 0.75, accuracy: 0.5, meanIoU: undefined, hits: [ids[0]], misses: [ids[1]] });
  assert.ok(Math.abs(high!.meanIoU! - 2 / 3) < 1e-12);

  const one = await ws.handlers()['wsol.curve']({ runId, thresholds: [0.25, 0.75], imageIds: [ids[1]!, ids[3]!] });
  assert.equal(one.images, 1);
  assert.deepEqual(
    one.points.map((p) => p.accuracy),
    [1, 0],
  );

  const none = await ws.handlers()['wsol.curve']({ runId, thresholds: [0.5], imageIds: [ids[2]!] });
  assert.deepEqual(none, { images: 0, points: [{ threshold: 0.5, accuracy: null, meanIoU: null, hits: [], misses: [] }] });
  await assert.rejects(ws.handlers()['wsol.curve']({ runId: runId + 1, thresholds: [0.5] }), CamscopeError);
});

test('models.classes names every logit index from the model’s labels', async (t) => {
  const ws = Workspace.open(tempProject(t), { create: true });
  t.after(() => ws.close());
  const modelId = ws.store.addModel(sampleModel({ labels: ['circle', 'square'], labelOffset: 1, numClasses: 4 }));
  assert.deepEqual(await ws.handlers()['models.classes']({ modelId }), [null, 'circle', 'square', null]);
  await assert.rejects(ws.handlers()['models.classes']({ modelId: modelId + 1 }), CamscopeError);
});
