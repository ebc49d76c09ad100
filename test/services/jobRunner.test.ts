// The explain worker process: batches come back in order, a bad image is reported alone, a crash or a
// cancel ends the job with a status instead of taking the caller down.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { startJob } from '../../src-main/services/jobRunner.js';
import type { WorkerMessage } from '../../src-main/services/explainWorker.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-job-'));
const model = join(dir, 'gap.onnx');
const images: { id: number; path: string }[] = [];

before(async () => {
  writeModel(model, gapClassifier());
  for (let i = 0; i < 5; i++) {
    const path = join(dir, `img${i}.png`);
    await sharp({ create: { width: 24, height: 20, channels: 3, background: { r: 40 * i, g: 100, b: 200 - 30 * i } } })
      .png()
      .toFile(path);
    images.push({ id: 100 + i, path });
  }
  writeFileSync(join(dir, 'broken.png'), 'not an image');
});

const job = (imgs: { id: number; path: string }[]) => ({
  model,
  modelOptions: {},
  methods: ['cam', 'gradcam'],
  target: 'top1' as const,
  images: imgs,
  batchSize: 2,
});

test('a job streams every image once, in order, then finishes', async () => {
  const seen: number[] = [];
  const h = startJob(job(images), (m: WorkerMessage) => {
    if (m.type === 'batch') for (const r of m.results) seen.push(r.imageId);
  });
  assert.deepEqual(await h.finished, { status: 'done', error: null });
  assert.deepEqual(seen, [100, 101, 102, 103, 104]);
});

test('an unreadable image is reported alone; its batch-mates still get maps', async () => {
  const errors: string[] = [];
  const ok: number[] = [];
  const h = startJob(job([images[0]!, { id: 999, path: join(dir, 'broken.png') }, images[1]!]), (m) => {
    if (m.type === 'imageError') errors.push(`${m.imageId}: ${m.error}`);
    if (m.type === 'batch') ok.push(...m.results.map((r) => r.imageId));
  });
  assert.equal((await h.finished).status, 'done');
  assert.deepEqual(ok, [100, 101]);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^999: .*broken\.png/);
});

test('a model that cannot be opened fails the job with its one-line reason', async () => {
  const h = startJob({ ...job(images), model: join(dir, 'missing.onnx') }, () => {});
  const r = await h.finished;
  assert.equal(r.status, 'failed');
  assert.match(r.error!, /missing\.onnx: file not found/);
});

test('cancel stops the worker and reports cancelled', async () => {
  const many = Array.from({ length: 200 }, (_, i) => ({ id: i, path: images[i % 5]!.path }));
  const h = startJob({ ...job(many), batchSize: 1 }, () => {});
  h.cancel();
  assert.deepEqual(await h.finished, { status: 'cancelled', error: null });
});

test('a worker killed mid-run (SIGKILL) fails the job; batches stored before the kill were delivered', async () => {
  const many = Array.from({ length: 200 }, (_, i) => ({ id: i, path: images[i % 5]!.path }));
  let delivered = 0;
  const h = startJob({ ...job(many), batchSize: 1 }, (m) => {
    if (m.type === 'batch' && ++delivered === 3) process.kill(h.pid!, 'SIGKILL');
  });
  const r = await h.finished;
  assert.equal(r.status, 'failed');
  assert.match(r.error!, /stopped \(SIGKILL\)/);
  assert.ok(delivered >= 3 && delivered < 200, `delivered ${delivered}`);
});

test('a worker that cannot even start (no such Node binary) ends the job as failed, in one line', async () => {
  const handle = startJob(job(images), () => {}, { script: 'unused.mjs', execArgv: [], execPath: join(dir, 'no-such-node') });
  const { status, error } = await handle.finished;
  assert.equal(status, 'failed');
  assert.match(error!, /^the explain process failed: spawn .*no-such-node ENOENT$/);
});

test('stop(): the worker finishes the batch in hand, which arrives, and the job ends cancelled', async () => {
  const batches: number[] = [];
  const handle = startJob({ ...job(images), batchSize: 1 }, (m) => {
    if (m.type === 'batch') {
      batches.push(m.results[0]!.imageId);
      if (batches.length === 1) handle.stop();
    }
  });
  const { status } = await handle.finished;
  assert.equal(status, 'cancelled');
  assert.ok(batches.length >= 1 && batches.length < images.length, `stopped after ${batches.length} of ${images.length}`);
  assert.deepEqual(
    batches,
    images.slice(0, batches.length).map((im) => im.id),
    'whole batches, in order',
  );
});
