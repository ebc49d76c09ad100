// Developer tool (not part of npm test): screenshots of every view against the mock transport.
// Usage: build the renderer, serve it (vite preview on :4173), then
//   node test/renderer/screenshots.mjs [baseUrl] [outDir]
// Needs a Chromium (Debian: apt-get install chromium). Fails on any page error, console error or CSP violation.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const base = process.argv[2] ?? 'http://127.0.0.1:4173/';
const out = process.argv[3] ?? '/tmp/shots';
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const problems = [];
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));

const shot = async (name) => {
  await page.screenshot({ path: join(out, `${name}.png`) });
  console.log(`${name}.png`);
};
let loads = 0;
// A fresh document every time (a hash-only change would keep the previous view's state).
const open = async (query, hash, settleMs = 1200) => {
  await page.goto(`${base}?${query}&load=${++loads}${hash}`);
  await page.waitForTimeout(settleMs);
};

await open('mock=1', '#/gallery', 1800);
await shot('gallery');
console.log('  cells in DOM:', await page.locator('.cell').count());
// Deep scroll: the grid must stay virtual and fill in.
await page.locator('.scroller').evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
await page.waitForTimeout(1200);
await shot('gallery-scrolled');
console.log('  cells in DOM after scroll:', await page.locator('.cell').count());
await page.locator('.scroller').evaluate((el) => (el.scrollTop = 0));
await page.selectOption('select >> nth=1', 'iou');
await page.getByRole('radio', { name: 'Incorrect' }).click();
await page.waitForTimeout(1500);
await page.keyboard.press('ArrowRight');
await page.keyboard.press('ArrowRight');
await page.keyboard.press(' ');
await shot('gallery-filtered');
await page.keyboard.press('Enter');
await page.waitForTimeout(1200);
await shot('detail-from-gallery');

await open('mock=1', '#/image/12', 1500);
await page.mouse.move(560, 420);
await page.waitForTimeout(200);
await shot('detail');
await page.keyboard.press('m');
await page.keyboard.press(']');
await page.keyboard.press(']');
await page.keyboard.press('c');
await page.waitForTimeout(400);
await shot('detail-gradcam-viridis');

await open('mock=1', '#/compare', 2000);
await shot('compare');

await open('mock=1', '#/wsol', 500);
await page.waitForSelector('.summary tbody tr td .link', { timeout: 60_000 });
await page.waitForFunction(() => !document.querySelector('.progress.band'), null, { timeout: 120_000 });
await page.locator('.summary .link').nth(1).click();
await page.waitForTimeout(1500);
await shot('wsol');
await page.locator('.content').evaluate((el) => (el.scrollTop = 380));
await page.waitForTimeout(600);
await shot('wsol-bucket');

await open('mock=1', '#/models', 800);
await shot('models');
await page.locator('aside .item').nth(1).click();
await page.waitForTimeout(300);
await shot('models-vgg');

await open('mock=1', '#/runs', 1500);
await shot('runs');
await page.getByRole('button', { name: /^Start 2 runs$/ }).click();
await page.waitForTimeout(1600);
await shot('runs-started');

await open('mock=1', '#/gallery', 800);
await page.selectOption('select >> nth=1', 'disagreement');
await page.waitForTimeout(1800);
await shot('gallery-disagreement');

await open('mock=1', '#/gallery', 800);
await page.keyboard.press('?');
await page.waitForTimeout(300);
await shot('shortcuts');

await open('mock=1&empty=1', '#/gallery', 800);
await shot('empty-gallery');
await page.locator('textarea').fill('/data/imagenet/val');
await page.getByRole('button', { name: 'Import' }).click();
await page.waitForTimeout(1200);
await shot('imported-gallery');
await open('mock=1&empty=1', '#/models', 500);
await shot('empty-models');
await page.locator('#model-path').fill('/models/mobilenetv2-12.onnx');
await page.getByRole('button', { name: 'Add' }).click();
await page.waitForTimeout(800);
await shot('model-added');
await open('mock=1&empty=1', '#/runs', 500);
await shot('empty-runs');
await open('mock=1&empty=1', '#/wsol', 500);
await shot('empty-wsol');

await browser.close();
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
