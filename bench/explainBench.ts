// `npm run bench [-- --model M.onnx …] [--batch N] [--rounds R]`: ms/image of plain inference, CAM and
// Grad-CAM at the default layer, and their ratios to inference, measured interleaved in one run.
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { ClassifierModel } from '../src-main/model/classifierModel.js';
import { camHeadAt } from '../src-main/model/camHead.js';
import { ExplainEngine } from '../src-main/explain/engine.js';
import { METHODS } from '../src-main/explain/methods/index.js';
import { encodeModel } from '../src-main/onnx/onnxModel.js';
import { parseArgs, intOption } from '../src-main/cli/args.js';

const DEFAULT_MODELS = [
  'models/shapes-gap.onnx',
  '../shared/models/imagenet-mobilenetv2/mobilenetv2_imagenet_float.onnx',
  'test/fixtures/reference/resnet_op13.onnx',
  'test/fixtures/reference/vgg_op13.onnx',
];

const args = parseArgs(process.argv.slice(2), { model: { repeat: true }, batch: {}, rounds: {} });
const models = args.values.get('model') ?? DEFAULT_MODELS.filter(existsSync);
const batches = intOption(args, 'batch') ? [intOption(args, 'batch')!] : [1, 8];
const rounds = intOption(args, 'rounds') ?? 20;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function benchModel(file: string): Promise<void> {
  const model = await ClassifierModel.open(file, () => ({ width: 224, height: 224 }));
  const layer = model.defaultLayer();
  const head = camHeadAt(model, layer);
  const plain = await ort.InferenceSession.create(encodeModel(model.model), { graphOptimizationLevel: 'all' });
  const engine = new ExplainEngine(model);
  const { height, width } = model.inputSize;
  for (const n of model.dynamicBatch ? batches : [model.probe.batch]) {
    const input = Float32Array.from({ length: n * 3 * height * width }, (_, i) => Math.sin(i * 0.37));
    const feeds = { [model.inputName]: new ort.Tensor('float32', input, [n, 3, height, width]) };
    const maps = (out: Awaited<ReturnType<ExplainEngine['forward']>>, method: 'cam' | 'gradcam') => {
      const o = out.layers.get(layer)!;
      const [, channels, h, w] = o.dims;
      const size = h * w;
      for (let row = 0; row < n; row++) {
        const sl = (t: Float32Array) => t.subarray(row * channels * size, (row + 1) * channels * size);
        METHODS[method].compute({
          activation: sl(o.activations),
          gradient: o.gradients && sl(o.gradients),
          channels,
          size,
          target: 0,
          head: head.ok ? head : undefined,
        });
      }
    };
    const variants: Record<string, () => Promise<unknown>> = {
      inference: () => plain.run(feeds),
      gradcam: async () => maps(await engine.backward(input, n, [layer], Array(n).fill('top1')), 'gradcam'),
    };
    if (head.ok) variants.cam = async () => maps(await engine.forward(input, n, [layer]), 'cam');
    const times: Record<string, number[]> = {};
    for (const [k, f] of Object.entries(variants)) {
      times[k] = [];
      for (let i = 0; i < 3; i++) await f(); // warm-up, session creation
    }
    for (let r = 0; r < rounds; r++) {
      for (const [k, f] of Object.entries(variants)) {
        const t0 = process.hrtime.bigint();
        await f();
        times[k]!.push(Number(process.hrtime.bigint() - t0) / 1e6 / n);
      }
    }
    const inf = median(times.inference!);
    const fmt = (k: string) => (times[k] ? `${median(times[k]!).toFixed(2)} ms (${(median(times[k]!) / inf).toFixed(3)}×)` : 'n/a (no GAP head)');
    console.log(
      `${file.split('/').pop()!.padEnd(34)} batch ${String(n).padStart(2)}  inference ${inf.toFixed(2)} ms/img  ` +
        `CAM ${fmt('cam')}  Grad-CAM ${fmt('gradcam')}   [layer ${layer}]`,
    );
  }
  await plain.release();
  await engine.release();
}

console.log(`camscope bench: median of ${rounds} interleaved rounds, ms per image (ratio to plain inference)`);
for (const m of models) await benchModel(m);
