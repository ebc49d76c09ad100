// camify on a tiny FC-head CNN (CAM refused): the written model is GAP → Gemm on the layer's exposed
// features, CAM applies to it, the CLI reports what it explains, and bad input gives one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { camify } from '../../src-main/camify/camify.js';
import { camifyDescription } from '../../src-main/model/camifyMetadata.js';
import { Explainer } from '../../src-main/explain/explainer.js';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { camHeadAt } from '../../src-main/model/camHead.js';
import { metadataMap } from '../../src-main/onnx/onnxModel.js';
import { runCli } from '../helpers/cli.js';
import { CLASSES, K, PREPROCESSING, SIZE, fcHeadClassifier, writeImages } from './tinyFcModel.js';

const work = mkdtempSync(join(tmpdir(), 'camscope-camify-'));
const source = join(work, 'fc.onnx');
writeFileSync(source, fcHeadClassifier());
const imagesReady = writeImages(join(work, 'images'), 80, 9);

test('the tiny model refuses CAM at its default layer', async () => {
  const m = await ClassifierModel.open(source);
  assert.equal(m.defaultLayer(), 'features');
  assert.equal(camHeadAt(m, 'features').ok, false);
});

test('the camified model is GAP → Gemm on the exposed features (1e-4), CAM applies, metadata says what it explains', async () => {
  const files = await imagesReady;
  const out = join(work, 'fc-gap.onnx');
  const result = await camify({ model: source, dataset: join(work, 'images'), out, valSplit: 0.25, seed: 3 });
  assert.equal(result.layer, 'features');
  assert.equal(result.record.valImages, 20);
  assert.equal(result.record.trainImages, 60);

  const refit = await ClassifierModel.open(out);
  assert.equal(refit.defaultLayer(), 'features');
  const head = camHeadAt(refit, 'features');
  assert.ok(head.ok, head.ok ? '' : head.reason);
  assert.deepEqual(head.weights, result.fit.head.weights);
  assert.deepEqual(head.bias, result.fit.head.bias);
  // Pruned: only the conv stack up to the layer, then the new head.
  assert.deepEqual(
    refit.index.nodes.map((n) => n.opType),
    ['Conv', 'Relu', 'GlobalAveragePool', 'Flatten', 'Gemm'],
  );
  const meta = metadataMap(refit.model);
  assert.deepEqual(JSON.parse(meta['camscope.preprocessing']!), JSON.parse(PREPROCESSING));
  assert.equal(meta['camscope.labels'], JSON.stringify(['a', 'b', 'c', 'd']));
  const record = JSON.parse(meta['camscope.camify']!);
  assert.equal(record.sourceSha256, (await ClassifierModel.open(source)).sha256);
  assert.equal(record.targetSource, 'model');
  assert.match(
    camifyDescription(meta)!,
    /^CAM of the refit GAP head on features, trained on the original model's predictions \(agreement \d+\.\d % with the original model on 20 validation images\)$/,
  );

  // Its logits against GAP → Gemm computed here from the original model's exposed layer.
  const original = await Explainer.open(source);
  const camified = await Explainer.open(out);
  try {
    const { input } = await original.loadBatch(files.slice(0, 10));
    const exposed = await original.engine.forward(input, 10, ['features']);
    const a = exposed.layers.get('features')!.activations;
    const logits = (await camified.engine.forward(input, 10, [])).logits;
    const plane = SIZE * SIZE;
    let worst = 0;
    for (let row = 0; row < 10; row++) {
      const pooled = Array.from(
        { length: K },
        (_, ch) => a.subarray((row * K + ch) * plane, (row * K + ch + 1) * plane).reduce((s, v) => s + v, 0) / plane,
      );
      for (let c = 0; c < CLASSES; c++) {
        const expected = result.fit.head.bias[c]! + pooled.reduce((s, v, ch) => s + result.fit.head.weights[c * K + ch]! * v, 0);
        worst = Math.max(worst, Math.abs(logits[row * CLASSES + c]! - expected) / Math.max(1, Math.abs(expected)));
      }
    }
    assert.ok(worst <= 1e-4, `max relative difference ${worst}`);
    // Validation agreement as recorded: the refit head's top-1 against the original's on the held-out images.
    assert.ok(result.record.valAgreement! >= 0 && result.record.valAgreement! <= 1);
  } finally {
    await original.close();
    await camified.close();
  }

  // The CLI shows the description in `layers` and in explain JSON, and CAM runs on the new model.
  const layers = await runCli(['layers', '--model', out]);
  assert.equal(layers.code, 0, layers.stderr);
  assert.ok(layers.stdout.includes(result.description), layers.stdout);
  const explained = await runCli(['explain', '--model', out, '--image', files[0]!, '--method', 'cam']);
  assert.equal(explained.code, 0, explained.stderr);
  assert.equal(JSON.parse(explained.stdout).model.refitHead, result.description);
});

test('the same seed writes the same model; the CLI prints where and what', async () => {
  await imagesReady;
  const a = await runCli(['camify', '--model', source, '--dataset', join(work, 'images'), '--seed', '5', '--out', join(work, 'a.onnx')]);
  const b = await runCli(['camify', '--model', source, '--dataset', join(work, 'images'), '--seed', '5', '--out', join(work, 'b.onnx')]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.match(a.stdout, /a\.onnx: CAM of the refit GAP head on features/);
  assert.deepEqual(readFileSync(join(work, 'a.onnx')), readFileSync(join(work, 'b.onnx')));
});

test('--target-source labels fits the labels of a class-folder dataset and reports accuracy against them', async () => {
  const dir = join(work, 'labelled');
  for (const [i, name] of ['a', 'b', 'c'].entries()) await writeImages(join(dir, name), 12, 30 + i);
  const result = await camify({ model: source, dataset: dir, out: join(work, 'labelled.onnx'), targetSource: 'labels', valSplit: 0.25 });
  assert.equal(result.record.targetSource, 'labels');
  assert.equal(result.record.valImages, 9);
  assert.ok(result.record.valAccuracy !== null && result.record.valAgreement !== null);
  assert.match(
    result.description,
    /trained on the dataset labels \(agreement \d+\.\d % with the original model on 9 validation images, accuracy \d+\.\d % against labels\)$/,
  );
});

test('bad input: missing layer, fewer than 2 classes, empty dataset — one line each, exit 2', async () => {
  await imagesReady;
  const empty = join(work, 'empty');
  mkdirSync(empty, { recursive: true });
  const oneClass = join(work, 'one-class');
  await writeImages(join(oneClass, 'cats'), 4, 17);
  const cases: [string[], RegExp][] = [
    [['--layer', 'nope', '--dataset', join(work, 'images')], /'nope' is not a candidate layer/],
    [['--dataset', oneClass, '--target-source', 'labels'], /one-class: the labels name 1 class; a classifier head needs at least 2/],
    [['--dataset', empty], /empty: no images/],
    [['--dataset', join(work, 'images'), '--out', source], /fc\.onnx: --out would overwrite the source model/],
    [['--dataset', join(work, 'images'), '--val-split', '1.5'], /--val-split: expected a fraction in \[0, 1\)/],
    [['--dataset', join(work, 'images'), '--target-source', 'labels'], /images: --target-source labels needs a label for every image/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['camify', '--model', source, ...args, ...(args.includes('--out') ? [] : ['--out', join(work, 'bad.onnx')])]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
