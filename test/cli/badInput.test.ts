// Bad input → exit code 2 and one line naming the file and the problem.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../helpers/cli.js';
import { gapClassifier, mlpClassifier, writeModel } from '../helpers/tinyModels.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-cli-'));
const model = join(dir, 'gap.onnx');
const image = join(dir, 'ok.png');

before(async () => {
  writeModel(model, gapClassifier());
  await sharp({ create: { width: 20, height: 12, channels: 3, background: { r: 200, g: 30, b: 60 } } })
    .png()
    .toFile(image);
});

async function expectError(args: string[], file: string, problem: RegExp): Promise<void> {
  const r = await runCli(args);
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.ok(lines[0]!.includes(file), `names ${file}: ${lines[0]}`);
  assert.match(lines[0]!, problem);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('missing image file', async () => {
  const missing = join(dir, 'nope.png');
  await expectError(['explain', '--model', model, '--image', missing], missing, /file not found/);
});

test('missing model file', async () => {
  const missing = join(dir, 'nope.onnx');
  await expectError(['explain', '--model', missing, '--image', image], missing, /file not found/);
});

test('a text file renamed .png is not an image', async () => {
  const f = join(dir, 'text.png');
  writeFileSync(f, 'hello, I am text\n');
  await expectError(['explain', '--model', model, '--image', f], f, /not an image|cannot decode/);
});

test('a truncated PNG is a corrupt image', async () => {
  const f = join(dir, 'truncated.png');
  writeFileSync(f, readFileSync(image).subarray(0, 60));
  await expectError(['explain', '--model', model, '--image', f], f, /cannot decode|not an image/);
});

test('malformed ONNX', async () => {
  const f = join(dir, 'garbage.onnx');
  writeFileSync(f, Buffer.from('this is not protobuf at all, just bytes \x00\x01\x02'));
  await expectError(['explain', '--model', f, '--image', image], f, /not a valid ONNX model/);
});

test('empty ONNX file', async () => {
  const f = join(dir, 'empty.onnx');
  writeFileSync(f, '');
  await expectError(['layers', '--model', f], f, /empty file/);
});

test('model without a 4-D feature map', async () => {
  const f = writeModel(join(dir, 'mlp.onnx'), mlpClassifier());
  await expectError(['explain', '--model', f, '--image', image], f, /no 4-D feature map/);
});

test('class index out of range', async () => {
  await expectError(['explain', '--model', model, '--image', image, '--target', '3'], '--target 3', /out of range/);
});

test('an op with no gradient rule is named', async () => {
  const f = writeModel(join(dir, 'sin.onnx'), gapClassifier({ between: 'Sin' }));
  await expectError(['explain', '--model', f, '--image', image, '--method', 'gradcam', '--layer', 'features'], f, /Sin node 'extra'/);
});

test('CAM is refused, naming the blocking node, when the head is not GAP → linear', async () => {
  const f = writeModel(join(dir, 'sin-head.onnx'), gapClassifier({ between: 'Sin' }));
  await expectError(['explain', '--model', f, '--image', image, '--method', 'cam', '--layer', 'features'], f, /CAM does not apply.*Sin node 'extra'/);
});

test('unknown layer', async () => {
  await expectError(['explain', '--model', model, '--image', image, '--layer', 'nonexistent'], model, /not a candidate layer/);
});
