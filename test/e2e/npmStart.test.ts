/// <reference lib="dom" />
// `npm start` the way a user runs it, on a display (Xvfb) with no Electron binary, as whoever runs the tests (root in
// CI containers): it says the browser shell is used, opens a Chromium app window on the demo, and closing that
// window ends it. The test attaches to the window over Chromium's remote-debugging port and screenshots it to
// test/.output/e2e/npm-start.png. Without a display it prints the URL instead of failing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM, noChromium } from '../helpers/chromium.js';

const SHOTS = 'test/.output/e2e';
const XVFB = '/usr/bin/Xvfb';
const noXvfb = !existsSync(XVFB) && `no Xvfb at ${XVFB} (apt-get install xvfb)`;
const home = mkdtempSync(join(tmpdir(), 'camscope-e2e-start-'));
const children: ChildProcess[] = [];
let browser: Browser | undefined;
after(async () => {
  await browser?.close().catch(() => undefined);
  for (const c of children) {
    try {
      if (c.pid) process.kill(-c.pid, 'SIGKILL'); // the whole group: npm, node, the server, Chromium
    } catch {
      // already gone
    }
  }
  rmSync(home, { recursive: true, force: true });
});

/** Xvfb on the first free display; resolves with its ":N". */
function startXvfb(): Promise<string> {
  const x = spawn(XVFB, ['-displayfd', '3', '-screen', '0', '1400x900x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    detached: true,
  });
  children.push(x);
  return new Promise((resolve, reject) => {
    x.stdio[3]!.on('data', (d) => resolve(`:${String(d).trim()}`));
    x.on('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
  });
}

/** Runs `npm start` in its own process group; `out` collects what it prints. */
function npmStart(env: NodeJS.ProcessEnv): { child: ChildProcess; out: () => string } {
  let out = '';
  const child = spawn('npm', ['start'], {
    env: { ...process.env, CAMSCOPE_HOME: home, CHROMIUM, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, out: () => out };
}

async function until<T>(what: string, probe: () => T | undefined | false, ms: number, log: () => string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; npm start printed:\n${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('npm start without a display says so and prints the URL', { skip: noChromium, timeout: 300_000 }, async () => {
  const { child, out } = npmStart({ DISPLAY: '', WAYLAND_DISPLAY: '' });
  const line = await until(
    'the no-display line',
    () => /no display.*open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+) in a Chromium/.exec(out())?.[1],
    240_000,
    out,
  );
  assert.match(out(), /binary .*using the browser shell instead/);
  assert.doesNotMatch(out(), /TypeError|\n\s+at /, 'no stack trace');
  const page = await fetch(line);
  assert.equal(page.status, 200);
  process.kill(-child.pid!, 'SIGTERM');
  await new Promise((r) => child.once('exit', r));
});

test(
  'npm start under Xvfb opens the demo in a Chromium window (as root: --no-sandbox, said so); closing it ends npm start',
  { skip: noChromium || noXvfb, timeout: 300_000 },
  async () => {
    mkdirSync(SHOTS, { recursive: true });
    const display = await startXvfb();
    const { child, out } = npmStart({ DISPLAY: display, CAMSCOPE_CHROMIUM_FLAGS: '--remote-debugging-port=0 --disable-gpu' });
    const portFile = join(home, 'chromium-profile', 'DevToolsActivePort');
    const port = await until('the Chromium window', () => existsSync(portFile) && readFileSync(portFile, 'utf8').split('\n')[0], 240_000, out);
    assert.match(out(), /using the browser shell instead/);
    if (process.getuid?.() === 0) assert.match(out(), /running as root.*--no-sandbox/);
    assert.doesNotMatch(out(), /TypeError|\n\s+at |could not be opened/);

    browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
    const page = await until(
      'the app page',
      () =>
        browser!
          .contexts()
          .flatMap((c) => c.pages())
          .find((p) => p.url().includes('token=')),
      30_000,
      out,
    );
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('img')].some((i) => i.complete && i.naturalWidth > 0), null, {
      timeout: 120_000,
    });
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(SHOTS, 'npm-start.png') });

    await page.close(); // the user closes the window
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 0);
    assert.match(out(), /window closed; stopping/);
  },
);
