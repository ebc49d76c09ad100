// Every dataset format on a small hand-written dataset: items, labels and exact boxes (converted to
// camscope's x1/y1-exclusive convention as each format's header says), splits and detection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { detectFormat, loadDataset, type Dataset } from '../../src-main/datasets/index.js';
import { tempDataset, vocXml, writeImage, writeText, writeWsolMetadata } from './datasetFixtures.js';

const summary = (ds: Dataset) => ds.items.map((it) => ({ id: it.id, label: it.label, boxes: it.boxes, size: [it.width, it.height] }));

test('folders: sorted class folders, nested images, hidden folders ignored, stray images warned', async () => {
  const root = tempDataset('folders');
  await writeImage(join(root, 'dog', 'b.png'), 5, 2);
  await writeImage(join(root, 'dog', 'sub', 'c.png'), 2, 2);
  await writeImage(join(root, 'cat', 'a.png'), 4, 3);
  await writeImage(join(root, '.hidden', 'x.png'), 2, 2);
  await writeImage(join(root, 'stray.png'), 2, 2);
  writeText(join(root, 'cat', 'notes.txt'), 'not an image');
  assert.equal(await detectFormat(root), 'folders');
  const ds = await loadDataset(root);
  assert.equal(ds.format, 'folders');
  assert.deepEqual(ds.classNames, ['cat', 'dog']);
  assert.deepEqual(summary(ds), [
    { id: 'cat/a.png', label: 0, boxes: [], size: [4, 3] },
    { id: 'dog/b.png', label: 1, boxes: [], size: [5, 2] },
    { id: 'dog/sub/c.png', label: 1, boxes: [], size: [2, 2] },
  ]);
  assert.equal(ds.items[0]!.path, join(root, 'cat', 'a.png'));
  assert.deepEqual(ds.warnings, ['stray.png: image outside any class folder, skipped']);
});

test('folders: a class named metadata is still folders; symlinked folders are not followed', async () => {
  const root = tempDataset('folders-meta');
  await writeImage(join(root, 'metadata', 'm.png'), 3, 3);
  await writeImage(join(root, 'zebra', 'z.png'), 3, 3);
  symlinkSync(join(root, 'zebra'), join(root, 'metadata', 'loop'));
  assert.equal(await detectFormat(root), 'folders');
  const ds = await loadDataset(root);
  assert.deepEqual(
    ds.items.map((it) => [it.id, it.label]),
    [
      ['metadata/m.png', 0],
      ['zebra/z.png', 1],
    ],
  );
  assert.deepEqual(ds.warnings, ['metadata/loop: symlinked folder not followed']);
});

test('folders with a split: classes are the sub-folders of DIR/<split>', async () => {
  const root = tempDataset('folders-split');
  await writeImage(join(root, 'train', 'a', '1.png'), 3, 3);
  await writeImage(join(root, 'val', 'b', '2.png'), 3, 3);
  await writeImage(join(root, 'val', 'c', '3.png'), 3, 3);
  assert.equal(await detectFormat(root, 'val'), 'folders');
  const ds = await loadDataset(root, { split: 'val' });
  assert.deepEqual(ds.classNames, ['b', 'c']);
  assert.deepEqual(
    ds.items.map((it) => [it.id, it.label]),
    [
      ['val/b/2.png', 0],
      ['val/c/3.png', 1],
    ],
  );
});

async function imagenetSynsets(root: string): Promise<void> {
  writeText(
    join(root, 'LOC_synset_mapping.txt'),
    'n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius auratus\nn01484850 great white shark\n',
  );
}

