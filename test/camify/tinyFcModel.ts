// A tiny FC-head CNN (CAM refused at its feature map) and noise images for the camify tests.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildModel } from '../../src-main/onnx/modelBuilder.js';
import { encodeModel, floatTensor, makeAttribute } from '../../src-main/onnx/onnxModel.js';
import { rng, uniform } from '../helpers/random.js';

export const SIZE = 16;
export const K = 6;
export const CLASSES = 4;
export const PREPROCESSING = JSON.stringify({ size: [SIZE, SIZE], mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });

/** Conv(3→K) → ReLU ('features') → MaxPool → Flatten → Gemm → ReLU → Gemm: an FC head, so CAM does not apply. */
export function fcHeadClassifier(): Uint8Array {
  const flat = K * (SIZE / 2) * (SIZE / 2);
  const hidden = 12;
  return encodeModel(
    buildModel({
      opset: 13,
      inputs: [{ name: 'input', dims: ['N', 3, SIZE, SIZE] }],
      outputs: ['logits'],
      nodes: [
        {
          opType: 'Conv',
          name: 'conv',
          input: ['input', 'conv_w', 'conv_b'],
          output: ['conv_out'],
          attribute: [makeAttribute('pads', [1, 1, 1, 1])],
        },
        { opType: 'Relu', name: 'relu', input: ['conv_out'], output: ['features'] },
        {
          opType: 'MaxPool',
          name: 'pool',
          input: ['features'],
          output: ['pooled'],
          attribute: [makeAttribute('kernel_shape', [2, 2]), makeAttribute('strides', [2, 2])],
        },
        { opType: 'Flatten', name: 'flatten', input: ['pooled'], output: ['flat'] },
        { opType: 'Gemm', name: 'fc1', input: ['flat', 'fc1_w', 'fc1_b'], output: ['fc1_out'], attribute: [makeAttribute('transB', 1)] },
        { opType: 'Relu', name: 'relu2', input: ['fc1_out'], output: ['hidden'] },
        { opType: 'Gemm', name: 'fc2', input: ['hidden', 'fc2_w', 'fc2_b'], output: ['logits'], attribute: [makeAttribute('transB', 1)] },
      ],
      initializers: [
        floatTensor('conv_w', [K, 3, 3, 3], uniform(K * 27, -0.5, 0.5, 1)),
        floatTensor('conv_b', [K], uniform(K, -0.1, 0.1, 2)),
        floatTensor('fc1_w', [hidden, flat], uniform(hidden * flat, -0.2, 0.2, 3)),
        floatTensor('fc1_b', [hidden], uniform(hidden, -0.1, 0.1, 4)),
        floatTensor('fc2_w', [CLASSES, hidden], uniform(CLASSES * hidden, -1, 1, 5)),
        floatTensor('fc2_b', [CLASSES], uniform(CLASSES, -0.1, 0.1, 6)),
      ],
      metadata: { 'camscope.preprocessing': PREPROCESSING, 'camscope.labels': JSON.stringify(['a', 'b', 'c', 'd']) },
    }),
  );
}

/** Noise images around a random colour each, so the model's predictions vary. */
export async function writeImages(dir: string, count: number, seed: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const r = rng(seed);
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const base = [r(), r(), r()].map((v) => v * 255);
    const px = Buffer.from(Array.from({ length: SIZE * SIZE * 3 }, (_, j) => Math.max(0, Math.min(255, base[j % 3]! + (r() - 0.5) * 120))));
    const file = join(dir, `img${String(i).padStart(3, '0')}.png`);
    await sharp(px, { raw: { width: SIZE, height: SIZE, channels: 3 } })
      .png()
      .toFile(file);
    files.push(file);
  }
  return files;
}
