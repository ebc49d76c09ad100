/// <reference lib="dom" />
// The real renderer through the loopback shell, driven by Playwright in Debian's Chromium: create a
// project, import a folder (and the demo images with their ground-truth boxes), add a model, run CAM and
// Grad-CAM, compare them, move the threshold and watch the IoU change, read the localization curve,
// cancel a run, reopen the project and find everything. Screenshots go to test/.output/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { serve } from '../../src-main/cli/serve.js';
import { ensureRendererBuilt, launchChromium, noChromium } from '../helpers/chromium.js';
import type { Workspace } from '../../src-main/services/workspace.js';
import type { Box } from '../../src-shared/explainTypes.js';

const skip = noChromium;
const SHOTS = 'test/.output/e2e';
const dir = mkdtempSync(join(tmpdir(), 'camscope-e2e-'));
const project = join(dir, 'study.camscope');
// The shell remembers opened projects in CAMSCOPE_HOME: keep the test's out of the user's list.
process.env.CAMSCOPE_HOME = join(dir, 'home');
let browser: Browser;
const problems: string[] = [];

before(async () => {
  if (skip) return;
  ensureRendererBuilt();
  mkdirSync(SHOTS, { recursive: true });
  mkdirSync(join(dir, 'images'));
  for (let i = 0; i < 12; i++) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="80"><rect width="96" height="80" fill="rgb(${20 * i},120,${240 - 15 * i})"/><circle cx="${20 + 5 * i}" cy="40" r="14" fill="#fff"/></svg>`;
    await sharp(Buffer.from(svg))
      .png()
      .toFile(join(dir, 'images', `img${String(i).padStart(2, '0')}.png`));
  }
  browser = await launchChromium();
});
after(async () => browser?.close());

async function openApp(hash: string): Promise<{ page: Page; workspace: Workspace; close: () => Promise<void> }> {
  const { shell, workspace } = await serve({ project });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  await page.goto(`${shell.url}${hash}`);
  return {
    page,
    workspace,
    close: async () => {
      await page.close();
      await shell.close();
      workspace.close();
    },
  };
}

/** Waits until the gallery shows at least n decoded thumbnails. */
async function thumbnailsShown(page: Page, n: number): Promise<void> {
  await page.waitForFunction(
    (n) => [...document.querySelectorAll<HTMLImageElement>('.cell img')].filter((i) => i.complete && i.naturalWidth > 0).length >= n,
    n,
    { timeout: 30_000 },
  );
}

test('a study from an empty project to compared maps, and back after reopening', { skip, timeout: 240_000 }, async () => {
  let app = await openApp('#/gallery');
  let { page } = app;
  // The bundled demo images with their boxes (models/demo/boxes.json, one per class) come first: the ones with ground truth.
  const demo = resolve('models/demo');
  const boxes = JSON.parse(readFileSync(join(demo, 'boxes.json'), 'utf8')) as Record<string, { label: number; box: Box }>;
  const truth = new Map(Object.entries(boxes).map(([f, t]) => [join(demo, f), { label: t.label, boxes: [t.box] }]));
  // The page must have read the empty project (its import form shown) before images arrive behind its back.
  await page.locator('textarea').waitFor({ timeout: 30_000 });
  assert.equal((await app.workspace.importImages([...truth.keys()], 'demo', truth)).added, truth.size);
  await page.locator('textarea').fill(join(dir, 'images'));
  await page.getByRole('button', { name: 'Import' }).click();
  await thumbnailsShown(page, 16);
  await page.screenshot({ path: join(SHOTS, '1-gallery-imported.png') });

  await page.goto(page.url().replace(/#.*$/, '#/models'));
  await page.locator('#model-path').fill(resolve('models/shapes-gap.onnx')); // the bundled demo model: its maps localize
  await page.getByRole('button', { name: 'Add' }).click();
  await page.getByText('features', { exact: false }).first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(SHOTS, '2-models.png') });

  await page.goto(page.url().replace(/#.*$/, '#/runs'));
  // The cost estimate: CAM and Grad-CAM share one forward + backward run per image; Score-CAM adds one full pass
  // per channel of the default layer (shapes-gap: 96×32×32), for each of the 20 images.
  const cost = page.getByRole('region', { name: 'Cost estimate' });
  await cost.getByText('forward + backward', { exact: true }).waitFor({ timeout: 30_000 });
  assert.match(await cost.innerText(), /1 model run per image \(one shared forward \+ backward pass\),\s+20 for 20 images/);
  await page.getByLabel('Score-CAM').check();
  await cost.getByText('96 full passes', { exact: true }).waitFor();
  assert.match(await cost.innerText(), /97 model runs per image[^]*1\u202f940 for 20 images/);
  await page.screenshot({ path: join(SHOTS, '3-runs-cost.png') });
  await page.getByLabel('Score-CAM').uncheck();
  await page.getByRole('button', { name: /^Start 2 runs$/ }).click({ timeout: 30_000 });
  await page.waitForFunction(() => /done/i.test(document.body.innerText) && !/running/i.test(document.body.innerText), null, { timeout: 120_000 });
  await page.screenshot({ path: join(SHOTS, '3-runs-done.png') });

  await page.goto(page.url().replace(/#.*$/, '#/compare'));
  await page.getByText('Grad-CAM').first().waitFor({ timeout: 30_000 });
  await page.getByText('CAM', { exact: true }).first().waitFor();
  const canvases = await page.locator('canvas').count();
  assert.ok(canvases >= 4, `compare grid draws maps (${canvases} canvases)`);
  await page.screenshot({ path: join(SHOTS, '4-compare.png') });

  // The threshold moves the predicted box in the detail view, and with it the IoU against the ground truth.
  await page.goto(page.url().replace(/#.*$/, '#/image/1'));
  const iouText = page.locator('.iou .big');
  await page.waitForFunction(() => /^\d\.\d\d$/.test(document.querySelector('.iou .big')?.textContent?.trim() ?? ''), null, { timeout: 30_000 });
  const iouAt = async (t: string) => {
    await page.locator('input[type=range]').last().fill(t);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    return Number(await iouText.innerText());
  };
  const ious = [await iouAt('0.05'), await iouAt('0.5'), await iouAt('0.95')];
  await page.screenshot({ path: join(SHOTS, '5-detail-threshold.png') });
  assert.ok(
    ious.every((v) => v >= 0 && v <= 1),
    `IoUs in [0, 1]: ${ious}`,
  );
  assert.ok(new Set(ious).size > 1, `the IoU against the ground truth changes with the threshold: ${ious}`);

  // The localization view scores the demo images (those with ground truth) under both runs (computed in main).
  await page.goto(page.url().replace(/#.*$/, '#/wsol'));
  await page.waitForFunction(
    (n) =>
      document.querySelectorAll('.summary tbody tr').length === 2 &&
      new RegExp(`\\b${n}\\b`).test((document.querySelector('.summary tbody') as HTMLElement).innerText),
    truth.size,
    { timeout: 30_000 },
  );
  await page.screenshot({ path: join(SHOTS, '5b-localization.png') });

  // A long run can be cancelled.
  await page.goto(page.url().replace(/#.*$/, '#/runs'));
  await page.getByRole('button', { name: /^Start 2 runs$/ }).click({ timeout: 30_000 });
  const cancel = page.getByRole('button', { name: /cancel/i }).first();
  if (await cancel.isVisible().catch(() => false)) await cancel.click();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(SHOTS, '6-runs-after-cancel.png') });

  // Open another project through the picker (created on request), then come back through the recent list.
  await page.locator('nav .project').click();
  await page.locator('#project-path').fill(join(dir, 'other.camscope'));
  await page.getByLabel('Create it when missing').check();
  await page.screenshot({ path: join(SHOTS, '6b-project-picker.png') });
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.locator('nav .project', { hasText: 'other.camscope' }).waitFor({ timeout: 30_000 });
  await page.getByText('No images yet', { exact: false }).first().waitFor({ timeout: 30_000 });
  await page.locator('nav .project').click();
  await page.locator('.recent', { hasText: 'study.camscope' }).click();
  await page.locator('nav .project', { hasText: 'study.camscope' }).waitFor({ timeout: 30_000 });
  await thumbnailsShown(page, 16);
  await app.close();

  // Reopen: the images, the model and the finished runs are still there.
  app = await openApp('#/runs');
  page = app.page;
  await page.waitForFunction(() => (document.body.innerText.match(/done/gi) ?? []).length >= 2, null, { timeout: 30_000 });
  await page.goto(page.url().replace(/#.*$/, '#/gallery'));
  await thumbnailsShown(page, 16);
  await page.screenshot({ path: join(SHOTS, '7-reopened-gallery.png') });
  await app.close();
  assert.deepEqual(problems, [], 'no page errors, console errors or CSP violations');
});
