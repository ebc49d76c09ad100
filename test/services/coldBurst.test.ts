// A cold burst right after a project opens: model inspection, class names and thumbnails are computed
// once per key and shared (every caller gets the very same object), not redone per request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Workspace } from '../../src-main/services/workspace.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';

test('200 concurrent models.list, models.classes and thumbnails on a freshly opened project share one computation each', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-burst-'));
  const image = join(dir, 'a.png');
  await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 90, b: 20 } } })
    .png()
    .toFile(image);
  const project = join(dir, 'p.camscope');
  const setup = Workspace.open(project, { create: true });
  await setup.handlers()['images.import']({ paths: [image] });
  const { id: modelId } = await setup.handlers()['models.add']({ path: writeModel(join(dir, 'gap.onnx'), gapClassifier()) });
  setup.close();

  const ws = Workspace.open(project); // cold: nothing inspected in this process yet
  try {
    const h = ws.handlers();
    const lists = await Promise.all(Array.from({ length: 200 }, () => h['models.list']({})));
    assert.ok(
      lists.every((l) => l.length === 1 && l[0] === lists[0]![0]),
      'one inspection, the same ModelInfo for all 200',
    );
    assert.equal(lists[0]![0]!.layers.find((l) => l.isDefault)?.tensor, 'features');
    const classes = await Promise.all(Array.from({ length: 200 }, () => h['models.classes']({ modelId })));
    assert.ok(classes.every((c) => c === classes[0]));
    const thumbs = await Promise.all(Array.from({ length: 200 }, () => ws.image(1, 'thumb')));
    assert.ok(
      thumbs.every((t) => t !== null && t.bytes === thumbs[0]!.bytes),
      'one resize for the burst',
    );
    assert.equal((await sharp(thumbs[0]!.bytes).metadata()).format, 'png');
  } finally {
    ws.close();
  }
});
