// `camscope explain`: maps, boxes and predictions for images, as JSON and overlays.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { CamscopeError } from '../errors.js';
import { inShard, parseShard, shardLabel } from '../datasets/shard.js';
import { type ExplainOptions, type ExplainedImage, Explainer, type ModelOptions } from '../explain/explainer.js';
import { writeOverlay } from '../explain/postprocess/overlay.js';
import type { ExplainReport } from '../../src-shared/explainTypes.js';
import { WSOL_THRESHOLD } from '../../src-shared/wsolBox.js';
import { type MethodChoice, parseMethod } from '../explain/methods/index.js';
import type { Score } from '../explain/engine.js';
import { camifyDescription } from '../model/camifyMetadata.js';
import { intOption, one, parseArgs, required } from './args.js';
import { openExplained } from './explainOpen.js';
import { type CliIO, MODEL_OPTIONS, modelOptions, throughputLine } from './command.js';
import { Progress } from '../terminal/progress.js';

function parseMethods(v: string | undefined): MethodChoice[] {
  const specs = [
    ...new Set(
      (v ?? 'cam,gradcam')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
  ];
  if (specs.length === 0) throw new CamscopeError('--method: no method given');
  return specs.map(parseMethod);
}

function parseScore(v: string | undefined): Score {
  if (v === undefined || v === 'logit' || v === 'softmax') return v ?? 'logit';
  throw new CamscopeError(`--score: expected logit or softmax, got '${v}'`);
}

function parseTarget(v: string | undefined): ExplainOptions['target'] {
  if (v === undefined || v === 'top1') return 'top1';
  if (!/^\d+$/.test(v)) throw new CamscopeError(`--target: expected top1 or a class index, got '${v}'`);
  return Number(v);
}

/** Overlay file names: <base>.<method>.png, prefixed with the image's position when names collide. */
function overlayNames(images: string[]): string[] {
  const bases = images.map((f) => basename(f, extname(f)));
  return bases.map((b, i) => (bases.filter((x) => x === b).length > 1 ? `${i}_${b}` : b));
}

export async function runExplain(
  modelFile: string,
  images: string[],
  opts: ExplainOptions,
  modelOpts: ModelOptions,
  outDir: string | undefined,
  progressStream: NodeJS.WriteStream | null,
): Promise<ExplainReport> {
  for (const f of images) if (!existsSync(f)) throw new CamscopeError(`${f}: file not found`);
  const explainer = await Explainer.open(modelFile, modelOpts);
  if (explainer.deviceNotice) progressStream?.write(`${explainer.deviceNotice}\n`);
  try {
    explainer.prepare(opts);
    if (outDir) mkdirSync(outDir, { recursive: true });
    const names = overlayNames(images);
    const progress = images.length > 3 && progressStream ? new Progress(images.length, 'images', progressStream) : null;
    let done = 0;
    const results = await explainer.explain(images, opts, async (batch: ExplainedImage[]) => {
      if (outDir) {
        for (const { result, rgb } of batch) {
          const name = names[images.indexOf(result.image)]!;
          const layers = [...new Set(result.maps.map((m) => m.layer))];
          for (const m of result.maps) {
            // With several layers: <image>.<method>.L<k>.png (k in --layer order; the fused map is 'fused').
            const k = layers.indexOf(m.layer);
            const layerPart = layers.length === 1 ? '' : m.layer.startsWith('fused(') ? '.fused' : `.L${k}`;
            await writeOverlay(join(outDir, `${name}.${m.method.replace(':', '-')}${layerPart}.png`), {
              image: rgb,
              map: { width: m.width, height: m.height, values: Float32Array.from(m.values) },
              boxes: m.box ? [{ box: m.box, color: [255, 255, 255] }] : [],
            });
          }
        }
      }
      done += batch.length;
      progress?.update(done);
    });
    const m = explainer.model;
    const refitHead = camifyDescription(m.metadata);
    return {
      model: {
        path: modelFile,
        sha256: m.sha256,
        input: { name: m.inputName, shape: m.inputDims },
        preprocessing: explainer.preprocessing,
        form: m.form,
        device: explainer.device,
        ...(refitHead ? { refitHead } : {}),
      },
      results,
    };
  } finally {
    await explainer.close();
  }
}

export async function explainCommand(argv: string[], io: CliIO): Promise<void> {
  const a = parseArgs(argv, {
    ...MODEL_OPTIONS,
    image: { repeat: true },
    method: {},
    layer: { repeat: true },
    score: {},
    target: {},
    threshold: {},
    batch: {},
    json: {},
    out: {},
    shard: {},
    open: { flag: true },
    project: {},
  });
  const open = a.flags.has('open');
  const project = one(a, 'project');
  if (project !== undefined && !open) throw new CamscopeError('--project: only with --open (explain stores nothing otherwise)');
  if (open && (a.values.get('layer')?.length ?? 0) > 1) throw new CamscopeError('--open: stores the maps of one layer; give one --layer');
  const given = a.values.get('image') ?? [];
  if (given.length === 0) throw new CamscopeError('--image is required (repeat it for several images)');
  // A shard's images by the path as given: every task of an array job runs the same command line.
  const shard = parseShard(one(a, 'shard'));
  const images = shard ? given.filter((p) => inShard(p, shard)) : given;
  if (images.length === 0) throw new CamscopeError(`--shard ${shardLabel(shard!)}: none of the ${given.length} images falls in this shard`);
  const threshold = one(a, 'threshold') === undefined ? WSOL_THRESHOLD : Number(one(a, 'threshold'));
  if (!(threshold > 0 && threshold < 1)) throw new CamscopeError(`--threshold: expected a fraction in (0, 1), got '${one(a, 'threshold')}'`);
  // The project's boxes are the 20 % ones (the app moves its threshold live over the stored maps).
  if (open && threshold !== WSOL_THRESHOLD)
    throw new CamscopeError(`--open: stores boxes at the ${WSOL_THRESHOLD * 100} % threshold; leave out --threshold`);
  const started = performance.now();
  const target = parseTarget(one(a, 'target'));
  const score = parseScore(one(a, 'score'));
  const models = modelOptions(a);
  const report = await runExplain(
    required(a, 'model'),
    images,
    { methods: parseMethods(one(a, 'method')), layers: a.values.get('layer'), score, target, threshold, batchSize: intOption(a, 'batch') },
    models,
    one(a, 'out'),
    io.progress,
  );
  const json = one(a, 'json');
  const text = JSON.stringify(report);
  if (json) writeFileSync(json, text + '\n');
  else if (!one(a, 'out') && !open) io.out(text + '\n');
  summarize(report, io);
  io.err(throughputLine(report.results.length, started));
  if (open) {
    await openExplained(report, target, { threshold, score, device: report.model.device }, project && resolve(project), io);
  }
}

function summarize(report: ExplainReport, io: CliIO): void {
  for (const r of report.results) {
    const top = r.predictions[0]!;
    const boxes = r.maps.map((m) => `${m.method} box ${m.box ? m.box.join(',') : 'none'}`).join('; ');
    io.err(`${r.image}: ${top.label ?? `class ${top.index}`} (${(top.score * 100).toFixed(1)} %) — ${boxes}\n`);
  }
}
