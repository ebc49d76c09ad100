// Debian's Chromium for the browser tests and benches: where it is, why a test skips, how to launch it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { RENDERER_DIR } from '../../src-main/cli/serve.js';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** A skip reason for node:test, or false when Chromium is there. */
export const noChromium: string | false = !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (apt-get install chromium)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** Builds the renderer the loopback shell serves, unless it is built already. */
export function ensureRendererBuilt(): void {
  if (existsSync(join(RENDERER_DIR, 'index.html'))) return;
  const r = spawnSync('npx', ['vite', 'build', '--config', 'vite.renderer.config.ts'], { stdio: 'inherit' });
  assert.equal(r.status, 0, 'renderer build');
}
