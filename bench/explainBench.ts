// `npm run bench [-- --model M.onnx …] [--batch N] [--rounds R]`: ms/image of plain inference and of
// every map method at the default layer, with ratios to inference, measured interleaved in one run.
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { Explainer, type ExplainOptions } from '../src-main/explain/explainer.js';
import { parseMethod } from '../src-main/explain/methods/index.js';
import { attentionOf } from '../src-main/model/attention.js';
import { encodeModel } from '../src-main/onnx/onnxModel.js';
import { parseArgs, intOption } from '../src-main/cli/args.js';

const DEFAULT_MODELS = [
  'models/shapes-gap.onnx',
  '../shared/models/imagenet-mobilenetv2/mobilenetv2_imagenet_float.onnx',
  'test/fixtures/reference/resnet_op13.onnx',
  'test/fixtures/reference/vgg_op13.onnx',
  // Vision transformers: token [N, 1 + 6×6, C] and channels-last [N, 8, 8, C] default layers.
  'test/fixtures/transformers/vit_op17.onnx',
  'test/fixtures/transformers/swin_op17.onnx',
];
const GRADIENT_METHODS = ['gradcam', 'gradcam++', 'xgradcam', 'hirescam', 'layercam'];
/** Each entry is timed as one explain call (methods in one entry share their engine run). */
const VARIANTS: Record<string, string[]> = {
  cam: ['cam'],
  gradcam: ['gradcam'],
  'all 5 gradient methods': GRADIENT_METHODS,
  'cam + 5 gradient': ['cam', ...GRADIENT_METHODS],
  eigencam: ['eigencam'],
  reciprocam: ['reciprocam'],
  ablationcam: ['ablationcam'],
};
const SLOW = { scorecam: ['scorecam'] };

const args = parseArgs(process.argv.slice(2), { model: { repeat: true }, batch: {}, rounds: {} });
const models = args.values.get('model') ?? DEFAULT_MODELS.filter(existsSync);
const batch = intOption(args, 'batch') ?? 8;
const rounds = intOption(args, 'rounds') ?? 10;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(f: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function sequential(count: number, f: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await f());
  return out;
}

async function benchModel(file: string): Promise<void> {
  const ex = await Explainer.open(file, { preset: 'none' });
  const model = ex.model;
  const layer = model.defaultLayer();
  const camOk = model.layerCandidates().find((l) => l.tensor === layer)!.cam.applicable;
  const plain = await ort.InferenceSession.create(encodeModel(model.model), { graphOptimizationLevel: 'all' });
  const n = model.dynamicBatch ? batch : model.probe.batch;
  const { height, width } = model.inputSize;
  const input = Float32Array.from({ length: n * 3 * height * width }, (_, i) => Math.sin(i * 0.37));
  const sizes = Array.from({ length: n }, () => ({ width, height }));
  const feeds = { [model.inputName]: new ort.Tensor('float32', input, [n, 3, height, width]) };
  const opts = (methods: string[]): ExplainOptions => ({ methods: methods.map(parseMethod), target: 'top1' });

  const tasks: Record<string, () => Promise<unknown>> = { inference: () => plain.run(feeds) };
  for (const [name, methods] of Object.entries(VARIANTS)) {
    if (methods.includes('cam') && !camOk) continue;
    tasks[name] = () => ex.explainInput(input, sizes, opts(methods));
  }
  if (typeof attentionOf(model, layer) !== 'string') tasks.rollout = () => ex.explainInput(input, sizes, opts(['rollout']));
  const times: Record<string, number[]> = {};
  for (const [k, f] of Object.entries(tasks)) {
    times[k] = [];
    for (let i = 0; i < 3; i++) await f(); // warm-up: session creation, ORT's first runs
  }
  for (let r = 0; r < rounds; r++) for (const [k, f] of Object.entries(tasks)) times[k]!.push((await time(f)) / n);
  // Score-CAM costs K full passes per image: one image, timed once, against K unbatched passes.
  const one = input.subarray(0, 3 * height * width);
  const single = { [model.inputName]: new ort.Tensor('float32', one, [1, 3, height, width]) };
  const unbatched = median(await sequential(5, () => time(() => plain.run(single))));
  const k = model.mapShape(layer)[0];
  for (let i = 0; i < 2; i++) await ex.explainInput(one, [sizes[0]!], opts(SLOW.scorecam));
  const score = median(await sequential(3, () => time(() => ex.explainInput(one, [sizes[0]!], opts(SLOW.scorecam)))));

  const inf = median(times.inference!);
  console.log(`\n${file} — layer ${layer}, batch ${n}, inference ${inf.toFixed(2)} ms/img`);
  for (const k2 of Object.keys(tasks).slice(1)) {
    const m = median(times[k2]!);
    console.log(`  ${k2.padEnd(24)} ${m.toFixed(2).padStart(9)} ms/img  ${(m / inf).toFixed(3)}×`);
  }
  if (!camOk) console.log(`  ${'cam'.padEnd(24)}       n/a (no GAP → linear head at this layer)`);
  console.log(
    `  ${'scorecam'.padEnd(24)} ${score.toFixed(1).padStart(9)} ms/img  ${(score / inf).toFixed(1)}×; ` +
      `${k} channels × unbatched pass ${unbatched.toFixed(2)} ms = ${(k * unbatched).toFixed(1)} ms → ${((k * unbatched) / score).toFixed(2)}× faster`,
  );
  await plain.release();
  await ex.close();
}

console.log(`camscope bench: median of ${rounds} interleaved rounds; ms per image and ratio to plain inference (same batch)`);
for (const m of models) await benchModel(m);
