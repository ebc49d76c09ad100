// `npm run bench` (end-to-end part): marginal ms/image (wall and process CPU, every thread) of an explanation end to
// end — the path of `camscope explain` and of an app run (the explain worker's batch loop, explainImages): real
// JPEG/PNG decoding and resizing (the next batch prefetched), every map and box, the app's
// store writes (services/runScheduler.ts's recordBatch: maps, boxes, IoU, one transaction per batch) and the JSON
// report — against plain ONNX Runtime inference at the same batch, on distinct generated photos at 224 px and full
// size (1024×768 JPEG and PNG); then, per model, the marginal ms/image of `camscope eval` with Grad-CAM (and CAM
// where the model has a CAM head) on the same photos as a wsolevaluation metadata folder with a ground-truth box per
// image (MaxBoxAcc, bootstrap; no faithfulness) — the CLI in a child process, as users run it, (T(24) − T(8)) / 16
// so start-up cancels, CPU from /usr/bin/time — against plain inference measured just before; then Grad-CAM at
// batch 1/4/8/16; then peak resident memory of
// `camscope eval` (with its bootstrap) over N and N/10 generated images (bounded memory: the two should be close), its
// images/s and CPU time.
// `--models a.onnx,…`, `--eval-images N` (default 10000), `--methods gradcam;cam,gradcam;…`, `--skip-eval`, `--skip-sweep`.
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { Explainer } from '../src-main/explain/explainer.js';
import { SESSION_CONFIG } from '../src-main/explain/engine.js';
import { parseMethod } from '../src-main/explain/methods/index.js';
import { encodeModel } from '../src-main/onnx/onnxModel.js';
import { ProjectStore } from '../src-main/store/projectStore.js';
import { recordBatch } from '../src-main/services/runScheduler.js';
import { explainImages } from '../src-main/services/explainWorker.js';
import type { ImageResult } from '../src-shared/explainTypes.js';
import { parseArgs, intOption } from '../src-main/cli/args.js';
import { rng } from '../src-shared/random.js';
import { fullSizeModel } from './fullSizeModels.js';

