// `npm start`: builds what is stale, then opens camscope on the last project (the demo at first) — the Electron app where
// its binary is installed, else the same services behind the loopback shell in a Chromium app window. Whatever happens,
// it says in one line what it does and, when no window can be opened, prints the URL to open; never a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
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

const CHROMIUMS = {
  linux: [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/snap/bin/chromium',
    '/usr/bin/microsoft-edge',
  ],
  darwin: [
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
  ],
  win32: [
    `${process.env.PROGRAMFILES}\\Google\\Chrome\\Application\\chrome.exe`,
    `${process.env['PROGRAMFILES(X86)']}\\Microsoft\\Edge\\Application\\msedge.exe`,
    `${process.env.LOCALAPPDATA}\\Google\\Chrome\\Application\\chrome.exe`,
  ],
};

/** Why no window can be opened here, or null. */
function noWindow(chromium) {
  if (process.env.CAMSCOPE_NO_BROWSER === '1') return 'CAMSCOPE_NO_BROWSER=1';
  if (!chromium) return `no Chromium-based browser found (set CHROMIUM=/path/to/chrome, or install chromium)`;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return 'no display (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  return null;
}

function chromiumFlags(url) {
  const home = process.env.CAMSCOPE_HOME ?? join(homedir(), '.camscope');
  const flags = [
    `--app=${url}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    `--user-data-dir=${join(home, 'chromium-profile')}`,
  ];
  if (process.getuid?.() === 0) {
    // Chromium refuses to start as root with its sandbox; containers also tend to have a tiny /dev/shm.
    say("running as root (a container?): Chromium's sandbox is turned off (--no-sandbox)");
    flags.push('--no-sandbox', '--disable-dev-shm-usage');
  }
  // Extra flags for Chromium, e.g. --remote-debugging-port=0 (the e2e test attaches to the window through it).
  flags.push(...(process.env.CAMSCOPE_CHROMIUM_FLAGS ?? '').split(/\s+/).filter(Boolean));
  return flags;
}

/** Opens the app window; a Chromium that fails says why in one line and leaves the URL to open by hand. */
function openWindow(chromium, url, stopServer) {
  say(`opening ${url} in ${chromium}`);
  const started = Date.now();
  const tail = [];
  const child = spawn(chromium, chromiumFlags(url), { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (d) => {
    tail.push(
      ...String(d)
        .split('\n')
        .filter((l) => l.trim()),
    );
    tail.splice(0, Math.max(0, tail.length - 20));
  });
  const lost = (why) => say(`the window could not be opened (${why}); open ${url} in a Chromium-based browser`);
  child.on('error', (e) => lost(e.message));
  child.on('exit', (code, signal) => {
    const reason = tail.filter((l) => !/dbus|Fontconfig|ALSA|libva|gpu_init|viz_main|sandbox_linux|CheckValidity/i.test(l)).at(-1) ?? tail.at(-1);
    if (code !== 0 && code !== null) lost(`Chromium exited with code ${code}${reason ? `: ${reason.trim().slice(0, 200)}` : ''}`);
    else if (signal) lost(`Chromium was stopped by ${signal}`);
    // A quick clean exit means a running Chromium with this profile took the window over; keep serving it.
    else if (Date.now() - started > 3000) {
      say('window closed; stopping');
      stopServer();
    }
  });
  return child;
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
  const server = spawn(process.execPath, [join(root, 'bin/camscope.mjs'), 'serve', ...process.argv.slice(2)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let window;
  const stopServer = () => server.kill('SIGTERM');
  server.on('error', (e) => fail(`the server could not start: ${e.message}`));
  server.stdout.on('data', (d) => {
    process.stdout.write(d);
    const url = /camscope listening on (\S+)/.exec(String(d))?.[1];
    if (!url || window) return;
    const chromium = [process.env.CHROMIUM, ...(CHROMIUMS[process.platform] ?? [])].find((p) => p && existsSync(p));
    const why = noWindow(chromium);
    if (why) say(`${why}: open ${url} in a Chromium-based browser`);
    else window = openWindow(chromium, url, stopServer);
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill(sig));
  server.on('exit', (code) => {
    if (window && window.exitCode === null) window.kill('SIGTERM');
    process.exit(code ?? 0);
  });
}