test('imagenet: LOC_val_solution.csv, mapping order = index, inclusive corners made exclusive', async () => {
  const root = tempDataset('imagenet');
  await imagenetSynsets(root);
  writeText(
    join(root, 'LOC_val_solution.csv'),
    'ImageId,PredictionString\nILSVRC2012_val_00000002,n01443537 1 2 5 6 n01443537 0 0 9 9 \nILSVRC2012_val_00000001,n01484850 3 1 7 4\n',
  );
  await writeImage(join(root, 'val', 'ILSVRC2012_val_00000001.JPEG'), 10, 8);
  await writeImage(join(root, 'val', 'ILSVRC2012_val_00000002.JPEG'), 10, 10);
  assert.equal(await detectFormat(root), 'imagenet');
  const ds = await loadDataset(root);
  assert.deepEqual(ds.classNames, ['tench, Tinca tinca', 'goldfish, Carassius auratus', 'great white shark']);
  assert.deepEqual(summary(ds), [
    {
      id: 'val/ILSVRC2012_val_00000002.JPEG',
      label: 1,
      boxes: [
        [1, 2, 6, 7],
        [0, 0, 10, 10],
      ],
      size: [10, 10],
    },
    { id: 'val/ILSVRC2012_val_00000001.JPEG', label: 2, boxes: [[3, 1, 8, 5]], size: [10, 8] },
  ]);
  assert.deepEqual(ds.warnings, []);
  assert.equal(ds.items[0]!.split, 'val');
});

test('imagenet: per-image XML in val/ with the same corner convention', async () => {
  const root = tempDataset('imagenet-xml');
  await imagenetSynsets(root);
  writeText(
    join(root, 'val', 'ILSVRC2012_val_00000003.xml'),
    vocXml(
      'ILSVRC2012_val_00000003',
      [12, 9],
      [
        ['n01440764', 2, 3, 6, 7],
        ['n01440764', 0, 0, 11, 8],
      ],
    ),
  );
  await writeImage(join(root, 'val', 'ILSVRC2012_val_00000003.JPEG'), 12, 9);
  const ds = await loadDataset(root);
  assert.equal(ds.format, 'imagenet');
  assert.deepEqual(summary(ds), [
    {
      id: 'val/ILSVRC2012_val_00000003.JPEG',
      label: 0,
      boxes: [
        [2, 3, 7, 8],
        [0, 0, 12, 9],
      ],
      size: [12, 9],
    },
  ]);
  assert.deepEqual(ds.warnings, []);
});

async function cubDataset(): Promise<string> {
  const root = tempDataset('cub');
  writeText(join(root, 'classes.txt'), '1 001.Albatross\n2 002.Auklet\n');
  writeText(join(root, 'images.txt'), '1 001.Albatross/a.png\n2 002.Auklet/b.png\n3 002.Auklet/c.png\n');
  writeText(join(root, 'image_class_labels.txt'), '1 1\n2 2\n3 2\n');
  writeText(join(root, 'bounding_boxes.txt'), '1 1.5 2.0 3.0 4.0\n2 0.0 0.0 5.0 5.0\n3 1 1 2 2\n3 0 4 1 1\n');
  writeText(join(root, 'train_test_split.txt'), '1 0\n2 1\n3 0\n');
  await writeImage(join(root, 'images', '001.Albatross', 'a.png'), 8, 8);
  await writeImage(join(root, 'images', '002.Auklet', 'b.png'), 6, 6);
  await writeImage(join(root, 'images', '002.Auklet', 'c.png'), 6, 6);
  return root;
}

test('cub: 1-based classes made 0-based, [x, y, w, h] boxes, test split by default, train and all', async () => {
  const root = await cubDataset();
  assert.equal(await detectFormat(root), 'cub');
  const test_ = await loadDataset(root);
  assert.deepEqual(test_.classNames, ['001.Albatross', '002.Auklet']);
  assert.deepEqual(summary(test_), [
    { id: 'images/001.Albatross/a.png', label: 0, boxes: [[1.5, 2, 4.5, 6]], size: [8, 8] },
    {
      id: 'images/002.Auklet/c.png',
      label: 1,
      boxes: [
        [1, 1, 3, 3],
        [0, 4, 1, 5],
      ],
      size: [6, 6],
    },
  ]);
  assert.deepEqual(
    test_.items.map((it) => it.split),
    ['test', 'test'],
  );
  const train = await loadDataset(root, { split: 'train' });
  assert.deepEqual(summary(train), [{ id: 'images/002.Auklet/b.png', label: 1, boxes: [[0, 0, 5, 5]], size: [6, 6] }]);
  assert.equal((await loadDataset(root, { split: 'all' })).items.length, 3);
  await assert.rejects(loadDataset(root, { split: 'val' }), /CUB split must be test, train or all, got 'val'/);
});

