// The gt_masks table: an image's masks by reference (root + JSON, RLE counts as arrays) read back as written; a project
// from before it opens with its images unchanged and no masks, and gains them when its dataset is imported again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIGRATIONS } from '../../src-main/store/migrations.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import type { StoredMasks } from '../../src-main/store/storeTypes.js';
import { rewindTo, sampleImage, tempProject } from './storeFixtures.js';

const MASKS_VERSION = MIGRATIONS.findIndex((m) => m.name === 'ground-truth masks');

const labelPng: StoredMasks = { root: '/data/voc', masks: { kind: 'labelPng', file: 'SegmentationClass/a.png', foreground: 12 } };
const rle: StoredMasks = {
  root: '/data/coco',
  masks: { kind: 'rle', foreground: [{ width: 3, height: 2, counts: Uint32Array.of(1, 4, 1) }], ignore: [] },
};

test('masks read back as imported: label PNG by relative path, RLE counts as typed arrays; none for an image without', (t) => {
  const store = ProjectStore.create(tempProject(t));
  t.after(() => store.close());
  const { ids } = store.addImages([sampleImage(1, { gtMasks: labelPng }), sampleImage(2, { gtMasks: rle }), sampleImage(3)]);
  assert.deepEqual(store.getGroundTruthMasks(ids[0]!), labelPng);
  const back = store.getGroundTruthMasks(ids[1]!)!;
  assert.ok(back.masks.kind === 'rle' && back.masks.foreground[0]!.counts instanceof Uint32Array);
  assert.deepEqual(back, rle);
  assert.equal(store.getGroundTruthMasks(ids[2]!), null);
});

test('a project from before ground-truth masks opens unchanged with none, and an import again adds them', (t) => {
  assert.ok(MASKS_VERSION > 0);
  const file = tempProject(t);
  const store = ProjectStore.create(file);
  const { ids } = store.addImages([sampleImage(1, { dataset: 'voc', gtLabel: 3, gtBoxes: [{ box: [0, 0, 4, 4], label: 3 }] })]);
  const row = store.getImage(ids[0]!);
  store.close();
  rewindTo(file, MASKS_VERSION);

  const old = ProjectStore.open(file);
  t.after(() => old.close());
  assert.deepEqual(old.getImage(ids[0]!), row, 'labels and boxes unchanged');
  assert.equal(old.getGroundTruthMasks(ids[0]!), null);
  const again = old.addImages([sampleImage(1, { dataset: 'voc', gtLabel: 3, gtMasks: labelPng })]);
  assert.deepEqual(again, { ids, added: 0 });
  assert.deepEqual(old.getGroundTruthMasks(ids[0]!), labelPng);
});
