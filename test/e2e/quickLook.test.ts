/// <reference lib="dom" />
// Quick look in the real renderer through the loopback shell (Playwright, Debian's Chromium): the image is picked
// with the confined files.list picker, every applicable method's map of it appears at once, a class of the top-5
// re-targets them, a broken file is one line. Screenshots go to test/.output/e2e/ (quick-look.png is docs/quick-look.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { serve } from '../../src-main/cli/serve.js';
import { QUICK_LOOK_DATASET } from '../../src-shared/quickLook.js';
import { ensureRendererBuilt, launchChromium, noChromium } from '../helpers/chromium.js';

const skip = noChromium;
const SHOTS = 'test/.output/e2e';
const dir = mkdtempSync(join(tmpdir(), 'camscope-e2e-quicklook-'));
// The picker lists the user's home only: the photo is put in a home of the test's own.
process.env.HOME = join(dir, 'me');
process.env.CAMSCOPE_HOME = join(dir, 'home');
let browser: Browser;

before(async () => {
  if (skip) return;
  ensureRendererBuilt();
  mkdirSync(SHOTS, { recursive: true });
  mkdirSync(join(dir, 'me', 'photos'), { recursive: true });
  copyFileSync(resolve('models/photos/chelsea.png'), join(dir, 'me', 'photos', 'chelsea.png'));
  writeFileSync(join(dir, 'me', 'photos', 'broken.png'), 'not an image');
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('quick look: pick a photo, see every map at once, re-target a class, a broken file is one line', { skip, timeout: 120_000 }, async () => {
  const { shell, workspace } = await serve({ project: join(dir, 'study.camscope') });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  try {
    await workspace.handlers()['models.add']({ path: resolve('models/mobilenet-v2-imagenet.onnx') });
    await page.goto(`${shell.url}#/gallery`);
    await page.locator('.gallery, .empty, main').first().waitFor();
    // The shortcut sheet lists it; its key opens it from anywhere.
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).getByText('Quick look').waitFor();
    await page.keyboard.press('Escape');
    await page.keyboard.press('q');
    await page.getByRole('heading', { name: 'Quick look' }).waitFor();

    // The confined picker: home → photos → chelsea.png.
    await page.locator('.browser .entry', { hasText: 'photos' }).click();
    await page.locator('.browser .entry', { hasText: 'chelsea.png' }).click();
    await page.locator('.grid .tile').first().waitFor({ timeout: 60_000 });
    const methods = await page.locator('.grid .tile .method').allInnerTexts();
    assert.deepEqual(methods, ['CAM', 'Grad-CAM', 'Grad-CAM++', 'XGrad-CAM', 'HiResCAM', 'LayerCAM', 'Eigen-CAM', 'Ablation-CAM', 'Recipro-CAM']);
    assert.match(
      await page.locator('.note.refused').innerText(),
      /Attention rollout[\s\S]*Does not apply: 'Conv_1_Relu6_relu6' is not a token layer/,
    );
    await page.getByRole('button', { name: 'Compute Score-CAM' }).waitFor();
    const top5 = await page.locator('.top5 .label').allInnerTexts();
    assert.equal(top5[0], 'Egyptian cat');
    assert.ok((await page.locator('.grid .tile canvas').count()) >= methods.length, 'each tile draws its map');
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(SHOTS, 'quick-look.png') });

    // Stored as the service stores runs: the image is in the scratch dataset, one run per method.
    const image = workspace.store.getImage(1)!;
    assert.equal(image.dataset, QUICK_LOOK_DATASET);
    assert.equal(workspace.store.listRuns().length, methods.length);

    // A class of the top-5: every map is re-computed for it.
    await page.locator('.top5 .cls').nth(2).click();
    const third = top5[2]!;
    await page.waitForFunction((label) => [...document.querySelectorAll('.grid .tile .faint')].every((e) => e.textContent === label), third, {
      timeout: 60_000,
    });
    assert.equal(await page.locator('.explain b').innerText(), third);
    assert.equal(workspace.store.listRuns().length, 2 * methods.length);
    await page.screenshot({ path: join(SHOTS, 'quick-look-class.png') });

    // A broken file: one line, the last maps stay.
    await page.getByRole('textbox', { name: 'Image path' }).fill(join(dir, 'me', 'photos', 'broken.png'));
    await page.getByRole('button', { name: 'Look', exact: true }).click();
    const error = await page.locator('p.error[role=alert]').innerText();
    assert.match(error, /broken\.png: (not an image|cannot decode)/);
    assert.ok(!error.includes('\n'));
    assert.equal(workspace.store.imageCount(), 1);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await shell.close();
    workspace.close();
  }
});
