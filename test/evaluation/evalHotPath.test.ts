// eval's hot path: each map is boxed once (the explainer's box, reused by localization where it was found at the same
// threshold and image size), a batch's runs go to the project in one store transaction, the per-image numbers the
// bootstrap resamples read are columns, and the CLI ends with one images/s line on stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../../src-main/datasets/index.js';
import { evaluateDataset } from '../../src-main/evaluation/evaluateDataset.js';
import { keptMap } from '../../src-main/evaluation/evaluationResult.js';
import { PerImageNumbers } from '../../src-main/evaluation/imageMetrics.js';
import { boxesAtThreshold, findContours, localizeImage, mapBox } from '../../src-main/evaluation/metrics/index.js';
import { boxScratch } from '../../src-main/evaluation/metrics/maxBoxAcc.js';
import { contourScratch } from '../../src-main/evaluation/metrics/contours.js';
import { rng } from '../../src-shared/random.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { bestIoU, boxFromMap } from '../../src-shared/wsolBox.js';
import type { Box } from '../../src-shared/explainTypes.js';
import sharp from 'sharp';
import { runCli } from '../helpers/cli.js';
import { DEMO_MODEL, writeDemoDataset } from './evalFixtures.js';

function demoDir(t: { after: (f: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-hotpath-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeDemoDataset(dir);
  return dir;
}

test('mapBox reuses the box only where it was found at the same threshold and image size, else boxes the map', () => {
  const map = { width: 2, height: 2, values: Float32Array.from([0, 0, 0, 1]) };
  const found = boxFromMap(map, 4, 4, 0.2);
  assert.ok(found);
  // A box that boxFromMap would never give: returned as is where boxedAt matches, so it was not recomputed.
  const marker: Box = [0, 0, 1, 1];
  const boxed = { ...map, box: marker, boxedAt: { threshold: 0.2, width: 4, height: 4 } };
  assert.equal(mapBox(boxed, { width: 4, height: 4 }, 0.2), marker);
  assert.equal(localizeImage(boxed, { width: 4, height: 4 }, [marker]).iou, 1);
  assert.deepEqual(mapBox(boxed, { width: 4, height: 4 }, 0.5), boxFromMap(map, 4, 4, 0.5), 'another threshold');
  assert.deepEqual(mapBox(boxed, { width: 8, height: 4 }, 0.2), boxFromMap(map, 8, 4, 0.2), 'another image size');
  assert.deepEqual(mapBox({ ...map, box: marker }, { width: 4, height: 4 }, 0.2), found, 'no boxedAt: boxed again');
});

test('eval boxes each map once: every image and method keeps the explainer box, equal to the map boxed again, with its IoU', async (t) => {
  const dataset = await loadDataset(demoDir(t));
  for (const threshold of [0.2, 0.45]) {
    const result = await evaluateDataset({
      model: DEMO_MODEL,
      dataset,
      methods: ['cam', 'gradcam'],
      faithfulness: false,
      bootstrap: null,
      keepMaps: 'all',
      threshold,
      batchSize: 4,
    });
    assert.equal(result.images.length, 9);
    for (const im of result.images) {
      for (const [method, m] of Object.entries(im.methods)) {
        const map = keptMap(m.map);
        assert.deepEqual(map.boxedAt, { threshold, width: im.item.width, height: im.item.height }, `${im.item.id} ${method}`);
        const again = boxFromMap(map, im.item.width, im.item.height, threshold);
        assert.deepEqual(map.box, again, `${im.item.id} ${method} at ${threshold}`);
        assert.equal(m.values.iou, bestIoU(again, im.item.boxes));
      }
    }
  }
});

test('eval --project writes each batch of every method in one store transaction', async (t) => {
  const dir = demoDir(t);
  const dataset = await loadDataset(dir);
  const calls: number[][] = [];
  let single = 0;
  const proto = ProjectStore.prototype;
  const [batches, results] = [proto.recordRunBatches, proto.recordResults];
  proto.recordRunBatches = function (this: ProjectStore, b) {
    calls.push(b.map((r) => r.batch.length));
    return batches.call(this, b);
  };
  proto.recordResults = function (this: ProjectStore, ...args) {
    single++;
    return results.apply(this, args);
  };
  t.after(() => Object.assign(proto, { recordRunBatches: batches, recordResults: results }));
  const project = join(dir, 'p.camscope');
  const result = await evaluateDataset({
    model: DEMO_MODEL,
    dataset,
    methods: ['cam', 'gradcam'],
    faithfulness: false,
    bootstrap: null,
    project,
    batchSize: 4,
  });
  assert.equal(result.images.length, 9);
  assert.deepEqual(calls, [
    [4, 4],
    [4, 4],
    [1, 1],
  ]);
  assert.equal(single, 0);
  const store = ProjectStore.open(project);
  try {
    const runs = store.listRuns();
    assert.deepEqual(runs.map((r) => [r.method, r.status, r.done]).sort(), [
      ['cam', 'done', 9],
      ['gradcam', 'done', 9],
    ]);
  } finally {
    store.close();
  }
});

test('PerImageNumbers: one column per number, NaN where undefined, none where no image defines it', () => {
  const image = (loc: number | null, pearson: number | null) => ({
    item: { id: 'x', path: '/x', label: null, boxes: [], width: 1, height: 1 },
    predictions: [],
    gtIndex: null,
    correct: null,
    methods: {
      a: { map: { target: 0, width: 1, height: 1, values: null, box: null }, peak: 0, values: { top1_loc: loc, gt_known_loc: null } },
      b: { map: { target: 0, width: 1, height: 1, values: null, box: null }, peak: 0, values: { top1_loc: 1, gt_known_loc: null } },
    },
    pairs: { 'a|b': { pearson, spearman: null, box_iou: 0, both_inside: true, analytic_error: null } },
  });
  const numbers = new PerImageNumbers([image(0.5, 1), image(null, Infinity)], ['a', 'b']);
  assert.equal(numbers.method('a', 'gt_known_loc'), null);
  assert.deepEqual(Array.from(numbers.method('a', 'top1_loc')!), [0.5, NaN]);
  assert.deepEqual(Array.from(numbers.method('b', 'top1_loc')!), [1, 1]);
  assert.deepEqual(Array.from(numbers.pair('a|b', 'pearson')!), [1, NaN]);
  assert.deepEqual(Array.from(numbers.pair('a|b', 'both_point_inside')!), [1, 1]);
  assert.equal(numbers.pair('a|b', 'spearman'), null);
});

test('eval and explain end with one images/s line on stderr; stdout stays the JSON', async (t) => {
  const dir = demoDir(t);
  assert.equal(sharp.cache().items.max, 100, 'the cache is on before');
  const e = await runCli(['eval', '--model', DEMO_MODEL, '--dataset', dir, '--methods', 'cam,gradcam', '--no-faithfulness', '--bootstrap', '0']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(JSON.parse(e.stdout).images, 9);
  assert.match(e.stderr.trimEnd().split('\n').at(-1)!, /^9 images in \d+\.\d\d s \(\d+\.\d images\/s\)$/);
  assert.doesNotMatch(e.stdout, /images\/s/);
  assert.equal(sharp.cache().items.max, 0, "eval decodes each file once: libvips' operation cache is off");
  const images = (await loadDataset(dir)).items.slice(0, 4).map((it) => it.path);
  const r = await runCli(['explain', '--model', DEMO_MODEL, ...images.flatMap((p) => ['--image', p]), '--method', 'gradcam']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).results.length, 4);
  assert.match(r.stderr.trimEnd().split('\n').at(-1)!, /^4 images in \d+\.\d\d s \(\d+\.\d images\/s\)$/);
});

test('MaxBoxAcc reuses one tracer across thresholds and images, findContours one label image: the same contours and boxes as fresh buffers', () => {
  const r = rng(7);
  const [w, h] = [23, 17];
  const scratch = boxScratch(w, h);
  const labels = contourScratch(w, h);
  for (let k = 0; k < 5; k++) {
    const u8 = Uint8Array.from({ length: w * h }, () => Math.floor(r() * 256));
    for (const t of [0, 0.3, 0.6, 0.9]) {
      assert.deepEqual(boxesAtThreshold(u8, w, h, t, undefined, scratch), boxesAtThreshold(u8, w, h, t), `image ${k} at ${t}`);
      const mask = u8.map((v) => (v > t * 255 ? 1 : 0));
      assert.deepEqual(findContours(mask, w, h, labels), findContours(mask, w, h));
    }
  }
});