const args = parseArgs(process.argv.slice(2), {
  models: {},
  'eval-images': {},
  methods: {},
  'skip-eval': { flag: true },
  'skip-sweep': { flag: true },
});
const BATCH = 8;
const COUNT = 24; // images per timed call; the marginal cost is (T(24) − T(8)) / 16
const SWEEP = [1, 4, 8, 16];
const GRADIENT_METHODS = 'cam,gradcam,gradcam++,xgradcam,hirescam,layercam';
const methodSets = (args.values.get('methods')?.[0] ?? `gradcam;cam;${GRADIENT_METHODS};reciprocam`).split(';');
const models = args.values.get('models')?.[0]?.split(',') ?? [
  'models/shapes-gap.onnx',
  'models/mobilenet-v2-imagenet.onnx',
  fullSizeModel('resnet50-shaped'),
  fullSizeModel('vgg16-shaped'),
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

const sets: [string, string[], { width: number; height: number }][] = [
  ['224 JPEG', await photos('j224', 224, 224, 'jpeg'), { width: 224, height: 224 }],
  ['224 PNG', await photos('p224', 224, 224, 'png'), { width: 224, height: 224 }],
  ['1024×768 JPEG', await photos('jfull', 1024, 768, 'jpeg'), { width: 1024, height: 768 }],
  ['1024×768 PNG', await photos('pfull', 1024, 768, 'png'), { width: 1024, height: 768 }],
];

spawnSync(process.execPath, ['scripts/buildCli.mjs']); // the eval rows and line run bin/camscope.mjs

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
/** Process CPU ms so far (every thread: JavaScript, ONNX Runtime's, sharp's), robust to other load on the machine. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Wall and CPU ms of one call. */
async function timed(f: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const [t0, c0] = [process.hrtime.bigint(), cpuMs()];
  await f();
  return { wall: ms(t0), cpu: cpuMs() - c0 };
}
let projects = 0;

/**
 * ms for explaining `files` as an app run does: a fresh project with the images and one run per method, the
 * explainer's batches (decoded ahead) recorded as they come, then the results as JSON (what `camscope explain` prints).
 */
async function endToEnd(
  ex: Explainer,
  files: string[],
  size: { width: number; height: number },
  methods: string[],
  batchSize: number,
): Promise<{ wall: number; cpu: number }> {
  const store = ProjectStore.create(join(dir, `bench${projects++}.camscope`));
  try {
    const m = ex.model;
    const modelId = store.addModel({
      path: m.file,
      sha256: m.sha256,
      input: { name: m.inputName, shape: m.inputDims },
      preprocessing: ex.preprocessing,
      labels: null,
      labelOffset: 0,
      numClasses: m.numClasses,
      defaultLayer: m.defaultLayer(),
    });
    const { ids } = store.addImages(files.map((path, i) => ({ path, sha256: i.toString(16).padStart(64, '0'), ...size })));
    const choices = methods.map(parseMethod);
    const byMethod = new Map(
      choices.map((c) => [c.id, store.createRun({ modelId, method: c.id, layer: m.defaultLayer()!, target: 'top1', imageIds: ids })]),
    );
    const idOf = new Map(files.map((f, i) => [f, ids[i]!]));
    return await timed(async () => {
      // The explain worker's loop (services/explainWorker.ts: batch n+1 prefetched while n runs), each batch
      // recorded as the parent records it, then everything as JSON (what `camscope explain` prints).
      const results: ImageResult[] = [];
      const images = files.map((path) => ({ id: idOf.get(path)!, path }));
      await explainImages(ex, images, { methods: choices, target: 'top1', batchSize }, (msg) => {
        if (msg.type !== 'batch') throw new Error(`bench: ${JSON.stringify(msg)}`);
        recordBatch(store, byMethod, msg.results, 0);
        results.push(...msg.results.map((r) => r.result));
      });
      JSON.stringify(results);
    });
  } finally {
    store.close();
  }
}

/** One `camscope eval` process under /usr/bin/time: its wall ms, CPU ms (user + system, every thread), peak RSS and stderr. */
function evalProcess(options: string[]): { wall: number; cpu: number; rssMb: number; stderr: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss %M cpu %U %S', process.execPath, 'bin/camscope.mjs', 'eval', ...options], {
    encoding: 'utf8',
  });
  const wall = ms(t0);
  if (r.status !== 0) throw new Error(`eval failed: ${r.stderr}`);
  const [, rss, user, sys] = /maxrss (\d+) cpu ([\d.]+) ([\d.]+)/.exec(r.stderr)!;
  return { wall, cpu: (Number(user) + Number(sys)) * 1000, rssMb: Number(rss) / 1024, stderr: r.stderr };
}

/** Peak RSS, CPU seconds and the images/s line of one `camscope eval` process. */
function evalRun(dataset: string, limit: number): { rssMb: number; cpuS: number; line: string } {
  const r = evalProcess([
    '--model',
    'models/shapes-gap.onnx',
    '--dataset',
    dataset,
    '--limit',
    String(limit),
    '--methods',
    'cam,gradcam',
    '--no-faithfulness',
    '--json',
    join(dir, 'eval.json'),
  ]);
  return {
    rssMb: r.rssMb,
    cpuS: r.cpu / 1000,
    line:
      r.stderr
        .split('\n')
        .filter((l) => / images in .* images\/s\)/.test(l))
        .at(-1) ?? '',
  };
}

/**
 * The photos of `files` (in one folder) as a wsolevaluation metadata folder for `camscope eval`: image_ids.txt,
 * class_labels.txt (class i mod numClasses) and localization.txt (one central box covering half of each side, so
 * MaxBoxAcc runs). Written once per folder.
 */
function evalDataset(files: string[], size: { width: number; height: number }, numClasses: number): string {
  const root = dirname(files[0]!);
  const ids = files.map((f) => basename(f));
  const { width: w, height: h } = size;
  const box = [w >> 2, h >> 2, ((3 * w) >> 2) - 1, ((3 * h) >> 2) - 1].join(',');
  writeFileSync(join(root, 'image_ids.txt'), ids.join('\n') + '\n');
  writeFileSync(join(root, 'class_labels.txt'), ids.map((id, i) => `${id},${i % numClasses}`).join('\n') + '\n');
  writeFileSync(join(root, 'localization.txt'), ids.map((id) => `${id},${box}`).join('\n') + '\n');
  return root;
}