test('wsolevaluation: metadata/<dataset>/<split>/, several boxes per image, inclusive corners → [x0, y0, x1 + 1, y1 + 1]', async () => {
  const root = tempDataset('wsol');
  writeWsolMetadata(root, {
    image_ids: 'test/0.png\ntest/1.png\n',
    class_labels: 'test/0.png,3\ntest/1.png,0\n',
    image_sizes: 'test/0.png,10,10\ntest/1.png,12,8\n',
    localization: 'test/0.png,1,2,4,5\ntest/0.png,6,6,9,9\ntest/1.png,0,0,11,7\n',
  });
  await writeImage(join(root, 'test', '0.png'), 10, 10);
  await writeImage(join(root, 'test', '1.png'), 12, 8);
  assert.equal(await detectFormat(root), 'wsolevaluation');
  const ds = await loadDataset(root);
  assert.equal(ds.classNames, null);
  assert.deepEqual(summary(ds), [
    {
      id: 'test/0.png',
      label: 3,
      boxes: [
        [1, 2, 5, 6],
        [6, 6, 10, 10],
      ],
      size: [10, 10],
    },
    { id: 'test/1.png', label: 0, boxes: [[0, 0, 12, 8]], size: [12, 8] },
  ]);
  assert.deepEqual(
    ds.items.map((it) => it.split),
    ['test', 'test'],
  );
  assert.deepEqual(ds.warnings, []);
  await assert.rejects(loadDataset(root, { split: 'train' }), /no wsolevaluation image_ids\.txt/);
});

test('wsolevaluation: metadata files directly in DIR, class names from an optional classes.txt', async () => {
  const root = tempDataset('wsol-flat');
  writeText(join(root, 'image_ids.txt'), 'a.png\nb.png\n');
  writeText(join(root, 'class_labels.txt'), 'a.png,1\nb.png,2\n');
  writeText(join(root, 'localization.txt'), 'a.png,0,0,1,1\n');
  writeText(join(root, 'classes.txt'), 'circle\nsquare\n');
  await writeImage(join(root, 'a.png'), 4, 4);
  await writeImage(join(root, 'b.png'), 4, 4);
  assert.equal(await detectFormat(root), 'wsolevaluation');
  const ds = await loadDataset(root);
  assert.deepEqual(ds.classNames, ['circle', 'square']);
  assert.deepEqual(summary(ds), [{ id: 'a.png', label: 1, boxes: [[0, 0, 2, 2]], size: [4, 4] }]);
  assert.deepEqual(ds.warnings, [
    'class_labels.txt:2: unknown class 2 (classes.txt has 2), ignored',
    "image_ids.txt:2: 'b.png' has no class label in class_labels.txt, skipped",
  ]);
});

