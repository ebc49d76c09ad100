// Hostile and malformed datasets: every problem is one warning naming file:line (the item or box
// skipped), never a crash, except unreadable text (non-UTF-8) and a dataset with nothing usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../src-main/datasets/index.js';
import { tempDataset, vocXml, writeImage, writeText, writeWsolMetadata } from './datasetFixtures.js';

const LOC = 'metadata/SYN/test/localization.txt';
const IDS = 'metadata/SYN/test/image_ids.txt';

/** A wsolevaluation dataset whose images all exist: ids listed in order, label 0 each. */
async function wsol(ids: string[], localization = '', images: [string, number, number][] = [['test/a.png', 10, 10]]): Promise<string> {
  const root = join(tempDataset('hostile'), 'ds'); // '..' from here stays in this test's temp folder
  for (const [file, w, h] of images) await writeImage(join(root, file), w, h);
  writeWsolMetadata(root, { image_ids: ids.join('\n') + '\n', class_labels: ids.map((i) => `${i},0`).join('\n') + '\n', localization });
  return root;
}

test('boxes: exceeding ones clipped, inverted/empty and wholly outside ones dropped, each warned with file:line', async () => {
  const root = await wsol(
    ['test/a.png'],
    'test/a.png,-2,3,12,5\ntest/a.png,5,5,2,8\ntest/a.png,4,4,3,4\ntest/a.png,20,20,30,30\ntest/a.png,1,1,2,2\n',
  );
  const ds = await loadDataset(root);
  assert.deepEqual(ds.items[0]!.boxes, [
    [0, 3, 10, 6],
    [1, 1, 3, 3],
  ]);
  assert.deepEqual(ds.warnings, [
    `${LOC}:1: box [-2, 3, 13, 6] exceeds the 10×10 image, clipped to [0, 3, 10, 6]`,
    `${LOC}:2: inverted or empty box [5, 5, 3, 9] dropped`,
    `${LOC}:3: inverted or empty box [4, 4, 4, 5] dropped`,
    `${LOC}:4: box [20, 20, 31, 31] lies outside the 10×10 image, dropped`,
  ]);
});

test('boxes are checked against the EXIF-oriented size, and a stated size that differs is warned', async () => {
  const root = tempDataset('exif');
  await writeImage(join(root, 'test', 'r.jpg'), 6, 4, 6); // stored 6×4, displayed 4×6
  writeWsolMetadata(root, {
    image_ids: 'test/r.jpg\n',
    class_labels: 'test/r.jpg,2\n',
    image_sizes: 'test/r.jpg,6,4\n',
    localization: 'test/r.jpg,0,0,5,3\n',
  });
  const ds = await loadDataset(root);
  assert.deepEqual([ds.items[0]!.width, ds.items[0]!.height], [4, 6]);
  assert.deepEqual(ds.items[0]!.boxes, [[0, 0, 4, 4]]);
  assert.deepEqual(ds.warnings, [
    "metadata/SYN/test/image_sizes.txt:1: 'test/r.jpg' is stated as 6×4 but is 4×6; boxes checked against the real size",
    `${LOC}:1: box [0, 0, 6, 4] exceeds the 4×6 image, clipped to [0, 0, 4, 4]`,
  ]);
});

test('missing image files and unreadable images are skipped with a warning', async () => {
  const root = await wsol(['test/a.png', 'test/missing.png', 'test/broken.png']);
  writeText(join(root, 'test', 'broken.png'), 'not a png');
  const ds = await loadDataset(root);
  assert.deepEqual(
    ds.items.map((it) => it.id),
    ['test/a.png'],
  );
  assert.equal(ds.warnings[0], `${IDS}:2: image file not found: 'test/missing.png', skipped`);
  assert.match(ds.warnings[1]!, new RegExp(`^${IDS}:3: 'test/broken.png' is not a readable image \\(.+\\), skipped$`));
});

test('duplicate image ids (also when spelled differently) are skipped with a warning naming the first', async () => {
  const root = await wsol(['test/a.png', 'test/a.png', './test//a.png']);
  const ds = await loadDataset(root);
  assert.equal(ds.items.length, 1);
  assert.deepEqual(ds.warnings, [
    `${IDS}:2: duplicate image 'test/a.png' (first listed at ${IDS}:1), skipped`,
    `${IDS}:3: duplicate image 'test/a.png' (first listed at ${IDS}:1), skipped`,
  ]);
});

