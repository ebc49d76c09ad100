// --device: validation, one-line refusals naming what is missing, auto's CPU fallback with a notice, and every
// session of the engine (forward, gradient, head) created on the chosen device's provider.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../helpers/cli.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';
import { parseDevice, providersFor, resolveDevice, unavailable } from '../../src-main/explain/device.js';
import { ExplainEngine } from '../../src-main/explain/engine.js';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { channels } from '../../src-shared/ipc.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-device-'));
const model = join(dir, 'gap.onnx');
const image = join(dir, 'ok.png');
const cudaMissing = unavailable('cuda');

before(async () => {
  writeModel(model, gapClassifier());
  await sharp({ create: { width: 20, height: 12, channels: 3, background: { r: 200, g: 30, b: 60 } } })
    .png()
    .toFile(image);
});

async function refused(args: string[], problem: RegExp): Promise<void> {
  const r = await runCli(args);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, problem);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

test('an unknown device is one line listing the devices, on every command that runs a model', async () => {
  for (const command of [
    ['explain', '--image', image],
    ['layers'],
    ['eval', '--dataset', dir],
    ['camify', '--dataset', dir, '--out', join(dir, 'x.onnx')],
  ]) {
    await refused(
      [command[0]!, '--model', model, ...command.slice(1), '--device', 'gpu'],
      /--device: expected cpu, cuda, dml, coreml, auto, got 'gpu'/,
    );
  }
  assert.equal(parseDevice(undefined), 'cpu');
});

test('a device of another platform names the platform it needs', async () => {
  if (process.platform !== 'win32')
    await refused(['explain', '--model', model, '--image', image, '--device', 'dml'], /--device dml: DirectML is only available on Windows/);
  if (process.platform !== 'darwin')
    await refused(['layers', '--model', model, '--device', 'coreml'], /--device coreml: Core ML is only available on macOS/);
  assert.match(unavailable('dml', 'linux')!, /only available on Windows \(this is linux\)/);
  assert.match(unavailable('coreml', 'win32')!, /only available on macOS/);
  assert.equal(unavailable('cpu'), null);
});

test(
  '--device cuda without the CUDA provider says what to install',
  { skip: cudaMissing ? false : 'the CUDA provider is installed here' },
  async () => {
    await refused(
      ['explain', '--model', model, '--image', image, '--device', 'cuda'],
      /--device cuda: onnxruntime-node's CUDA provider is not installed .*--onnxruntime-node-install=cuda12/,
    );
  },
);

test(
  '--device auto falls back to the CPU with a notice and says so in the report',
  { skip: cudaMissing && process.platform === 'linux' ? false : 'an accelerator may be usable here' },
  async () => {
    const { device, notice } = resolveDevice('auto');
    assert.equal(device, 'cpu');
    assert.match(notice!, /^--device auto: no accelerator, running on the CPU/);
    const r = await runCli(['explain', '--model', model, '--image', image, '--device', 'auto']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).model.device, 'cpu');
  },
);

test('every engine session asks for the device’s provider, then the CPU', async () => {
  assert.deepEqual(providersFor('cpu'), ['cpu']);
  assert.deepEqual(providersFor('cuda'), ['cuda', 'cpu']);
  if (!cudaMissing) return;
  // Forced past the availability check, ONNX Runtime cannot start CUDA here: each kind of session fails naming it.
  const m = await ClassifierModel.open(model, undefined, []);
  const engine = new ExplainEngine(m, 'cuda');
  const x = new Float32Array(3 * 16 * 16);
  const layer = m.defaultLayer();
  await assert.rejects(engine.forward(x, 1, [layer]), /--device cuda/);
  await assert.rejects(engine.backward(x, 1, [layer], ['top1']), /--device cuda/);
  const cpu = new ExplainEngine(m);
  const out = await cpu.forward(x, 1, [layer], { heads: [layer] });
  await assert.rejects(engine.runHead(layer, out.layers.get(layer)!.activations, 1, out, 0), /--device cuda/);
  await cpu.release();
});

test('the app’s run request takes a device and refuses another value', () => {
  const schema = channels['runs.start'].request;
  assert.ok(schema.safeParse({ modelId: 1, methods: ['gradcam'], target: 'top1', device: 'auto' }).success);
  assert.ok(!schema.safeParse({ modelId: 1, methods: ['gradcam'], target: 'top1', device: 'gpu' }).success);
});
