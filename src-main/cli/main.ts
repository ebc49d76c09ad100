// The `camscope` command line: layers, explain, demo.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { CamscopeError, firstLine } from '../errors.js';
import { type ExplainOptions, type ExplainedImage, Explainer, type ModelOptions } from '../explain/explainer.js';
import { writeOverlay } from '../explain/postprocess/overlay.js';
import { ClassifierModel } from '../model/classifierModel.js';
import type { ExplainReport } from '../../src-shared/explainTypes.js';
import { type MethodChoice, parseMethod } from '../explain/methods/index.js';
import type { Score } from '../explain/engine.js';
import { intOption, one, parseArgs, required } from './args.js';
import { type CliIO, MODEL_OPTIONS, PROCESS_IO, modelOptions } from './command.js';
import { Progress } from '../terminal/progress.js';
import { serve } from './serve.js';
import { synthCommand } from './synthCommand.js';
import { importCommand } from './importCommand.js';
import { evalCommand } from './evalCommand.js';
import { camifyCommand } from './camifyCommand.js';
import { demoCommand } from './demoCommand.js';
import { camifyDescription } from '../model/camifyMetadata.js';

const HELP = `camscope — Class Activation Maps for ONNX image classifiers

Usage:
  camscope layers  --model M.onnx [--size WxH] [--json]
  camscope explain --model M.onnx --image A.png [--image B.jpg …] [--method cam,gradcam]
                   [--layer auto|TENSOR …] [--target top1|INDEX] [--score logit|softmax] [--threshold 0.2]
                   [--preset imagenet|none] [--size WxH] [--mean R,G,B] [--std R,G,B]
                   [--labels FILE] [--label-offset K] [--batch N] [--json OUT.json] [--out DIR]
  camscope demo    [--project FILE] [--report OUT.html] [--count N]   build or open the demo project (CAM vs
                   Grad-CAM on synthetic shapes), wait for its runs, write the study report, print its table
  camscope serve   [--project FILE] [--port N]   the workstation on http://127.0.0.1 (token in the URL);
                   without --project, the project opened last, else the demo (~/.camscope/demo.camscope)
  camscope synth   --out DIR [--seed S] [--count N] [--scenario single|small|multi|distractor|shortcut|all]
                   [--split train|test] [--size 128]   synthetic WSOL benchmark (wsolevaluation metadata)
  camscope import  --project P.camscope --dataset DIR [--format auto|folders|imagenet|cub|wsolevaluation|coco|voc]
                   [--split S] [--name NAME] [--verbose]   a dataset's images, labels and boxes into a project
  camscope eval    --model M.onnx --dataset DIR [--format F] [--split S] [--methods cam,gradcam,…] [--project P]
                   [--report OUT.html] [--pdf OUT.pdf] [--csv OUT.csv] [--json OUT.json] [--export-maps DIR]
                   [--layer TENSOR] [--labels FILE] [--label-offset K] [--limit N] [--batch N] [--no-faithfulness]
                   [--bootstrap 1000] [--bootstrap-seed 0]   (95 % percentile intervals, paired tests; 0: none)
                   localization, faithfulness and method agreement over a dataset, with reports
  camscope camify  --model M.onnx --dataset DIR --out M-gap.onnx [--layer auto|TENSOR] [--target-source model|labels]
                   [--val-split 0.2] [--seed S] [--l2 1e-2] [--format F] [--split S] [--label-offset K] [--batch N]
                   [--report OUT.html] [--json OUT.json]
                   refit a GAP → linear head on the layer's frozen features so CAM applies to any CNN; the report
                   compares the original's Grad-CAM with the refit CAM on the validation images

Methods: cam, gradcam, gradcam++, xgradcam, hirescam, layercam, eigencam, ablationcam, reciprocam,
scorecam; a variant as id:variant (e.g. gradcam++:torchcam, scorecam:channels, reciprocam:single-logit).
Several --layer options explain each layer in the same run; layercam also writes their fused map.
explain writes overlays (<image>.<method>.png, jet colormap, alpha 0.5, WSOL box) to DIR and
the maps, boxes and top-5 predictions as JSON (to OUT.json, or stdout when neither is given).
Preprocessing: model metadata when present, else --preset (default imagenet), overridden by
--size/--mean/--std (mean/std in 0..1 units, torchvision convention).
Exit codes: 0 ok, 2 bad input (one line naming the file and the problem), 1 internal error.`;

