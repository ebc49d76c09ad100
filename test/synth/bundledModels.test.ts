// The three bundled models (scripts/models/trainShapes.py): metadata, classes, CAM applicability, their accuracy
// measured afresh on newly generated images of the distribution each was trained for, and the demo images
// classified as their ground truth says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Explainer } from '../../src-main/explain/explainer.js';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { Labels } from '../../src-main/model/labels.js';
import { preprocessingFromMetadata } from '../../src-main/model/preprocessing.js';
import { SHAPE_CLASSES } from '../../src-main/synth/shapes.js';
import { generateSynth } from '../../src-main/synth/generate.js';
import type { Scenario, Split } from '../../src-main/synth/scene.js';
import type { Box, ExplainReport } from '../../src-shared/explainTypes.js';
import { runCli } from '../helpers/cli.js';

/** Each model with the distribution it was trained for (models/models.json claims ≥ 95 % there). */
const MODELS: { name: string; cam: boolean; scenario: Scenario; split: Split }[] = [
  { name: 'shapes-gap', cam: true, scenario: 'single', split: 'test' },
  { name: 'shapes-fc', cam: false, scenario: 'single', split: 'test' },
  { name: 'shapes-shortcut', cam: true, scenario: 'shortcut', split: 'train' },
];
/** Fresh images: a seed the training script never used (it trains on seed 1 and tests on seed 2). */
const FRESH_SEED = 12;
const FRESH_COUNT = 40;
const demo = JSON.parse(readFileSync('models/demo/boxes.json', 'utf8')) as Record<string, { label: number; box: Box }>;

for (const { name, cam, scenario, split } of MODELS) {
  test(`${name}: 8 shape classes in its metadata, a default layer, CAM ${cam ? 'applicable' : 'refused with a reason'}`, async () => {
    const file = `models/${name}.onnx`;
    const bytes = statSync(file).size;
    assert.ok(bytes <= 2 * 1024 * 1024, `${file}: ${bytes} bytes`);
    const model = await ClassifierModel.open(file);
    assert.equal(model.numClasses, SHAPE_CLASSES.length);
    const labels = Labels.forModel(model.metadata, model.numClasses, undefined);
    assert.deepEqual(
      SHAPE_CLASSES.map((_, i) => labels.name(i)),
      [...SHAPE_CLASSES],
    );
    const pre = preprocessingFromMetadata(model.metadata, file)!;
    assert.deepEqual([pre.width, pre.height, pre.mean, pre.std], [128, 128, [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]]);
    const defaults = model.layerCandidates().filter((l) => l.isDefault);
    assert.equal(defaults.length, 1);
    const applicability = defaults[0]!.cam;
    assert.equal(applicability.applicable, cam);
    if (!applicability.applicable) assert.ok(applicability.reason.length > 0);
  });

  test(`${name}: at least 90 % accurate on ${FRESH_COUNT} newly generated ${scenario} (${split}) images`, async (t) => {
    const out = mkdtempSync(join(tmpdir(), 'camscope-fresh-'));
    t.after(() => rmSync(out, { recursive: true, force: true }));
    const manifest = await generateSynth({ out, seed: FRESH_SEED, count: FRESH_COUNT, scenarios: [scenario], split, size: 128 });
    const ex = await Explainer.open(`models/${name}.onnx`);
    try {
      const results = await ex.explain(
        manifest.images.map((i) => join(out, i.id)),
        { methods: [], target: 'top1' },
      );
      const correct = results.filter((r, i) => r.predictions[0]!.index === manifest.images[i]!.label).length;
      assert.ok(correct / results.length >= 0.9, `${name}: ${correct}/${results.length} correct`);
    } finally {
      await ex.close();
    }
  });
}

test('shapes-gap classifies each demo image (one per class) as its label', async () => {
  assert.deepEqual(
    Object.values(demo)
      .map((d) => d.label)
      .sort(),
    SHAPE_CLASSES.map((_, i) => i),
  );
  const images = Object.keys(demo).map((f) => join('models/demo', f));
  const run = await runCli(['explain', '--model', 'models/shapes-gap.onnx', '--method', 'cam', ...images.flatMap((i) => ['--image', i])]);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as ExplainReport;
  for (const r of report.results) {
    const file = r.image.slice('models/demo/'.length);
    const truth = demo[file]!;
    assert.ok(file.startsWith(`${SHAPE_CLASSES[truth.label]}_`), file);
    assert.equal(r.predictions[0]!.index, truth.label, file);
  }
});

test('Grad-CAM explains the fc and shortcut models; CAM on shapes-fc is refused', async () => {
  const image = join('models/demo', Object.keys(demo)[0]!);
  for (const name of ['shapes-fc', 'shapes-shortcut']) {
    const run = await runCli(['explain', '--model', `models/${name}.onnx`, '--image', image, '--method', 'gradcam']);
    assert.equal(run.code, 0, run.stderr);
    assert.ok((JSON.parse(run.stdout) as ExplainReport).results[0]!.maps[0]!.box, name);
  }
  const refused = await runCli(['explain', '--model', 'models/shapes-fc.onnx', '--image', image, '--method', 'cam']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^camscope: .*\n$/);
});