test('coco: categories in sorted id order, label of the largest box, crowd ignored, images without boxes unlabeled', async () => {
  const root = tempDataset('coco');
  writeText(
    join(root, 'annotations', 'instances_val2017.json'),
    JSON.stringify({
      images: [
        { id: 10, file_name: 'a.png', width: 20, height: 10 },
        { id: 11, file_name: 'b.png', width: 8, height: 6 },
        { id: 12, file_name: 'c.png', width: 4, height: 4 },
      ],
      annotations: [
        { id: 1, image_id: 10, category_id: 7, bbox: [1, 1, 4, 4], iscrowd: 0 },
        { id: 2, image_id: 10, category_id: 1, bbox: [0, 0, 10, 5], iscrowd: 0 },
        { id: 3, image_id: 10, category_id: 3, bbox: [0, 0, 20, 10], iscrowd: 1 },
        { id: 4, image_id: 11, category_id: 3, bbox: [2.5, 1, 3, 2], iscrowd: 0 },
      ],
      categories: [
        { id: 7, name: 'zebra' },
        { id: 1, name: 'person' },
        { id: 3, name: 'car' },
      ],
    }),
  );
  await writeImage(join(root, 'val2017', 'a.png'), 20, 10);
  await writeImage(join(root, 'val2017', 'b.png'), 8, 6);
  await writeImage(join(root, 'val2017', 'c.png'), 4, 4);
  assert.equal(await detectFormat(root), 'coco');
  const ds = await loadDataset(root);
  assert.deepEqual(ds.classNames, ['person', 'car', 'zebra']);
  assert.deepEqual(summary(ds), [
    {
      id: 'val2017/a.png',
      label: 0,
      boxes: [
        [1, 1, 5, 5],
        [0, 0, 10, 5],
      ],
      size: [20, 10],
    },
    { id: 'val2017/b.png', label: 1, boxes: [[2.5, 1, 5.5, 3]], size: [8, 6] },
    { id: 'val2017/c.png', label: null, boxes: [], size: [4, 4] },
  ]);
  assert.deepEqual(ds.warnings, []);
  assert.equal(ds.items[0]!.split, 'val2017');
});

async function vocDataset(): Promise<string> {
  const root = tempDataset('voc');
  writeText(
    join(root, 'Annotations', '000001.xml'),
    vocXml(
      '000001.jpg',
      [10, 8],
      [
        ['dog', 2, 3, 6, 7],
        ['person', 1, 1, 10, 8],
      ],
    ),
  );
  writeText(join(root, 'Annotations', '000002.xml'), vocXml('000002.jpg', [6, 6], [['cat', 1, 1, 4, 4]]));
  writeText(join(root, 'ImageSets', 'Main', 'val.txt'), '000002\n');
  await writeImage(join(root, 'JPEGImages', '000001.jpg'), 10, 8);
  await writeImage(join(root, 'JPEGImages', '000002.jpg'), 6, 6);
  return root;
}

test('voc: 1-based inclusive corners → [xmin − 1, ymin − 1, xmax, ymax], label of the largest object, split files', async () => {
  const root = await vocDataset();
  assert.equal(await detectFormat(root), 'voc');
  const ds = await loadDataset(root);
  assert.equal(ds.classNames!.length, 20);
  assert.deepEqual([ds.classNames![7], ds.classNames![11], ds.classNames![14]], ['cat', 'dog', 'person']);
  assert.deepEqual(summary(ds), [
    {
      id: 'JPEGImages/000001.jpg',
      label: 14,
      boxes: [
        [1, 2, 6, 7],
        [0, 0, 10, 8],
      ],
      size: [10, 8],
    },
    { id: 'JPEGImages/000002.jpg', label: 7, boxes: [[0, 0, 4, 4]], size: [6, 6] },
  ]);
  assert.deepEqual(ds.warnings, []);
  const val = await loadDataset(root, { split: 'val' });
  assert.deepEqual(
    val.items.map((it) => [it.id, it.split]),
    [['JPEGImages/000002.jpg', 'val']],
  );
});

test('an unknown folder: the error names the root and what was looked for', async () => {
  const root = tempDataset('unknown');
  writeText(join(root, 'readme.txt'), 'hello');
  await assert.rejects(detectFormat(root), (e: Error) => {
    assert.equal(e.name, 'CamscopeError');
    assert.ok(e.message.startsWith(`${root}: unknown dataset layout (looked for image_ids.txt`), e.message);
    for (const f of ['wsolevaluation', 'cub', 'imagenet', 'coco', 'voc', 'folders']) assert.ok(e.message.includes(f), f);
    return true;
  });
  await assert.rejects(loadDataset(join(root, 'missing')), /missing: dataset folder not found/);
});
