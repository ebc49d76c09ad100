/// <reference lib="dom" />
// "Make CAM-ready" and "Report…" in the real renderer through the loopback shell (Playwright, Debian's
// Chromium): an FC-head model is camified from the Models view and listed beside its original with what CAM
// explains, the comparison grid labels its CAM column, and the WSOL view writes eval's report files (the PDF
// with headless Chromium). Screenshots go to test/.output/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { serve } from '../../src-main/cli/serve.js';
import { ensureRendererBuilt, launchChromium, noChromium } from '../helpers/chromium.js';
import type { Box } from '../../src-shared/explainTypes.js';
import type { EvaluationSummary } from '../../src-shared/evaluationTypes.js';
import { fcHeadClassifier, writeImages } from '../camify/tinyFcModel.js';

const skip = noChromium;
const SHOTS = 'test/.output/e2e';
const dir = mkdtempSync(join(tmpdir(), 'camscope-e2e-actions-'));
process.env.CAMSCOPE_HOME = join(dir, 'home');
let browser: Browser;
const problems: string[] = [];

before(async () => {
  if (skip) return;
  ensureRendererBuilt();
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(join(dir, 'fc.onnx'), fcHeadClassifier());
  await writeImages(join(dir, 'fc-images'), 20, 3);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('camify from the Models view, then the WSOL view writes the report files', { skip, timeout: 300_000 }, async () => {
  const { shell, workspace } = await serve({ project: join(dir, 'study.camscope') });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  try {
    // Set-up through the services: the demo images with their boxes, the demo GAP model's CAM and Grad-CAM runs, and an FC-head model.
    const demo = resolve('models/demo');
    const boxes = JSON.parse(readFileSync(join(demo, 'boxes.json'), 'utf8')) as Record<string, { label: number; box: Box }>;
    const truth = new Map(Object.entries(boxes).map(([f, t]) => [join(demo, f), { label: t.label, boxes: [t.box] }]));
    await workspace.importImages([...truth.keys()], 'demo', truth);
    const h = workspace.handlers();
    const gap = await h['models.add']({ path: resolve('models/shapes-gap.onnx') });
    const fc = await h['models.add']({ path: join(dir, 'fc.onnx') });
    const runs = await h['runs.start']({ modelId: gap.id, methods: ['cam', 'gradcam'], target: 'top1' });
    const finished = () => runs.every((r) => workspace.store.getRun(r.id)!.status === 'done');
    for (let i = 0; i < 240 && !finished(); i++) await new Promise((r) => setTimeout(r, 500));
    assert.ok(finished(), 'the runs finish');

    await page.goto(`${shell.url}#/models`);
    await page.locator('.item', { hasText: 'fc' }).first().click();
    await page.getByRole('button', { name: 'Make CAM-ready…' }).click();
    await page.locator('#camify-dataset').fill(join(dir, 'fc-images'));
    await page.screenshot({ path: join(SHOTS, 'actions-1-models-camify.png') });
    await page.getByRole('button', { name: 'Make CAM-ready', exact: true }).click();
    await page.locator('.item', { hasText: 'fc-gap' }).waitFor({ timeout: 120_000 });
    await page.getByText('What CAM explains:').waitFor();
    await page.screenshot({ path: join(SHOTS, 'actions-2-models-camified.png') });
    const listed = await page.locator('aside .name').allInnerTexts();
    assert.deepEqual(
      listed.map((n) => n.replace('refit head', '').trim()),
      ['shapes-gap', 'fc', 'fc-gap'],
      'the refit model follows its original',
    );
    assert.ok(existsSync(join(dir, 'fc-gap.onnx')));
    assert.equal((await h['models.list']({})).find((m) => m.path === join(dir, 'fc-gap.onnx'))?.camify?.sourceSha256, fc.sha256);

    await page.goto(`${shell.url}#/compare`);
    await page.locator('.colhead .method', { hasText: 'CAM (refit head)' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.colhead .method', { hasText: 'CAM (refit head)' }).count(), 1);

    await page.goto(`${shell.url}#/wsol`);
    await page.waitForFunction(() => document.querySelectorAll('.summary tbody tr').length === 2, null, { timeout: 30_000 });
    await page.getByRole('button', { name: 'Report…' }).click();
    await page.locator('#report-folder').fill(join(dir, 'reports'));
    await page.getByRole('button', { name: 'Write report' }).click();
    await page.locator('.files li').first().waitFor({ timeout: 120_000 });
    await page.screenshot({ path: join(SHOTS, 'actions-3-wsol-report.png') });
    const files = await page.locator('.files li').evaluateAll((lis) => lis.map((li) => li.getAttribute('title')!));
    assert.deepEqual(
      await page.locator('.files li').allInnerTexts(),
      ['json', 'csv', 'html', 'pdf'].map((ext) => `shapes-gap-report.${ext}`),
    );
    assert.deepEqual(
      files,
      ['json', 'csv', 'html', 'pdf'].map((ext) => join(dir, 'reports', `shapes-gap-report.${ext}`)),
    );
    const summary = JSON.parse(readFileSync(files[0]!, 'utf8')) as EvaluationSummary;
    assert.equal(summary.images, truth.size);
    assert.deepEqual(Object.keys(summary.methods), ['cam', 'gradcam']);
    assert.equal(readFileSync(files[3]!).subarray(0, 5).toString(), '%PDF-');
    assert.ok(statSync(files[3]!).size > 10_000);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await shell.close();
    workspace.close();
  }
});

test('under ?mock=1 the camify form shows the fit’s progress, and the refit model’s CAM column is labelled', { skip, timeout: 120_000 }, async () => {
  const { shell, workspace } = await serve({ project: join(dir, 'mock.camscope') });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.goto(`${shell.url.replace(/#.*$/, '')}${shell.url.includes('?') ? '&' : '?'}mock=1#/models`);
    await page.locator('.item', { hasText: 'vgg16-bn-12' }).click();
    await page.getByRole('button', { name: 'Make CAM-ready…' }).click();
    await page.locator('#camify-dataset').fill('/home/researcher/datasets/cub');
    await page.getByRole('button', { name: 'Make CAM-ready', exact: true }).click();
    await page.getByText('Fitting the head').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, 'actions-4-mock-camify-progress.png') });
    await page.locator('.item', { hasText: 'vgg16-bn-12-gap' }).waitFor({ timeout: 30_000 });
    await page.goto(page.url().replace(/#.*$/, '#/compare'));
    await page.locator('.colhead .method', { hasText: 'CAM (refit head)' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, 'actions-5-mock-compare.png') });
  } finally {
    await page.close();
    await shell.close();
    workspace.close();
  }
});
