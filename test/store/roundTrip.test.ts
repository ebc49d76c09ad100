// Every table's rows come back as written after the project is closed and reopened (read-only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CamscopeError } from '../../src-main/errors.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { decodeFloat32, encodeFloat32 } from '../../src-main/store/float32Blob.js';
import { pearsonValues as pearson } from '../../src-shared/mapAgreement.js';
import { sampleImage, sampleModel, sha, tempProject } from './storeFixtures.js';
import { uniform } from '../helpers/random.js';

/** Values float32 can hold that a careless codec would bend: signed zero, subnormals, extremes. */
const AWKWARD = Float32Array.of(
  0,
  -0,
  1.401298464324817e-45,
  -1.1754942106924411e-38,
  3.4028234663852886e38,
  -3.4028234663852886e38,
  Math.PI,
  -1 / 3,
  1e-7,
);

function sameFloats(actual: Float32Array, expected: Float32Array): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Object.is(actual[i], expected[i]), `value ${i}: ${actual[i]} ≠ ${expected[i]}`);
}

test('images with several ground-truth boxes, deduplicated by path and content', (t) => {
  const file = tempProject(t);
  const store = ProjectStore.create(file);
  const a = sampleImage(1, {
    dataset: 'val',
    gtLabel: 2,
    gtBoxes: [
      { box: [1, 2, 30, 40], label: 2 },
      { box: [0.5, 0, 64, 48], label: null },
    ],
  });
  const b = sampleImage(2);
  const first = store.addImages([a, b, a]);
  assert.deepEqual(first, { ids: [1, 2, 1], added: 2 });
  // Same path with new content is a new image; the same image again keeps its original row and boxes.
  const changed = { ...a, sha256: sha('edited'), gtBoxes: [] };
  assert.deepEqual(store.addImages([{ ...a, gtBoxes: [] }, changed]), { ids: [1, 3], added: 1 });
  store.close();

  const ro = ProjectStore.open(file, { readonly: true });
  const row = ro.getImage(1)!;
  assert.deepEqual(
    { ...row, addedAt: undefined },
    {
      id: 1,
      path: a.path,
      sha256: a.sha256,
      width: a.width,
      height: a.height,
      dataset: 'val',
      gtLabel: 2,
      addedAt: undefined,
      gtBoxes: a.gtBoxes,
    },
  );
  assert.match(row.addedAt, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(ro.getImage(2)!.gtBoxes, []);
  assert.equal(ro.getImage(2)!.dataset, null);
  assert.equal(ro.getImage(3)!.sha256, sha('edited'));
  assert.equal(ro.getImage(4), null);
  assert.equal(ro.imageCount(), 3);
  ro.close();
});

test('bad image rows are refused before anything is written', (t) => {
  const store = ProjectStore.create(tempProject(t));
  t.after(() => store.close());
  assert.throws(() => store.addImages([sampleImage(1), sampleImage(2, { sha256: 'ABC' })]), /sha256 'ABC' is not 64 lowercase hex/);
  assert.throws(() => store.addImages([sampleImage(3, { width: 0 })]), /size 0×48/);
  assert.equal(store.imageCount(), 0);
});

test('models round-trip with their JSON columns and are deduplicated by content', (t) => {
  const file = tempProject(t);
  const store = ProjectStore.create(file);
  const m = sampleModel({ labelOffset: 1 });
  const id = store.addModel(m);
  assert.equal(store.addModel({ ...m, path: 'elsewhere/copy.onnx' }), id);
  const other = store.addModel(sampleModel({ sha256: sha('other'), labels: null, defaultLayer: null }));
  assert.notEqual(other, id);
  store.close();
  const ro = ProjectStore.open(file, { readonly: true });
  const { addedAt, ...row } = ro.getModel(id)!;
  assert.deepEqual(row, { id, ...m });
  assert.match(addedAt, /T/);
  assert.equal(ro.getModel(other)!.labels, null);
  assert.equal(ro.getModel(999), null);
  ro.close();
});

test('runs, predictions, maps (bit-exact), boxes, evaluations and thumbnails round-trip', (t) => {
  const file = tempProject(t);
  const store = ProjectStore.create(file);
  const { ids } = store.addImages([sampleImage(1), sampleImage(2), sampleImage(3)]);
  const modelId = store.addModel(sampleModel({ labelOffset: 1, labels: ['circle', 'square', 'triangle'] }));
  const runId = store.createRun({
    modelId,
    method: 'gradcam++:torchcam',
    layer: 'features.3',
    target: 2,
    params: { threshold: 0.2, batch: 8 },
    imageIds: [ids[2]!, ids[0]!, ids[0]!],
  });
  const created = store.getRun(runId)!;
  assert.deepEqual(
    { ...created, createdAt: undefined },
    {
      id: runId,
      modelId,
      method: 'gradcam++:torchcam',
      layer: 'features.3',
      target: 2,
      params: { threshold: 0.2, batch: 8 },
      status: 'pending',
      error: null,
      total: 2,
      done: 0,
      createdAt: undefined,
      startedAt: null,
      finishedAt: null,
      elapsedMs: 0,
      appVersion: '0.1.0',
    },
  );

  const big = uniform(14 * 14, -5, 5, 7);
  const predictions = [
    { index: 2, label: 'square', score: 0.7 },
    { index: 1, label: 'circle', score: 0.2 },
    { index: 3, label: 'triangle', score: 0.1 },
  ];
  store.recordResults(
    runId,
    [
      {
        imageId: ids[0]!,
        predictions,
        maps: [
          { classIndex: 2, width: 3, height: 3, values: AWKWARD },
          { classIndex: 3, width: 14, height: 14, values: Array.from(big) },
        ],
        boxes: [
          { classIndex: 2, threshold: 0.2, box: [0, 1.5, 64, 47] },
          { classIndex: 2, threshold: 0.5, box: [10, 11, 12, 13] },
        ],
        evaluation: { iou: 0.625, metrics: { iouAt05: 0.5, pointing: 1 } },
      },
    ],
    { elapsedMs: 12.4 },
  );
  store.recordResults(runId, [{ imageId: ids[2]!, error: 'cannot decode image', evaluation: { iou: null } }], { elapsedMs: 3 });
  store.finishRun(runId, 'done');
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);
  store.putThumbnail(ids[0]!, 128, Buffer.from('old'));
  store.putThumbnail(ids[0]!, 128, png);
  store.putThumbnail(ids[0]!, 256, Buffer.from('large'));
  store.close();

  const ro = ProjectStore.open(file, { readonly: true });
  t.after(() => ro.close());
  const run = ro.getRun(runId)!;
  assert.equal(run.status, 'done');
  assert.equal(run.done, 2);
  assert.equal(run.elapsedMs, 15);
  assert.ok(run.startedAt && run.finishedAt && run.startedAt <= run.finishedAt);
  assert.deepEqual(
    ro.listRuns().map((r) => r.id),
    [runId],
  );

  assert.deepEqual(ro.getPredictions(modelId, ids[0]!), predictions);
  assert.deepEqual(ro.getPredictions(modelId, ids[1]!), []);

  const m2 = ro.getMap(runId, ids[0]!, 2)!;
  sameFloats(m2.values, AWKWARD);
  assert.deepEqual([m2.classIndex, m2.width, m2.height, m2.min, m2.max], [2, 3, 3, -3.4028234663852886e38, 3.4028234663852886e38]);
  sameFloats(ro.getMap(runId, ids[0]!, 3)!.values, big);
  assert.throws(() => ro.getMap(runId, ids[0]!), /several maps of image 1; name the class/);
  assert.equal(ro.getMap(runId, ids[2]!), null);

  assert.deepEqual(ro.getBoxes(runId, ids[0]!), [
    { classIndex: 2, threshold: 0.2, box: [0, 1.5, 64, 47] },
    { classIndex: 2, threshold: 0.5, box: [10, 11, 12, 13] },
  ]);
  assert.deepEqual(ro.getEvaluation(runId, ids[0]!), { iou: 0.625, metrics: { iouAt05: 0.5, pointing: 1 } });
  assert.deepEqual(ro.getEvaluation(runId, ids[2]!), { iou: null, metrics: {} });
  assert.equal(ro.getEvaluation(runId, ids[1]!), null);

  assert.deepEqual(ro.getThumbnail(ids[0]!, 128), png);
  assert.deepEqual(ro.getThumbnail(ids[0]!, 256), Buffer.from('large'));
  assert.equal(ro.getThumbnail(ids[1]!, 128), null);
  assert.throws(() => ro.putThumbnail(ids[1]!, 128, png), /opened read-only/);
});

