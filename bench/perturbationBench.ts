// `npm run bench` (perturbation part; alone `npm run bench:perturbation [-- --model M.onnx …] [--no-scorecam]`): Ablation-CAM and
// Score-CAM on full-size classifiers (the ResNet-50-shaped model, the bundled MobileNetV2), against plain inference measured
// in the same run. Ablation-CAM: ms/image at batch 8 and × inference, and whether it took the closed form (no head passes) or
// how many head rows it ran. Score-CAM (one image, median of 3 — K full passes each): × batched inference, × batched inference of the
// masked inputs it actually ran (constant channels are skipped), and the speed-up over the same K passes run one by one.
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { Explainer, type ExplainOptions } from '../src-main/explain/explainer.js';
import { parseMethod } from '../src-main/explain/methods/index.js';
import { encodeModel } from '../src-main/onnx/onnxModel.js';
import { parseArgs } from '../src-main/cli/args.js';
import { TOP_VARIANCE_CHANNELS } from '../src-main/explain/methods/scoreCam.js';
import { DEFAULT_INPUT_BATCH } from '../src-shared/methodCost.js';
import { fullSizeModel } from './fullSizeModels.js';

const args = parseArgs(process.argv.slice(2), { model: { repeat: true }, scorecam: {}, 'no-scorecam': { flag: true } });
// The default times scorecam:topvar: the same masked passes, batching and masks as the default variant, on 64 of the K
// channels (a full ResNet-50 Score-CAM is ~2000 passes: many minutes); `--scorecam scorecam` times all K.
const SCORECAM = args.values.get('scorecam')?.[0] ?? 'scorecam:topvar';
const models = args.values.get('model') ?? [fullSizeModel('resnet50-shaped'), 'models/mobilenet-v2-imagenet.onnx'];
const BATCH = 8;

const ms = async (f: () => Promise<unknown>): Promise<number> => {
  const t0 = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
async function median(count: number, f: () => Promise<unknown>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < count; i++) xs.push(await ms(f));
  return xs.sort((a, b) => a - b)[Math.floor(count / 2)]!;
}

async function benchModel(file: string): Promise<void> {
  const ex = await Explainer.open(file, { preset: 'none' });
  const model = ex.model;
  const layer = model.defaultLayer();
  const [channels] = model.mapShape(layer);
  const { height, width } = model.inputSize;
  const plane = 3 * height * width;
  const n = model.dynamicBatch ? BATCH : model.probe.batch;
  const input = Float32Array.from({ length: n * plane }, (_, i) => Math.sin(i * 0.37));
  const sizes = Array.from({ length: n }, () => ({ width, height }));
  const plain = await ort.InferenceSession.create(encodeModel(model.model), { graphOptimizationLevel: 'all' });
  const feeds = (rows: number) => ({ [model.inputName]: new ort.Tensor('float32', input.slice(0, rows * plane), [rows, 3, height, width]) });
  const opts = (method: string): ExplainOptions => ({ methods: [parseMethod(method)], target: 'top1' });
  // Rows the methods send through the head sub-graph and the whole model, counted at the engine.
  const rows = { head: 0, model: 0 };
  const { runHead, runModel } = ex.engine;
  ex.engine.runHead = (l, a, m, ...rest) => ((rows.head += m), runHead.call(ex.engine, l, a, m, ...rest));
  ex.engine.runModel = (x, m, b) => ((rows.model += m), runModel.call(ex.engine, x, m, b));

  const batched = feeds(n);
  await plain.run(batched);
  const inference = (await median(3, () => plain.run(batched))) / n;
  const single = feeds(1);
  await plain.run(single);
  const unbatched = await median(5, () => plain.run(single));
  console.log(
    `\n${file} — layer ${layer} (${channels} channels); inference ${inference.toFixed(1)} ms/img at batch ${n}, ${unbatched.toFixed(1)} ms unbatched`,
  );

  await ex.explainInput(input, sizes, opts('ablationcam'));
  rows.head = 0;
  const ablation = (await median(3, () => ex.explainInput(input, sizes, opts('ablationcam')))) / n;
  const how = rows.head === 0 ? 'closed form (GAP → linear head), no head passes' : `${rows.head / (3 * n)} head rows per image`;
  console.log(`  ${'ablationcam'.padEnd(12)} ${ablation.toFixed(1).padStart(9)} ms/img  ${(ablation / inference).toFixed(2)}× inference; ${how}`);

  if (args.flags.has('no-scorecam')) return void (await Promise.all([plain.release(), ex.close()]));
  // Score-CAM runs its masked inputs DEFAULT_INPUT_BATCH at a time: batched inference at that batch is its floor.
  const step = model.dynamicBatch ? DEFAULT_INPUT_BATCH : n;
  const chunk = Float32Array.from({ length: step * plane }, (_, i) => Math.sin(i * 0.37));
  const chunkFeeds = { [model.inputName]: new ort.Tensor('float32', chunk, [step, 3, height, width]) };
  await plain.run(chunkFeeds);
  const perMasked = (await median(3, () => plain.run(chunkFeeds))) / step;
  const one = input.subarray(0, plane);
  await ex.engine.runModel(one, 1); // the full-model session
  rows.model = 0;
  const score = await median(3, () => ex.explainInput(one, [sizes[0]!], opts(SCORECAM)));
  const passes = rows.model / 3;
  const ran = SCORECAM === 'scorecam:topvar' ? Math.min(channels, TOP_VARIANCE_CHANNELS) : channels;
  console.log(
    `  ${SCORECAM.padEnd(12)} ${score.toFixed(0).padStart(9)} ms/img  ${(score / inference).toFixed(0)}× inference; ${passes} masked passes ` +
      `(${ran - passes} constant channels skipped) = ${(score / (passes * perMasked)).toFixed(2)}× batched inference of them ` +
      `(${perMasked.toFixed(1)} ms each at batch ${step}); vs ${ran} unbatched passes (${((ran * unbatched) / 1000).toFixed(1)} s): ` +
      `${((ran * unbatched) / score).toFixed(2)}× faster`,
  );
  await plain.release();
  await ex.close();
}

console.log(`camscope bench (perturbation methods on full-size models): medians; load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
for (const m of models) {
  if (existsSync(m)) await benchModel(m);
  else console.log(`\n${m}: skipped (absent)`);
}
