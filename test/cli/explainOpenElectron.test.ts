// `camscope explain --open` where Electron is installed, with a fake electron package and binary (the real one cannot run
// here): the binary is found as `npm start` finds it (shells/electronApp.ts: path.txt, never require('electron')); the
// maps are stored and the project closed before the preparation steps and the app run, which gets the project and
// image; without Electron the browser shell is used, said in one line.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ElectronLauncher, openExplained } from '../../src-main/cli/explainOpen.js';
import { REPO_ROOT } from '../../src-main/cli/serve.js';
import { electronAppArgs, electronBinary, parseElectronArgs } from '../../src-main/shells/electronApp.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import type { ExplainReport } from '../../src-shared/explainTypes.js';
import { QUICK_LOOK_DATASET } from '../../src-shared/quickLook.js';
import { ensureRendererBuilt } from '../helpers/chromium.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-explain-electron-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const MODEL = resolve('models/shapes-gap.onnx');
const IMAGE = resolve('models/demo/circle_0.png');

/** A checkout with a fake electron package: `binary` writes the executable (a script that records its arguments). */
function fakeCheckout(name: string, parts: { pathTxt?: boolean; binary?: string }) {
  const root = join(dir, name);
  const pkg = join(root, 'node_modules', 'electron');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(root, 'package.json'), '{"name":"fake-checkout"}');
  writeFileSync(join(pkg, 'package.json'), '{"name":"electron","version":"0.0.0-fake","main":"index.js"}');
  // The real index.js downloads a missing binary; this one leaves a trace if anything requires it.
  writeFileSync(join(pkg, 'index.js'), `require('fs').writeFileSync(${JSON.stringify(join(root, 'required'))}, 'yes');`);
  if (parts.pathTxt) writeFileSync(join(pkg, 'path.txt'), 'electron');
  if (parts.binary !== undefined) {
    mkdirSync(join(pkg, 'dist'));
    writeFileSync(join(pkg, 'dist', 'electron'), parts.binary);
    chmodSync(join(pkg, 'dist', 'electron'), 0o755);
  }
  return { root, binary: join(pkg, 'dist', 'electron'), required: () => existsSync(join(root, 'required')) };
}

/** A fake Electron: records its arguments one per line, then exits with `code`. */
const recordingBinary = (out: string, code = 0) => `#!/bin/sh\nfor a in "$@"; do echo "$a"; done > ${JSON.stringify(out)}\nexit ${code}\n`;

test('Electron is found from path.txt without requiring the electron package, or it says why not', () => {
  assert.deepEqual(electronBinary(join(dir, 'nowhere')), { why: 'the electron package is not installed' });
  const never = fakeCheckout('never', {});
  assert.match((electronBinary(never.root) as { why: string }).why, /never downloaded/);
  const missing = fakeCheckout('missing', { pathTxt: true });
  assert.match((electronBinary(missing.root) as { why: string }).why, /binary is missing \(.*dist\/electron\)/);
  const ok = fakeCheckout('ok', { pathTxt: true, binary: '#!/bin/sh\n' });
  assert.deepEqual(electronBinary(ok.root), { path: ok.binary });
  const elsewhere = join(dir, 'override');
  mkdirSync(elsewhere);
  writeFileSync(join(elsewhere, 'electron'), '');
  assert.deepEqual(electronBinary(ok.root, { ELECTRON_OVERRIDE_DIST_PATH: elsewhere }), { path: join(elsewhere, 'electron') });
  assert.ok(![never, missing, ok].some((c) => c.required()), "the electron package's index.js (its download) never runs");
});

test("Electron's main reads the project and image it is launched with", () => {
  const argv = ['/path/electron', ...electronAppArgs('/app', { project: '/p/look.camscope', imageId: 7 })];
  assert.deepEqual(argv.slice(1), ['/app', '--project', '/p/look.camscope', '--open-image', '7']);
  assert.deepEqual(parseElectronArgs(argv), { project: '/p/look.camscope', startHash: '#/image/7' });
  assert.deepEqual(parseElectronArgs(['/path/electron', '/app']), {});
  assert.deepEqual(parseElectronArgs(['/path/electron', '/app', '--open-image', '../x']), {}, 'only an image id');
});

