// The mock transport's report.export and models.camify, as the Report button and "Make CAM-ready" use them under ?mock=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventPayload } from '../../src-shared/ipc.js';
import { channels } from '../../src-shared/ipc.js';
import { createMockTransport } from '../../src-renderer/transport/mockTransport.js';

test('report.export names one file set per model of the runs; an unknown run is an error', async () => {
  const t = createMockTransport({ latencyMs: 0 });
  const runs = await t.invoke('runs.list', {});
  const models = await t.invoke('models.list', {});
  const req = { runIds: [runs[0]!.id, runs[1]!.id, runs[2]!.id], formats: ['html', 'csv'] as ('html' | 'csv')[], out: '/home/researcher/reports/' };
  const r = channels['report.export'].response.parse(await t.invoke('report.export', req));
  const names = [...new Set([runs[0]!, runs[1]!, runs[2]!].map((run) => models.find((m) => m.id === run.modelId)!.name))];
  assert.equal(names.length, 2);
  assert.deepEqual(
    r.files,
    names.flatMap((n) => [`/home/researcher/reports/${n}-report.html`, `/home/researcher/reports/${n}-report.csv`]),
  );
  await assert.rejects(t.invoke('report.export', { ...req, runIds: [999] }), /run 999 is not in the project/);
  await assert.rejects(t.invoke('report.export', { ...req, formats: [] }), /invalid report\.export request/);
});

test('models.camify reports features then fit progress and lists the refit model with its source and description', async () => {
  const t = createMockTransport({ latencyMs: 0 });
  const [, vgg] = await t.invoke('models.list', {});
  assert.equal(vgg!.layers.find((l) => l.isDefault)!.cam.applicable, false);
  const progress: EventPayload<'camify.progress'>[] = [];
  t.on('camify.progress', (p) => progress.push(p));
  const r = await t.invoke('models.camify', { modelId: vgg!.id, dataset: '/home/researcher/datasets/cub', out: '/models/vgg16-bn-12-gap.onnx' });
  assert.deepEqual([...new Set(progress.map((p) => p.stage))], ['features', 'fit']);
  assert.ok(progress.every((p) => p.modelId === vgg!.id && p.done <= p.total));
  assert.deepEqual(progress.at(-1), { modelId: vgg!.id, stage: 'fit', done: 60, total: 60 });
  const listed = await t.invoke('models.list', {});
  const refit = listed.find((m) => m.id === r.model.id)!;
  assert.deepEqual(refit.camify, { sourceSha256: vgg!.sha256, description: r.description });
  assert.deepEqual(
    refit.layers.map((l) => [l.tensor, l.isDefault, l.cam.applicable]),
    [[vgg!.defaultLayer, true, true]],
    'the source layer, now before a GAP head',
  );
  await assert.rejects(t.invoke('models.camify', { modelId: vgg!.id, dataset: '/d', out: '/o.onnx', layer: 'nope' }), /has no candidate layer nope/);
});
