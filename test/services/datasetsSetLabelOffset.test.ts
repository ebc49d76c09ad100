// 'datasets.setLabelOffset': a dataset's labels mapped to logits anew without importing it again, through the router's
// validation as the shells call it. A hand-worked pair flips which image is correct between offset 1 and 0; the stored
// labels never move; 'datasets.list' shows what is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch } from '../../src-main/services/router.js';
import { Workspace } from '../../src-main/services/workspace.js';
import { sampleImage, sampleModel, tempProject } from '../store/storeFixtures.js';

function handWorked(t: Parameters<typeof tempProject>[0]) {
  const ws = Workspace.open(tempProject(t), { create: true });
  t.after(() => ws.close());
  const { store } = ws;
  // Model default offset 0. Both images are dataset class 1: A is predicted logit 2, B logit 1.
  const modelId = store.addModel(sampleModel({ labelOffset: 0 }));
  const {
    ids: [a, b],
  } = store.addImages([sampleImage(1, { dataset: 'shapes', gtLabel: 1 }), sampleImage(2, { dataset: 'shapes', gtLabel: 1 })]);
  const runId = store.createRun({ modelId, method: 'gradcam', layer: 'features.3', target: 'top1', imageIds: [a!, b!] });
  store.startRun(runId);
  store.recordResults(runId, [
    { imageId: a!, predictions: [{ index: 2, label: null, score: 0.9 }] },
    { imageId: b!, predictions: [{ index: 1, label: null, score: 0.9 }] },
  ]);
  const call = async (channel: string, payload: unknown) => {
    const r = await dispatch(ws.handlers(), channel, payload);
    if (!r.ok) throw new Error(r.error);
    return r.value as any;
  };
  const correct = async () =>
    (
      (await call('images.query', { offset: 0, limit: 10, filters: { correct: true }, sort: 'id', order: 'asc', modelId })).rows as { id: number }[]
    ).map((r) => r.id);
  const gtClasses = async () => [
    ((await call('images.query', { offset: 0, limit: 10, filters: {}, sort: 'id', order: 'asc', modelId })).rows as { gtClass: number }[]).map(
      (r) => r.gtClass,
    ),
    (await call('images.detail', { imageId: a })).predictions[0].gtClass,
  ];
  return { ws, a: a!, b: b!, call, correct, gtClasses };
}

test('datasets.setLabelOffset flips which of two images is correct; null goes back to the model default', async (t) => {
  const { ws, a, b, call, correct, gtClasses } = handWorked(t);
  assert.deepEqual(await call('datasets.list', {}), [{ name: 'shapes', images: 2, labelOffset: null }]);
  // Model default 0: class 1 is logit 1, so B is right.
  assert.deepEqual(await correct(), [b]);
  assert.deepEqual(await gtClasses(), [[1, 1], 1]);

  assert.deepEqual(await call('datasets.setLabelOffset', { dataset: 'shapes', labelOffset: 1 }), { name: 'shapes', images: 2, labelOffset: 1 });
  // Offset 1: class 1 is logit 2, so A is right and B wrong.
  assert.deepEqual(await correct(), [a]);
  assert.deepEqual(await gtClasses(), [[2, 2], 2], 'the gallery rows and the image view');
  assert.deepEqual(await call('datasets.list', {}), [{ name: 'shapes', images: 2, labelOffset: 1 }]);
  assert.deepEqual(
    [a, b].map((id) => ws.store.getImage(id)!.gtLabel),
    [1, 1],
    'the stored labels stay in the dataset numbering',
  );

  await call('datasets.setLabelOffset', { dataset: 'shapes', labelOffset: null });
  assert.deepEqual(await correct(), [b], "null: the model's default again");
  assert.deepEqual(await call('datasets.list', {}), [{ name: 'shapes', images: 2, labelOffset: null }]);
});

test('datasets.setLabelOffset refuses an unknown dataset and a bad offset in one line, changing nothing', async (t) => {
  const { call, correct, b } = handWorked(t);
  await assert.rejects(call('datasets.setLabelOffset', { dataset: 'nope', labelOffset: 1 }), /dataset "nope" is not in the project/);
  for (const bad of [-1, 1.5, '1', 1e9, undefined]) {
    await assert.rejects(
      call('datasets.setLabelOffset', { dataset: 'shapes', labelOffset: bad }),
      /datasets\.setLabelOffset: invalid request/,
      String(bad),
    );
  }
  await assert.rejects(call('datasets.setLabelOffset', { dataset: '', labelOffset: 1 }), /invalid/);
  await assert.rejects(call('datasets.setLabelOffset', { dataset: 'a\nb', labelOffset: 1 }), (e: Error) => !e.message.includes('\n'), 'one line');
  assert.deepEqual(await call('datasets.list', {}), [{ name: 'shapes', images: 2, labelOffset: null }]);
  assert.deepEqual(await correct(), [b]);
});
