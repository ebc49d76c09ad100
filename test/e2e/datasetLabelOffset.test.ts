/// <reference lib="dom" />
// The gallery's label-offset control in the real renderer through the loopback shell (Playwright, Debian's Chromium):
// a dataset whose images the model all predicts as their labels is 8 correct at offset 0 (the model's default); setting
// offset 1 in the filter bar makes none correct without importing it again, and clearing it gives the default back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { serve } from '../../src-main/cli/serve.js';
import { ensureRendererBuilt, launchChromium, noChromium } from '../helpers/chromium.js';
import type { Box } from '../../src-shared/explainTypes.js';

const skip = noChromium;
const SHOTS = 'test/.output/e2e';
const dir = mkdtempSync(join(tmpdir(), 'camscope-e2e-offset-'));
process.env.CAMSCOPE_HOME = join(dir, 'home');
let browser: Browser;

before(async () => {
  if (skip) return;
  ensureRendererBuilt();
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the gallery sets a dataset’s label offset in place: the correct filter follows', { skip, timeout: 300_000 }, async () => {
  const { shell, workspace } = await serve({ project: join(dir, 'study.camscope') });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  try {
    const demo = resolve('models/demo');
    const boxes = JSON.parse(readFileSync(join(demo, 'boxes.json'), 'utf8')) as Record<string, { label: number; box: Box }>;
    const truth = new Map(Object.entries(boxes).map(([f, t]) => [join(demo, f), { label: t.label, boxes: [t.box] }]));
    await workspace.importImages([...truth.keys()], 'demo', truth);
    const model = await workspace.handlers()['models.add']({ path: resolve('models/shapes-gap.onnx') });
    // A finished run whose top-1 is each image's label (hand-made, no model pass): all correct at offset 0.
    const { store } = workspace;
    const ids = store.allImageIds();
    const runId = store.createRun({ modelId: model.id, method: 'gradcam', layer: model.defaultLayer, target: 'top1', imageIds: ids });
    store.startRun(runId);
    store.recordResults(
      runId,
      ids.map((id) => ({ imageId: id, predictions: [{ index: store.getImage(id)!.gtLabel!, label: null, score: 0.9 }] })),
    );
    store.finishRun(runId, 'done');
    assert.equal(store.datasetLabelOffset('demo'), null);

    await page.goto(`${shell.url}#/gallery`);
    await page.getByRole('radio', { name: 'Correct', exact: true }).click();
    const count = page.locator('.filters .count');
    await page.waitForFunction(() => document.querySelector('.filters .count')?.textContent === '8 images', null, { timeout: 30_000 });
    const offset = page.getByLabel('Label offset of demo');
    assert.equal(await offset.inputValue(), '', 'the model default');

    await offset.fill('1');
    await page.getByRole('button', { name: 'Set', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('.filters .count')?.textContent === '0 images', null, { timeout: 30_000 });
    assert.equal(store.datasetLabelOffset('demo'), 1, 'stored');
    assert.deepEqual(
      ids.map((id) => store.getImage(id)!.gtLabel),
      [...truth.values()].map((t) => t.label),
      'the labels stay',
    );
    await page.screenshot({ path: join(SHOTS, 'label-offset-set.png') });

    await page.getByRole('radio', { name: 'Incorrect', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('.filters .count')?.textContent === '8 images', null, { timeout: 30_000 });
    await offset.fill('');
    await page.getByRole('button', { name: 'Set', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('.filters .count')?.textContent === '0 images', null, { timeout: 30_000 });
    assert.equal(store.datasetLabelOffset('demo'), null, 'cleared: the model default');
    assert.equal(await count.textContent(), '0 images');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await shell.close();
    workspace.close();
  }
});