async function explainReport(): Promise<ExplainReport> {
  const json = join(dir, 'circle.json');
  const r = await runCli(['explain', '--model', MODEL, '--image', IMAGE, '--method', 'cam,gradcam', '--json', json]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(readFileSync(json, 'utf8')) as ExplainReport;
}

/** openExplained with a display and the fake checkout's Electron; what the steps saw of the project. */
async function openWithFake(t: { after(fn: () => void): void }, binary: string, project: string) {
  const saved = { DISPLAY: process.env.DISPLAY, NO: process.env.CAMSCOPE_NO_BROWSER, HOME: process.env.CAMSCOPE_HOME };
  process.env.DISPLAY = ':97';
  delete process.env.CAMSCOPE_NO_BROWSER;
  process.env.CAMSCOPE_HOME = join(dir, 'home');
  t.after(() => {
    for (const [k, v] of [
      ['DISPLAY', saved.DISPLAY],
      ['CAMSCOPE_NO_BROWSER', saved.NO],
      ['CAMSCOPE_HOME', saved.HOME],
    ] as const)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });
  const steps: string[] = [];
  const launcher: ElectronLauncher = {
    binary: () => ({ path: binary }),
    prepare: () => [
      { what: 'building the app', command: 'npx', args: ['electron-vite', 'build'] },
      { what: "rebuilding native modules for Electron's ABI", command: 'npx', args: ['electron-builder', 'install-app-deps'] },
    ],
    runStep: (step) => {
      // The project is closed by now: its lock is free for the app (a second writer would be refused).
      const store = ProjectStore.open(project);
      steps.push(`${step.args.join(' ')} (${store.listRuns().length} runs stored)`);
      store.close();
      return 0;
    },
    args: (opts) => electronAppArgs(REPO_ROOT, opts),
  };
  let err = '';
  let out = '';
  const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s), progress: null };
  const report = await explainReport();
  const result = openExplained(report, 'top1', { threshold: 0.2 }, project, io, launcher);
  return { result, steps, log: () => err + out };
}

test(
  'with Electron installed, --open stores the maps, closes the project, prepares and opens the app on the image',
  { timeout: 120_000 },
  async (t) => {
    const args = join(dir, 'electron-args.txt');
    const { binary } = fakeCheckout('installed', { pathTxt: true, binary: recordingBinary(args) });
    const project = join(dir, 'look.camscope');
    const { result, steps, log } = await openWithFake(t, binary, project);
    await result;

    assert.deepEqual(
      steps,
      ['electron-vite build (2 runs stored)', 'electron-builder install-app-deps (2 runs stored)'],
      "npm start's steps, after storing",
    );
    const store = ProjectStore.open(project);
    let imageId: number;
    try {
      imageId = store.allImageIds()[0]!;
      assert.equal(store.getImage(imageId)!.path, IMAGE);
      assert.equal(store.getImage(imageId)!.dataset, QUICK_LOOK_DATASET);
      assert.deepEqual(
        store.listRuns().map((r) => [r.method, r.status, r.done]),
        [
          ['cam', 'done', 1],
          ['gradcam', 'done', 1],
        ],
      );
    } finally {
      store.close();
    }
    assert.deepEqual(readFileSync(args, 'utf8').trim().split('\n'), [REPO_ROOT, '--project', project, '--open-image', String(imageId)]);
    assert.match(log(), /stored 1 image\(s\) × 2 methods in .*look\.camscope/);
    assert.match(log(), /opening .*look\.camscope in the Electron app/);
    assert.doesNotMatch(log(), /browser shell|listening on/);
  },
);

test('an Electron that fails is one line naming where the maps are', { timeout: 120_000 }, async (t) => {
  const { binary } = fakeCheckout('failing', { pathTxt: true, binary: recordingBinary(join(dir, 'unused.txt'), 3) });
  const project = join(dir, 'failing.camscope');
  const { result } = await openWithFake(t, binary, project);
  await assert.rejects(
    result,
    (e: Error) => /the Electron app exited with code 3; the maps are stored in .*failing\.camscope/.test(e.message) && !e.message.includes('\n'),
  );
});

let server: ChildProcess | undefined;
after(() => server?.kill('SIGKILL'));

test(
  'without Electron, --open says so in one line and serves the browser shell',
  { skip: 'path' in electronBinary(REPO_ROOT) && 'Electron is installed here', timeout: 120_000 },
  async () => {
    ensureRendererBuilt();
    let out = '';
    // A display, and a "browser" that exits at once: the URL is printed after it.
    server = spawn(
      process.execPath,
      ['bin/camscope.mjs', 'explain', '--model', MODEL, '--image', IMAGE, '--method', 'cam', '--open', '--project', join(dir, 'plain.camscope')],
      {
        env: { ...process.env, CAMSCOPE_HOME: join(dir, 'home'), DISPLAY: ':97', CHROMIUM: '/bin/false', CAMSCOPE_NO_BROWSER: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    server.stdout!.on('data', (d) => (out += d));
    server.stderr!.on('data', (d) => (out += d));
    await new Promise<void>((done, fail) => {
      const poll = setInterval(() => {
        if (/camscope listening on http/.test(out)) done();
        else if (server!.exitCode !== null) fail(new Error(`exited ${server!.exitCode}:\n${out}`));
        else return;
        clearInterval(poll);
      }, 100);
    });
    const notice = out.split('\n').filter((l) => /using the browser shell instead/.test(l));
    assert.equal(notice.length, 1, out);
    assert.match(
      notice[0]!,
      /^camscope: (the electron package is not installed|Electron's binary (was never downloaded|is missing)).*: using the browser shell instead$/,
    );
    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
  },
);
