// PxAP end to end: wsolevaluation's OpenImages30k layout (localization.txt "id,mask_path,ignore_path") read as
// ground truth, and `camscope eval` scoring the ground-truth-class scoremaps against the masks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../helpers/cli.js';
import { DEMO_MODEL, writeDemoDataset } from './evalFixtures.js';
import { loadDataset } from '../../src-main/datasets/index.js';
import { loadGroundTruthMask } from '../../src-main/evaluation/groundTruthMask.js';
import { PxapAccumulator, scoremapFromMap } from '../../src-main/evaluation/metrics/index.js';
import type { EvaluationSummary } from '../../src-shared/evaluationTypes.js';
import type { ExplainReport } from '../../src-shared/explainTypes.js';

test('OpenImages-layout masks become ground truth; eval reports PxAP of the GT-class scoremaps', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-pxap-'));
  const root = join(dir, 'ds');
  const images = writeDemoDataset(root).slice(0, 4);
  // Each image's box painted as its instance mask; a 2-pixel ring around it as the ignore mask.
  const lines: string[] = [];
  for (const [k, im] of images.entries()) {
    const { width, height } = await sharp(im.path).metadata();
    const paint = (inside: (x: number, y: number) => boolean) =>
      sharp(Buffer.from(Uint8Array.from({ length: width! * height! }, (_, i) => (inside(i % width!, Math.floor(i / width!)) ? 255 : 0))), {
        raw: { width: width!, height: height!, channels: 1 },
      })
        .png()
        .toFile(join(root, `mask${k}.png`));
    const [x0, y0, x1, y1] = im.box;
    await paint((x, y) => x >= x0 && x < x1 && y >= y0 && y < y1);
    await sharp(
      Buffer.from(
        Uint8Array.from({ length: width! * height! }, (_, i) => {
          const [x, y] = [i % width!, Math.floor(i / width!)];
          return x >= x0 - 2 && x < x1 + 2 && y >= y0 - 2 && y < y1 + 2 ? 255 : 0;
        }),
      ),
      { raw: { width: width!, height: height!, channels: 1 } },
    )
      .png()
      .toFile(join(root, `ignore${k}.png`));
    lines.push(`${im.id},mask${k}.png,ignore${k}.png`);
  }
  writeFileSync(join(root, 'image_ids.txt'), images.map((im) => im.id).join('\n') + '\n');
  writeFileSync(join(root, 'class_labels.txt'), images.map((im) => `${im.id},${im.label}`).join('\n') + '\n');
  writeFileSync(join(root, 'localization.txt'), lines.join('\n') + `\n${images[0]!.id},missing.png,\n`);

  const ds = await loadDataset(root);
  assert.equal(ds.items.length, 4);
  // The first image lists a missing mask: its masks are dropped with one warning naming it.
  assert.equal(ds.items[0]!.masks, undefined);
  assert.ok(
    ds.warnings.some((w) => /localization\.txt:1: mask of .*missing\.png|missing/.test(w)),
    ds.warnings.join('; '),
  );
  assert.deepEqual(ds.items[1]!.masks, { kind: 'maskFiles', instances: [join(root, 'mask1.png')], ignore: join(root, 'ignore1.png') });
  const mask = (await loadGroundTruthMask(ds.items[1]!))!;
  assert.equal(mask.length, 224 * 224);
  assert.ok(mask.includes(1) && mask.includes(0) && mask.includes(255));

  const r = await runCli([
    'eval',
    '--model',
    DEMO_MODEL,
    '--dataset',
    root,
    '--methods',
    'gradcam',
    '--no-faithfulness',
    '--bootstrap',
    '50',
    '--json',
    join(dir, 'e.json'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(dir, 'e.json'), 'utf8')) as EvaluationSummary;
  // The reference: camscope explain's maps (all four predicted right, so the top-1 map is the GT-class map) through the accumulator.
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
  for (const k of [1, 2, 3]) {
    const m = explained.results[k]!.maps[0]!;
    acc.add(
      scoremapFromMap({ width: m.width, height: m.height, values: Float32Array.from(m.values) }).values,
      (await loadGroundTruthMask(ds.items[k]!))!,
    );
  }
  assert.ok(Math.abs(summary.methods.gradcam!.pxap! - acc.result().pxap!) < 1e-9, `${summary.methods.gradcam!.pxap} vs ${acc.result().pxap}`);
  assert.ok(summary.methods.gradcam!.pxap! > 50, 'Grad-CAM on the shapes model covers its objects');
  assert.equal(summary.methods.gradcam!.maxboxacc, null, 'no boxes in a mask dataset');
  const iv = summary.uncertainty!.methods.gradcam!.pxap!;
  assert.ok(iv[0] <= iv[1]);
});
