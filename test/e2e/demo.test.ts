/// <reference lib="dom" />
// `npm start` on a fresh machine: the loopback shell with no project opens the demo study (built here
// with 2 images per scenario), its three models registered and its runs finished; the gallery, the
// models and the comparison grid show it. Screenshots go to test/.output/e2e/demo-*.png.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { serve } from '../../src-main/cli/serve.js';
import { defaultDemoProject, waitForRuns } from '../../src-main/services/demoProject.js';
import { ensureRendererBuilt, launchChromium, noChromium } from '../helpers/chromium.js';

const SHOTS = 'test/.output/e2e';
const home = mkdtempSync(join(tmpdir(), 'camscope-e2e-demo-'));
let browser: Browser | undefined;
after(async () => {
  await browser?.close();
  rmSync(home, { recursive: true, force: true });
});

test(
  'with no project, the app opens the demo study: three models, finished runs, gallery and CAM vs Grad-CAM',
  { skip: noChromium, timeout: 300_000 },
  async () => {
    process.env.CAMSCOPE_HOME = home;
    ensureRendererBuilt();
    mkdirSync(SHOTS, { recursive: true });
    const { shell, workspace, startHash } = await serve({ demo: { count: 2, scoreCam: false } });
    try {
      assert.equal(workspace.store.file, defaultDemoProject());
      const runs = await waitForRuns(workspace);
      assert.ok(runs.length > 0 && runs.every((r) => r.status === 'done'), runs.map((r) => `${r.method}: ${r.status}`).join(', '));
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));

      // The first screen: the cat under MobileNetV2, CAM (the lecture's figure) next to Grad-CAM, both with their boxes.
      assert.match(startHash, /^#\/image\/\d+$/);
      await page.goto(`${shell.url}${startHash}`);
      await page.getByText('chelsea.png').first().waitFor({ timeout: 30_000 });
      await page.waitForFunction(
        () => document.querySelectorAll('figure.pane').length === 2 && document.querySelectorAll('figure.pane canvas').length >= 2,
        null,
        { timeout: 30_000 },
      );
      const captions = await page.locator('figure.pane figcaption').allTextContents();
      assert.deepEqual(
        captions.map((c) => c.split(' · ')[0]),
        ['CAM', 'Grad-CAM'],
      );
      for (const c of captions) assert.match(c, /mobilenet-v2-imagenet: Egyptian cat \(\d+\.\d %\)/);
      for (const kind of ['gt', 'pred']) assert.equal(await page.locator(`figure.pane svg rect.${kind}`).count(), 2, `a ${kind} box on each pane`);
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(SHOTS, 'demo-0-first-screen.png') });

      await page.goto(`${shell.url}#/gallery`);
      await page.waitForFunction(
        () => [...document.querySelectorAll<HTMLImageElement>('.cell img')].filter((i) => i.complete && i.naturalWidth > 0).length >= 3,
        null,
        { timeout: 60_000 },
      );
      await page.screenshot({ path: join(SHOTS, 'demo-1-gallery.png') });

      await page.goto(page.url().replace(/#.*$/, '#/models'));
      for (const name of ['mobilenet-v2-imagenet', 'mobilenet-v1-imagenet', 'shapes-gap', 'shapes-fc', 'shapes-shortcut'])
        await page.getByText(name, { exact: true }).first().waitFor({ timeout: 30_000 });
      await page.getByText('no CAM', { exact: true }).first().waitFor(); // shapes-fc: CAM refused, said so
      await page.screenshot({ path: join(SHOTS, 'demo-2-models.png') });

      await page.goto(page.url().replace(/#.*$/, '#/compare'));
      await page.getByText('Grad-CAM').first().waitFor({ timeout: 30_000 });
      await page.getByText('CAM', { exact: true }).first().waitFor();
      await page.waitForFunction(() => document.querySelectorAll('canvas').length >= 4, null, { timeout: 30_000 });
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(SHOTS, 'demo-3-compare.png') });
      assert.deepEqual(problems, []);
    } finally {
      await shell.close();
      workspace.close();
    }
  },
);
