// The models.camify channel: the workspace camifies a registered model, adds the result to the project and
// reports progress events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Workspace } from '../../src-main/services/workspace.js';
import type { EventPayload } from '../../src-shared/ipc.js';
import { channels } from '../../src-shared/ipc.js';
import { fcHeadClassifier, writeImages } from './tinyFcModel.js';

test('models.camify writes the refit model, registers it with CAM applicable, and emits camify.progress', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-ws-camify-'));
  const source = join(dir, 'fc.onnx');
  writeFileSync(source, fcHeadClassifier());
  await writeImages(join(dir, 'images'), 30, 4);
  const ws = Workspace.open(join(dir, 'p.camscope'), { create: true });
  try {
    const progress: EventPayload<'camify.progress'>[] = [];
    ws.onEvent((event, payload) => {
      if (event === 'camify.progress') progress.push(payload as EventPayload<'camify.progress'>);
    });
    const h = ws.handlers();
    const info = await h['models.add']({ path: source });
    assert.equal(info.layers.find((l) => l.isDefault)!.cam.applicable, false);
    const request = { modelId: info.id, dataset: join(dir, 'images'), out: join(dir, 'fc-gap.onnx'), seed: 1 };
    channels['models.camify'].request.parse(request);
    const r = await h['models.camify'](request);
    channels['models.camify'].response.parse(r);
    assert.equal(r.model.path, join(dir, 'fc-gap.onnx'));
    assert.equal(r.model.layers.find((l) => l.isDefault)!.cam.applicable, true);
    assert.match(r.description, /^CAM of the refit conv-gap head \(3×3 conv dilated 2, 32 filters, ReLU, GAP, linear\) on /);
    assert.equal((await h['models.list']({})).length, 2);
    const features = progress.filter((p) => p.stage === 'features');
    assert.deepEqual(features.at(-1), { modelId: info.id, stage: 'features', done: 30, total: 30 });
    assert.ok(progress.some((p) => p.stage === 'fit'));
  } finally {
    ws.close();
  }
});
