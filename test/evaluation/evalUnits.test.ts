// The small pieces of eval and its reports: .npy bytes against numpy's np.save (fixtures/makeNpyFixtures.py,
// numpy 1.24), the flat metrics column, CSV quoting, the analytic CAM/Grad-CAM error, chart ticks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpyFloat32, writeScoremap } from '../../src-main/evaluation/npyExport.js';
import { packMetrics, unpackMetrics } from '../../src-main/evaluation/storedMetrics.js';
import { MetricAggregator, analyticError, methodPairs } from '../../src-main/evaluation/imageMetrics.js';
import { type ImageEvaluation, methodEvaluation } from '../../src-main/evaluation/evaluationResult.js';
import { ROAD_PERCENTAGES } from '../../src-main/evaluation/metrics/index.js';
import { csvField } from '../../src-main/report/csvReport.js';
import { ticks } from '../../src-main/report/svgCharts.js';
import { deletionFractions } from '../../src-main/evaluation/faithfulness.js';

const fixture = (name: string) => readFileSync(join('test/evaluation/fixtures', name));

test('.npy files are byte-identical to numpy.save of the same float32 arrays', () => {
  const a = Float32Array.from([0, 1, 2, 3, 4, 5], (v) => v / 5);
  assert.deepEqual(encodeNpyFloat32(a, [2, 3]), fixture('arange2x3.npy'));
  assert.deepEqual(encodeNpyFloat32(new Float32Array(5).fill(0.25), [5]), fixture('quarter5.npy'));
  assert.throws(() => encodeNpyFloat32(a, [4, 2]), /6 values for shape 4×2/);
});

test('score maps go to <root>/<method>/<image id>.npy; ids leaving the root are refused', () => {
  const root = mkdtempSync(join(tmpdir(), 'camscope-npy-'));
  const file = writeScoremap(root, 'gradcam++:torchcam', 'val/n01/x.JPEG', { width: 2, height: 2, values: [0, 1, 2, 3] });
  assert.equal(file, join(root, 'gradcam++-torchcam', 'val/n01/x.JPEG.npy'));
  assert.throws(() => writeScoremap(root, 'cam', '../escape.png', { width: 1, height: 2, values: [0, 1] }), /not a relative path/);
});

test('metrics pack into flat numbers and back, vectors element-wise, nulls left out', () => {
  const packed = packMetrics({ iou: 0.5, gt_iou: null, adcc: 12 }, { deletion: [0.9, 0.1], gt_map: Float32Array.from([1, -2]) });
  assert.deepEqual(packed, { iou: 0.5, adcc: 12, 'deletion.0': 0.9, 'deletion.1': 0.1, 'gt_map.0': 1, 'gt_map.1': -2 });
  assert.deepEqual(unpackMetrics(packed, ['iou', 'gt_iou', 'adcc']), {
    values: { iou: 0.5, gt_iou: null, adcc: 12 },
    vectors: { deletion: [0.9, 0.1], gt_map: [1, -2] },
  });
  assert.throws(() => packMetrics({ 'a.b': 1 }), /must not contain/);
});

test('CSV fields are quoted only when they must be (RFC 4180)', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField(null), '');
  assert.equal(csvField(Number.NaN), '');
  assert.equal(csvField(0.25), '0.25');
});

test('analytic error: max |Grad-CAM − ReLU(CAM)/(H·W)|, hand-worked on a 2×2 map', () => {
  const cam = { target: 0, width: 2, height: 2, values: Float32Array.from([4, -8, 2, 0]), box: null };
  const exact = { ...cam, values: Float32Array.from([1, 0, 0.5, 0]) };
  assert.equal(analyticError(cam, exact), 0);
  const off = { ...cam, values: Float32Array.from([1, 0.25, 0.5, 0]) };
  assert.equal(analyticError(cam, off), 0.25);
  assert.deepEqual(methodPairs(['cam', 'gradcam', 'layercam']), [
    ['cam', 'gradcam'],
    ['cam', 'layercam'],
    ['gradcam', 'layercam'],
  ]);
});

test('deletion curve fractions: one input row per step, ending at 1', () => {
  assert.deepEqual(deletionFractions({ channels: 3, width: 4, height: 2 }), [0, 0.5, 1]);
  assert.deepEqual(
    deletionFractions({ channels: 3, width: 3, height: 3 }).map((f) => f * 9),
    [0, 3, 6, 9],
  );
});

test('chart ticks are round steps covering the range', () => {
  assert.deepEqual(ticks(0, 100), [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(ticks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(ticks(-1, 1), [-1, -0.5, 0, 0.5, 1]);
  assert.deepEqual(ticks(3, 3), [3]);
});

test('ROAD numbers aggregate like the other faithfulness numbers: mean per-image value, mean MoRF/LeRF curve over the shares', () => {
  const map = { target: 0, width: 1, height: 1, values: Float32Array.from([1]), box: null };
  const ids = ['gradcam'];
  const agg = new MetricAggregator(ids, [0, 1]);
  const images: ImageEvaluation[] = [0.2, 0.4].map((morf, k) => {
    const item = { id: `i${k}`, path: `/i${k}.png`, label: null, boxes: [], width: 1, height: 1 };
    const curves = { morf: ROAD_PERCENTAGES.map(() => morf), lerf: ROAD_PERCENTAGES.map((_, j) => j / 10) };
    agg.add('gradcam', item, { top1: map, gt: null }, curves);
    return {
      item,
      predictions: [],
      gtIndex: null,
      correct: null,
      methods: { gradcam: methodEvaluation(map, { road_morf: morf, road_lerf: 0.4 }) },
      pairs: {},
    };
  });
  const { summary, curves } = agg.result(images, {}, String, null);
  assert.ok(Math.abs(summary.methods.gradcam!.road_morf! - 0.3) < 1e-15);
  assert.equal(summary.methods.gradcam!.road_lerf, 0.4);
  assert.deepEqual(curves.gradcam!.morf!.x, [...ROAD_PERCENTAGES]);
  assert.ok(curves.gradcam!.morf!.y.every((v) => Math.abs(v - 0.3) < 1e-15));
  assert.deepEqual(
    curves.gradcam!.lerf!.y,
    ROAD_PERCENTAGES.map((_, j) => j / 10),
  );
  assert.equal(summary.uncertainty, null, 'no bootstrap asked');
});
