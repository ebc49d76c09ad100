// `npm start`: builds what is stale, then opens camscope on the last project (the demo at first) — the Electron app where
// its binary is installed, else the same services behind the loopback shell in a Chromium app window (`camscope serve
// --window`). Whatever happens,
// it says in one line what it does and, when no window can be opened, prints the URL to open; never a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

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

// Whether Electron is installed (never by `require('electron')`, which downloads a missing binary) and what runs before
// it: one helper, shared with `camscope explain --open`.
const { electronAppArgs, electronBinary, electronPreparation, isStale } = await tsImport('../src-main/shells/electronApp.ts', import.meta.url);

const electron = electronBinary(root);
if (electron.path) {
  for (const step of electronPreparation(root)) run(step.command, step.args, step.what);
  const app = spawn(electron.path, electronAppArgs(root, projectArg()), { stdio: 'inherit', cwd: root });
  app.on('error', (e) => fail(`Electron could not start: ${e.message}`));
  app.on('exit', (code) => process.exit(code ?? 0));
} else {
  say(`${electron.why}: using the browser shell instead (the same app, served on 127.0.0.1)`);
  if (isStale(root, join(root, 'out/renderer/index.html'), ['src-renderer', 'src-shared']))
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

/** `npm start -- --project P`: the project Electron opens (the browser shell passes every argument on to `serve`). */
function projectArg() {
  const args = process.argv.slice(2);
  const i = args.indexOf('--project');
  return i >= 0 && args[i + 1] ? { project: args[i + 1] } : {};
}
