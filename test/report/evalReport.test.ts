/// <reference lib="dom" />
// The eval reports with the faithfulness metrics on: Average Drop recomputed here from the model, the
// CSV's per-image ADCC terms, the self-contained HTML opened in Chromium (screenshot to
// test/.output/report/), and the PDF printed from it, read back with pdftotext.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCli } from '../helpers/cli.js';
import { launchChromium, noChromium } from '../helpers/chromium.js';
import { DEMO_MODEL, type FixtureImage, readCsv, writeDemoDataset } from '../evaluation/evalFixtures.js';
import { Explainer, softmax } from '../../src-main/explain/explainer.js';
import { minMaxNormalize, upsampleBilinear } from '../../src-shared/mapGrid.js';
import { adccOf } from '../../src-main/evaluation/metrics/index.js';
import type { EvaluationSummary } from '../../src-shared/evaluationTypes.js';

const noPdftotext = spawnSync('pdftotext', ['-v']).error ? 'no pdftotext (apt-get install poppler-utils)' : false;
const SHOTS = 'test/.output/report';
const dir = mkdtempSync(join(tmpdir(), 'camscope-report-'));
const LIMIT = 3;
let images: FixtureImage[];
let summary: EvaluationSummary;
let csv: string[][];
let html: string;

before(async () => {
  images = writeDemoDataset(join(dir, 'ds')).slice(0, LIMIT);
  const outputs = ['--json', join(dir, 'eval.json'), '--csv', join(dir, 'eval.csv'), '--report', join(dir, 'report.html')];
  const r = await runCli([
    'eval',
    '--model',
    DEMO_MODEL,
    '--dataset',
    join(dir, 'ds'),
    '--methods',
    'cam,gradcam',
    '--limit',
    String(LIMIT),
    ...outputs,
    ...(noChromium ? [] : ['--pdf', join(dir, 'report.pdf')]),
  ]);
  assert.equal(r.code, 0, r.stderr);
  summary = JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8')) as EvaluationSummary;
  csv = readCsv(readFileSync(join(dir, 'eval.csv'), 'utf8'));
  html = readFileSync(join(dir, 'report.html'), 'utf8');
});

const column = (name: string, method: string) => {
  const header = csv[0]!;
  return csv
    .slice(1, 1 + 2 * LIMIT)
    .filter((r) => r[header.indexOf('method')] === method)
    .map((r) => Number(r[header.indexOf(name)]));
};
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

test('Average Drop equals max(0, Y − O)/Y recomputed from the model on x ⊙ map', async () => {
  const explainer = await Explainer.open(DEMO_MODEL);
  try {
    const { width, height } = explainer.preprocessing;
    const plane = width * height;
    const { input } = await explainer.loadBatch(images.map((im) => im.path));
    const explained = await explainer.explainInput(
      input,
      images.map(() => ({ width, height })),
      { methods: [], target: 'top1' },
    );
    const maps = await runCli([
      'explain',
      '--model',
      DEMO_MODEL,
      ...images.flatMap((im) => ['--image', im.path]),
      '--method',
      'gradcam',
      '--json',
      join(dir, 'maps.json'),
    ]);
    assert.equal(maps.code, 0, maps.stderr);
    const report = JSON.parse(readFileSync(join(dir, 'maps.json'), 'utf8')) as {
      results: { maps: { width: number; height: number; values: number[]; target: number }[] }[];
    };
    const masked = new Float32Array(input.length);
    const classes: number[] = [];
    report.results.forEach((r, k) => {
      const m = r.maps[0]!;
      classes.push(m.target);
      const mask = minMaxNormalize(upsampleBilinear(m, width, height));
      for (let c = 0; c < 3; c++) for (let p = 0; p < plane; p++) masked[(k * 3 + c) * plane + p] = input[(k * 3 + c) * plane + p]! * mask[p]!;
    });
    const logits = await explainer.engine.runModel(masked, images.length);
    const n = explainer.model.numClasses;
    const drops = classes.map((c, k) => {
      const y = explained[k]!.predictions[0]!.score;
      const o = softmax(logits.subarray(k * n, (k + 1) * n))[c]!;
      return (100 * Math.max(0, y - o)) / y;
    });
    column('average_drop', 'gradcam').forEach((v, k) => assert.ok(Math.abs(v - drops[k]!) < 1e-4, `image ${k}: ${v} vs ${drops[k]}`));
    assert.ok(Math.abs(summary.methods.gradcam!.average_drop! - mean(drops)) < 1e-4);
  } finally {
    await explainer.close();
  }
});

test('per-image faithfulness numbers add up to the summary; ADCC is the harmonic mean of its terms', () => {
  for (const method of ['cam', 'gradcam']) {
    const m = summary.methods[method]!;
    const adcc = column('adcc', method);
    const terms = [column('coherency', method), column('complexity', method), column('average_drop', method)];
    adcc.forEach((v, k) => assert.ok(Math.abs(v - 100 * adccOf(terms[0]![k]! / 100, terms[1]![k]! / 100, terms[2]![k]! / 100)) < 1e-9));
    assert.ok(Math.abs(m.adcc! - mean(adcc)) < 1e-9);
    assert.ok(Math.abs(m.average_drop! - mean(column('average_drop', method))) < 1e-9);
    assert.equal(m.increase_in_confidence, 100 * mean(column('increase_in_confidence', method)));
    for (const k of ['deletion_auc', 'insertion_auc'] as const) {
      assert.ok(m[k]! > 0 && m[k]! < 1, `${method} ${k} = ${m[k]}`);
      assert.ok(Math.abs(m[k]! - mean(column(k, method))) < 1e-9);
    }
  }
});

test('the HTML report is self-contained: no script, no external reference, every image inline', () => {
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /\b(src|href)\s*=\s*"(?!data:)/i);
  assert.doesNotMatch(html, /url\(/i);
  assert.match(html, /<svg[^>]+class="chart"/);
  for (const id of ['summary', 'agreement', 'per-class', 'reproducibility']) assert.match(html, new RegExp(`id="${id}"`));
  assert.match(html, new RegExp(summary.methods.cam!.gt_known_loc!.toFixed(2)));
  assert.match(html, /Analytic link/);
  for (const spec of ['Pointing game', 'Average Drop', 'Deletion / Insertion AUC', 'ADCC']) assert.ok(html.includes(spec), spec);
});

test('the report renders in Chromium without errors (screenshot in test/.output/report/)', { skip: noChromium }, async () => {
  mkdirSync(SHOTS, { recursive: true });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.goto(`file://${join(dir, 'report.html')}`);
    assert.equal(await page.locator('#summary tr').count(), 3, 'header + cam + gradcam');
    const broken = await page.evaluate(() => [...document.images].filter((i) => !i.complete || i.naturalWidth === 0).length);
    assert.equal(broken, 0);
    assert.ok((await page.locator('.gallery .tile').count()) > 0);
    await page.screenshot({ path: join(SHOTS, 'report.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('the PDF carries the summary numbers', { skip: noChromium || noPdftotext }, () => {
  const r = spawnSync('pdftotext', ['-layout', join(dir, 'report.pdf'), '-'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /camscope evaluation/);
  for (const method of ['cam', 'gradcam']) {
    const m = summary.methods[method]!;
    for (const v of [m.gt_known_loc!.toFixed(2), m.maxboxacc!.toFixed(2), m.average_drop!.toFixed(2)])
      assert.ok(r.stdout.includes(v), `${method}: ${v} in the PDF`);
  }
});