test("'..' escapes and absolute paths are refused, though the files they name exist", async () => {
  const root = await wsol(['../outside.png', '/etc/hostname', 'test/../../outside.png', 'C:\\images\\x.png', 'test/a.png']);
  await writeImage(join(root, '..', 'outside.png'), 3, 3);
  const ds = await loadDataset(root);
  assert.deepEqual(
    ds.items.map((it) => it.id),
    ['test/a.png'],
  );
  assert.deepEqual(ds.warnings, [
    `${IDS}:1: image path '../outside.png' refused ('..' may leave the dataset root), skipped`,
    `${IDS}:2: absolute image path '/etc/hostname' refused (paths must be relative to the dataset root), skipped`,
    `${IDS}:3: image path 'test/../../outside.png' refused ('..' may leave the dataset root), skipped`,
    `${IDS}:4: absolute image path 'C:\\images\\x.png' refused (paths must be relative to the dataset root), skipped`,
  ]);
});

test('a symlink leading outside the root is refused; one staying inside is followed', async () => {
  const outside = tempDataset('outside');
  await writeImage(join(outside, 'secret.png'), 3, 3);
  const root = await wsol(['test/escape.png', 'test/inside.png', 'test/a.png']);
  symlinkSync(join(outside, 'secret.png'), join(root, 'test', 'escape.png'));
  symlinkSync(join(root, 'test', 'a.png'), join(root, 'test', 'inside.png'));
  const ds = await loadDataset(root);
  assert.deepEqual(
    ds.items.map((it) => it.id),
    ['test/inside.png', 'test/a.png'],
  );
  assert.deepEqual(ds.warnings, [`${IDS}:1: 'test/escape.png' is a symlink leading outside the dataset root, refused, skipped`]);
});

test('CRLF line endings, UTF-8 BOMs, blank lines and trailing spaces read like clean files', async () => {
  const clean = await wsol(['test/a.png'], 'test/a.png,1,2,3,4\ntest/a.png,0,0,1,1\n');
  const messy = tempDataset('crlf');
  await writeImage(join(messy, 'test', 'a.png'), 10, 10);
  writeWsolMetadata(messy, {
    image_ids: '\ufefftest/a.png  \r\n\r\n',
    class_labels: '\ufefftest/a.png,0\t\r\n',
    localization: '\ufeff\r\ntest/a.png,1,2,3,4 \r\n   \r\ntest/a.png,0,0,1,1\r\n',
  });
  const [a, b] = [await loadDataset(clean), await loadDataset(messy)];
  assert.deepEqual(
    b.items.map((it) => [it.id, it.label, it.boxes]),
    [
      [
        'test/a.png',
        0,
        [
          [1, 2, 4, 5],
          [0, 0, 2, 2],
        ],
      ],
    ],
  );
  assert.deepEqual(b.warnings, []);
  assert.equal(b.fingerprint, a.fingerprint);
  // CUB too, where fields are space-separated.
  const cub = tempDataset('cub-crlf');
  await writeImage(join(cub, 'images', 'c1', 'x.png'), 5, 5);
  writeText(join(cub, 'images.txt'), '\ufeff1 c1/x.png \r\n');
  writeText(join(cub, 'image_class_labels.txt'), '1 1\r\n');
  writeText(join(cub, 'bounding_boxes.txt'), '1 1.0 1.0 2.0 2.0\r\n\r\n');
  writeText(join(cub, 'train_test_split.txt'), '1 0\r\n');
  assert.deepEqual(
    (await loadDataset(cub)).items.map((it) => [it.id, it.label, it.boxes]),
    [['images/c1/x.png', 0, [[1, 1, 3, 3]]]],
  );
});

test('a non-UTF-8 text file is an error naming the file', async () => {
  const root = await wsol(['test/a.png']);
  writeText(join(root, 'metadata', 'SYN', 'test', 'class_labels.txt'), Buffer.from([0x74, 0x65, 0xe9, 0x2c, 0x30, 0x0a])); // Latin-1 "té,0"
  await assert.rejects(loadDataset(root), (e: Error) => {
    assert.equal(e.name, 'CamscopeError');
    assert.equal(e.message, `${join(root, 'metadata', 'SYN', 'test', 'class_labels.txt')}: not UTF-8 text (convert it to UTF-8)`);
    return true;
  });
});

