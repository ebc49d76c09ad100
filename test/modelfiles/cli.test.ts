// `camscope layers` says how each file form was read, and `camscope explain` on an image gives the NHWC and
// softmax-headed files the maps and predictions of the plain export (image decoding, preprocessing and
// input adapter included, so maps come out in image orientation).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../helpers/cli.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';
import { decodeModel, encodeModel, floatTensor, onnx } from '../../src-main/onnx/onnxModel.js';
import type { ExplainReport } from '../../src-shared/explainTypes.js';
import { CORPUS_DIR } from './corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-forms-cli-'));
const image = join(dir, 'asymmetric.png');

before(async () => {
  // Left-right and top-bottom asymmetric, so a transposed or flipped map cannot match.
  const w = 40;
  const h = 28;
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      px[i] = x < 12 && y < 9 ? 250 : (x * 6) % 256;
      px[i + 1] = (y * 9) % 256;
      px[i + 2] = x > 30 ? 40 : 200;
    }
  }
  await sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(image);
});

const layersLine = async (file: string) => {
  const r = await runCli(['layers', '--model', join(CORPUS_DIR, file)]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n')[1]!;
};

test('camscope layers says how each form was read', async () => {
  assert.equal(await layersLine('gap_opset7.onnx'), "read as: opset 7 · input 'input' NCHW RGB · output 'logits' (logits)");
  assert.equal(
    await layersLine('gap_softmax.onnx'),
    "read as: opset 13 · input 'input' NCHW RGB · output 'probabilities' = Softmax('/net/fc/Gemm_output_0'): maps explain the logits, predictions are the model's probabilities",
  );
  assert.equal(await layersLine('vgg_nhwc.onnx'), "read as: opset 13 · input 'input_1:0' NHWC RGB · output 'Identity:0' (logits)");
  assert.equal(
    await layersLine('gap_gray_nhwc.onnx'),
    "read as: opset 13 · input 'input_1:0' NHWC grayscale (fed the image luma) · output 'Identity:0' (logits)",
  );
  assert.match(await layersLine('gap_qdq_wa.onnx'), /quantization: QDQ weights and activations: .*per-channel scales/);
  assert.match(await layersLine('gap_qoperator_ms.onnx'), /quantization: QOperator, rewritten as float ops between quantizers/);
  assert.match(await layersLine('vgg_fp16.onnx'), /float16 weights, computed in float32/);
  assert.match(await layersLine('gap_external.onnx'), /external data gap_external\.onnx\.data$/);
});

async function explain(file: string): Promise<ExplainReport> {
  const r = await runCli(['explain', '--model', join(CORPUS_DIR, file), '--image', image, '--method', 'cam,gradcam,reciprocam', '--preset', 'tf']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ExplainReport;
}

test("explain on an image: the NHWC, softmax and two-output files give the plain export's predictions and maps", async () => {
  const plain = (await explain('gap_opset13.onnx')).results[0]!;
  for (const file of ['gap_nhwc.onnx', 'gap_softmax.onnx', 'gap_two_outputs.onnx']) {
    const got = (await explain(file)).results[0]!;
    assert.deepEqual(
      got.predictions.map((p) => p.index),
      plain.predictions.map((p) => p.index),
      `${file}: top-5`,
    );
    got.predictions.forEach((p, i) => assert.ok(Math.abs(p.score - plain.predictions[i]!.score) < 1e-5, `${file}: score ${i}`));
    for (const [k, m] of got.maps.entries()) {
      const ref = plain.maps[k]!;
      assert.equal(m.method, ref.method);
      const max = Math.max(...ref.values.map(Math.abs));
      m.values.forEach((v, i) => assert.ok(Math.abs(v - ref.values[i]!) <= 1e-5 * max, `${file}: ${m.method}[${i}]`));
      assert.deepEqual(m.box, ref.box, `${file}: ${m.method} box`);
    }
  }
});

test('a uint8 image input (TFLite-converted style) is fed 0..255 pixels by default: the float model fed x/255 gives the same', async () => {
  const float = decodeModel(gapClassifier(), 'gap.onnx');
  float.metadataProps = [];
  const uint8 = onnx.ModelProto.decode(encodeModel(float));
  const g = uint8.graph!;
  g.input![0]!.name = 'pixels';
  g.input![0]!.type!.tensorType!.elemType = onnx.TensorProto.DataType.UINT8;
  g.initializer!.push(floatTensor('scale', [], [255]));
  g.node!.unshift(
    { opType: 'Cast', input: ['pixels'], output: ['pixels_float'], attribute: [{ name: 'to', type: 2, i: 1 }] },
    { opType: 'Div', input: ['pixels_float', 'scale'], output: ['input'] },
  );
  const floatFile = writeModel(join(dir, 'float.onnx'), encodeModel(float));
  const uint8File = writeModel(join(dir, 'uint8.onnx'), encodeModel(uint8));
  const run = async (args: string[]) => {
    const r = await runCli(['explain', '--image', image, '--method', 'cam,gradcam', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as ExplainReport;
  };
  const expected = await run(['--model', floatFile, '--preset', 'none']);
  const got = await run(['--model', uint8File]);
  assert.equal(got.model.preprocessing.source, 'preset:pixels');
  assert.equal(got.model.form?.inputType, 'uint8');
  assert.deepEqual(got.results[0]!.predictions, expected.results[0]!.predictions);
  got.results[0]!.maps.forEach((m, k) =>
    m.values.forEach((v, i) => assert.ok(Math.abs(v - expected.results[0]!.maps[k]!.values[i]!) < 1e-6, `${m.method}[${i}]`)),
  );
  const layers = await runCli(['layers', '--model', uint8File]);
  assert.match(layers.stdout.split('\n')[1]!, /^read as: opset 13 · input 'pixels' NCHW RGB uint8 \(fed 0\.\.255 pixels\)/);
});
