// The 'report.export' channel: eval's report files from runs a project holds. Runs `camscope eval --project`
// wrote give back the CLI's own summary and CSV; app runs (top-1 maps only) are worked by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import sharp from 'sharp';
import { CamscopeError } from '../../src-main/errors.js';
import type { PdfPrinter } from '../../src-main/report/pdfPrinter.js';
import { Workspace } from '../../src-main/services/workspace.js';
import type { EvaluationSummary } from '../../src-shared/evaluationTypes.js';
import { runCli } from '../helpers/cli.js';
import { DEMO_MODEL, readCsv, writeDemoDataset } from '../evaluation/evalFixtures.js';
import { sampleImage, sampleModel, sha } from '../store/storeFixtures.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-report-export-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Records what it was asked to print, and whether the page existed then. */
function fakePrinter() {
  const calls: { html: string; pdf: string; page: string }[] = [];
  const printer: PdfPrinter = {
    async print(html, pdf) {
      calls.push({ html, pdf, page: readFileSync(html, 'utf8') });
      writeFileSync(pdf, '%PDF-1.4 fake');
    },
  };
  return { printer, calls };
}

test('runs written by `camscope eval --project` give the CLI’s summary JSON and CSV', async (t) => {
  const dir = tempDir(t);
  const images = writeDemoDataset(join(dir, 'ds'));
  const project = join(dir, 'study.camscope');
  const cli = await runCli([
    'eval',
    '--model',
    DEMO_MODEL,
    '--dataset',
    join(dir, 'ds'),
    '--methods',
    'cam,gradcam',
    '--no-faithfulness',
    '--project',
    project,
    '--json',
    join(dir, 'eval.json'),
    '--csv',
    join(dir, 'eval.csv'),
  ]);
  assert.equal(cli.code, 0, cli.stderr);

  const ws = Workspace.open(project);
  t.after(() => ws.close());
  const { printer, calls } = fakePrinter();
  ws.pdfPrinter = printer;
  const runIds = ws.store.listRuns().map((r) => r.id);
  const out = join(dir, 'out');
  const { files } = await ws.handlers()['report.export']({ runIds, formats: ['json', 'csv', 'html', 'pdf'], out });
  assert.deepEqual(
    files,
    ['json', 'csv', 'html', 'pdf'].map((ext) => join(out, `shapes-gap-report.${ext}`)),
  );

  const theirs = JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8')) as EvaluationSummary;
  const ours = JSON.parse(readFileSync(files[0]!, 'utf8')) as EvaluationSummary;
  assert.deepEqual(ours, theirs);
  assert.equal(theirs.images, images.length);
  assert.equal(theirs.agreement['cam|gradcam']!.analytic_max_error !== null, true);
  // Image ids are relative to the images' common folder here (the project does not know the dataset root).
  const dropId = (rows: string[][]) => rows.map((r) => r.slice(1));
  assert.deepEqual(dropId(readCsv(readFileSync(files[1]!, 'utf8'))), dropId(readCsv(readFileSync(join(dir, 'eval.csv'), 'utf8'))));

  const html = readFileSync(files[2]!, 'utf8');
  assert.match(html, /<table id="summary">/);
  assert.match(html, /Where cam and gradcam disagree most/);
  assert.deepEqual(
    calls.map((c) => [c.html, c.pdf]),
    [[files[2], files[3]]],
    'the PDF prints the written HTML',
  );
});

/** 4×1 PNGs on disk (the report's gallery decodes them); maps are 4×1 too, so boxes can be worked by hand. */
async function handWorkedProject(t: TestContext) {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'imgs'));
  const paths = [1, 2, 3].map((i) => join(dir, 'imgs', `img${i}.png`));
  for (const p of paths)
    await sharp({ create: { width: 4, height: 1, channels: 3, background: { r: 120, g: 60, b: 30 } } })
      .png()
      .toFile(p);
  const ws = Workspace.open(join(dir, 'p.camscope'), { create: true });
  t.after(() => ws.close());
  const { store } = ws;
  const ids = store.addImages([
    sampleImage(1, { path: paths[0], width: 4, height: 1, dataset: 'toy', gtLabel: 1, gtBoxes: [{ box: [1, 0, 4, 1], label: 1 }] }),
    sampleImage(2, { path: paths[1], width: 4, height: 1, dataset: 'toy', gtLabel: 1, gtBoxes: [{ box: [0, 0, 2, 1], label: 1 }] }),
    sampleImage(3, { path: paths[2], width: 4, height: 1, dataset: 'toy' }),
  ]).ids;
  const modelId = store.addModel(sampleModel());
  const otherModel = store.addModel(sampleModel({ path: 'models/shapes-fc.onnx', sha256: sha('fc') }));
  const run = (model: number, method: string, target: 'top1' | number = 'top1') => {
    const id = store.createRun({ modelId: model, method, layer: 'features.3', target, imageIds: ids, params: { threshold: 0.2 } });
    store.startRun(id);
    return id;
  };
  const record = (runId: number, imageId: number, predicted: number, values: number[]) =>
    store.recordResults(runId, [
      {
        imageId,
        predictions: [
          { index: predicted, label: null, score: 0.9 },
          { index: 3 - predicted, label: null, score: 0.1 },
        ],
        maps: [{ classIndex: predicted, width: 4, height: 1, values: Float32Array.from(values) }],
        boxes: [],
        evaluation: { iou: null },
      },
    ]);
  const cam = run(modelId, 'cam');
  const gradcam = run(modelId, 'gradcam');
  // Image 1: right class, map [0, .5, 1, 1] → box [1,0,4,1] = its GT box. Image 2: wrong class. Image 3: no ground truth.
  for (const r of [cam, gradcam]) {
    record(r, ids[0]!, 1, [0, 5, 10, 10]);
    record(r, ids[1]!, 2, [10, 10, 0, 0]);
    record(r, ids[2]!, 1, [10, 0, 0, 0]);
  }
  const fc = run(otherModel, 'gradcam');
  record(fc, ids[0]!, 1, [10, 0, 0, 0]);
  return { dir, ws, ids, cam, gradcam, fc, fixed: run(modelId, 'cam', 2) };
}