test('an empty dataset, or one with no usable image, is an error naming the root', async () => {
  const empty = tempDataset('empty');
  writeWsolMetadata(empty, { image_ids: '', class_labels: '' });
  await assert.rejects(loadDataset(empty), { name: 'CamscopeError', message: `${empty}: no usable images in this wsolevaluation dataset` });
  const allBad = await wsol(['test/missing.png']);
  await assert.rejects(loadDataset(allBad), {
    message: `${allBad}: no usable images in this wsolevaluation dataset (1 warnings, first: ${IDS}:1: image file not found: 'test/missing.png', skipped)`,
  });
  const noClasses = tempDataset('no-classes');
  mkdirSync(join(noClasses, 'empty-class'));
  await assert.rejects(loadDataset(noClasses, { format: 'folders' }), /no usable images in this folders dataset/);
});

test('malformed rows and labels are warned and skipped (wsolevaluation)', async () => {
  const root = await wsol(['test/a.png', 'test/b.png'], 'test/a.png,1,2,3\ntest/zzz.png,1,1,2,2\ntest/a.png,x,1,2,2\n', [
    ['test/a.png', 10, 10],
    ['test/b.png', 4, 4],
  ]);
  writeWsolMetadata(root, { class_labels: 'test/a.png,0\ntest/b.png,cat\n' });
  const ds = await loadDataset(root);
  assert.deepEqual(
    ds.items.map((it) => it.id),
    ['test/a.png'],
  );
  assert.deepEqual(ds.warnings, [
    `metadata/SYN/test/class_labels.txt:2: expected "id,label" with a class index ≥ 0, got 'test/b.png,cat', ignored`,
    `${LOC}:1: expected "id,x0,y0,x1,y1" or "id,mask_path,ignore_path", got 'test/a.png,1,2,3', ignored`,
    `${LOC}:2: box for 'test/zzz.png', which image_ids.txt does not list, ignored`,
    `${LOC}:3: expected "id,x0,y0,x1,y1" or "id,mask_path,ignore_path", got 'test/a.png,x,1,2,2', ignored`,
    `${IDS}:2: 'test/b.png' has no class label in class_labels.txt, skipped`,
  ]);
});

