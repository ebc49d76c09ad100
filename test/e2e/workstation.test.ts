/// <reference lib="dom" />
// The real renderer through the loopback shell, driven by Playwright in Debian's Chromium: create a
// project, import a folder, add a model, run CAM and Grad-CAM, compare them, move the threshold,
// cancel a run, reopen the project and find everything. Screenshots go to test/.output/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { type Browser, type Page, chromium } from 'playwright-core';
import { serve, RENDERER_DIR } from '../../src-main/cli/serve.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
const SHOTS = 'test/.output/e2e';
const dir = mkdtempSync(join(tmpdir(), 'camscope-e2e-'));
const project = join(dir, 'study.camscope');
let browser: Browser;
const problems: string[] = [];

before(async () => {
  if (skip) return;
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    const r = spawnSync('npx', ['vite', 'build', '--config', 'vite.renderer.config.ts'], { stdio: 'inherit' });
    assert.equal(r.status, 0, 'renderer build');
  }
  mkdirSync(SHOTS, { recursive: true });
  mkdirSync(join(dir, 'images'));
  for (let i = 0; i < 12; i++) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="80"><rect width="96" height="80" fill="rgb(${20 * i},120,${240 - 15 * i})"/><circle cx="${20 + 5 * i}" cy="40" r="14" fill="#fff"/></svg>`;
    await sharp(Buffer.from(svg)).png().toFile(join(dir, 'images', `img${String(i).padStart(2, '0')}.png`));
  }
  writeModel(join(dir, 'gap.onnx'), gapClassifier({ k: 6, classes: 4, size: 32 }));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});
after(async () => browser?.close());

async function openApp(hash: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const { shell, workspace } = await serve({ project });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  await page.goto(`${shell.url}${hash}`);
  return {
    page,
    close: async () => {
      await page.close();
      await shell.close();
      workspace.close();
    },
  };
}

test('a study from an empty project to compared maps, and back after reopening', { skip, timeout: 240_000 }, async () => {
  let app = await openApp('#/gallery');
  let { page } = app;
  await page.locator('textarea').fill(join(dir, 'images'));
  await page.getByRole('button', { name: 'Import' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.cell').length >= 12, null, { timeout: 30_000 });
  await page.screenshot({ path: join(SHOTS, '1-gallery-imported.png') });

  await page.goto(page.url().replace(/#.*$/, '#/models'));
  await page.locator('#model-path').fill(join(dir, 'gap.onnx'));
  await page.getByRole('button', { name: 'Add' }).click();
  await page.getByText('features', { exact: false }).first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(SHOTS, '2-models.png') });

  await page.goto(page.url().replace(/#.*$/, '#/runs'));
  await page.getByRole('button', { name: /^Start 2 runs$/ }).click({ timeout: 30_000 });
  await page.waitForFunction(() => /done/i.test(document.body.innerText) && !/running/i.test(document.body.innerText), null, { timeout: 120_000 });
  await page.screenshot({ path: join(SHOTS, '3-runs-done.png') });

  await page.goto(page.url().replace(/#.*$/, '#/compare'));
  await page.getByText('Grad-CAM').first().waitFor({ timeout: 30_000 });
  await page.getByText('CAM', { exact: true }).first().waitFor();
  const canvases = await page.locator('canvas').count();
  assert.ok(canvases >= 4, `compare grid draws maps (${canvases} canvases)`);
  await page.screenshot({ path: join(SHOTS, '4-compare.png') });

  // The threshold moves the predicted box in the detail view.
  await page.goto(page.url().replace(/#.*$/, '#/image/1'));
  await page.locator('input[type=range]').first().waitFor({ timeout: 30_000 });
  const boxText = async () => page.locator('body').innerText();
  const before20 = await boxText();
  const slider = page.locator('input[type=range]').last();
  await slider.fill('0.8');
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(SHOTS, '5-detail-threshold.png') });
  assert.notEqual(await boxText(), before20, 'moving the threshold changes what the detail view reports');

  // A long run can be cancelled.
  await page.goto(page.url().replace(/#.*$/, '#/runs'));
  await page.getByRole('button', { name: /^Start 2 runs$/ }).click({ timeout: 30_000 });
  const cancel = page.getByRole('button', { name: /cancel/i }).first();
  if (await cancel.isVisible().catch(() => false)) await cancel.click();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(SHOTS, '6-runs-after-cancel.png') });
  await app.close();

  // Reopen: the images, the model and the finished runs are still there.
  app = await openApp('#/runs');
  page = app.page;
  await page.waitForFunction(() => (document.body.innerText.match(/done/gi) ?? []).length >= 2, null, { timeout: 30_000 });
  await page.goto(page.url().replace(/#.*$/, '#/gallery'));
  await page.waitForFunction(() => document.querySelectorAll('.cell').length >= 12, null, { timeout: 30_000 });
  await page.screenshot({ path: join(SHOTS, '7-reopened-gallery.png') });
  await app.close();
  assert.deepEqual(problems, [], 'no page errors, console errors or CSP violations');
});