test('a map with non-finite values or a size that does not match is refused', (t) => {
  const store = ProjectStore.create(tempProject(t));
  t.after(() => store.close());
  const { ids } = store.addImages([sampleImage(1)]);
  const runId = store.createRun({ modelId: store.addModel(sampleModel()), method: 'cam', layer: 'l', target: 'top1', imageIds: ids });
  const record =
    (values: number[], width = 2) =>
    () =>
      store.recordResults(runId, [{ imageId: ids[0]!, maps: [{ classIndex: 0, width, height: 2, values }] }]);
  assert.throws(record([1, 2, NaN, 4]), (e) => e instanceof CamscopeError && /non-finite/.test(e.message));
  assert.throws(record([1, 2, 3, 4], 3), /6 values|4 values/);
  assert.equal(store.getRun(runId)!.done, 0);
});

test('run rules: targets are top1 or an index, done needs every image, finished runs take no results', (t) => {
  const store = ProjectStore.create(tempProject(t));
  t.after(() => store.close());
  const { ids } = store.addImages([sampleImage(1), sampleImage(2)]);
  const modelId = store.addModel(sampleModel());
  const run = (extra: object) => store.createRun({ modelId, method: 'cam', layer: 'l', target: 'top1', imageIds: ids, ...extra });
  assert.throws(() => run({ target: -1 }), /neither 'top1' nor a class index/);
  assert.throws(() => run({ modelId: 99 }), /model 99 does not exist/);
  assert.throws(() => run({ imageIds: [ids[0]!, 42] }), /image 42 does not exist/);
  const runId = run({});
  store.startRun(runId);
  store.recordResults(runId, [{ imageId: ids[0]!, maps: [{ classIndex: 1, width: 1, height: 1, values: [1] }] }]);
  assert.throws(() => store.finishRun(runId, 'done'), /1 of 2 images recorded/);
  assert.throws(() => store.recordResults(runId, [{ imageId: ids[0]! }]), /image 1 is already recorded/);
  store.finishRun(runId, 'cancelled');
  assert.throws(() => store.recordResults(runId, [{ imageId: ids[1]! }]), /is cancelled/);
  store.startRun(runId); // resuming a cancelled run
  store.recordResults(runId, [{ imageId: ids[1]!, maps: [{ classIndex: 1, width: 1, height: 1, values: [2] }] }]);
  store.finishRun(runId, 'done');
  assert.deepEqual([store.getRun(runId)!.status, store.getRun(runId)!.error], ['done', null]);
  assert.throws(() => store.startRun(runId), /already done/);
  const failed = run({});
  store.finishRun(failed, 'failed', 'out of memory');
  assert.deepEqual([store.getRun(failed)!.status, store.getRun(failed)!.error], ['failed', 'out of memory']);
});

