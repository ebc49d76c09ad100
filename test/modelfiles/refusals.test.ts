// Model files camscope does not read: one line naming the file and the reason, exit code 2.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../helpers/cli.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';
import { type ModelProto, decodeModel, encodeModel, onnx } from '../../src-main/onnx/onnxModel.js';
import { CORPUS_DIR } from './corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-forms-'));
const image = join(dir, 'img.png');

before(async () => {
  await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 90, g: 140, b: 200 } } })
    .png()
    .toFile(image);
});

/** gapClassifier (input 'input' [N,3,16,16], Conv 'conv' weights 'conv_w') edited by `edit`, written as `name`. */
function edited(name: string, edit: (m: ModelProto) => void): string {
  const m = decodeModel(gapClassifier(), name);
  edit(m);
  return writeModel(join(dir, name), encodeModel(m));
}

async function refused(args: string[], file: string, message: string): Promise<void> {
  const r = await runCli(args);
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stderr, `camscope: ${file}: ${message}\n`);
}

test('opsets before 7 are refused with the supported range', async () => {
  const file = edited('opset6.onnx', (m) => (m.opsetImport![0]!.version = 6));
  await refused(['layers', '--model', file], file, 'opset 6 is not supported (7–23)');
});

test('several unrelated [N, classes] outputs: one line listing the candidates; --output picks one', async () => {
  const file = join(CORPUS_DIR, 'gap_ambiguous.onnx');
  await refused(
    ['explain', '--model', file, '--image', image],
    file,
    "2 outputs could be the classifier's (logits [2,5], aux_logits [2,5]); choose one with --output NAME",
  );
  const chosen = await runCli(['layers', '--model', file, '--output', 'aux_logits', '--json']);
  assert.equal(chosen.code, 0, chosen.stderr);
  const form = JSON.parse(chosen.stdout).form;
  assert.equal(form.output, 'aux_logits');
  assert.equal(form.logits, 'aux_logits');
  await refused(['layers', '--model', file, '--output', 'nope'], file, "--output 'nope' is not an output (outputs: logits, aux_logits)");
});

test('dynamic quantization (ConvInteger) is refused naming the node', async () => {
  const file = edited('convinteger.onnx', (m) => (m.graph!.node![0]!.opType = 'ConvInteger'));
  await refused(
    ['layers', '--model', file],
    file,
    "ConvInteger node 'conv': dynamic quantization (ConvInteger) is not supported; export a float or QDQ model",
  );
});

test('operators of another domain that are not rewritten QOperator ops (ORT-fused FusedConv) are refused naming them', async () => {
  const file = edited('msdomain.onnx', (m) => {
    m.opsetImport!.push({ domain: 'com.microsoft', version: 1 });
    Object.assign(m.graph!.node![0]!, { opType: 'FusedConv', domain: 'com.microsoft' });
  });
  await refused(['layers', '--model', file], file, "uses operator domain 'com.microsoft' (FusedConv): custom ops are not loaded");
});

test('external data: a missing file, and a range past its end, are refused before anything is read', async () => {
  const external = (name: string, location: string) =>
    edited(name, (m) => {
      const w = m.graph!.initializer!.find((t) => t.name === 'conv_w')!;
      w.rawData = new Uint8Array(0);
      w.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      w.externalData = [{ key: 'location', value: location }];
    });
  const missing = external('missing-data.onnx', 'missing.bin');
  await refused(['layers', '--model', missing], missing, "external data file 'missing.bin' (tensor 'conv_w') not found beside the model");
  writeFileSync(join(dir, 'short.bin'), new Uint8Array(10));
  const short = external('short-data.onnx', 'short.bin');
  await refused(['layers', '--model', short], short, "tensor 'conv_w' reads past the end of 'short.bin' (432 > 10 bytes)");
});

test('an input that is neither NCHW nor NHWC with 1 or 3 channels is refused with its shape', async () => {
  const file = edited('five-channels.onnx', (m) => {
    const dims = m.graph!.input![0]!.type!.tensorType!.shape!.dim!;
    dims[1] = { dimValue: 16 };
    dims[3] = { dimValue: 5 };
  });
  await refused(['layers', '--model', file], file, `input 'input' has shape ["N",16,16,5]: neither NCHW nor NHWC with 1 (gray) or 3 (RGB) channels`);
});
