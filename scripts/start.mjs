// `npm start`: builds what is stale, then opens camscope on the last project (the demo at first) — the Electron app where
// its binary is installed, else the same services behind the loopback shell in a Chromium app window (`camscope serve
// --window`). Whatever happens,
// it says in one line what it does and, when no window can be opened, prints the URL to open; never a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const say = (line) => process.stdout.write(`camscope: ${line}\n`);
const fail = (line) => {
  process.stderr.write(`camscope: ${line}\n`);
  process.exit(1);
};
process.on('uncaughtException', (e) => fail(`npm start failed: ${String(e?.message ?? e).split('\n')[0]}`));

const run = (cmd, args, what) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.error) fail(`${what}: ${r.error.message}`);
  if (r.status !== 0) fail(`${what} failed (exit ${r.status ?? r.signal}); see the output above`);
};
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
    const p = join(dir, e.name);
    return Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);
const stale = (out, ...sources) => !existsSync(out) || sources.some((s) => newest(join(root, s)) > statSync(out).mtimeMs);

/**
 * The installed Electron executable, or why there is none. Read the way the electron package records it (its
 * `path.txt` names the executable under `dist/`) instead of `require('electron')`, which downloads a missing binary.
 */
function electronBinary() {
  let dir;
  try {
    dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { why: 'the electron package is not installed' };
  }
  const pathTxt = join(dir, 'path.txt');
  if (!existsSync(pathTxt)) return { why: "Electron's binary was never downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD or offline install)" };
  const exe = readFileSync(pathTxt, 'utf8').trim();
  const full = join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(dir, 'dist'), exe);
  return existsSync(full) ? { path: full } : { why: `Electron's binary is missing (${full})` };
}

const electron = electronBinary();
if (electron.path) {
  if (stale(join(root, 'out/main/index.js'), 'src-main', 'src-shared', 'src-renderer')) run('npx', ['electron-vite', 'build'], 'building the app');
  // Native modules must match Electron's ABI; `npm test` rebuilds them for Node again when needed.
  run('npx', ['electron-builder', 'install-app-deps'], "rebuilding native modules for Electron's ABI");
  const app = spawn(electron.path, [root], { stdio: 'inherit', cwd: root });
  app.on('error', (e) => fail(`Electron could not start: ${e.message}`));
  app.on('exit', (code) => process.exit(code ?? 0));
} else {
  say(`${electron.why}: using the browser shell instead (the same app, served on 127.0.0.1)`);
  if (stale(join(root, 'out/renderer/index.html'), 'src-renderer', 'src-shared'))
    run('npx', ['vite', 'build', '--config', 'vite.renderer.config.ts'], 'building the renderer');
  // `serve --window` opens the Chromium app window (src-main/shells/appWindow.ts), or prints the URL when it cannot.
  const server = spawn(process.execPath, [join(root, 'bin/camscope.mjs'), 'serve', '--window', ...process.argv.slice(2)], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  server.on('error', (e) => fail(`the server could not start: ${e.message}`));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill(sig));
  server.on('exit', (code) => process.exit(code ?? 0));
}
