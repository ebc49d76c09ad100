// The service layer end to end without a window: import a folder, add a model, run CAM and Grad-CAM
// in the worker, read back the gallery, details and thumbnails; reopen and find everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Workspace } from '../../src-main/services/workspace.js';
import type { EventName } from '../../src-shared/ipc.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';

test('import → model → runs → gallery → detail → reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-ws-'));
  const images = join(dir, 'images', 'nested');
  mkdirSync(images, { recursive: true });
  for (let i = 0; i < 6; i++) {
    await sharp({ create: { width: 30 + i, height: 20, channels: 3, background: { r: 30 * i, g: 90, b: 200 - 20 * i } } })
      .png()
      .toFile(join(images, `img${i}.png`));
  }
  writeFileSync(join(images, 'notes.png'), 'not an image');
  const model = writeModel(join(dir, 'gap.onnx'), gapClassifier());
  const project = join(dir, 'study.camscope');

  const ws = Workspace.open(project, { create: true });
  const events: EventName[] = [];
  const finished = new Promise<void>((resolve) =>
    ws.onEvent((e) => {
      events.push(e);
      if (e === 'run.finished') resolve();
    }),
  );
  const h = ws.handlers();
  const imported = await h['images.import']({ paths: [join(dir, 'images')], dataset: 'synthetic' });
  assert.equal(imported.added, 6);
  assert.equal(imported.skipped.length, 1);
  assert.match(imported.skipped[0]!.reason, /not a readable image/);
  assert.equal((await h['images.import']({ paths: [join(dir, 'images')] })).added, 0, 'no duplicates on re-import');

  const info = await h['models.add']({ path: model });
  assert.equal(info.defaultLayer, 'features');
  assert.equal(info.layers.find((l) => l.isDefault)!.cam.applicable, true);

  const runs = await h['runs.start']({ modelId: info.id, methods: ['cam', 'gradcam'], target: 'top1' });
  assert.deepEqual(
    runs.map((r) => r.method),
    ['cam', 'gradcam'],
  );
  await finished;
  assert.ok(events.includes('run.progress'));
  const listed = await h['runs.list']({});
  assert.deepEqual(
    listed.map((r) => [r.status, r.done, r.total]),
    [
      ['done', 6, 6],
      ['done', 6, 6],
    ],
  );

  const page = await h['images.query']({
    offset: 0,
    limit: 4,
    filters: { dataset: 'synthetic' },
    sort: 'confidence',
    order: 'desc',
    modelId: info.id,
  });
  assert.equal(page.total, 6);
  assert.equal(page.rows.length, 4);
  const scores = page.rows.map((r) => r.top1!.score);
  assert.deepEqual(
    scores,
    [...scores].sort((a, b) => b - a),
  );

  const detail = await h['images.detail']({ imageId: page.rows[0]!.id });
  assert.deepEqual(detail.maps.map((m) => m.method).sort(), ['cam', 'gradcam']);
  assert.equal(detail.maps[0]!.values.length, detail.maps[0]!.width * detail.maps[0]!.height);
  assert.equal(detail.predictions[0]!.top5.length, 3);

  const thumb = await ws.image(page.rows[0]!.id, 'thumb');
  assert.equal(thumb!.mime, 'image/png');
  assert.equal(await ws.image(9999, 'thumb'), null);
  ws.close();

  const again = Workspace.open(project);
  const h2 = again.handlers();
  assert.deepEqual(await h2['project.info']({}), { path: project, images: 6, models: 1, runs: 2 });
  assert.equal((await h2['images.detail']({ imageId: page.rows[0]!.id })).maps.length, 2);
  again.close();
});

test('runs a crash left running resume on the images they lack, keeping what was stored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-resume-'));
  mkdirSync(join(dir, 'images'));
  for (let i = 0; i < 5; i++) {
    await sharp({ create: { width: 24, height: 24, channels: 3, background: { r: 50 * i, g: 60, b: 90 } } })
      .png()
      .toFile(join(dir, 'images', `i${i}.png`));
  }
  const model = writeModel(join(dir, 'gap.onnx'), gapClassifier());
  const project = join(dir, 'crashed.camscope');
  const first = Workspace.open(project, { create: true });
  await first.handlers()['images.import']({ paths: [join(dir, 'images')] });
  const info = await first.handlers()['models.add']({ path: model });
  const ids = first.store.allImageIds();
  // What a killed app leaves: two runs started, two images recorded, status still 'running'.
  const runs = ['cam', 'gradcam'].map((method) =>
    first.store.createRun({ modelId: info.id, method, layer: info.defaultLayer, target: 'top1', imageIds: ids }),
  );
  const marker = Float32Array.from({ length: 16 * 16 }, (_, i) => i);
  for (const runId of runs) {
    first.store.startRun(runId);
    first.store.recordResults(
      runId,
      ids.slice(0, 2).map((imageId) => ({ imageId, maps: [{ classIndex: 0, width: 16, height: 16, values: marker }] })),
    );
  }
  first.close();

  const again = Workspace.open(project);
  const finished = new Promise<void>((resolve) => again.onEvent((e) => e === 'run.finished' && resolve()));
  const resumed = again.resumeInterrupted();
  assert.deepEqual(resumed.map((r) => [r.id, r.done, r.total]).sort(), runs.map((id) => [id, 2, 5]).sort());
  await finished;
  for (const runId of runs) {
    const run = again.store.getRun(runId)!;
    assert.deepEqual([run.status, run.done, run.total], ['done', 5, 5]);
    assert.deepEqual(Array.from(again.store.getMap(runId, ids[0]!)!.values), Array.from(marker), 'results stored before the crash are kept');
    assert.ok(again.store.getMap(runId, ids[4]!), 'the missing images got maps');
  }
  assert.deepEqual(again.resumeInterrupted(), [], 'nothing left to resume');
  again.close();
});
