// models.list marks a model camify wrote: the model it was refit from (by sha256) and what CAM on it explains,
// read back from the file's metadata, so a reopened project still pairs it with its original.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Workspace } from '../../src-main/services/workspace.js';
import { channels } from '../../src-shared/ipc.js';
import { fcHeadClassifier, writeImages } from '../camify/tinyFcModel.js';

test('a camified model lists its source and its one-line description; other models have neither', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-camify-info-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const source = join(dir, 'fc.onnx');
  writeFileSync(source, fcHeadClassifier());
  await writeImages(join(dir, 'images'), 20, 4);
  const project = join(dir, 'p.camscope');
  let ws = Workspace.open(project, { create: true });
  const original = await ws.handlers()['models.add']({ path: source });
  assert.equal(original.camify, undefined);
  const r = await ws.handlers()['models.camify']({ modelId: original.id, dataset: join(dir, 'images'), out: join(dir, 'fc-gap.onnx'), seed: 1 });
  assert.deepEqual(r.model.camify, { sourceSha256: original.sha256, description: r.description });
  ws.close();

  ws = Workspace.open(project);
  t.after(() => ws.close());
  const listed = channels['models.list'].response.parse(await ws.handlers()['models.list']({}));
  assert.deepEqual(
    listed.map((m) => [m.path, m.camify]),
    [
      [source, undefined],
      [join(dir, 'fc-gap.onnx'), { sourceSha256: original.sha256, description: r.description }],
    ],
  );
});
