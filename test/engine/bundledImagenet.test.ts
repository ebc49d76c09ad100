// The bundled ImageNet classifiers (Coral's quantized MobileNets converted to weights-only QDQ ONNX by
// scripts/models/convertCoral.py) on the bundled photos: camscope's top-1 is the one the TFLite's own integer
// pipeline gives (re-implemented in that script, recorded in models/imagenet-models.json) and its score is the
// float graph's within the resize difference (sharp here, torch there); the boxes are annotated by hand.
// With ../shared present, the bundled MobileNetV2 gives the logits of an independent float dequantization of the
// same Coral model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Explainer } from '../../src-main/explain/explainer.js';
import { parseMethod } from '../../src-main/explain/methods/index.js';
import { loadDataset } from '../../src-main/datasets/index.js';

const MODELS = 'models';
const PHOTOS = join(MODELS, 'photos');
interface Check {
  photo: string;
  top1: string;
  score: number;
  int8_top1: string;
  int8_score: number;
}
const recorded = JSON.parse(readFileSync(join(MODELS, 'imagenet-models.json'), 'utf8')) as Record<string, { file: string; check: Check[] }>;

for (const [name, entry] of Object.entries(recorded)) {
  test(`${name}: the bundled photos are classified as the TFLite integer pipeline classifies them`, async () => {
    const ex = await Explainer.open(join(MODELS, entry.file)); // preprocessing and labels from the model's metadata
    try {
      const photos = entry.check.map((c) => join(PHOTOS, c.photo));
      const results = await ex.explain(photos, { methods: [parseMethod('gradcam')], target: 'top1' });
      results.forEach((r, i) => {
        const c = entry.check[i]!;
        const top = r.predictions[0]!;
        assert.equal(top.label, c.int8_top1, `${c.photo}: top-1`);
        assert.ok(
          Math.abs(top.score - c.score) < 0.02,
          `${c.photo}: score ${top.score.toFixed(3)} vs the float graph's ${c.score} (resized by torch)`,
        );
      });
    } finally {
      await ex.close();
    }
  });
}

test('the bundled models keep their integer weights (DequantizeLinear) and stay small', () => {
  let bytes = 0;
  for (const { file } of Object.values(recorded)) {
    const raw = readFileSync(join(MODELS, file));
    bytes += raw.length;
    assert.ok(raw.includes('DequantizeLinear'), `${file} holds DequantizeLinear nodes`);
  }
  assert.ok(bytes + statSync(join(MODELS, 'photos')).size < 35e6, `${(bytes / 1e6).toFixed(1)} MB`);
});

test('the bundled photos: wsolevaluation metadata with a hand-drawn box each; chelsea is an Egyptian cat (ImageNet 285)', async () => {
  const ds = await loadDataset(PHOTOS);
  assert.equal(ds.items.length, 3);
  const cat = ds.items.find((i) => i.path.endsWith('chelsea.png'))!;
  assert.equal(cat.label, 285);
  assert.deepEqual(cat.boxes, [[0, 0, 391, 300]]);
});

const SHARED = '../shared/models/imagenet-mobilenetv2/mobilenetv2_imagenet_float.onnx';
test(
  'bundled MobileNetV2 ≈ the float dequantization of the same Coral model in ../shared',
  { skip: !existsSync(SHARED) && '../shared not present' },
  async () => {
    const x = new Float32Array(2 * 3 * 224 * 224);
    let s = 7;
    for (let i = 0; i < x.length; i++) x[i] = ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const run = async (file: string) => {
      const sess = await ort.InferenceSession.create(file);
      const out = await sess.run({ [sess.inputNames[0]!]: new ort.Tensor('float32', x, [2, 3, 224, 224]) });
      return out[sess.outputNames[0]!]!.data as Float32Array;
    };
    const [ours, theirs] = [await run(join(MODELS, 'mobilenet-v2-imagenet.onnx')), await run(SHARED)];
    assert.equal(ours.length, theirs.length);
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!));
    assert.ok(worst < 1e-3, `max |Δ logit| ${worst}`);
  },
);
