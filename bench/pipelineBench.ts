// `npm run bench` (end-to-end part): marginal ms/image of `camscope explain`'s path (runExplain: real JPEG/PNG
// decoding, resizing, every map and box, the JSON report) against plain ONNX Runtime inference at the same
// batch, on distinct generated photos at 224 px and full size; then peak resident memory of `camscope eval`
// over a generated dataset of N and N/10 images (bounded memory: the two should be close) and its images/s.
// `--models a.onnx,…`, `--eval-images N` (default 10000), `--methods gradcam,…`, `--skip-eval`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { runExplain } from '../src-main/cli/explainCommand.js';
import { Explainer } from '../src-main/explain/explainer.js';
import { parseMethod } from '../src-main/explain/methods/index.js';
import { encodeModel } from '../src-main/onnx/onnxModel.js';
import { parseArgs, intOption } from '../src-main/cli/args.js';
import { rng } from '../src-shared/random.js';
import { fullSizeModel } from './fullSizeModels.js';

const args = parseArgs(process.argv.slice(2), { models: {}, 'eval-images': {}, methods: {}, 'skip-eval': { flag: true } });
const BATCH = 8;
const COUNT = 24; // images per timed call; the marginal cost is (T(24) − T(8)) / 16
const methodSets = (args.values.get('methods')?.[0] ?? 'gradcam;cam,gradcam,gradcam++,xgradcam,hirescam,layercam;reciprocam;ablationcam').split(';');
const models = args.values.get('models')?.[0]?.split(',') ?? [
  'models/shapes-gap.onnx',
  '../shared/models/imagenet-mobilenetv2/mobilenetv2_imagenet_float.onnx',
  fullSizeModel('resnet50-shaped'),
];
const dir = mkdtempSync(join(tmpdir(), 'camscope-bench-pipe-'));

/** Distinct photo-like images (colour waves + noise), so no decode is a cache hit. */
async function photos(name: string, w: number, h: number, format: 'jpeg' | 'png'): Promise<string[]> {
  const out = join(dir, name);
  mkdirSync(out);
  const files: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const r = rng(1000 + i);
    const [fx, fy] = [0.01 + 0.05 * r(), 0.01 + 0.05 * r()];
    const data = Buffer.alloc(w * h * 3);
    for (let p = 0; p < w * h; p++)
      for (let c = 0; c < 3; c++) data[p * 3 + c] = 127 + 90 * Math.sin(fx * (p % w) * (c + 1) + fy * Math.floor(p / w) + c) + 30 * (r() - 0.5);
    const file = join(out, `img${i}.${format === 'jpeg' ? 'jpg' : 'png'}`);
    const img = sharp(data, { raw: { width: w, height: h, channels: 3 } });
    await (format === 'jpeg' ? img.jpeg({ quality: 90 }) : img.png()).toFile(file);
    files.push(file);
  }
  return files;
}

const sets: [string, string[]][] = [
  ['224 px JPEG', await photos('j224', 224, 224, 'jpeg')],
  ['224 px PNG', await photos('p224', 224, 224, 'png')],
  ['full-size JPEG 1024×768', await photos('jfull', 1024, 768, 'jpeg')],
];

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

async function benchModel(file: string): Promise<void> {
  const ex = await Explainer.open(file);
  const m = ex.model;
  const { height, width } = m.inputSize;
  const batch = m.dynamicBatch ? BATCH : m.probe.batch;
  const plain = await ort.InferenceSession.create(encodeModel(m.model), { graphOptimizationLevel: 'all' });
  const feeds = {
    [m.inputName]: new ort.Tensor(
      'float32',
      Float32Array.from({ length: batch * 3 * height * width }, (_, i) => Math.sin(i)),
      [batch, 3, height, width],
    ),
  };
  const camOk = m.layerCandidates().find((l) => l.tensor === m.defaultLayer())!.cam.applicable;
  await ex.close();
  const inference = async () => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 3; i++) await plain.run(feeds);
    return ms(t0) / (3 * batch);
  };
  await inference();
  console.log(
    `\n${file} — batch ${batch}; marginal ms/image of explain end to end (decode, maps, boxes, JSON) and × plain inference measured just before`,
  );
  for (const methods of methodSets) {
    if (methods.split(',').includes('cam') && !camOk) continue;
    const opts = { methods: methods.split(',').map(parseMethod), target: 'top1' as const, batchSize: batch };
    const cells: string[] = [];
    for (const [name, files] of sets) {
      const run = async (n: number) => {
        const t0 = process.hrtime.bigint();
        await runExplain(file, files.slice(0, n), opts, {}, undefined, null);
        return ms(t0);
      };
      await run(BATCH); // sessions, caches
      const inf = await inference();
      const marginal = ((await run(COUNT)) - (await run(BATCH))) / (COUNT - BATCH);
      cells.push(`${name}: ${marginal.toFixed(1)} ms (${(marginal / inf).toFixed(2)}×, inference ${inf.toFixed(1)})`);
    }
    console.log(`  ${methods.padEnd(48)} ${cells.join(' | ')}`);
  }
  await plain.release();
}

for (const f of models) {
  if (existsSync(f)) await benchModel(f);
  else console.log(`\n${f}: skipped (absent)`);
}

/** Peak RSS (kB, from /usr/bin/time) and the images/s line of one `camscope eval` process. */
function evalRun(dataset: string, limit: number): { rssMb: number; line: string } {
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'maxrss %M',
      process.execPath,
      'bin/camscope.mjs',
      'eval',
      '--model',
      'models/shapes-gap.onnx',
      '--dataset',
      dataset,
      '--limit',
      String(limit),
      '--methods',
      'cam,gradcam',
      '--no-faithfulness',
      '--bootstrap',
      '0',
      '--json',
      join(dir, 'eval.json'),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`eval failed: ${r.stderr}`);
  const rss = Number(/maxrss (\d+)/.exec(r.stderr)![1]);
  return {
    rssMb: rss / 1024,
    line:
      r.stderr
        .split('\n')
        .filter((l) => / images in .* images\/s\)/.test(l))
        .at(-1) ?? '',
  };
}

if (!args.flags.has('skip-eval')) {
  const n = intOption(args, 'eval-images') ?? 10000;
  const data = join(dir, 'synth');
  spawnSync(process.execPath, ['scripts/buildCli.mjs']);
  // 5 scenarios × per-scenario count; eval reads the 'single' scenario's wsolevaluation folder.
  const made = spawnSync(
    process.execPath,
    ['bin/camscope.mjs', 'synth', '--out', data, '--count', String(n), '--scenario', 'single', '--split', 'test', '--size', '64'],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`synth failed: ${made.stderr}`);
  const small = evalRun(data, Math.max(1, Math.round(n / 10)));
  const large = evalRun(data, n);
  console.log(
    `\neval memory (shapes-gap, 64 px synthetic images, cam + gradcam, no faithfulness): peak RSS ${small.rssMb.toFixed(0)} MB at ${Math.round(n / 10)} images, ${large.rssMb.toFixed(0)} MB at ${n} images`,
  );
  console.log(`  ${n} images: ${large.line.trim()}`);
}
rmSync(dir, { recursive: true, force: true });
