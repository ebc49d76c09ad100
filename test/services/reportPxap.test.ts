// PxAP in report.export from the masks the project stores: a VOC dataset (label PNGs, void ignored) imported into a
// project, a Grad-CAM run in the app, and the report's PxAP equal to `camscope eval --dataset`'s on the same images;
// a mask file gone since the import leaves that image out of PxAP with one warning naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Workspace } from '../../src-main/services/workspace.js';
import type { EvaluationSummary } from '../../src-shared/evaluationTypes.js';
import { DEMO_MODEL } from '../evaluation/evalFixtures.js';
import { demoImages, evalPxap, vocDataset } from '../evaluation/vocMaskFixtures.js';

test("report.export's PxAP from stored VOC masks equals camscope eval's; a vanished mask file warns", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-report-pxap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const images = demoImages();
  const voc = join(dir, 'voc');
  await vocDataset(voc, images);
  const want = (await evalPxap(dir, voc, 'voc')).methods.gradcam!.pxap!;
  assert.ok(want > 50 && want < 100, `Grad-CAM covers the objects (${want})`);

  const ws = Workspace.open(join(dir, 'p.camscope'), { create: true });
  t.after(() => ws.close());
  const finished = new Promise<void>((resolve) => ws.onEvent((e) => e === 'run.finished' && resolve()));
  const h = ws.handlers();
  const imported = await h['images.import']({ paths: [voc], format: 'voc' });
  assert.equal(imported.added, 4);
  const model = await h['models.add']({ path: DEMO_MODEL });
  const [run] = await h['runs.start']({ modelId: model.id, methods: ['gradcam'], target: 'top1' });
  await finished;

  const report = async (out: string) => {
    const r = await h['report.export']({ runIds: [run!.id], formats: ['json'], out: join(dir, out) });
    return { warnings: r.warnings ?? [], summary: JSON.parse(readFileSync(r.files[0]!, 'utf8')) as EvaluationSummary };
  };
  const full = await report('r1');
  assert.deepEqual(full.warnings, []);
  assert.equal(full.summary.images, 4);
  const got = full.summary.methods.gradcam!.pxap!;
  assert.ok(Math.abs(got - want) < 1e-9, `report ${got} vs eval ${want}`);

  // The first image's label PNG removed: PxAP over the other three, which eval on a dataset without it also gives.
  const gone = join(voc, 'SegmentationClass', basename(images[0]!.path));
  rmSync(gone);
  const partial = await report('r2');
  assert.equal(partial.warnings.length, 1);
  assert.match(partial.warnings[0]!, new RegExp(`mask file not found: 'SegmentationClass/${basename(gone)}'; PxAP leaves the image out`));
  assert.equal(partial.summary.images, 4, 'the image stays in the other metrics');
  const three = join(dir, 'voc3');
  await vocDataset(three, images.slice(1));
  const want3 = (await evalPxap(dir, three, 'voc')).methods.gradcam!.pxap!;
  assert.ok(Math.abs(partial.summary.methods.gradcam!.pxap! - want3) < 1e-9, `${partial.summary.methods.gradcam!.pxap} vs ${want3}`);
});