test('unknown classes: CUB class out of range, ImageNet synset, COCO category, VOC class', async () => {
  const cub = tempDataset('cub-unknown');
  await writeImage(join(cub, 'images', 'a.png'), 4, 4);
  await writeImage(join(cub, 'images', 'b.png'), 4, 4);
  writeText(join(cub, 'classes.txt'), '1 one\n2 two\n');
  writeText(join(cub, 'images.txt'), '1 a.png\n2 b.png\n');
  writeText(join(cub, 'image_class_labels.txt'), '1 2\n2 5\n');
  writeText(join(cub, 'train_test_split.txt'), '1 0\n2 0\n');
  const c = await loadDataset(cub);
  assert.deepEqual(
    c.items.map((it) => [it.id, it.label]),
    [['images/a.png', 1]],
  );
  assert.deepEqual(c.warnings, [
    "image_class_labels.txt:2: unknown class '5' (classes.txt has 1..2)",
    'images.txt:2: image 2 has no known class in image_class_labels.txt, skipped',
  ]);

  const inet = tempDataset('imagenet-unknown');
  writeText(join(inet, 'LOC_synset_mapping.txt'), 'n01440764 tench\n');
  writeText(join(inet, 'LOC_val_solution.csv'), 'ImageId,PredictionString\nv1,n01440764 0 0 1 1\nv2,n99999999 0 0 1 1\nv3,n01440764 0 0 1\n');
  await writeImage(join(inet, 'val', 'v1.JPEG'), 4, 4);
  await writeImage(join(inet, 'val', 'v2.JPEG'), 4, 4);
  const i = await loadDataset(inet);
  assert.deepEqual(
    i.items.map((it) => it.id),
    ['val/v1.JPEG'],
  );
  assert.deepEqual(i.warnings, [
    "LOC_val_solution.csv:3: unknown synset 'n99999999' (not in LOC_synset_mapping.txt), skipped",
    `LOC_val_solution.csv:4: expected "ImageId,<wnid> x0 y0 x1 y1 …", got 'v3,n01440764 0 0 1', skipped`,
  ]);

  const coco = tempDataset('coco-unknown');
  await writeImage(join(coco, 'images', 'a.png'), 4, 4);
  writeText(
    join(coco, 'annotations', 'instances_x.json'),
    JSON.stringify({
      images: [{ id: 1, file_name: 'a.png' }, { id: 1, file_name: 'a.png' }, { id: 2 }],
      annotations: [
        { image_id: 1, category_id: 9, bbox: [0, 0, 1, 1] },
        { image_id: 3, category_id: 1, bbox: [0, 0, 1, 1] },
        { image_id: 1, category_id: 1, bbox: [0, 0, 'x', 1] },
        { image_id: 1, category_id: 1, bbox: [0, 0, 2, 2] },
      ],
      categories: [{ id: 1, name: 'thing' }],
    }),
  );
  const k = await loadDataset(coco);
  assert.deepEqual(
    k.items.map((it) => [it.id, it.label, it.boxes]),
    [['images/a.png', 0, [[0, 0, 2, 2]]]],
  );
  assert.deepEqual(k.warnings, [
    'annotations/instances_x.json: annotations[0]: unknown category_id 9, ignored',
    'annotations/instances_x.json: annotations[1]: image_id 3 is not in images, ignored',
    'annotations/instances_x.json: annotations[2]: needs image_id and bbox [x, y, w, h], ignored',
    'annotations/instances_x.json: images[1]: duplicate image id 1 (first at images[0]), skipped',
    'annotations/instances_x.json: images[2]: needs id and file_name, skipped',
  ]);

  const voc = tempDataset('voc-unknown');
  await writeImage(join(voc, 'JPEGImages', '1.jpg'), 8, 8);
  await writeImage(join(voc, 'JPEGImages', '2.jpg'), 8, 8);
  writeText(
    join(voc, 'Annotations', '1.xml'),
    vocXml(
      '1.jpg',
      [8, 8],
      [
        ['unicorn', 1, 1, 8, 8],
        ['cat', 2, 2, 3, 3],
      ],
    ),
  );
  writeText(join(voc, 'Annotations', '2.xml'), vocXml('2.jpg', [8, 8], [['unicorn', 1, 1, 4, 4]]));
  writeText(join(voc, 'Annotations', '3.xml'), '<annotation><object><name>cat</name></annotation>');
  const v = await loadDataset(voc);
  assert.deepEqual(
    v.items.map((it) => [it.id, it.label, it.boxes]),
    [['JPEGImages/1.jpg', 7, [[1, 1, 3, 3]]]],
  );
  assert.deepEqual(v.warnings, [
    "Annotations/1.xml:6: unknown VOC class 'unicorn', object ignored",
    "Annotations/2.xml:6: unknown VOC class 'unicorn', object ignored",
    'Annotations/2.xml: no object of a VOC class, skipped',
    'Annotations/3.xml: malformed XML (</annotation> at line 1 closes <object>), skipped',
  ]);
});

test('invalid COCO JSON is an error naming the file', async () => {
  const root = tempDataset('coco-bad');
  writeText(join(root, 'annotations', 'instances_val.json'), '{"images": [');
  await assert.rejects(
    loadDataset(root),
    (e: Error) => e.name === 'CamscopeError' && e.message.startsWith(`${join(root, 'annotations', 'instances_val.json')}: not valid JSON (`),
  );
});

test('very long paths load', async () => {
  const deep = ['a'.repeat(120), 'b'.repeat(120), 'c'.repeat(120), `${'d'.repeat(100)}.png`].join('/');
  const root = await wsol([deep], `${deep},0,0,1,1\n`, [[deep, 3, 3]]);
  const ds = await loadDataset(root);
  assert.deepEqual(
    ds.items.map((it) => [it.id, it.boxes]),
    [[deep, [[0, 0, 2, 2]]]],
  );
});

test('sizes are read with progress reported up to the total; the fingerprint follows ids, labels and boxes', async () => {
  const ids = Array.from({ length: 20 }, (_, k) => `test/${k}.png`);
  const root = await wsol(
    ids,
    'test/3.png,0,0,1,1\n',
    ids.map((id) => [id, 3, 3] as [string, number, number]),
  );
  const calls: [number, number][] = [];
  const ds = await loadDataset(root, { onProgress: (d, t) => calls.push([d, t]) });
  assert.equal(ds.items.length, 20);
  assert.deepEqual(
    calls.map((c) => c[0]),
    Array.from({ length: 20 }, (_, k) => k + 1),
  );
  assert.ok(calls.every((c) => c[1] === 20));
  assert.equal((await loadDataset(root)).fingerprint, ds.fingerprint);
  writeWsolMetadata(root, { localization: 'test/3.png,0,0,1,2\n' });
  assert.notEqual((await loadDataset(root)).fingerprint, ds.fingerprint);
});
