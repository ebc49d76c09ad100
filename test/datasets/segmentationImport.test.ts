// VOC and COCO segmentations imported as PxAP ground truth: which images get masks, which pixels are
// foreground (the label's class, or every object with maskForeground 'objects'), void and crowd regions as
// ignore, files confined to the root, sizes checked against the image, malformed masks one warning each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadDataset } from '../../src-main/datasets/index.js';
import { decodeRle } from '../../src-main/datasets/cocoSegmentation.js';
import { loadGroundTruthMask } from '../../src-main/evaluation/groundTruthMask.js';
import { resizeNearest, groundTruthMask } from '../../src-main/evaluation/metrics/index.js';
import { tempDataset, vocXml, writeImage, writeText } from './datasetFixtures.js';

/** An 8-bit greyscale label PNG (the layout of SegmentationClassAug and most converted VOC masks). */
async function writeLabelPng(file: string, width: number, height: number, value: (x: number, y: number) => number): Promise<void> {
  const data = Uint8Array.from({ length: width * height }, (_, i) => value(i % width, Math.floor(i / width)));
  writeText(
    file,
    await sharp(Buffer.from(data), { raw: { width, height, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer(),
  );
}

/** The expected 224×224 ground truth from full-size binary masks, through get_mask's steps. */
const expected = (w: number, h: number, fg: (x: number, y: number) => boolean, ignore: (x: number, y: number) => boolean) => {
  const paint = (f: (x: number, y: number) => boolean) => Uint8Array.from({ length: w * h }, (_, i) => (f(i % w, Math.floor(i / w)) ? 1 : 0));
  return groundTruthMask([resizeNearest(paint(fg), w, h, 224, 224)], resizeNearest(paint(ignore), w, h, 224, 224));
};

const PALETTE_PNG = (() => {
  const ref = JSON.parse(readFileSync(new URL('../fixtures/masks/reference.json', import.meta.url), 'utf8')) as {
    pngs: { name: string; png: string; width: number; height: number; values: number[] }[];
  };
  return ref.pngs.find((p) => p.name === 'VOC palette, 8 bits')!;
})();

async function vocSegDataset(): Promise<string> {
  const root = tempDataset('vocseg');
  // 1: a dog (class 12) left, a person (15) right and larger, a void border round the dog; segmented.
  writeText(
    join(root, 'Annotations', '1.xml'),
    vocXml(
      '1.png',
      [12, 8],
      [
        ['dog', 1, 1, 4, 8],
        ['person', 6, 1, 12, 8],
      ],
    ),
  );
  await writeImage(join(root, 'JPEGImages', '1.png'), 12, 8);
  await writeLabelPng(join(root, 'SegmentationClass', '1.png'), 12, 8, (x) => (x === 4 ? 255 : x < 4 ? 12 : x >= 5 ? 15 : 0));
  // 2: the real VOC palette PNG of the reference, on an image of its size; segmented.
  writeText(join(root, 'Annotations', '2.xml'), vocXml('2.png', [PALETTE_PNG.width, PALETTE_PNG.height], [['dog', 1, 1, 20, 15]]));
  await writeImage(join(root, 'JPEGImages', '2.png'), PALETTE_PNG.width, PALETTE_PNG.height);
  writeText(join(root, 'SegmentationClass', '2.png'), Buffer.from(PALETTE_PNG.png, 'base64'));
  // 3: not listed in ImageSets/Segmentation: boxes only, even with a PNG present.
  writeText(join(root, 'Annotations', '3.xml'), vocXml('3.png', [6, 6], [['cat', 1, 1, 4, 4]]));
  await writeImage(join(root, 'JPEGImages', '3.png'), 6, 6);
  await writeLabelPng(join(root, 'SegmentationClass', '3.png'), 6, 6, () => 8);
  // 4: listed, but its PNG is smaller than the image; 5: listed, PNG not a PNG; 6: listed, PNG a symlink out of the root.
  for (const id of ['4', '5', '6']) {
    writeText(join(root, 'Annotations', `${id}.xml`), vocXml(`${id}.png`, [6, 6], [['cat', 1, 1, 4, 4]]));
    await writeImage(join(root, 'JPEGImages', `${id}.png`), 6, 6);
  }
  await writeLabelPng(join(root, 'SegmentationClass', '4.png'), 5, 6, () => 8);
  writeText(join(root, 'SegmentationClass', '5.png'), 'not a png');
  const outside = join(tempDataset('outside'), 'x.png');
  await writeLabelPng(outside, 6, 6, () => 8);
  symlinkSync(outside, join(root, 'SegmentationClass', '6.png'));
  writeText(join(root, 'ImageSets', 'Segmentation', 'train.txt'), '1\n4\n');
  writeText(join(root, 'ImageSets', 'Segmentation', 'val.txt'), '2\n5\n6\n');
  return root;
}

test('voc: images listed in ImageSets/Segmentation get SegmentationClass as ground truth, the label class as foreground, void ignored', async () => {
  const root = await vocSegDataset();
  const ds = await loadDataset(root);
  const byId = new Map(ds.items.map((it) => [it.id, it]));
  const one = byId.get('JPEGImages/1.png')!;
  assert.equal(one.label, 14, 'person, the larger object');
  assert.deepEqual(one.masks, { kind: 'labelPng', file: join(root, 'SegmentationClass', '1.png'), foreground: 15 });
  assert.deepEqual(
    await loadGroundTruthMask(one),
    expected(
      12,
      8,
      (x) => x >= 5,
      (x) => x === 4,
    ),
  );
  assert.equal(byId.get('JPEGImages/2.png')!.masks?.kind, 'labelPng');
  const two = (await loadGroundTruthMask(byId.get('JPEGImages/2.png')!))!;
  const values = PALETTE_PNG.values;
  const w = PALETTE_PNG.width;
  assert.deepEqual(
    two,
    expected(
      w,
      PALETTE_PNG.height,
      (x, y) => values[y * w + x] === 12,
      (x, y) => values[y * w + x] === 255,
    ),
  );
  assert.equal(byId.get('JPEGImages/3.png')!.masks, undefined, 'not in ImageSets/Segmentation');
  assert.equal(await loadGroundTruthMask(byId.get('JPEGImages/3.png')!), null);
  for (const id of ['4', '5', '6']) assert.equal(byId.get(`JPEGImages/${id}.png`)!.masks, undefined, id);
  assert.equal(byId.get('JPEGImages/4.png')!.boxes.length, 1, 'a bad mask keeps the boxes');
  const maskWarnings = ds.warnings.filter((m) => m.includes('mask of'));
  assert.deepEqual(maskWarnings, [
    "Annotations/4.xml: mask of 'JPEGImages/4.png': SegmentationClass/4.png is 5×6 but the image is 6×6; its masks are left out",
    "Annotations/5.xml: mask of 'JPEGImages/5.png': SegmentationClass/5.png: not a label PNG (not a PNG file); its masks are left out",
    "Annotations/6.xml: mask of 'JPEGImages/6.png': 'SegmentationClass/6.png' is a symlink leading outside the dataset root, refused; its masks are left out",
  ]);
});

test("voc: maskForeground 'objects' makes every object foreground, from SegmentationObject where it exists", async () => {
  const root = await vocSegDataset();
  // Instance ids 1 and 2 for image 1, void kept; image 2 has no SegmentationObject and falls back to its class PNG.
  await writeLabelPng(join(root, 'SegmentationObject', '1.png'), 12, 8, (x) => (x === 4 ? 255 : x < 4 ? 1 : x >= 5 ? 2 : 0));
  const ds = await loadDataset(root, { maskForeground: 'objects' });
  const byId = new Map(ds.items.map((it) => [it.id, it]));
  assert.deepEqual(byId.get('JPEGImages/1.png')!.masks, { kind: 'labelPng', file: join(root, 'SegmentationObject', '1.png'), foreground: 'objects' });
  assert.deepEqual(
    await loadGroundTruthMask(byId.get('JPEGImages/1.png')!),
    expected(
      12,
      8,
      (x) => x !== 4,
      (x) => x === 4,
    ),
  );
  const two = byId.get('JPEGImages/2.png')!;
  assert.equal(two.masks?.kind === 'labelPng' && two.masks.file, join(root, 'SegmentationClass', '2.png'));
  const values = PALETTE_PNG.values;
  const w = PALETTE_PNG.width;
  assert.deepEqual(
    await loadGroundTruthMask(two),
    expected(
      w,
      PALETTE_PNG.height,
      (x, y) => values[y * w + x]! > 0 && values[y * w + x]! < 255,
      (x, y) => values[y * w + x] === 255,
    ),
  );
});

test('voc: a label PNG that breaks after import is a one-line error naming it at evaluation', async () => {
  const root = await vocSegDataset();
  const ds = await loadDataset(root);
  const one = ds.items.find((it) => it.id === 'JPEGImages/1.png')!;
  const file = join(root, 'SegmentationClass', '1.png');
  writeText(file, readFileSync(file).subarray(0, 50));
  await assert.rejects(
    loadGroundTruthMask(one),
    (e: Error) => e.message.startsWith(`${file}: not a readable label PNG (truncated`) && !e.message.includes('\n'),
  );
});

function cocoDoc(extra: { annotations?: object[]; images?: object[] } = {}) {
  return {
    images: extra.images ?? [
      { id: 1, file_name: 'a.png', width: 10, height: 8 },
      { id: 2, file_name: 'b.png', width: 6, height: 6 },
    ],
    annotations: extra.annotations ?? [
      // Image 1: a person (category 1) polygon, larger than the dog (2) box-form segmentation; a crowd of persons.
      { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 6, 8], iscrowd: 0, segmentation: [[0, 0, 6, 0, 6, 8, 0, 8]] },
      { id: 2, image_id: 1, category_id: 2, bbox: [7, 0, 2, 2], iscrowd: 0, segmentation: [[7, 0, 2, 2]] },
      { id: 3, image_id: 1, category_id: 1, bbox: [6, 4, 4, 4], iscrowd: 1, segmentation: { counts: [52, 4, 4, 4, 4, 4, 4, 4], size: [8, 10] } },
      // Image 2: an object without segmentation (a detection-only file): boxes only.
      { id: 4, image_id: 2, category_id: 2, bbox: [1, 1, 3, 3], iscrowd: 0 },
    ],
    categories: [
      { id: 1, name: 'person' },
      { id: 2, name: 'dog' },
    ],
  };
}

async function cocoDataset(doc: object): Promise<string> {
  const root = tempDataset('cocoseg');
  writeText(join(root, 'annotations', 'instances_val.json'), JSON.stringify(doc));
  await writeImage(join(root, 'val', 'a.png'), 10, 8);
  await writeImage(join(root, 'val', 'b.png'), 6, 6);
  return root;
}

test('coco: the label class instances united as foreground, its crowd regions ignored; no segmentation, boxes only', async () => {
  const root = await cocoDataset(cocoDoc());
  const ds = await loadDataset(root);
  assert.deepEqual(ds.warnings, []);
  const [a, b] = ds.items;
  assert.equal(a!.label, 0);
  assert.equal(a!.boxes.length, 2, 'crowd regions give no box');
  assert.ok(a!.masks?.kind === 'rle');
  assert.equal(a!.masks.foreground.length, 1, 'only the person instance');
  assert.equal(a!.masks.ignore.length, 1, 'the person crowd');
  // Column-major RLE: the crowd's counts cover columns 6–9, rows 4–7.
  assert.deepEqual(
    Array.from(decodeRle(a!.masks.ignore[0]!)),
    Array.from({ length: 80 }, (_, i) => (i % 10 >= 6 && Math.floor(i / 10) >= 4 ? 1 : 0)),
  );
  assert.deepEqual(
    await loadGroundTruthMask(a!),
    expected(
      10,
      8,
      (x) => x < 6,
      (x, y) => x >= 6 && y >= 4,
    ),
  );
  assert.equal(b!.masks, undefined);
  assert.equal(await loadGroundTruthMask(b!), null);

  const all = await loadDataset(root, { maskForeground: 'objects' });
  // Every instance: the person polygon and the dog's box-form segmentation [7, 0, 2, 2] (columns 7–8, rows 0–1).
  assert.deepEqual(
    await loadGroundTruthMask(all.items[0]!),
    expected(
      10,
      8,
      (x, y) => x < 6 || (x >= 7 && x < 9 && y < 2),
      (x, y) => x >= 6 && y >= 4,
    ),
  );
});

test('coco: malformed segmentations and RLEs of the wrong size leave the image with boxes only, one warning naming the annotation', async () => {
  const root = await cocoDataset(
    cocoDoc({
      annotations: [
        { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 6, 8], iscrowd: 0, segmentation: { counts: 'P~', size: [8, 10] } },
        { id: 2, image_id: 2, category_id: 1, bbox: [0, 0, 3, 3], iscrowd: 0, segmentation: { counts: [80], size: [8, 10] } },
      ],
    }),
  );
  const ds = await loadDataset(root);
  assert.equal(ds.items[0]!.masks, undefined);
  assert.equal(ds.items[1]!.masks, undefined);
  assert.equal(ds.items[0]!.boxes.length, 1);
  assert.deepEqual(ds.warnings, [
    "annotations/instances_val.json: annotations[0]: compressed RLE has the character '~' (only ASCII 48–111); the image's masks are left out",
    "annotations/instances_val.json: images[1]: mask of 'val/b.png': its segmentation is 10×8 but the image is 6×6; its masks are left out",
  ]);

  const partial = await loadDataset(
    await cocoDataset(
      cocoDoc({
        images: [{ id: 1, file_name: 'a.png', width: 10, height: 8 }],
        annotations: [
          { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 6, 8], iscrowd: 0, segmentation: [[0, 0, 6, 0, 6, 8]] },
          { id: 2, image_id: 1, category_id: 1, bbox: [0, 0, 2, 2], iscrowd: 0 },
        ],
      }),
    ),
  );
  assert.deepEqual(partial.warnings, [
    "annotations/instances_val.json: annotations[1]: no segmentation while other instances of the image have one; the image's masks are left out",
  ]);
  const unsized = await loadDataset(
    await cocoDataset(
      cocoDoc({
        images: [{ id: 1, file_name: 'a.png' }],
        annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 6, 8], iscrowd: 0, segmentation: [[0, 0, 6, 0, 6, 8]] }],
      }),
    ),
  );
  assert.deepEqual(unsized.warnings, [
    "annotations/instances_val.json: images[0]: polygons need the image's width and height; the image's masks are left out",
  ]);
});
