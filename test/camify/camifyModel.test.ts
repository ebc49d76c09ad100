// camify on a tiny FC-head CNN (CAM refused): the written model is GAP → Gemm (linear head) or Conv 3×3 → ReLU →
// GAP → Gemm (conv-gap head) on the layer's exposed features, CAM applies to it, the layer is chosen by validation
// agreement unless given, the CLI reports what it explains, and bad input gives one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { camify } from '../../src-main/camify/camify.js';
import type { ConvGapHead } from '../../src-main/camify/convGapFit.js';
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
  const result = await camify({ model: source, dataset: join(work, 'images'), out, valSplit: 0.25, seed: 3, head: 'linear', layer: 'features' });
  assert.equal(result.layer, 'features');
  assert.equal(result.camLayer, 'features');
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

test('the conv-gap head: Conv 3×3 → ReLU (the CAM map, the default layer) → GAP → Gemm on the exposed features (1e-4)', async () => {
  const files = await imagesReady;
  const out = join(work, 'fc-convgap.onnx');
  const filters = 5;
  const result = await camify({ model: source, dataset: join(work, 'images'), out, valSplit: 0.25, seed: 3, layer: 'features', filters });
  assert.equal(result.record.head, 'conv-gap');
  assert.equal(result.record.sourceLayer, 'features');
  const refit = await ClassifierModel.open(out);
  assert.deepEqual(
    refit.index.nodes.map((n) => n.opType),
    ['Conv', 'Relu', 'Conv', 'Relu', 'GlobalAveragePool', 'Flatten', 'Gemm'],
  );
  assert.equal(refit.defaultLayer(), result.camLayer);
  assert.deepEqual(refit.mapShape(result.camLayer), [filters, SIZE, SIZE]);
  const head = camHeadAt(refit, result.camLayer);
  assert.ok(head.ok, head.ok ? '' : head.reason);
  const fit = result.fit.head as ConvGapHead;
  // The default dilation: taps 2 cells apart.
  const d = result.record.dilation!;
  assert.equal(d, 2);
  assert.equal(fit.dilation, 2);
  assert.deepEqual(head.weights, fit.weights);
  assert.deepEqual(head.bias, fit.bias);
  assert.match(
    result.description,
    /^CAM of the refit conv-gap head \(3×3 conv dilated 2, 5 filters, ReLU, GAP, linear\) on features, trained on the original model's predictions/,
  );

  // Its logits against conv → ReLU → GAP → Gemm computed here, in plain JavaScript, from the original's exposed layer.
  const original = await Explainer.open(source);
  const camified = await Explainer.open(out);
  try {
    const { input } = await original.loadBatch(files.slice(0, 6));
    const a = (await original.engine.forward(input, 6, ['features'])).layers.get('features')!.activations;
    const logits = (await camified.engine.forward(input, 6, [])).logits;
    const at = (row: number, ch: number, y: number, x: number) =>
      y < 0 || x < 0 || y >= SIZE || x >= SIZE ? 0 : a[((row * K + ch) * SIZE + y) * SIZE + x]!;
    let worst = 0;
    for (let row = 0; row < 6; row++) {
      const pooled = Array.from({ length: filters }, (_, f) => {
        let sum = 0;
        for (let y = 0; y < SIZE; y++) {
          for (let x = 0; x < SIZE; x++) {
            let z = fit.convBias[f]!;
            for (let ch = 0; ch < K; ch++)
              for (let i = 0; i < 3; i++)
                for (let j = 0; j < 3; j++) z += fit.convWeights[((f * K + ch) * 3 + i) * 3 + j]! * at(row, ch, y + (i - 1) * d, x + (j - 1) * d);
            sum += Math.max(0, z);
          }
        }
        return sum / (SIZE * SIZE);
      });
      for (let c = 0; c < CLASSES; c++) {
        const expected = fit.bias[c]! + pooled.reduce((s, v, f) => s + fit.weights[c * filters + f]! * v, 0);
        worst = Math.max(worst, Math.abs(logits[row * CLASSES + c]! - expected) / Math.max(1, Math.abs(expected)));
      }
    }
    assert.ok(worst <= 1e-4, `max relative difference ${worst}`);
  } finally {
    await original.close();
    await camified.close();
  }
  const explained = await runCli(['explain', '--model', out, '--image', files[0]!, '--method', 'cam']);
  assert.equal(explained.code, 0, explained.stderr);
  assert.equal(JSON.parse(explained.stdout).results[0].maps[0].layer, result.camLayer);
});

test('without --layer: candidates finer first; the first to reach --min-agreement wins, else the best agreement', async () => {
  await imagesReady;
  const run = (minAgreement: number, out: string) =>
    camify({ model: source, dataset: join(work, 'images'), out: join(work, out), valSplit: 0.25, seed: 3, head: 'linear', minAgreement });
  // Any agreement reaches 0: the finest candidate, the only one fit.
  const first = await run(0, 'auto0.onnx');
  assert.deepEqual(
    first.record.candidates!.map((t) => t.layer),
    ['features'],
  );
  assert.equal(first.layer, 'features');
  // Only a perfect agreement reaches 1: unless 'features' has it, both are fit and the best (ties: finer) wins.
  const strict = await run(1, 'auto1.onnx');
  const tried = strict.record.candidates!;
  if (tried[0]!.valAgreement === 1) assert.equal(tried.length, 1);
  else {
    assert.deepEqual(
      tried.map((t) => t.layer),
      ['features', 'pooled'],
    );
    const best = Math.max(...tried.map((t) => t.valAgreement!));
    assert.equal(strict.record.valAgreement, best);
    assert.equal(strict.layer, tried.find((t) => t.valAgreement === best)!.layer);
  }
});

test('the same seed writes the same model; the CLI prints where and what', async () => {
  await imagesReady;
  const a = await runCli(['camify', '--model', source, '--dataset', join(work, 'images'), '--seed', '5', '--out', join(work, 'a.onnx')]);
  const b = await runCli(['camify', '--model', source, '--dataset', join(work, 'images'), '--seed', '5', '--out', join(work, 'b.onnx')]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.match(a.stdout, /a\.onnx: CAM of the refit conv-gap head \(3×3 conv dilated 2, 32 filters, ReLU, GAP, linear\) on (features|pooled)/);
  assert.deepEqual(readFileSync(join(work, 'a.onnx')), readFileSync(join(work, 'b.onnx')));
});

test('--target-source labels fits the labels of a class-folder dataset and reports accuracy against them', async () => {
  const dir = join(work, 'labelled');
  for (const [i, name] of ['a', 'b', 'c'].entries()) await writeImages(join(dir, name), 12, 30 + i);
  const result = await camify({
    model: source,
    dataset: dir,
    out: join(work, 'labelled.onnx'),
    targetSource: 'labels',
    valSplit: 0.25,
    head: 'linear',
  });
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
    [['--dataset', join(work, 'images'), '--head', 'mlp'], /--head: expected conv-gap or linear, got 'mlp'/],
    [['--dataset', join(work, 'images'), '--filters', '0'], /--filters: expected an integer ≥ 1, got 0/],
    [['--dataset', join(work, 'images'), '--dilation', '0'], /--dilation: expected an integer ≥ 1, got 0/],
    [['--dataset', join(work, 'images'), '--min-agreement', '2'], /--min-agreement: expected a fraction in \[0, 1\], got 2/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['camify', '--model', source, ...args, ...(args.includes('--out') ? [] : ['--out', join(work, 'bad.onnx')])]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
