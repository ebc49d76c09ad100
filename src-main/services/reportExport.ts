// The 'report.export' channel: `camscope eval`'s report files (HTML, PDF, CSV, summary JSON) from runs the
// project already holds, without running the model again. The stored top-1 maps, boxes and predictions
// become an EvaluationResult that the eval engine's aggregator and renderers take as they are. Runs `camscope
// eval --project` wrote carry every per-image number (faithfulness included) and the ground-truth-class map;
// app runs carry only the top-1 map, so where the model is wrong the GT-class map is unknown: GT-known Loc,
// MaxBoxAcc and the pointing game count the correctly classified images only, and the report says so.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { WSOL_THRESHOLD } from '../../src-shared/wsolBox.js';
import { CamscopeError } from '../errors.js';
import type { DatasetItem } from '../datasets/datasetTypes.js';
import { type EvaluatedMap, type EvaluationResult, type ImageEvaluation, methodEvaluation } from '../evaluation/evaluationResult.js';
import { deletionFractions } from '../evaluation/faithfulness.js';
import { storedGroundTruthMask } from '../evaluation/groundTruthMask.js';
import {
  IMAGE_METRIC_NAMES,
  LOCALIZATION_NAMES,
  MetricAggregator,
  imagePairs,
  localizationValues,
  type ImageMaps,
} from '../evaluation/imageMetrics.js';
import { unpackMetrics } from '../evaluation/storedMetrics.js';
import { Labels } from '../model/labels.js';
import { renderCsv } from '../report/csvReport.js';
import { renderHtmlReport } from '../report/htmlReport.js';
import type { PdfPrinter } from '../report/pdfPrinter.js';
import type { ProjectStore } from '../store/projectStore.js';
import type { ImageRow, ModelRow, RunRow } from '../store/storeTypes.js';
import type { Request, Response } from '../../src-shared/ipc.js';

/** Hand the event loop back this often, so the shell keeps answering while a large project is read. */
const SLICE_MS = 20;
/** The flag `camscope eval --project` sets in every evaluation row it writes (evaluation/projectRecorder.ts). */
const EVALUATED = 'evaluated';

export async function exportReport(store: ProjectStore, req: Request<'report.export'>, printer: PdfPrinter): Promise<Response<'report.export'>> {
  const groups = groupRuns(store, req.runIds);
  const out = resolve(req.out);
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new CamscopeError(`${out}: cannot create the report folder: ${(e as Error).message}`);
  }
  const files: string[] = [];
  const warnings: string[] = [];
  const sameModel = (g: RunGroup) => groups.filter((o) => o.model.id === g.model.id).length > 1;
  for (const group of groups) {
    const result = await evaluationFromRuns(store, group, req.imageIds, warnings);
    const stem = join(out, fileStem(group, sameModel(group)));
    files.push(...(await writeReport(result, stem, new Set(req.formats), printer)));
  }
  return { files, warnings: [...new Set(warnings)] };
}

interface RunGroup {
  model: ModelRow;
  layer: string;
  /** One run per method (the newest where several match), in the order asked. */
  runs: RunRow[];
}

/** The runs by (model, layer): a report covers one model at one layer, as `camscope eval` does. */
function groupRuns(store: ProjectStore, runIds: readonly number[]): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  for (const runId of runIds) {
    const run = store.getRun(runId);
    if (!run) throw new CamscopeError(`${store.file}: run ${runId} is not in the project`);
    if (run.target !== 'top1')
      throw new CamscopeError(`${store.file}: run ${runId} explains class ${run.target} on every image; a report needs runs of the top-1 class`);
    const key = JSON.stringify([run.modelId, run.layer]);
    const group = groups.get(key) ?? { model: store.getModel(run.modelId)!, layer: run.layer, runs: [] };
    const same = group.runs.findIndex((r) => r.method === run.method);
    if (same < 0) group.runs.push(run);
    else if (run.id > group.runs[same]!.id) group.runs[same] = run;
    groups.set(key, group);
  }
  return [...groups.values()];
}