test('app runs: Top-1 Loc counts a wrong image as a miss, GT-known Loc only the images whose GT-class map is known', async (t) => {
  const { dir, ws, ids, cam, gradcam, fc } = await handWorkedProject(t);
  const { printer, calls } = fakePrinter();
  ws.pdfPrinter = printer;
  const out = join(dir, 'reports');
  const { files } = await ws.handlers()['report.export']({ runIds: [cam, gradcam, fc], formats: ['json', 'pdf'], out });
  assert.deepEqual(files, [
    join(out, 'shapes-gap-report.json'),
    join(out, 'shapes-gap-report.pdf'),
    join(out, 'shapes-fc-report.json'),
    join(out, 'shapes-fc-report.pdf'),
  ]);

  const gap = JSON.parse(readFileSync(files[0]!, 'utf8')) as EvaluationSummary;
  assert.equal(gap.images, 3);
  assert.equal(gap.accuracy, 50, 'image 3 has no label');
  for (const m of ['cam', 'gradcam']) {
    assert.equal(gap.methods[m]!.top1_loc, 50, m);
    assert.equal(gap.methods[m]!.gt_known_loc, 100, m);
    assert.equal(gap.methods[m]!.pointing_game, 100, m);
    assert.equal(gap.methods[m]!.average_drop, null, 'app runs hold no faithfulness numbers');
  }
  assert.ok(Math.abs(gap.agreement['cam|gradcam']!.pearson - 1) < 1e-12, 'equal maps');
  // The other model's run holds image 1 only.
  const fcSummary = JSON.parse(readFileSync(files[2]!, 'utf8')) as EvaluationSummary;
  assert.equal(fcSummary.images, 1);
  assert.equal(fcSummary.methods.gradcam!.top1_loc, 0);

  // No HTML asked for: the PDF was printed from a temporary page that says which images GT-known Loc counts.
  assert.equal(calls.length, 2);
  assert.ok(!existsSync(calls[0]!.html), 'the temporary page is removed');
  assert.match(calls[0]!.page, /unknown on 1 misclassified images/);
  assert.ok(!existsSync(join(out, 'shapes-gap-report.html')));

  const sample = await ws.handlers()['report.export']({ runIds: [cam, gradcam], imageIds: [ids[1]!], formats: ['csv'], out });
  const rows = readCsv(readFileSync(sample.files[0]!, 'utf8'));
  assert.deepEqual(
    rows.slice(1, 3).map((r) => [r[0], r[2], r[8]]),
    [
      ['img2.png', 'cam', '0'],
      ['img2.png', 'gradcam', '0'],
    ],
  );
});

test('report.export refuses unknown runs, fixed-class runs, images without maps and an unwritable folder in one line', async (t) => {
  const { dir, ws, ids, cam, fc, fixed } = await handWorkedProject(t);
  const h = ws.handlers()['report.export'];
  const refused = async (req: Parameters<typeof h>[0], pattern: RegExp) => {
    const e = await h(req).then(
      () => null,
      (err: unknown) => err,
    );
    assert.ok(e instanceof CamscopeError, String(e));
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'));
  };
  await refused({ runIds: [cam + 100], formats: ['json'], out: dir }, /run \d+ is not in the project/);
  await refused({ runIds: [fixed], formats: ['json'], out: dir }, /explains class 2 on every image/);
  await refused({ runIds: [fc], imageIds: [ids[1]!], formats: ['json'], out: dir }, /no image has a map of every chosen run \(#\d+\)/);
  writeFileSync(join(dir, 'a-file'), '');
  await refused({ runIds: [cam], formats: ['json'], out: join(dir, 'a-file', 'sub') }, /a-file\/sub: cannot create the report folder/);
});