/** Wall and CPU ms of `camscope eval` (localization metrics, MaxBoxAcc, bootstrap; no faithfulness) on the first `limit` images. */
function evalTimed(model: string, dataset: string, methods: string[], limit: number, batch: number): { wall: number; cpu: number } {
  const { wall, cpu } = evalProcess([
    '--model',
    model,
    '--dataset',
    dataset,
    '--limit',
    String(limit),
    '--batch',
    String(batch),
    '--methods',
    methods.join(','),
    '--no-faithfulness',
    '--json',
    join(dir, 'eval-rows.json'),
  ]);
  return { wall, cpu };
}

async function benchModel(file: string): Promise<void> {
  const ex = await Explainer.open(file);
  const m = ex.model;
  const { height, width } = m.inputSize;
  const fixed = m.dynamicBatch ? null : m.probe.batch;
  // Plain inference with the engine's session config (threads sleep between runs), so the ratio is the cost
  // beyond inference; ONNX Runtime's defaults (spinning threads) are printed next to it.
  const plain = await ort.InferenceSession.create(encodeModel(m.model), { graphOptimizationLevel: 'all', extra: SESSION_CONFIG });
  const spinning = await ort.InferenceSession.create(encodeModel(m.model), { graphOptimizationLevel: 'all' });
  const inference = async (batch: number, session = plain) => {
    const feeds = {
      [m.inputName]: new ort.Tensor(
        'float32',
        Float32Array.from({ length: batch * 3 * height * width }, (_, i) => Math.sin(i)),
        [batch, 3, height, width],
      ),
    };
    await session.run(feeds);
    const t = await timed(async () => {
      for (let i = 0; i < 3; i++) await session.run(feeds);
    });
    return { wall: t.wall / (3 * batch), cpu: t.cpu / (3 * batch) };
  };
  const camOk = m.layerCandidates().find((l) => l.tensor === m.defaultLayer())!.cam.applicable;
  const batch = fixed ?? BATCH;
  const [inf0, spin] = [await inference(batch), await inference(batch, spinning)];
  console.log(
    `\n${file} — load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ' ',
      )}; batch ${batch}; plain inference ${inf0.wall.toFixed(1)} ms/image wall, ${inf0.cpu.toFixed(1)} ms CPU (ONNX Runtime's default spinning threads: ${spin.wall.toFixed(1)} wall, ${spin.cpu.toFixed(1)} CPU); marginal ms/image end to end (decode, maps, boxes, store, JSON), wall and CPU, each × plain inference measured just before`,
  );
  for (const set of methodSets) {
    // Without a CAM head the set is its gradient methods (CAM alone is skipped).
    const methods = set.split(',').filter((x) => camOk || x !== 'cam');
    if (methods.length === 0) continue;
    const cells: string[] = [];
    await endToEnd(ex, sets[0]![1].slice(0, BATCH), sets[0]![2], methods, batch); // sessions, caches
    for (const [name, files, size] of sets) {
      const inf = await inference(batch);
      const [all, first] = [await endToEnd(ex, files, size, methods, batch), await endToEnd(ex, files.slice(0, BATCH), size, methods, batch)];
      const [wall, cpu] = [(all.wall - first.wall) / (COUNT - BATCH), (all.cpu - first.cpu) / (COUNT - BATCH)];
      cells.push(`${name} ${wall.toFixed(1)} (${(wall / inf.wall).toFixed(2)}×) cpu ${cpu.toFixed(1)} (${(cpu / inf.cpu).toFixed(2)}×)`);
    }
    console.log(`  ${methods.join(',').padEnd(44)} ${cells.join(' | ')}`);
  }
  // `camscope eval` in a child process (as the eval memory line runs it), per method: (T(24) − T(8)) / 16, so the
  // process start-up, model load and reports cancel; CPU from /usr/bin/time (the child's every thread).
  for (const methods of camOk ? [['gradcam'], ['cam']] : [['gradcam']]) {
    const cells: string[] = [];
    for (const [name, files, size] of sets) {
      const data = evalDataset(files, size, m.numClasses);
      const inf = await inference(batch);
      const [all, first] = [evalTimed(file, data, methods, COUNT, batch), evalTimed(file, data, methods, BATCH, batch)];
      const [wall, cpu] = [(all.wall - first.wall) / (COUNT - BATCH), (all.cpu - first.cpu) / (COUNT - BATCH)];
      cells.push(`${name} ${wall.toFixed(1)} (${(wall / inf.wall).toFixed(2)}×) cpu ${cpu.toFixed(1)} (${(cpu / inf.cpu).toFixed(2)}×)`);
    }
    console.log(`  ${`eval ${methods.join(',')} (CLI, MaxBoxAcc)`.padEnd(44)} ${cells.join(' | ')}`);
  }
  if (!args.flags.has('skip-sweep') && !fixed) {
    const [, files, size] = sets[0]!;
    const cells: string[] = [];
    for (const b of SWEEP) {
      const inf = await inference(b);
      await endToEnd(ex, files.slice(0, b), size, ['gradcam'], b);
      const t = await endToEnd(ex, files.slice(0, 2 * BATCH), size, ['gradcam'], b);
      const [wall, cpu] = [t.wall / (2 * BATCH), t.cpu / (2 * BATCH)];
      cells.push(
        `batch ${b}: inference ${inf.wall.toFixed(1)} (cpu ${inf.cpu.toFixed(1)}), Grad-CAM ${wall.toFixed(1)} (${(wall / inf.wall).toFixed(2)}×) cpu ${cpu.toFixed(1)} (${(cpu / inf.cpu).toFixed(2)}×)`,
      );
    }
    console.log(`  ms/image on 16 images of 224 JPEG — ${cells.join(' | ')}`);
  }
  await spinning.release();
  await plain.release();
  await ex.close();
}