function parseMethods(v: string | undefined): MethodChoice[] {
  const specs = [...new Set((v ?? 'cam,gradcam').split(',').map((x) => x.trim()).filter(Boolean))];
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

async function layersCommand(argv: string[], io: CliIO): Promise<void> {
  const a = parseArgs(argv, { model: {}, size: {}, json: { flag: true } });
  const file = required(a, 'model');
  const sizeFlag = one(a, 'size');
  const model = await ClassifierModel.open(file, () => {
    const m = sizeFlag && /^(\d+)x(\d+)$/.exec(sizeFlag);
    return m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
  });
  const layers = model.layerCandidates();
  const refitHead = camifyDescription(model.metadata);
  if (a.flags.has('json')) {
    io.out(JSON.stringify({ model: file, classes: model.numClasses, layers, ...(refitHead ? { refitHead } : {}) }, null, 2) + '\n');
    return;
  }
  const rows = layers.map((l) => [
    l.isDefault ? '*' : ' ',
    l.tensor,
    l.op,
    l.shape.join('×'),
    l.cam.applicable ? 'yes' : `no: ${l.cam.reason}`,
  ]);
  const width = (i: number) => Math.max(...rows.map((r) => r[i]!.length), ['', 'tensor', 'op', 'C×H×W'][i]?.length ?? 0);
  const fmt = (r: string[]) => `${r[0]} ${r[1]!.padEnd(width(1))}  ${r[2]!.padEnd(width(2))}  ${r[3]!.padEnd(width(3))}  ${r[4]}`;
  io.out(`${file}: ${layers.length} candidate layers, ${model.numClasses} classes (* = default)\n`);
  if (refitHead) io.out(`${refitHead}\n`);
  io.out(fmt([' ', 'tensor', 'op', 'C×H×W', 'CAM']) + '\n');
  for (const r of rows) io.out(fmt(r) + '\n');
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
        ...(refitHead ? { refitHead } : {}),
      },
      results,
    };
  } finally {
    await explainer.close();
  }
}

async function explainCommand(argv: string[], io: CliIO): Promise<void> {
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
  });
  const images = a.values.get('image') ?? [];
  if (images.length === 0) throw new CamscopeError('--image is required (repeat it for several images)');
  const threshold = one(a, 'threshold') === undefined ? 0.2 : Number(one(a, 'threshold'));
  if (!(threshold > 0 && threshold < 1)) throw new CamscopeError(`--threshold: expected a fraction in (0, 1), got '${one(a, 'threshold')}'`);
  const report = await runExplain(
    required(a, 'model'),
    images,
    {
      methods: parseMethods(one(a, 'method')),
      layers: a.values.get('layer'),
      score: parseScore(one(a, 'score')),
      target: parseTarget(one(a, 'target')),
      threshold,
      batchSize: intOption(a, 'batch'),
    },
    modelOptions(a),
    one(a, 'out'),
    io.progress,
  );
  const json = one(a, 'json');
  const text = JSON.stringify(report);
  if (json) writeFileSync(json, text + '\n');
  else if (!one(a, 'out')) io.out(text + '\n');
  summarize(report, io);
}

function summarize(report: ExplainReport, io: CliIO): void {
  for (const r of report.results) {
    const top = r.predictions[0]!;
    const boxes = r.maps.map((m) => `${m.method} box ${m.box ? m.box.join(',') : 'none'}`).join('; ');
    io.err(`${r.image}: ${top.label ?? `class ${top.index}`} (${(top.score * 100).toFixed(1)} %) — ${boxes}\n`);
  }
}

async function serveCommand(argv: string[], io: CliIO): Promise<void> {
  const a = parseArgs(argv, { project: {}, port: {} });
  const project = one(a, 'project');
  const { shell, workspace } = await serve({ project: project && resolve(project), port: intOption(a, 'port') });
  io.out(`camscope listening on ${shell.url}\n`);
  await new Promise<void>((done) => {
    const stop = () => void shell.close().then(() => (workspace.close(), done()));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export async function main(argv: string[], io: CliIO = PROCESS_IO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'layers':
        await layersCommand(rest, io);
        return 0;
      case 'explain':
        await explainCommand(rest, io);
        return 0;
      case 'demo':
        await demoCommand(rest, io);
        return 0;
      case 'serve':
        await serveCommand(rest, io);
        return 0;
      case 'synth':
        await synthCommand(rest, io);
        return 0;
      case 'import':
        await importCommand(rest, io);
        return 0;
      case 'eval':
        await evalCommand(rest, io);
        return 0;
      case 'camify':
        await camifyCommand(rest, io);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.out(HELP + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new CamscopeError(`unknown command '${command}' (layers, explain, demo, serve, synth, import, eval, camify; see --help)`);
    }
  } catch (e) {
    if (e instanceof CamscopeError) {
      io.err(`camscope: ${e.message}\n`);
      return e.exitCode;
    }
    io.err(`camscope: internal error: ${firstLine(e)}\n`);
    if (process.env.CAMSCOPE_DEBUG) io.err(`${(e as Error).stack}\n`);
    return 1;
  }
}
