// README's demo-study tables are rendered from docs/demo-study.json, and that file is what the engine measures: its
// aggregates follow from its per-image records, and the records of the ImageNet photos and of a few synthetic images
// are recomputed here with the Explainer (not the evaluation that wrote them), so a stale or hand-edited file fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../../src-main/datasets/index.js';
import type { DatasetItem } from '../../src-main/datasets/datasetTypes.js';
import type { ImageRecord } from '../../src-main/demo/studySummary.js';
import { uniqueChoices } from '../../src-main/evaluation/applicableMethods.js';
import { Explainer } from '../../src-main/explain/explainer.js';
import { defaultLabelOffset } from '../../src-main/model/labels.js';
import { DEMO_COUNT, DEMO_IMAGE_SIZE, DEMO_MODELS, DEMO_SEED, demoModelPath, demoPhotosDir } from '../../src-main/services/demoProject.js';
import { generateSynth } from '../../src-main/synth/generate.js';
import { IOU_HIT, bestIoU } from '../../src-shared/wsolBox.js';
import { demoStudySummary, demoTables } from '../../scripts/readme/demoTables.js';
import { blockBody } from '../../scripts/readme/generatedBlocks.js';

const README = readFileSync('README.md', 'utf8');
const study = demoStudySummary();
/** The file keeps six decimals; ONNX Runtime may differ in the last float bits between batch sizes. */
const TOLERANCE = 1e-4;
const SPOT_SCENARIO = 'distractor';
const SPOT_MODEL = 'shapes-gap';
const SPOT_IMAGES = 4;

test('README: the demo tables are generated from docs/demo-study.json', () => {
  for (const [name, body] of Object.entries(demoTables(study))) {
    assert.equal(blockBody(README, name), body, `${name}: rewrite it with node --import tsx scripts/readme/writeReadme.ts`);
  }
});

test('docs/demo-study.json: the demo as built, and every aggregate follows from its per-image records', () => {
  assert.deepEqual(study.synth, { seed: DEMO_SEED, count: DEMO_COUNT, size: DEMO_IMAGE_SIZE, split: 'test' });
  assert.deepEqual(
    study.sections.map((s) => `${s.scenario}|${s.model}`),
    DEMO_MODELS.flatMap(({ name, scenarios }) => scenarios.map((s) => `${s}|${name}`)),
  );
  const share = (hits: boolean[]) => (100 * hits.filter(Boolean).length) / hits.length;
  for (const s of study.sections) {
    const what = `${s.scenario} ${s.model}`;
    assert.equal(s.records.length, DEMO_COUNT, what);
    assert.equal(s.images, DEMO_COUNT, what);
    for (const r of s.records) assert.equal(r.correct, r.predicted.index === r.label! + s.labelOffset, `${what} ${r.id}`);
    assert.ok(Math.abs(s.accuracy! - share(s.records.map((r) => r.correct!))) < 1e-6, `${what}: accuracy`);
    for (const [m, metrics] of Object.entries(s.methods)) {
      const loc = share(s.records.map((r) => r.gt_iou[m]! >= IOU_HIT));
      assert.ok(Math.abs(metrics.gt_known_loc! - loc) < 1e-6, `${what} ${m}: GT-known Loc ${metrics.gt_known_loc} vs ${loc} from the records`);
    }
    assert.equal('cam' in s.refused, s.model === 'shapes-fc', `${what}: CAM refused only on the flatten → FC head`);
  }
});

/** Explains `items` as the study did and checks each against its record: prediction, and each method's two box IoUs. */
async function checkRecords(model: string, methods: string[], items: DatasetItem[], records: readonly ImageRecord[], labelOffset: number) {
  const ex = await Explainer.open(demoModelPath('.', model));
  try {
    assert.equal(labelOffset, defaultLabelOffset(ex.model.metadata, ex.model.numClasses), `${model}: the label offset recorded`);
    const choices = uniqueChoices(methods);
    const top1 = await ex.explain(
      items.map((it) => it.path),
      { methods: choices, target: 'top1' },
    );
    for (const [i, item] of items.entries()) {
      const what = `${model} ${item.id}`;
      const record = records.find((r) => r.id === item.id);
      assert.ok(record, `${what}: no record`);
      const logit = item.label! + labelOffset;
      const top = top1[i]!.predictions[0]!;
      assert.equal(record.label, item.label, `${what}: label in the dataset's numbering`);
      assert.deepEqual([record.predicted.index, record.predicted.label], [top.index, top.label], `${what}: prediction`);
      assert.ok(Math.abs(record.predicted.score - top.score) < TOLERANCE, `${what}: score ${record.predicted.score} vs ${top.score}`);
      assert.equal(record.correct, top.index === logit, `${what}: correct`);
      const [gtClass] = await ex.explain([item.path], { methods: choices, target: logit });
      for (const m of methods) {
        const iou = bestIoU(top1[i]!.maps.find((x) => x.method === m)!.box, item.boxes)!;
        const gtIou = bestIoU(gtClass!.maps.find((x) => x.method === m)!.box, item.boxes)!;
        assert.ok(Math.abs(record.iou[m]! - iou) < TOLERANCE, `${what} ${m}: top-1 box IoU ${record.iou[m]} vs ${iou}`);
        assert.ok(Math.abs(record.gt_iou[m]! - gtIou) < TOLERANCE, `${what} ${m}: GT-class box IoU ${record.gt_iou[m]} vs ${gtIou}`);
      }
    }
  } finally {
    await ex.close();
  }
}

test('docs/demo-study.json: the ImageNet photos records are what the bundled models predict and localize', async () => {
  const photos = await loadDataset(demoPhotosDir('.'), { format: 'wsolevaluation' });
  for (const p of study.photos) {
    assert.equal(p.records.length, photos.items.length, p.model);
    await checkRecords(p.model, p.methods, photos.items, p.records, p.labelOffset);
    const cat = p.records.find((r) => r.id === 'chelsea.png')!;
    assert.deepEqual([cat.label, cat.predicted.label, cat.correct], [285, 'Egyptian cat', true], `${p.model}: the lecture's cat`);
  }
});

test(`docs/demo-study.json: ${SPOT_IMAGES} ${SPOT_SCENARIO} records of ${SPOT_MODEL} are what the engine computes`, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'camscope-demo-spot-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  // Image i depends only on (seed, scenario, split, i): the first images of the demo's dataset, laid out as it is.
  const dir = join(out, SPOT_SCENARIO);
  await generateSynth({ out: dir, seed: DEMO_SEED, count: SPOT_IMAGES, scenarios: [SPOT_SCENARIO], split: 'test', size: DEMO_IMAGE_SIZE });
  const { items } = await loadDataset(dir, { format: 'wsolevaluation' });
  const section = study.sections.find((s) => s.scenario === SPOT_SCENARIO && s.model === SPOT_MODEL)!;
  assert.ok(
    items.some((it) => !section.records.find((r) => r.id === it.id)?.correct),
    'the spot check includes a misclassified image (its GT-class map differs from the top-1 map)',
  );
  await checkRecords(SPOT_MODEL, Object.keys(section.methods), items, section.records, section.labelOffset);
});
