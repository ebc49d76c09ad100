// `camscope explain --method ablationcam,reciprocam,scorecam` end to end on the tiny GAP model.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { camHeadAt } from '../../src-main/model/camHead.js';
import type { ExplainReport } from '../../src-shared/explainTypes.js';
import { runCli } from '../helpers/cli.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-perturb-cli-'));
const model = join(dir, 'gap.onnx');
const image = join(dir, 'blob.png');

before(async () => {
  writeModel(model, gapClassifier({ k: 5, classes: 3, size: 12 }));
  // A bright disc on a dark background, so maps are not constant.
  const px = Buffer.alloc(24 * 24 * 3);
  for (let y = 0; y < 24; y++) {
    for (let x = 0; x < 24; x++) {
      const inside = (x - 8) ** 2 + (y - 14) ** 2 < 30;
      px.set(inside ? [230, 200, 40] : [20, 40, 90], (y * 24 + x) * 3);
    }
  }
  await sharp(px, { raw: { width: 24, height: 24, channels: 3 } })
    .png()
    .toFile(image);
});

test('explain --method ablationcam,reciprocam,scorecam writes maps, boxes and overlays', async () => {
  const json = join(dir, 'out.json');
  const out = join(dir, 'overlays');
  const r = await runCli([
    'explain',
    '--model',
    model,
    '--image',
    image,
    '--method',
    'ablationcam,reciprocam,scorecam',
    '--json',
    json,
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(readFileSync(json, 'utf8')) as ExplainReport;
  const maps = report.results[0]!.maps;
  assert.deepEqual(
    maps.map((m) => m.method),
    ['ablationcam', 'reciprocam', 'scorecam'],
  );
  for (const m of maps) {
    assert.equal(m.values.length, m.width * m.height, m.method);
    assert.equal(m.width * m.height, 144, `${m.method}: at the layer's 12×12 resolution`);
    assert.ok(m.values.every(Number.isFinite), `${m.method}: finite`);
    assert.ok(Math.max(...m.values) > Math.min(...m.values), `${m.method}: not constant`);
    assert.ok(m.box, `${m.method}: a box`);
    assert.ok(existsSync(join(out, `blob.${m.method}.png`)), `${m.method}: overlay written`);
  }
  assert.ok(
    maps[1]!.values.every((v) => v > 0 && v < 1),
    'Recipro-CAM (default) maps softmax scores',
  );
  assert.ok(maps[0]!.values.every((v) => v >= 0) && maps[2]!.values.every((v) => v >= 0), 'Ablation-CAM and Score-CAM end in a ReLU');
  assert.match(r.stderr, /ablationcam box .*reciprocam box .*scorecam box/);
});

test('explain mixes perturbation, gradient and CAM methods in one run; Recipro-CAM single-logit = CAM/(h·w) + b', async () => {
  const r = await runCli([
    'explain',
    '--model',
    model,
    '--image',
    image,
    '--target',
    '2',
    '--method',
    'cam,gradcam,reciprocam:single-logit,ablationcam:pytorchgradcam,scorecam:channels',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as ExplainReport;
  const maps = report.results[0]!.maps;
  assert.deepEqual(
    maps.map((m) => m.method),
    ['cam', 'gradcam', 'reciprocam:single-logit', 'ablationcam:pytorchgradcam', 'scorecam:channels'],
  );
  const m = await ClassifierModel.open(model);
  const head = camHeadAt(m, m.defaultLayer());
  assert.ok(head.ok);
  const cam = maps[0]!.values;
  const size = cam.length;
  maps[2]!.values.forEach((v, i) => {
    const expected = cam[i]! / size + head.bias[2]!;
    assert.ok(Math.abs(v - expected) <= 1e-5 * Math.max(1, Math.abs(expected)), `position ${i}: ${v} vs ${expected}`);
  });
});

test('explain --method scorecam:nope names the variants', async () => {
  const r = await runCli(['explain', '--model', model, '--image', image, '--method', 'scorecam:nope']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /'scorecam' has no variant 'nope' \(classes, channels, pytorchgradcam, topvar\)/);
});
