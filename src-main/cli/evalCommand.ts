// `camscope eval`: a dataset through several methods, scored against its ground truth, with reports.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CamscopeError } from '../errors.js';
import { loadDataset, parseDatasetFormat, parseMaskForeground } from '../datasets/index.js';
import { evaluateDataset } from '../evaluation/evaluateDataset.js';
import { decodeEachFileOnce } from '../image/imageInput.js';
import { type EvaluationResult, GALLERY_IMAGES } from '../evaluation/evaluationResult.js';
import { thresholdSplit } from '../evaluation/thresholdSplit.js';
import { renderCsv } from '../report/csvReport.js';
import { renderHtmlReport } from '../report/htmlReport.js';
import { ChromiumPdfPrinter, type PdfPrinter } from '../report/pdfPrinter.js';
import { METRIC_KEYS } from '../../src-shared/evaluationTypes.js';
import { withInterrupt } from '../terminal/signals.js';
import { parseShard } from '../datasets/shard.js';
import { intOption, one, parseArgs, required } from './args.js';
import { type CliIO, MODEL_OPTIONS, modelOptions, throughputLine, writeOutput } from './command.js';

export async function evalCommand(argv: string[], io: CliIO, printer: PdfPrinter = new ChromiumPdfPrinter()): Promise<void> {
  const a = parseArgs(argv, {
    ...MODEL_OPTIONS,
    dataset: {},
    format: {},
    split: {},
    methods: {},
    project: {},
    report: {},
    pdf: {},
    csv: {},
    json: {},
    'export-maps': {},
    limit: {},
    batch: {},
    layer: {},
    'no-faithfulness': { flag: true },
    road: { flag: true },
    'threshold-split': {},
    bootstrap: {},
    'bootstrap-seed': {},
    shard: {},
    'mask-foreground': {},
  });
  const shard = parseShard(one(a, 'shard'));
  const resamples = intOption(a, 'bootstrap');
  if (resamples !== undefined && resamples < 0) throw new CamscopeError(`--bootstrap: expected a number of resamples ≥ 0, got ${resamples}`);
  const seed = intOption(a, 'bootstrap-seed');
  const modelOpts = modelOptions(a); // bad model options (e.g. --device) fail before the dataset is read
  const limit = intOption(a, 'limit');
  if (limit !== undefined && limit < 1) throw new CamscopeError(`--limit: expected a positive integer, got ${limit}`);
  const batch = intOption(a, 'batch');
  if (batch !== undefined && batch < 1) throw new CamscopeError(`--batch: expected a positive integer, got ${batch}`);
  const format = one(a, 'format');
  const maskForeground = parseMaskForeground(one(a, 'mask-foreground'));
  const heldOutSplit = one(a, 'threshold-split');
  const started = performance.now();
  decodeEachFileOnce();
  const { result, heldOutResult } = await withInterrupt(io.err, async (signal) => {
    const load = (split: string | undefined) =>
      loadDataset(required(a, 'dataset'), { format: format === undefined ? undefined : parseDatasetFormat(format), split, signal, maskForeground });
    const dataset = await load(one(a, 'split'));
    for (const w of dataset.warnings.slice(0, 5)) io.err(`warning: ${w}\n`);
    if (dataset.warnings.length > 5) io.err(`warning: … and ${dataset.warnings.length - 5} more\n`);
    const common = {
      model: required(a, 'model'),
      methods: (one(a, 'methods') ?? 'cam,gradcam')
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
      modelOptions: modelOpts,
      layer: one(a, 'layer'),
      batchSize: batch,
      limit,
      progress: io.progress,
      signal,
    };
    // The wsolevaluation protocol: thresholds chosen on a held-out split (localization only), applied to this one.
    const heldOut = heldOutSplit === undefined ? null : await load(heldOutSplit);
    if (heldOut && heldOut.fingerprint === dataset.fingerprint)
      throw new CamscopeError(`--threshold-split ${heldOutSplit}: the held-out split holds the same images as the evaluated one`);
    return {
      heldOutResult: heldOut ? await evaluateDataset({ ...common, dataset: heldOut, faithfulness: false, bootstrap: null, keepMaps: 0 }) : null,
      result: await evaluateDataset({
        ...common,
        dataset,
        project: one(a, 'project'),
        exportMaps: one(a, 'export-maps'),
        faithfulness: !a.flags.has('no-faithfulness'),
        road: a.flags.has('road'),
        bootstrap: resamples === 0 ? null : { resamples, seed },
        shard,
        // Only the report gallery's maps are kept: memory stays flat over a large dataset.
        keepMaps: GALLERY_IMAGES,
      }),
    };
  });

  if (heldOutResult)
    result.summary.threshold_split = thresholdSplit(heldOutSplit!, heldOutResult.summary.images, heldOutResult.maxBoxAcc, result.maxBoxAcc);

  const json = one(a, 'json');
  const csv = one(a, 'csv');
  const report = one(a, 'report');
  const pdf = one(a, 'pdf');
  const summaryJson = JSON.stringify(result.summary, null, 2) + '\n';
  if (json) writeOutput(json, summaryJson);
  if (csv) writeOutput(csv, renderCsv(result));
  if (report || pdf) {
    const html = await renderHtmlReport(result);
    if (report) writeOutput(report, html);
    if (pdf) await printPdf(printer, html, report, pdf);
  }
  if (!json && !csv && !report && !pdf) io.out(summaryJson);
  printSummary(result, io);
  io.err(throughputLine(result.summary.images, started));
}

/** Prints the report file, or a temporary copy of the page when no --report was asked for. */
async function printPdf(printer: PdfPrinter, html: string, report: string | undefined, pdf: string): Promise<void> {
  mkdirSync(dirname(resolve(pdf)), { recursive: true });
  if (report) return printer.print(report, pdf);
  const dir = mkdtempSync(join(tmpdir(), 'camscope-report-'));
  try {
    writeFileSync(join(dir, 'report.html'), html);
    await printer.print(join(dir, 'report.html'), pdf);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printSummary(result: EvaluationResult, io: CliIO): void {
  const { summary } = result;
  const fmt = (v: number | null) => (v === null ? '—' : v.toFixed(2));
  io.err(`${summary.images} images, top-1 accuracy ${fmt(summary.accuracy)} %\n`);
  for (const [method, m] of Object.entries(summary.methods)) {
    const why = result.refused[method];
    io.err(`${method}: ${why ? `refused: ${why}` : METRIC_KEYS.map((k) => `${k} ${fmt(m[k])}`).join(', ')}\n`);
  }
  for (const [key, p] of Object.entries(summary.agreement)) {
    const analytic = p.analytic_max_error === null ? '' : `, max |Grad-CAM − ReLU(CAM)/(H·W)| ${p.analytic_max_error.toExponential(2)}`;
    io.err(`${key}: Pearson ${fmt(p.pearson)}, Spearman ${fmt(p.spearman)}, box IoU ${fmt(p.box_iou)}${analytic}\n`);
  }
}