test('disagreement is 1 − Pearson r of the two runs’ maps of an image, recorded in either order', (t) => {
  const store = ProjectStore.create(tempProject(t));
  t.after(() => store.close());
  const { ids } = store.addImages([sampleImage(1), sampleImage(2)]);
  const modelId = store.addModel(sampleModel());
  const runs = ['cam', 'gradcam', 'layercam'].map((method) => store.createRun({ modelId, method, layer: 'l', target: 'top1', imageIds: ids }));
  const maps = [uniform(49, 0, 1, 1), uniform(49, -1, 1, 2), new Float32Array(49).fill(0.25)];
  runs.forEach((runId, k) => store.recordResults(runId, [{ imageId: ids[0]!, maps: [{ classIndex: 1, width: 7, height: 7, values: maps[k]! }] }]));
  const [a, b, c] = runs as [number, number, number];
  const expected = 1 - pearson(maps[0]!, maps[1]!)!;
  assert.ok(Math.abs(store.getDisagreement(a, b, ids[0]!)! - expected) < 1e-12);
  assert.equal(store.getDisagreement(b, a, ids[0]!), store.getDisagreement(a, b, ids[0]!));
  assert.equal(store.getDisagreement(a, c, ids[0]!), null, 'a constant map has no correlation');
  assert.equal(store.getDisagreement(a, b, ids[1]!), null);
  // A map of another class or size is not compared.
  store.recordResults(a, [{ imageId: ids[1]!, maps: [{ classIndex: 1, width: 7, height: 7, values: maps[0]! }] }]);
  store.recordResults(b, [{ imageId: ids[1]!, maps: [{ classIndex: 2, width: 7, height: 7, values: maps[1]! }] }]);
  assert.equal(store.getDisagreement(a, b, ids[1]!), null);
});

test('pearson: perfect, inverse and known correlations', () => {
  const x = Float32Array.of(1, 2, 3, 4);
  assert.equal(pearson(x, Float32Array.of(10, 20, 30, 40)), 1);
  assert.equal(pearson(x, Float32Array.of(4, 3, 2, 1)), -1);
  // r of (1,2,3,4) and (1,3,2,4) is 0.8 by hand: Σdxdy = 4, Σdx² = Σdy² = 5.
  assert.ok(Math.abs(pearson(x, Float32Array.of(1, 3, 2, 4))! - 0.8) < 1e-15);
  assert.equal(pearson(x, Float32Array.of(2, 2, 2, 2)), null);
});

test('float32 blobs are little-endian bytes; aligned reads are views, misaligned ones one copy', () => {
  const values = Float32Array.of(1, -2.5, 3e-40);
  const bytes = encodeFloat32(values);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0]);
  const aligned = Buffer.from(bytes);
  const view = decodeFloat32(aligned);
  sameFloats(view, values);
  assert.equal(view.buffer, aligned.buffer, 'an aligned blob should be viewed, not copied');
  const backing = Buffer.alloc(bytes.length + 1);
  bytes.copy(backing, 1);
  const misaligned = backing.subarray(1);
  sameFloats(decodeFloat32(misaligned), values);
  assert.throws(() => decodeFloat32(Buffer.alloc(6)), /6 bytes is not whole floats/);
});
