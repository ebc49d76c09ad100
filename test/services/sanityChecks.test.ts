// Sanity checks from the app: sanity.start runs a check in the explain worker on the bundled shapes-gap model, and
// what the store then serves (sanity.result, sanity.strip) is exactly what `camscope sanity`'s code path
// (runSanityChecks, tested against references in test/evaluation/sanity.test.ts) computes for the same seed and
// images, in this process; it survives a reopen; a check a closed process left running reads as failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Workspace } from '../../src-main/services/workspace.js';
import { INTERRUPTED } from '../../src-main/services/sanityScheduler.js';
import { runSanityChecks } from '../../src-main/evaluation/sanity/sanityChecks.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import type { EventPayload } from '../../src-shared/ipc.js';

const MODEL = 'models/shapes-gap.onnx';

function finishedEvent(ws: Workspace, progress: EventPayload<'sanity.progress'>[] = []): Promise<EventPayload<'sanity.finished'>> {
  return new Promise((resolve) =>
    ws.onEvent((event, payload) => {
      if (event === 'sanity.progress') progress.push(payload as EventPayload<'sanity.progress'>);
      if (event === 'sanity.finished') resolve(payload as EventPayload<'sanity.finished'>);
    }),
  );
}

test('sanity.start on shapes-gap, 2 images: the stored and served numbers and maps are runSanityChecks’ for the same seed; they survive a reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-sanity-ws-'));
  mkdirSync(join(dir, 'images'));
  for (const f of ['circle_0.png', 'star_3.png']) copyFileSync(join('models/demo', f), join(dir, 'images', f));
  const project = join(dir, 'p.camscope');

  const ws = Workspace.open(project, { create: true });
  const progress: EventPayload<'sanity.progress'>[] = [];
  const finished = finishedEvent(ws, progress);
  const h = ws.handlers();
  await h['images.import']({ paths: [join(dir, 'images')] });
  const model = await h['models.add']({ path: MODEL });
  const imageIds = (await h['images.query']({ offset: 0, limit: 10, filters: {}, sort: 'id', order: 'asc' })).rows.map((r) => r.id);
  assert.equal(imageIds.length, 2);
  const started = await h['sanity.start']({
    modelId: model.id,
    methods: ['gradcam', 'cam'],
    imageIds: [...imageIds].reverse(),
    modes: ['cascading'],
    seed: 5,
  });
  assert.equal(started.status, 'running');
  await assert.rejects(h['sanity.result']({ checkId: started.id }), /sanity check \d+ is running; it has no result/);
  assert.deepEqual(await finished, { checkId: started.id, status: 'done', error: null });
  assert.deepEqual(progress.at(-1), { checkId: started.id, done: 7, total: 7 }, 'the original, then 6 cascading models');

  const store = ws.store;
  const paths = [...imageIds].reverse().map((id) => store.getImage(id)!.path);
  const expected = await runSanityChecks({ model: model.path, images: paths, methods: ['gradcam', 'cam'], modes: ['cascading'], seed: 5 });

  const served = await h['sanity.result']({ checkId: started.id });
  assert.deepEqual(served.summary, expected.summary);
  assert.deepEqual(served.perImage, expected.perImage);
  assert.equal(served.summary.methods.gradcam!.independent.length, 0, 'cascading only');
  assert.deepEqual(served.info.imageIds, [...imageIds].reverse(), 'images in the order asked');
  const strip = await h['sanity.strip']({ checkId: started.id, imageId: imageIds[0]! });
  for (const m of ['gradcam', 'cam']) {
    const want = expected.strips[m]![1]!; // imageIds[0] is the second image of the check
    assert.deepEqual(
      strip[m]!.map((g) => g.values),
      [want.original, ...want.cascading].map((g) => Array.from(g.values)),
      `${m}: original + 6 cascade maps`,
    );
  }
  await assert.rejects(h['sanity.strip']({ checkId: started.id, imageId: 999 }), /image 999 is not in sanity check/);
  ws.close();

  const again = Workspace.open(project);
  try {
    const h2 = again.handlers();
    again.resumeInterrupted();
    assert.deepEqual(
      (await h2['sanity.list']({})).map((c) => [c.id, c.status, c.methods, c.modes, c.seed]),
      [[started.id, 'done', ['gradcam', 'cam'], ['cascading'], 5]],
    );
    assert.deepEqual(await h2['sanity.result']({ checkId: started.id }), served);
  } finally {
    again.close();
  }
});

test('a check a closed process left running reads as failed (interrupted) at the next open; cancel ends a running one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-sanity-int-'));
  mkdirSync(join(dir, 'images'));
  copyFileSync('models/demo/circle_0.png', join(dir, 'images', 'circle_0.png'));
  const project = join(dir, 'p.camscope');
  const ws = Workspace.open(project, { create: true });
  const h = ws.handlers();
  await h['images.import']({ paths: [join(dir, 'images')] });
  const model = await h['models.add']({ path: MODEL });
  const [imageId] = ws.store.allImageIds();
  const finished = finishedEvent(ws);
  const check = await h['sanity.start']({ modelId: model.id, methods: ['gradcam'], imageIds: [imageId!], modes: ['independent'] });
  assert.deepEqual(await h['sanity.cancel']({ checkId: check.id }), { cancelled: true });
  assert.deepEqual(await finished, { checkId: check.id, status: 'cancelled', error: null });
  await assert.rejects(h['sanity.start']({ modelId: model.id, methods: ['nosuch'], imageIds: [imageId!], modes: ['cascading'] }), /nosuch/);
  ws.close();

  // A process that died mid-check leaves it 'running' in the file.
  const store = ProjectStore.open(project);
  const orphan = store.createSanityCheck(model.id, [imageId!], { methods: ['gradcam'], modes: ['cascading'], seed: 0, layer: null });
  store.close();
  const again = Workspace.open(project);
  try {
    again.resumeInterrupted();
    const listed = await again.handlers()['sanity.list']({});
    assert.deepEqual(
      listed.map((c) => [c.id, c.status, c.error]),
      [
        [check.id, 'cancelled', null],
        [orphan, 'failed', INTERRUPTED],
      ],
    );
  } finally {
    again.close();
  }
});
