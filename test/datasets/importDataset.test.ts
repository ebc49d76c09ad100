// A dataset into a project: through the IPC handler and through `camscope import`, with the ground
// truth (labels, boxes, dataset name) read back from the store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Workspace } from '../../src-main/services/workspace.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { runCli } from '../helpers/cli.js';
import { tempDataset, writeImage, writeWsolMetadata } from './datasetFixtures.js';

async function wsolDataset(): Promise<string> {
  const root = tempDataset('import');
  await writeImage(join(root, 'test', 'a.png'), 10, 10);
  await writeImage(join(root, 'test', 'b.png'), 8, 6);
  writeWsolMetadata(root, {
    image_ids: 'test/a.png\ntest/b.png\ntest/missing.png\n',
    class_labels: 'test/a.png,4\ntest/b.png,1\ntest/missing.png,0\n',
    localization: 'test/a.png,1,1,3,3\ntest/a.png,5,5,12,9\ntest/b.png,0,0,7,5\n',
  });
  return root;
}

function groundTruth(store: ProjectStore) {
  return store
    .allImageIds()
    .map((id) => store.getImage(id)!)
    .map((im) => ({ path: im.path, dataset: im.dataset, label: im.gtLabel, boxes: im.gtBoxes, size: [im.width, im.height] }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

test('images.import with a dataset format stores labels and boxes; files stays the default', async () => {
  const root = await wsolDataset();
  const ws = Workspace.open(join(tempDataset('project'), 'p.camscope'), { create: true });
  try {
    const h = ws.handlers();
    const r = await h['images.import']({ paths: [root], format: 'auto', dataset: 'syn' });
    assert.equal(r.added, 2);
    assert.deepEqual(r.skipped, []);
    assert.deepEqual(r.warnings, [
      'metadata/SYN/test/localization.txt:2: box [5, 5, 13, 10] exceeds the 10×10 image, clipped to [5, 5, 10, 10]',
      "metadata/SYN/test/image_ids.txt:3: image file not found: 'test/missing.png', skipped",
    ]);
    assert.deepEqual(groundTruth(ws.store), [
      {
        path: join(root, 'test', 'a.png'),
        dataset: 'syn',
        label: 4,
        boxes: [
          { box: [1, 1, 4, 4], label: 4 },
          { box: [5, 5, 10, 10], label: 4 },
        ],
        size: [10, 10],
      },
      { path: join(root, 'test', 'b.png'), dataset: 'syn', label: 1, boxes: [{ box: [0, 0, 8, 6], label: 1 }], size: [8, 6] },
    ]);
    await assert.rejects(h['images.import']({ paths: [root, root], format: 'wsolevaluation' }), /a dataset import takes one folder, got 2 paths/);
    // Plain file import of the same folder adds nothing new and reads no ground truth.
    const plain = await h['images.import']({ paths: [root] });
    assert.equal(plain.added, 0);
    assert.equal(plain.warnings, undefined);
  } finally {
    ws.close();
  }
});

test('camscope import: one-line summary, warnings with --verbose, project created and reusable', async () => {
  const root = await wsolDataset();
  const project = join(tempDataset('cli'), 'study.camscope');
  const first = await runCli(['import', '--project', project, '--dataset', root]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(
    first.stdout,
    `${root}: wsolevaluation dataset, 2 images (2 with boxes, 2 labels); 2 added to ${project}, 0 skipped; 2 warnings (--verbose lists them)\n`,
  );
  assert.equal(first.stderr, '');
  const again = await runCli(['import', '--project', project, '--dataset', root, '--format', 'wsolevaluation', '--verbose']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /; 0 added to .*; 2 warnings\n$/);
  assert.deepEqual(again.stderr.trimEnd().split('\n'), [
    'warning: metadata/SYN/test/localization.txt:2: box [5, 5, 13, 10] exceeds the 10×10 image, clipped to [5, 5, 10, 10]',
    "warning: metadata/SYN/test/image_ids.txt:3: image file not found: 'test/missing.png', skipped",
  ]);
  const store = ProjectStore.open(project, { readonly: true });
  try {
    const gt = groundTruth(store);
    assert.deepEqual(
      gt.map((g) => [g.dataset, g.label, g.boxes.length]),
      [
        [root.split('/').pop(), 4, 2],
        [root.split('/').pop(), 1, 1],
      ],
    );
  } finally {
    store.close();
  }
  const bad = await runCli(['import', '--project', project, '--dataset', root, '--format', 'yolo']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, "camscope: unknown dataset format 'yolo' (folders, imagenet, cub, wsolevaluation, coco, voc)\n");
  const empty = await runCli(['import', '--project', project, '--dataset', tempDataset('nothing')]);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /^camscope: .*nothing-\w+: unknown dataset layout/);
});
