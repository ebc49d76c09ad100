// PxAP end to end on VOC and COCO datasets: four bundled demo images laid out as each format, their
// objects' segmentations (a VOC label PNG with a void ring and a second class; COCO polygons with a crowd
// region) read as ground truth, and `camscope eval`'s PxAP equal to wsolevaluation's MaskEvaluator
// (PxapAccumulator, checked against numpy in test/evaluation/metrics/pxap.test.ts) over `camscope explain`'s
// maps and ground truth painted here from the boxes — not read back through the importers under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { writeText } from '../datasets/datasetFixtures.js';
import { DEMO_MODEL, type FixtureImage } from './evalFixtures.js';
import { SIDE, demoImages, evalPxap, inBox, vocDataset, writeDir } from './vocMaskFixtures.js';
import { PxapAccumulator, groundTruthMask, resizeNearest, scoremapFromMap } from '../../src-main/evaluation/metrics/index.js';
import type { EvaluationSummary } from '../../src-shared/evaluationTypes.js';
import type { Box, ExplainReport } from '../../src-shared/explainTypes.js';

const paint = (f: (x: number, y: number) => boolean) =>
  Uint8Array.from({ length: SIDE * SIDE }, (_, i) => (f(i % SIDE, Math.floor(i / SIDE)) ? 1 : 0));

/** The ground truth at 224×224 from full-size binary masks: the object's box, a 2-pixel ring round it ignored. */
const reference = (box: Box) =>
  groundTruthMask(
    [
      resizeNearest(
        paint((x, y) => inBox(box, x, y)),
        SIDE,
        SIDE,
        224,
        224,
      ),
    ],
    resizeNearest(
      paint((x, y) => inBox(box, x, y, 2) && !inBox(box, x, y)),
      SIDE,
      SIDE,
      224,
      224,
    ),
  );

/** maskApi's rleEncode (column-major runs from background) of a row-major 0/1 mask, written out for the crowd region. */
function columnMajorCounts(mask: Uint8Array): number[] {
  const counts: number[] = [];
  let previous = 0;
  let run = 0;
  for (let x = 0; x < SIDE; x++)
    for (let y = 0; y < SIDE; y++) {
      const m = mask[y * SIDE + x]!;
      if (m !== previous) {
        counts.push(run);
        run = 0;
        previous = m;
      }
      run++;
    }
  counts.push(run);
  return counts;
}

function cocoDataset(root: string, images: FixtureImage[]): void {
  images.forEach((im) => copyFileSync(im.path, join(writeDir(root, 'val'), basename(im.path))));
  const annotations = images.flatMap((im, k) => {
    const [x0, y0, x1, y1] = im.box;
    const ring = paint((x, y) => inBox(im.box, x, y, 2) && !inBox(im.box, x, y));
    return [
      {
        id: 3 * k + 1,
        image_id: k,
        category_id: im.label + 1,
        bbox: [x0, y0, x1 - x0, y1 - y0],
        iscrowd: 0,
        segmentation: [[x0, y0, x1, y0, x1, y1, x0, y1]],
      },
      { id: 3 * k + 2, image_id: k, category_id: 20, bbox: [0, 0, 10, 10], iscrowd: 0, segmentation: [[0, 0, 10, 0, 10, 10, 0, 10]] },
      {
        id: 3 * k + 3,
        image_id: k,
        category_id: im.label + 1,
        bbox: [x0 - 2, y0 - 2, x1 - x0 + 4, y1 - y0 + 4],
        iscrowd: 1,
        segmentation: { counts: columnMajorCounts(ring), size: [SIDE, SIDE] },
      },
    ];
  });
  writeText(
    join(root, 'annotations', 'instances_val.json'),
    JSON.stringify({
      images: images.map((im, k) => ({ id: k, file_name: basename(im.path), width: SIDE, height: SIDE })),
      annotations,
      categories: Array.from({ length: 20 }, (_, c) => ({ id: c + 1, name: `class${c}` })),
    }),
  );
}

async function expectedPxap(dir: string, images: FixtureImage[]): Promise<number> {
  // The demo model predicts these four right, so explain's top-1 map is the GT-class map eval scores.
  const e = await runCli([
    'explain',
    '--model',
    DEMO_MODEL,
    ...images.flatMap((im) => ['--image', im.path]),
    '--method',
    'gradcam',
    '--json',
    join(dir, 'x.json'),
  ]);
  assert.equal(e.code, 0, e.stderr);
  const explained = JSON.parse(readFileSync(join(dir, 'x.json'), 'utf8')) as ExplainReport;
  const acc = new PxapAccumulator();
  images.forEach((im, k) => {
    assert.equal(explained.results[k]!.predictions[0]!.index, im.label);
    const m = explained.results[k]!.maps[0]!;
    acc.add(scoremapFromMap({ width: m.width, height: m.height, values: Float32Array.from(m.values) }).values, reference(im.box));
  });
  return acc.result().pxap!;
}

test("PxAP on a VOC dataset (SegmentationClass, void ignored) and a COCO one (polygons, crowd ignored) equals the MaskEvaluator's", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-pxap-vc-'));
  const images = demoImages();
  const want = await expectedPxap(dir, images);
  assert.ok(want > 50 && want < 100, `Grad-CAM on the shapes model covers its objects (${want})`);

  await vocDataset(join(dir, 'voc'), images);
  const voc = await evalPxap(dir, join(dir, 'voc'), 'voc');
  assert.equal(voc.images, 4);
  assert.ok(Math.abs(voc.methods.gradcam!.pxap! - want) < 1e-9, `voc ${voc.methods.gradcam!.pxap} vs ${want}`);

  cocoDataset(join(dir, 'coco'), images);
  const coco = await evalPxap(dir, join(dir, 'coco'), 'coco');
  assert.equal(coco.images, 4);
  assert.ok(Math.abs(coco.methods.gradcam!.pxap! - want) < 1e-9, `coco ${coco.methods.gradcam!.pxap} vs ${want}`);

  // --mask-foreground objects adds the corner square as foreground, where Grad-CAM is low: PxAP drops.
  const r = await runCli([
    'eval',
    '--model',
    DEMO_MODEL,
    '--dataset',
    join(dir, 'voc'),
    '--methods',
    'gradcam',
    '--no-faithfulness',
    '--bootstrap',
    '0',
    '--mask-foreground',
    'objects',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const objects = JSON.parse(r.stdout) as EvaluationSummary;
  assert.ok(objects.methods.gradcam!.pxap! < want, `${objects.methods.gradcam!.pxap} < ${want}`);
  const bad = await runCli(['eval', '--model', DEMO_MODEL, '--dataset', join(dir, 'voc'), '--mask-foreground', 'things']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, "camscope: --mask-foreground: expected class or objects, got 'things'\n");
});
