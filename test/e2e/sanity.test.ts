/// <reference lib="dom" />
// The sanity view through the loopback shell in Chromium, on a stored check (computed by runSanityChecks on the
// bundled shapes-gap model, 2 images, Grad-CAM and Grad-CAM++, stored as sanity.start stores it): the cascade strip has one
// drawn map per method and step, the three similarity plots draw each method's curve in its colour, the verdict
// table names both methods, and picking the other image loads its strip. Screenshot in test/.output/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { serve } from '../../src-main/cli/serve.js';
import { runSanityChecks } from '../../src-main/evaluation/sanity/sanityChecks.js';
import { sanityRecord } from '../../src-main/services/sanityScheduler.js';
import { Workspace } from '../../src-main/services/workspace.js';
import { methodColor } from '../../src-renderer/lib/palette.js';
import { ensureRendererBuilt, launchChromium, noChromium } from '../helpers/chromium.js';

const skip = noChromium;
const SHOTS = 'test/.output/e2e';
const dir = mkdtempSync(join(tmpdir(), 'camscope-e2e-sanity-'));
const project = join(dir, 'sanity.camscope');
process.env.CAMSCOPE_HOME = join(dir, 'home');
// Grad-CAM++ next to Grad-CAM: their curves differ (CAM's coincide with Grad-CAM's on a GAP model, hiding one colour).
const METHODS = ['gradcam', 'gradcam++'];
let browser: Browser;

before(async () => {
  if (skip) return;
  ensureRendererBuilt();
  mkdirSync(SHOTS, { recursive: true });
  mkdirSync(join(dir, 'images'));
  for (const f of ['circle_0.png', 'star_3.png']) copyFileSync(join('models/demo', f), join(dir, 'images', f));
  const ws = Workspace.open(project, { create: true });
  try {
    await ws.handlers()['images.import']({ paths: [join(dir, 'images')] });
    const model = await ws.handlers()['models.add']({ path: 'models/shapes-gap.onnx' });
    const imageIds = ws.store.allImageIds();
    const result = await runSanityChecks({ model: model.path, images: imageIds.map((id) => ws.store.getImage(id)!.path), methods: METHODS, seed: 1 });
    const checkId = ws.store.createSanityCheck(model.id, imageIds, { methods: METHODS, modes: ['cascading', 'independent'], seed: 1, layer: null });
    ws.store.recordSanityResult(checkId, sanityRecord(result));
  } finally {
    ws.close();
  }
  browser = await launchChromium();
});
after(async () => browser?.close());

test('the sanity view draws the stored cascade strip, the curves and the verdict', { skip, timeout: 120_000 }, async () => {
  const { shell, workspace } = await serve({ project });
  const problems: string[] = [];
  const page = await browser.newPage({ viewport: { width: 1400, height: 1250 } });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  try {
    await page.goto(`${shell.url}#/sanity`);
    const strip = page.getByTestId('cascade-strip');
    await strip.waitFor({ timeout: 30_000 });
    // 2 methods × (original + 6 cascading steps), each map painted (some opaque pixel) over a loaded image.
    const painted = () =>
      page.evaluate(() =>
        [...document.querySelectorAll<HTMLCanvasElement>('[data-testid=cascade-strip] canvas')].map((c) => {
          const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) return true;
          return false;
        }),
      );
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=cascade-strip] canvas').length === 14, null, { timeout: 30_000 });
    assert.deepEqual(await painted(), Array(14).fill(true));
    assert.equal(await strip.locator('tbody tr').count(), 2);
    assert.equal(await strip.locator('thead th').count(), 2 + 6, 'corner, original, 6 steps');

    await page.screenshot({ path: join(SHOTS, 'sanity.png') });
    // Each plot (Spearman |m|, Spearman, SSIM) has a pixel of every method's colour: its curve is drawn.
    const plots = page.getByTestId('similarity-plot');
    assert.equal(await plots.count(), 3);
    const colours = METHODS.map(methodColor);
    const drawn = await page.evaluate(
      (colours) =>
        [...document.querySelectorAll('[data-testid=similarity-plot]')].map((p) => {
          const c = [...p.querySelectorAll('canvas')].find((x) => x.width > 0)!;
          const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          return colours.map((hex) => {
            const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
            for (let i = 0; i < px.length; i += 4)
              if (Math.abs(px[i]! - r!) < 8 && Math.abs(px[i + 1]! - g!) < 8 && Math.abs(px[i + 2]! - b!) < 8) return true;
            return false;
          });
        }),
      colours,
    );
    assert.deepEqual(drawn, [
      [true, true],
      [true, true],
      [true, true],
    ]);

    const verdict = page.getByTestId('sanity-verdict');
    assert.deepEqual(await verdict.locator('tbody td:first-child').allTextContents(), ['Grad-CAM', 'Grad-CAM++']);
    assert.match((await page.locator('.rule').textContent()) ?? '', /degrades when \|mean Spearman/);

    // The other image's strip replaces the first's.
    const before = await strip
      .locator('canvas')
      .first()
      .evaluate((c: HTMLCanvasElement) => c.toDataURL());
    await page.locator('.images .thumb').nth(1).click();
    await page.waitForFunction((b) => document.querySelector<HTMLCanvasElement>('[data-testid=cascade-strip] canvas')?.toDataURL() !== b, before, {
      timeout: 30_000,
    });
    assert.deepEqual(await painted(), Array(14).fill(true));
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await shell.close();
    workspace.close();
  }
});
