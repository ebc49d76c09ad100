// The mock transport honours the contract: every response parses with the channel's schema, events too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channels, events, type Channel, type Request } from '../../src-shared/ipc.js';
import { createMockTransport } from '../../src-renderer/transport/mockTransport.js';

async function call<C extends Channel>(t: ReturnType<typeof createMockTransport>, channel: C, req: Request<C>) {
  const value = await t.invoke(channel, req);
  const parsed = channels[channel].response.safeParse(value);
  assert.ok(parsed.success, `${channel} response: ${parsed.success ? '' : parsed.error.message}`);
  return value;
}

test('seeded project: 10 000 images, two models (CAM blocked on one), finished CAM/Grad-CAM runs', async () => {
  const t = createMockTransport({ latencyMs: 0 });
  const info = await call(t, 'project.info', {});
  assert.equal(info.images, 10_000);
  const models = await call(t, 'models.list', {});
  assert.equal(models.length, 2);
  assert.ok(models.some((m) => m.layers.some((l) => l.isDefault && !l.cam.applicable)));
  const runs = await call(t, 'runs.list', {});
  assert.ok(runs.some((r) => r.method === 'cam' && r.status === 'done'));
  assert.ok(runs.some((r) => r.method === 'gradcam' && r.status === 'done'));
});

test('images.query pages, filters and sorts (confidence, IoU, disagreement) within the contract', async () => {
  const t = createMockTransport({ latencyMs: 0 });
  const page = await call(t, 'images.query', { offset: 9_990, limit: 500, filters: {}, sort: 'id', order: 'asc' });
  assert.equal(page.total, 10_000);
  assert.equal(page.rows.length, 10);
  const wrong = await call(t, 'images.query', {
    offset: 0,
    limit: 50,
    filters: { correct: false },
    sort: 'confidence',
    order: 'desc',
    modelId: 1,
    runId: 1,
  });
  assert.ok(wrong.rows.every((r) => r.top1 && r.top1.index !== r.gtLabel));
  const scores = wrong.rows.map((r) => r.top1!.score);
  assert.deepEqual(
    scores,
    [...scores].sort((a, b) => b - a),
  );
  const good = await call(t, 'images.query', { offset: 0, limit: 20, filters: { iouMin: 0.5 }, sort: 'iou', order: 'asc', runId: 2 });
  assert.ok(good.rows.every((r) => r.iou! >= 0.5));
  const dis = await call(t, 'images.query', { offset: 0, limit: 5, filters: {}, sort: 'disagreement', order: 'desc', runId: 1, compareRunId: 2 });
  const values = dis.rows.map((r) => r.disagreement!);
  assert.ok(values.every((v) => v >= 0 && v <= 2));
  assert.deepEqual(
    values,
    [...values].sort((a, b) => b - a),
  );
  await assert.rejects(
    t.invoke('images.query', { offset: 0, limit: 5, filters: {}, sort: 'disagreement', order: 'desc', runId: 1 }),
    /needs runId and compareRunId/,
  );
  await assert.rejects(t.invoke('images.query', { offset: 0, limit: 5, filters: {}, sort: 'iou', order: 'desc' }), /needs runId/);
});

test('images.detail carries ground truth, top-5 per model and one map per run with maps', async () => {
  const t = createMockTransport({ latencyMs: 0 });
  const d = await call(t, 'images.detail', { imageId: 42 });
  assert.equal(d.image.id, 42);
  assert.ok(d.gtBoxes.length >= 1);
  assert.equal(d.predictions.length, 2);
  assert.ok(d.maps.every((m) => m.values.length === m.width * m.height));
});

test('invalid requests are refused like the service refuses them', async () => {
  const t = createMockTransport({ latencyMs: 0 });
  await assert.rejects(t.invoke('images.query', { offset: 0, limit: 501, filters: {}, sort: 'id', order: 'asc' }), /invalid images.query request/);
  await assert.rejects(t.invoke('runs.start', { modelId: 2, methods: ['cam'], target: 'top1' }), /CAM does not apply/);
});

test('runs.start pushes run.progress then run.finished; runs.cancel stops a run', async () => {
  const t = createMockTransport({ latencyMs: 0, empty: true });
  const model = await call(t, 'models.add', { path: '/m/mobilenet.onnx' });
  await call(t, 'images.import', { paths: ['/data/a'] });
  const seen: string[] = [];
  const finished = new Promise<void>((resolve) => {
    t.on('run.progress', (p) => {
      assert.ok(events['run.progress'].safeParse(p).success);
      seen.push('progress');
    });
    t.on('run.finished', (p) => {
      assert.ok(events['run.finished'].safeParse(p).success);
      if (p.status === 'done') resolve();
    });
  });
  const started = await call(t, 'runs.start', { modelId: model.id, methods: ['cam', 'gradcam'], target: 'top1' });
  assert.equal(started.length, 2);
  // The mock's timers are unref'd (so test processes can exit); hold the loop open while waiting on them.
  const keepAlive = setInterval(() => {}, 50);
  await finished.finally(() => clearInterval(keepAlive));
  assert.ok(seen.length > 0);
  const runs = await call(t, 'runs.list', {});
  assert.ok(runs.filter((r) => r.status === 'done').length === 2);
  const [again] = await call(t, 'runs.start', { modelId: model.id, methods: ['layercam'], target: 3 });
  assert.deepEqual(await call(t, 'runs.cancel', { runId: again!.id }), { cancelled: true });
  assert.deepEqual(await call(t, 'runs.cancel', { runId: again!.id }), { cancelled: false });
});

test('wsol.curve, models.classes, project.open, project.recent and files.list answer within the contract', async () => {
  const t = createMockTransport({ latencyMs: 0 });
  const curve = await call(t, 'wsol.curve', { runId: 1, thresholds: [0.2, 0.5], imageIds: [1, 2, 3, 4, 5, 6, 7, 8] });
  assert.equal(curve.images, 8, 'every mock image has ground truth and a map of the finished run');
  for (const p of curve.points) assert.equal(p.hits.length + p.misses.length, 8);
  const names = await call(t, 'models.classes', { modelId: 1 });
  assert.equal(names[281], 'tabby cat');
  await assert.rejects(t.invoke('project.open', { path: '/tmp/photo.png' }));
  assert.equal((await call(t, 'project.open', { path: '/tmp/other.camscope' })).path, '/tmp/other.camscope');
  assert.equal((await call(t, 'project.recent', {}))[0]!.path, '/tmp/other.camscope');
  const home = await call(t, 'files.list', {});
  assert.equal(home.parent, null);
  const models = await call(t, 'files.list', { dir: home.entries.find((e) => e.name === 'models')!.path });
  assert.ok(models.entries.every((e) => e.kind === 'model'));
  assert.equal(models.parent, home.dir);
});
