// recordResults commits whole batches, so a run interrupted by a close or a kill resumes after its last batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CamscopeError } from '../../src-main/errors.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import type { RecordedImage } from '../../src-main/store/storeTypes.js';
import { countRows, exited, ready, sampleImage, sampleModel, spawnWithStore, tempProject } from './storeFixtures.js';

const RESULT_TABLES = ['predictions', 'maps', 'boxes', 'evaluations', 'disagreements'];

function result(imageId: number, classIndex = 1): RecordedImage {
  return {
    imageId,
    predictions: [
      { index: classIndex, label: null, score: 0.9 },
      { index: 0, label: null, score: 0.1 },
    ],
    maps: [{ classIndex, width: 2, height: 2, values: [imageId, 0, 1, 2] }],
    boxes: [{ classIndex, threshold: 0.2, box: [0, 0, 4, 4] }],
    evaluation: { iou: 0.5 },
  };
}

/** A project with `n` images, one model and two runs over all of them; the second has a map of every image. */
function setUp(file: string, n: number) {
  const store = ProjectStore.create(file);
  const { ids } = store.addImages(Array.from({ length: n }, (_, i) => sampleImage(i)));
  const modelId = store.addModel(sampleModel());
  const runId = store.createRun({ modelId, method: 'gradcam', layer: 'features.3', target: 'top1', imageIds: ids });
  return { store, ids, modelId, runId };
}

test('a batch that fails on its last row leaves no partial rows and the run untouched', (t) => {
  const file = tempProject(t);
  const { store, ids, runId } = setUp(file, 3);
  const bad = result(ids[2]!);
  // The box names class 7 while the map is of class 1: the boxes → maps foreign key fails on this row.
  bad.boxes = [{ classIndex: 7, threshold: 0.2, box: [0, 0, 1, 1] }];
  assert.throws(() => store.recordResults(runId, [result(ids[0]!), result(ids[1]!), bad]), /FOREIGN KEY constraint failed/);
  for (const table of RESULT_TABLES) assert.equal(countRows(file, table), 0, `${table} kept rows of a failed batch`);
  const run = store.getRun(runId)!;
  assert.deepEqual([run.done, run.status, run.startedAt], [0, 'pending', null]);

  // The same holds for a refusal by the store itself, and the good rows can then be recorded.
  assert.throws(
    () => store.recordResults(runId, [result(ids[0]!), { imageId: 999 }]),
    (e) => e instanceof CamscopeError && /image 999 is not part of run/.test(e.message),
  );
  for (const table of RESULT_TABLES) assert.equal(countRows(file, table), 0);
  store.recordResults(runId, [result(ids[0]!), result(ids[1]!)]);
  assert.equal(store.getRun(runId)!.done, 2);
  assert.equal(countRows(file, 'maps'), 2);
  store.close();
});

test("one job's batch for several runs commits in one transaction: a failure in the last run leaves none of them", (t) => {
  const file = tempProject(t);
  const { store, ids, modelId, runId } = setUp(file, 2);
  const other = store.createRun({ modelId, method: 'cam', layer: 'features.3', target: 'top1', imageIds: [ids[0]!] });
  assert.throws(
    () =>
      store.recordRunBatches([
        { runId, batch: [result(ids[0]!), result(ids[1]!)] },
        { runId: other, batch: [result(ids[1]!)] },
      ]),
    (e) => e instanceof CamscopeError && new RegExp(`image ${ids[1]} is not part of run ${other}`).test(e.message),
  );
  for (const table of RESULT_TABLES) assert.equal(countRows(file, table), 0, `${table} kept rows of a failed batch`);
  store.recordRunBatches([
    { runId, batch: [result(ids[0]!), result(ids[1]!)], elapsedMs: 40 },
    { runId: other, batch: [result(ids[0]!)], elapsedMs: 40 },
  ]);
  assert.deepEqual([store.getRun(runId)!.done, store.getRun(other)!.done], [2, 1]);
  assert.equal(store.getRun(runId)!.elapsedMs, 40);
  assert.equal(countRows(file, 'maps'), 3);
  store.close();
});

test('a run left running by a close without finishing resumes with exactly the unrecorded images', (t) => {
  const file = tempProject(t);
  const { store, ids, runId } = setUp(file, 10);
  store.recordResults(
    runId,
    ids.slice(0, 3).map((id) => result(id)),
  );
  store.recordResults(
    runId,
    ids.slice(3, 6).map((id) => result(id)),
  );
  store.close();

  const again = ProjectStore.open(file);
  const [resumable, ...more] = again.resumableRuns();
  assert.equal(more.length, 0);
  assert.equal(resumable!.run.id, runId);
  assert.deepEqual([resumable!.run.status, resumable!.run.done, resumable!.run.total], ['running', 6, 10]);
  assert.deepEqual(resumable!.missingImageIds, ids.slice(6));
  for (const id of ids.slice(0, 6)) assert.ok(again.getMap(runId, id), `map of image ${id} lost`);

  again.startRun(runId);
  again.recordResults(
    runId,
    resumable!.missingImageIds.map((id) => result(id)),
  );
  again.finishRun(runId, 'done');
  assert.deepEqual(again.resumableRuns(), []);
  again.close();
});

test('a run whose writing process is killed mid-run resumes after its last committed batch', async (t) => {
  const file = tempProject(t);
  const { store, ids, runId } = setUp(file, 10);
  store.close();
  // The child commits two batches, then dies without closing: no checkpoint, no lock release.
  const batches = [ids.slice(0, 4), ids.slice(4, 7)].map((b) => b.map((id) => result(id)));
  const child = spawnWithStore(
    file,
    `
    for (const batch of ${JSON.stringify(batches)}) store.recordResults(${runId}, batch);
    process.kill(process.pid, 'SIGKILL');`,
  );
  await assert.rejects(ready(child), /before ready/);
  assert.equal((await exited(child)).signal, 'SIGKILL');

  const after = ProjectStore.open(file);
  t.after(() => after.close());
  assert.deepEqual(
    after.resumableRuns().map((r) => [r.run.id, r.run.done, r.missingImageIds]),
    [[runId, 7, ids.slice(7)]],
  );
  assert.deepEqual([...after.getMap(runId, ids[6]!)!.values], [ids[6]!, 0, 1, 2]);
});
