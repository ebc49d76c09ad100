// `npm start`: builds what is stale, then opens camscope on the last project (the demo at first) — the Electron app where
// its binary is installed, else the same services behind the loopback shell in a Chromium app window.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
    const p = join(dir, e.name);
    return Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);
const stale = (out, ...sources) => !existsSync(out) || sources.some((s) => newest(join(root, s)) > statSync(out).mtimeMs);

function electronBinary() {
  try {
    const path = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const electron = electronBinary();
if (electron) {
  if (stale(join(root, 'out/main/index.js'), 'src-main', 'src-shared', 'src-renderer')) run('npx', ['electron-vite', 'build']);
  // Native modules must match Electron's ABI; `npm test` rebuilds them for Node again when needed.
  run('npx', ['electron-builder', 'install-app-deps']);
  spawn(electron, [root], { stdio: 'inherit', cwd: root }).on('exit', (code) => process.exit(code ?? 0));
} else {
  if (stale(join(root, 'out/renderer/index.html'), 'src-renderer', 'src-shared')) run('npx', ['vite', 'build', '--config', 'vite.renderer.config.ts']);
  const server = spawn(process.execPath, [join(root, 'bin/camscope.mjs'), 'serve', ...process.argv.slice(2)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  server.stdout.on('data', (d) => {
    process.stdout.write(d);
    const url = /camscope listening on (\S+)/.exec(String(d))?.[1];
    const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(existsSync);
    if (url && chromium && process.env.CAMSCOPE_NO_BROWSER !== '1') {
      spawn(chromium, [`--app=${url}`, '--no-first-run', '--disable-background-networking', `--user-data-dir=${join(root, 'out', 'chromium-profile')}`], {
        stdio: 'ignore',
        detached: true,
      }).unref();
    } else if (url) process.stdout.write('Open that URL in a Chromium-based browser.\n');
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill(sig));
  server.on('exit', (code) => process.exit(code ?? 0));
}