function fileStem(group: RunGroup, withLayer: boolean): string {
  const name = basename(group.model.path).replace(/\.onnx$/i, '');
  const raw = withLayer ? `${name}-${group.layer}` : name;
  return `${raw.replace(/[^A-Za-z0-9._-]+/g, '_')}-report`;
}

/** The images every run of the group has a map of, evaluated from what the project stores. */
async function evaluationFromRuns(
  store: ProjectStore,
  group: RunGroup,
  imageIds: readonly number[] | undefined,
  warnings: string[],
): Promise<EvaluationResult> {
  const { model, layer, runs } = group;
  const ids = runs.map((r) => r.method);
  const threshold = runs.map((r) => r.params.threshold).find((t): t is number => typeof t === 'number') ?? WSOL_THRESHOLD;
  const preprocessing = model.preprocessing;
  const aggregator = new MetricAggregator(ids, deletionFractions({ channels: 3, width: preprocessing.width, height: preprocessing.height }));
  const labels = model.labels ? new Labels(model.labels, model.labelOffset) : null;
  const rows = (imageIds ?? store.allImageIds()).map((id) => store.getImage(id)).filter((im): im is ImageRow => im !== null);
  const root = commonFolder(rows.map((r) => r.path));
  const images: ImageEvaluation[] = [];
  const datasets = new Set<string>();
  const offsets = new Set<number>();
  let unknownGtMaps = 0;
  let sliceStart = Date.now();
  for (const row of rows) {
    const image = evaluateImage(store, model, runs, row, root, threshold);
    if (image) {
      // PxAP where the image's masks were stored at import, read as `camscope eval` reads them.
      const truth = await storedGroundTruthMask(image.evaluation.item, store.getGroundTruthMasks(row.id));
      if ('warning' in truth) warnings.push(truth.warning);
      const gtMask = 'mask' in truth ? truth.mask : null;
      for (const id of ids) aggregator.add(id, image.evaluation.item, image.maps[id]!, image.curves[id]!, gtMask);
      images.push(image.evaluation);
      datasets.add(row.dataset ?? 'no dataset');
      offsets.add(store.datasetLabelOffset(row.dataset) ?? model.labelOffset);
      if (image.unknownGtMap) unknownGtMaps++;
    }
    if (Date.now() - sliceStart > SLICE_MS) {
      await new Promise((done) => setImmediate(done));
      sliceStart = Date.now();
    }
  }
  if (images.length === 0)
    throw new CamscopeError(`${store.file}: no image has a map of every chosen run (${runs.map((r) => `#${r.id}`).join(', ')})`);
  const gtNote = unknownGtMaps
    ? { gt_class_maps: `unknown on ${unknownGtMaps} misclassified images: GT-known Loc, MaxBoxAcc and pointing game count the others` }
    : {};
  // Each dataset's own; one number when the chosen images share it (the usual case), else the first.
  const labelOffset = [...offsets][0] ?? model.labelOffset;
  return {
    ...aggregator.result(images, {}, (label) => labels?.name(label + labelOffset) ?? String(label)),
    images,
    refused: {},
    provenance: {
      model: { path: model.path, sha256: model.sha256, classes: model.numClasses, layer },
      preprocessing,
      labelOffset,
      methods: runs.map((r) => ({ id: r.method, params: { ...r.params, run: r.id, target: 'top1', ...gtNote } })),
      dataset: {
        root: `${store.file} (${[...datasets].join(', ')})`,
        format: 'project',
        split: null,
        fingerprint: createHash('sha256')
          .update(images.map((im) => `${im.item.path}\n`).join(''))
          .digest('hex'),
        images: images.length,
        warnings: 0,
      },
      camscopeVersion: pkg.version,
      createdAt: new Date().toISOString(),
    },
  };
}

/** One image under every run of the group, or null when a run has no map of it. */
function evaluateImage(store: ProjectStore, model: ModelRow, runs: RunRow[], row: ImageRow, root: string, threshold: number) {
  // Labels are stored in the dataset's numbering; the model's logit of the true class adds its dataset's label offset.
  const item: DatasetItem = {
    id: relative(root, row.path).split(sep).join('/'),
    path: row.path,
    label: row.gtLabel,
    boxes: row.gtBoxes.map((g) => g.box),
    width: row.width,
    height: row.height,
  };
  const predictions = store.getPredictions(model.id, row.id);
  if (predictions.length === 0) return null;
  const gtIndex = store.trueLogit(row, model);
  const correct = gtIndex === null ? null : predictions[0]!.index === gtIndex;
  const evaluation: ImageEvaluation = { item, predictions, gtIndex, correct, methods: {}, pairs: {} };
  const maps: Record<string, ImageMaps> = {};
  const curves: Record<string, Record<string, number[]>> = {};
  let unknownGtMap = false;
  for (const run of runs) {
    const stored = store.getMap(run.id, row.id);
    if (!stored) return null;
    const box = store.getBoxes(run.id, row.id).find((b) => b.classIndex === stored.classIndex)?.box ?? null;
    const top1: EvaluatedMap = { target: stored.classIndex, width: stored.width, height: stored.height, values: stored.values, box };
    const metrics = store.getEvaluation(run.id, row.id)?.metrics ?? {};
    if (metrics[EVALUATED] === 1) {
      // Written by `camscope eval`: its numbers as they are, and the GT-class map where it differs from top-1.
      // Faithfulness columns only where eval computed them, as its own CSV has them.
      const { values, vectors } = unpackMetrics(
        metrics,
        IMAGE_METRIC_NAMES.filter((n) => n in metrics || (LOCALIZATION_NAMES as readonly string[]).includes(n)),
      );
      const { gt_map: gtValues, ...rest } = vectors;
      const gt = gtIndex === null ? null : gtValues ? { ...top1, target: gtIndex, values: Float32Array.from(gtValues), box: null } : top1;
      maps[run.method] = { top1, gt };
      curves[run.method] = rest;
      evaluation.methods[run.method] = methodEvaluation(top1, values);
    } else {
      const gt = gtIndex === null || correct === false ? null : top1;
      const values = localizationValues(item, { top1, gt }, correct, threshold);
      // Top-1 Loc needs the right class, so a wrong image is a miss whatever its GT-class map would show.
      if (correct === false && item.boxes.length) {
        values.top1_loc = 0;
        unknownGtMap = true;
      }
      maps[run.method] = { top1, gt };
      curves[run.method] = {};
      evaluation.methods[run.method] = methodEvaluation(top1, values);
    }
  }
  evaluation.pairs = imagePairs(
    evaluation,
    runs.map((r) => r.method),
  );
  return { evaluation, maps, curves, unknownGtMap };
}

function commonFolder(paths: string[]): string {
  if (paths.length === 0) return '/';
  let common = dirname(paths[0]!);
  for (const p of paths) while (!p.startsWith(common.endsWith(sep) ? common : common + sep)) common = dirname(common);
  return common;
}

/** Writes `<stem>.html|.pdf|.csv|.json` for the formats asked; the PDF prints the HTML (a temporary copy when no HTML was asked for). */
async function writeReport(result: EvaluationResult, stem: string, formats: Set<string>, printer: PdfPrinter): Promise<string[]> {
  const files: string[] = [];
  const write = (file: string, data: string) => {
    try {
      writeFileSync(file, data);
    } catch (e) {
      throw new CamscopeError(`${file}: cannot write: ${(e as Error).message}`);
    }
    files.push(file);
  };
  if (formats.has('json')) write(`${stem}.json`, JSON.stringify(result.summary, null, 2) + '\n');
  if (formats.has('csv')) write(`${stem}.csv`, renderCsv(result));
  if (formats.has('html') || formats.has('pdf')) {
    const html = await renderHtmlReport(result);
    if (formats.has('html')) write(`${stem}.html`, html);
    if (formats.has('pdf')) {
      const temp = formats.has('html') ? null : mkdtempSync(join(tmpdir(), 'camscope-report-'));
      try {
        const page = temp ? join(temp, 'report.html') : `${stem}.html`;
        if (temp) writeFileSync(page, html);
        await printer.print(page, `${stem}.pdf`);
        files.push(`${stem}.pdf`);
      } finally {
        if (temp) rmSync(temp, { recursive: true, force: true });
      }
    }
  }
  return files;
}