console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const f of models) {
  if (existsSync(f)) await benchModel(f);
  else console.log(`\n${f}: skipped (absent)`);
}

if (!args.flags.has('skip-eval')) {
  const n = intOption(args, 'eval-images') ?? 10000;
  const data = join(dir, 'synth');
  const made = spawnSync(
    process.execPath,
    ['bin/camscope.mjs', 'synth', '--out', data, '--count', String(n), '--scenario', 'single', '--split', 'test', '--size', '64'],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`synth failed: ${made.stderr}`);
  // The same images as a class-folder dataset (hard links; labels, no boxes): MaxBoxAcc's sweep of 100 thresholds
  // over a 224×224 map (about 3 ms CPU per map since ThresholdContours, ~23–40 ms before; `npm run bench:boxacc`) is
  // left out of this memory line; what it keeps per image is one byte per threshold and method (100 B), counted in
  // README's bytes per image.
  const folders = join(dir, 'folders');
  const classes = readFileSync(join(data, 'classes.txt'), 'utf8').trim().split('\n');
  for (const l of readFileSync(join(data, 'class_labels.txt'), 'utf8').trim().split('\n')) {
    const [id, label] = l.split(',') as [string, string];
    mkdirSync(join(folders, classes[Number(label)]!), { recursive: true });
    linkSync(join(data, id), join(folders, classes[Number(label)]!, basename(id)));
  }
  const k = Math.max(1, Math.round(n / 10));
  const small = evalRun(folders, k);
  const large = evalRun(folders, n);
  console.log(
    `\neval memory (shapes-gap, 64 px synthetic images as class folders, cam + gradcam, bootstrap 1000, no faithfulness): ` +
      `peak RSS ${small.rssMb.toFixed(0)} MB at ${k} images, ${large.rssMb.toFixed(0)} MB at ${n} images ` +
      `(+${(((large.rssMb - small.rssMb) * 1024 * 1024) / (n - k)).toFixed(0)} B per further image)`,
  );
  console.log(`  ${k} images: ${small.line.trim()}, CPU ${small.cpuS.toFixed(1)} s`);
  console.log(`  ${n} images: ${large.line.trim()}, CPU ${large.cpuS.toFixed(1)} s`);
  console.log(
    `  load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}
rmSync(dir, { recursive: true, force: true });
