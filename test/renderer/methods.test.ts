// Method naming and the comparison grid's columns (methods × models, CAM and Grad-CAM first, blocked CAM explained).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelInfo, RunInfo } from '../../src-shared/ipc.js';
import { compareColumns, compareMethods, counterpartRun, latestDoneRun, methodLabel } from '../../src-renderer/lib/methods.js';
import { splitMethod } from '../../src-shared/methods.js';

const layer = (tensor: string, isDefault: boolean, cam: ModelInfo['layers'][number]['cam']) => ({
  tensor,
  op: 'Relu',
  shape: [512, 7, 7] as [number, number, number],
  isDefault,
  cam,
});
const gap: ModelInfo = {
  id: 1,
  path: '/m/r.onnx',
  name: 'resnet',
  sha256: 'a',
  numClasses: 1000,
  defaultLayer: 'L4',
  layers: [layer('L3', false, { applicable: false, reason: 'layer4 follows' }), layer('L4', true, { applicable: true })],
};
const vgg: ModelInfo = {
  id: 2,
  path: '/m/v.onnx',
  name: 'vgg',
  sha256: 'b',
  numClasses: 1000,
  defaultLayer: 'F29',
  layers: [layer('F29', true, { applicable: false, reason: 'Flatten → Gemm head' })],
};
let nextId = 1;
const run = (modelId: number, method: string, status: RunInfo['status'] = 'done', layerName?: string): RunInfo => ({
  id: nextId++,
  modelId,
  method,
  layer: layerName ?? (modelId === 1 ? 'L4' : 'F29'),
  target: 'top1',
  status,
  done: 10,
  total: 10,
  error: null,
  elapsedMs: 5,
});

test('labels and variants', () => {
  assert.equal(methodLabel('gradcam'), 'Grad-CAM');
  assert.equal(methodLabel('gradcam++:torchcam'), 'Grad-CAM++ (torchcam)');
  assert.equal(methodLabel('newcam'), 'newcam');
  assert.deepEqual(splitMethod('scorecam:sscam'), { base: 'scorecam', variant: 'sscam' });
});

test('method order: the contract’s (CAM, Grad-CAM first), unknown after, variants after their base', () => {
  const sorted = ['zzz', 'layercam', 'gradcam:x', 'gradcam', 'cam'].sort(compareMethods);
  assert.deepEqual(sorted, ['cam', 'gradcam', 'gradcam:x', 'layercam', 'zzz']);
});

test('columns: CAM and Grad-CAM for every model first, then methods that have runs; CAM on a non-GAP model says why', () => {
  const runs = [run(1, 'cam'), run(1, 'gradcam'), run(2, 'gradcam'), run(2, 'layercam'), run(1, 'xgradcam', 'cancelled')];
  const cols = compareColumns([gap, vgg], runs);
  assert.deepEqual(
    cols.map((c) => c.key),
    ['cam@1', 'cam@2', 'gradcam@1', 'gradcam@2', 'layercam@2'],
  );
  assert.equal(cols[0]!.blocked, null);
  assert.match(cols[1]!.blocked!, /CAM does not apply: Flatten → Gemm head/);
  assert.equal(cols[4]!.run, runs[3]);
});

test('a pair with no finished run still has its CAM/Grad-CAM column, saying it is not computed', () => {
  const cols = compareColumns([gap], []);
  assert.deepEqual(
    cols.map((c) => [c.key, c.blocked?.startsWith('Not computed')]),
    [
      ['cam@1', true],
      ['gradcam@1', true],
    ],
  );
});

test('CAM applicability follows the run’s layer, not only the default', () => {
  const cols = compareColumns([gap], [run(1, 'cam', 'done', 'L3')]);
  assert.match(cols[0]!.blocked!, /layer4 follows/);
});

test('latestDoneRun takes the highest finished id', () => {
  const a = run(1, 'cam'),
    b = run(1, 'cam'),
    c = run(1, 'cam', 'failed');
  assert.equal(latestDoneRun([a, b, c], 1, 'cam'), b);
  assert.equal(latestDoneRun([c], 1, 'cam'), null);
});

test('counterpartRun: Grad-CAM for CAM, CAM for the rest, else another finished run of the same model', () => {
  const cam = run(1, 'cam'),
    grad = run(1, 'gradcam'),
    layer = run(1, 'layercam'),
    other = run(2, 'gradcam'),
    failed = run(1, 'cam', 'failed');
  const all = [cam, grad, layer, other, failed];
  assert.equal(counterpartRun(all, cam), grad);
  assert.equal(counterpartRun(all, grad), cam);
  assert.equal(counterpartRun(all, layer), cam);
  assert.equal(counterpartRun([cam, layer], cam), layer);
  assert.equal(counterpartRun(all, other), null, 'nothing else on model 2');
  assert.equal(counterpartRun(all, undefined), null);
});
