// Labels stay in each dataset's numbering; the dataset's label offset (else the model's default) maps them to the model's
// logits wherever the store compares them with predictions. A project from before the datasets table opens with its
// labels unchanged and its old meaning (offset 0); a hand-worked pair of images flips correctness between offset 1 and 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIGRATIONS } from '../../src-main/store/migrations.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { channels } from '../../src-shared/ipc.js';
import { rewindTo, sampleImage, sampleModel, tempProject } from './storeFixtures.js';

const DATASETS_VERSION = MIGRATIONS.findIndex((m) => m.name === 'dataset label offsets');

/** One run of the model recording each image's top-1 class. */
function predict(store: ProjectStore, modelId: number, top1: Map<number, number>): void {
  const runId = store.createRun({ modelId, method: 'gradcam', layer: 'features.3', target: 'top1', imageIds: [...top1.keys()] });
  store.startRun(runId);
  store.recordResults(
    runId,
    [...top1].map(([imageId, index]) => ({ imageId, predictions: [{ index, label: null, score: 0.9 }] })),
  );
}

const page = (store: ProjectStore, modelId: number, filters: object) =>
  store.queryImages({ offset: 0, limit: 50, filters: { modelId, ...filters } }).rows.map((r) => [r.id, r.gtClass]);

test('a project from before dataset label offsets opens with its labels unchanged, compared as before', (t) => {
  assert.ok(DATASETS_VERSION > 0);
  const file = tempProject(t);
  const store = ProjectStore.create(file);
  // As the old demo stored them: ImageNet's Egyptian cat (285) pre-shifted to the 1001-logit model's 286.
  const modelId = store.addModel(sampleModel({ labelOffset: 1, numClasses: 1001, labels: null }));
  const { ids } = store.addImages([
    sampleImage(1, { dataset: 'imagenet-photos', gtLabel: 286 }),
    sampleImage(2, { dataset: 'imagenet-photos', gtLabel: 968 }),
  ]);
  predict(
    store,
    modelId,
    new Map([
      [ids[0]!, 286],
      [ids[1]!, 286],
    ]),
  );
  const rows = ids.map((id) => store.getImage(id));
  store.close();
  rewindTo(file, DATASETS_VERSION);

  const old = ProjectStore.open(file);
  t.after(() => old.close());
  assert.deepEqual(
    ids.map((id) => old.getImage(id)),
    rows,
    'labels, boxes, datasets unchanged',
  );
  assert.equal(old.datasetLabelOffset('imagenet-photos'), 0, 'its labels were logit indices: offset 0 keeps that');
  assert.deepEqual(old.listDatasets(), [{ name: 'imagenet-photos', images: 2, labelOffset: 0 }]);
  assert.deepEqual(page(old, modelId, { correct: true }), [[ids[0], 286]], 'the cat is still correct, not 286 + 1');
  assert.deepEqual(page(old, modelId, { correct: false }), [[ids[1], 968]]);
});

test('hand-worked: offset 1 (the model default) and offset 0 swap which of two images is correct', (t) => {
  const store = ProjectStore.create(tempProject(t));
  t.after(() => store.close());
  // Model default offset 1 (background at logit 0). Both images are dataset class 1; A is predicted logit 2, B logit 1.
  const modelId = store.addModel(sampleModel({ labelOffset: 1 }));
  const {
    ids: [a, b],
  } = store.addImages([sampleImage(1, { dataset: 'shapes', gtLabel: 1 }), sampleImage(2, { dataset: 'shapes', gtLabel: 1 })]);
  predict(
    store,
    modelId,
    new Map([
      [a!, 2],
      [b!, 1],
    ]),
  );
  const model = store.getModel(modelId)!;
  assert.deepEqual(store.listDatasets(), [{ name: 'shapes', images: 2, labelOffset: null }], 'a new dataset sets no offset');

  // Offset 1: class 1 is logit 2, so A is right and B wrong.
  assert.equal(store.trueLogit(store.getImage(a!)!, model), 2);
  assert.deepEqual(page(store, modelId, { correct: true }), [[a, 2]]);
  assert.deepEqual(page(store, modelId, { correct: false }), [[b, 2]]);
  assert.deepEqual(page(store, modelId, { gtClass: 2 }).length, 2, 'the true-class filter takes the logit index under a model');
  assert.deepEqual(
    store.queryImages({ offset: 0, limit: 50, filters: { gtClass: 1 } }).rows.map((r) => [r.id, r.gtLabel, r.gtClass]),
    [
      [a, 1, null],
      [b, 1, null],
    ],
    "without a model, the dataset's own numbering",
  );

  // Offset 0: class 1 is logit 1, so B is right and A wrong; the stored labels do not move.
  store.setDatasetLabelOffset('shapes', 0);
  assert.equal(store.trueLogit(store.getImage(a!)!, model), 1);
  assert.deepEqual(page(store, modelId, { correct: true }), [[b, 1]]);
  assert.deepEqual(page(store, modelId, { correct: false }), [[a, 1]]);
  assert.deepEqual([store.getImage(a!)!.gtLabel, store.getImage(b!)!.gtLabel], [1, 1]);

  store.setDatasetLabelOffset('shapes', null);
  assert.deepEqual(page(store, modelId, { correct: true }), [[a, 2]], 'cleared: the model default again');
});

test('a label offset must be a non-negative integer: the store and the images.import request refuse others in one line', (t) => {
  const store = ProjectStore.create(tempProject(t));
  t.after(() => store.close());
  for (const bad of [-1, 1.5, Number.NaN, 1e9]) {
    assert.throws(
      () => store.setDatasetLabelOffset('shapes', bad),
      (e: Error) => /dataset 'shapes': label offset .* is not an integer in \[0, 100000\]/.test(e.message) && !e.message.includes('\n'),
    );
  }
  const request = channels['images.import'].request;
  const base = { paths: ['/data/shapes'], format: 'auto' as const };
  for (const ok of [0, 1, null, undefined]) assert.ok(request.safeParse({ ...base, labelOffset: ok }).success, String(ok));
  for (const bad of [-1, 1.5, '1', 1e9, true]) assert.ok(!request.safeParse({ ...base, labelOffset: bad }).success, String(bad));
});
