// One WSOL rule everywhere: on a constant map (no box) and on an image without ground truth, the gallery's IoU,
// the detail view's IoU, the localization curve and the report agree — through the real services, from batches
// recorded the way the explain worker's are (runScheduler.recordBatch, boxes by the explainer's boxFromMap).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Workspace } from '../../src-main/services/workspace.js';
import { recordBatch } from '../../src-main/services/runScheduler.js';
import type { EvaluationSummary } from '../../src-shared/evaluationTypes.js';
import type { ImageResult } from '../../src-shared/explainTypes.js';
import { WSOL_THRESHOLD, boxFromMap, localizeAt, prepareBoxableMap } from '../../src-shared/wsolBox.js';
import { readCsv } from '../evaluation/evalFixtures.js';
import { sampleImage, sampleModel } from '../store/storeFixtures.js';

test('gallery, detail, curve and report agree on a constant map (IoU 0, a miss) and an image without ground truth (null, not counted)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-wsol-agree-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'imgs'));
  const paths = [1, 2, 3].map((i) => join(dir, 'imgs', `img${i}.png`));
  for (const p of paths)
    await sharp({ create: { width: 4, height: 1, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .png()
      .toFile(p);
  const ws = Workspace.open(join(dir, 'p.camscope'), { create: true });
  t.after(() => ws.close());
  const { store } = ws;
  const truth = { gtLabel: 1, gtBoxes: [{ box: [1, 0, 4, 1] as [number, number, number, number], label: 1 }] };
  // img1: ground truth, constant map. img2: no ground truth. img3: ground truth, map [0, .5, 1, 1] → box [1,0,4,1], IoU 1.
  const ids = store.addImages([
    sampleImage(1, { path: paths[0], width: 4, height: 1, dataset: 'toy', ...truth }),
    sampleImage(2, { path: paths[1], width: 4, height: 1, dataset: 'toy' }),
    sampleImage(3, { path: paths[2], width: 4, height: 1, dataset: 'toy', ...truth }),
  ]).ids;
  const modelId = store.addModel(sampleModel());
  const runId = store.createRun({
    modelId,
    method: 'cam',
    layer: 'features.3',
    target: 'top1',
    imageIds: ids,
    params: { threshold: WSOL_THRESHOLD },
  });
  store.startRun(runId);
  const maps = [
    [3, 3, 3, 3],
    [0, 5, 10, 10],
    [0, 5, 10, 10],
  ];
  const results = ids.map((imageId, i): { imageId: number; result: ImageResult } => {
    const grid = { width: 4, height: 1, values: Float32Array.from(maps[i]!) };
    return {
      imageId,
      result: {
        image: paths[i]!,
        width: 4,
        height: 1,
        predictions: [
          { index: 1, label: null, score: 0.9 },
          { index: 0, label: null, score: 0.1 },
        ],
        maps: [{ method: 'cam', layer: 'features.3', target: 1, width: 4, height: 1, values: maps[i]!, box: boxFromMap(grid, 4, 1) }],
      },
    };
  });
  recordBatch(store, new Map([['cam', runId]]), results, 10);
  store.finishRun(runId, 'done');
  const h = ws.handlers();
  const expected = [0, null, 1];

  // Gallery: the stored per-image IoU.
  const gallery = await h['images.query']({ offset: 0, limit: 10, filters: {}, sort: 'id', order: 'asc', modelId, runId });
  assert.deepEqual(
    gallery.rows.map((r) => r.iou),
    expected,
    'gallery',
  );

  // Detail view: the shared rule on the map and boxes images.detail sends.
  for (const [i, imageId] of ids.entries()) {
    const d = await h['images.detail']({ imageId });
    const map = d.maps.find((m) => m.runId === runId)!;
    const { iou } = localizeAt(
      prepareBoxableMap(map, d.image.width, d.image.height),
      d.gtBoxes.map((g) => g.box),
      WSOL_THRESHOLD,
    );
    assert.equal(iou, expected[i], `detail of image ${i + 1}`);
  }

  // Localization curve: two images scored, the constant map a miss with IoU 0.
  const curve = await h['wsol.curve']({ runId, thresholds: [WSOL_THRESHOLD] });
  assert.equal(curve.images, 2, 'the image without ground truth is not scored');
  assert.deepEqual(curve.points[0], { threshold: WSOL_THRESHOLD, accuracy: 0.5, meanIoU: 0.5, hits: [ids[2]], misses: [ids[0]] });

  // Report: GT-known Loc over the two images with ground truth; per-image IoU 0, empty, 1.
  const out = join(dir, 'report');
  const { files } = await h['report.export']({ runIds: [runId], formats: ['json', 'csv'], out });
  const summary = JSON.parse(readFileSync(files[0]!, 'utf8')) as EvaluationSummary;
  assert.equal(summary.methods.cam!.gt_known_loc, 50);
  assert.equal(summary.methods.cam!.top1_loc, 50);
  const rows = readCsv(readFileSync(files[1]!, 'utf8'));
  const col = rows[0]!.indexOf('iou');
  assert.ok(col >= 0, `csv columns ${rows[0]}`);
  assert.deepEqual(
    rows.slice(1, 4).map((r) => [r[0], r[col]]),
    [
      ['img1.png', '0'],
      ['img2.png', ''],
      ['img3.png', '1'],
    ],
    'report CSV',
  );
});
