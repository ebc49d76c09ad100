// The security checklist of issue 7, one test per item, each checked from the code or config that
// implements it (Electron through a fake `electron` module: its binary cannot run here).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { WebSocket } from 'ws';
import { decodeImage } from '../../src-main/image/imageInput.js';
import { providersFor } from '../../src-main/explain/device.js';
import { SESSION_CONFIG } from '../../src-main/explain/engine.js';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { MAX_MODEL_BYTES, decodeModel, encodeModel, loadModelFile, onnx } from '../../src-main/onnx/onnxModel.js';
import { dispatch } from '../../src-main/services/router.js';
import { readImageRecords } from '../../src-main/services/imageImport.js';
import { startBrowserShell } from '../../src-main/shells/browserShell.js';
import { contentSecurityPolicy } from '../../src-main/shells/csp.js';
import {
  APP_SCHEME,
  EVENT_CHANNEL,
  IMAGE_SCHEME,
  INVOKE_CHANNEL,
  SECURE_WEB_PREFERENCES,
  isLocalUrl,
  serveAppFile,
} from '../../src-main/shells/electronShell.js';
import { camscopeBridge } from '../../src-main/shells/preloadBridge.js';
import { rendererFile } from '../../src-main/shells/rendererFiles.js';
import { fakeHandlers, fakeImages } from '../helpers/fakeServices.js';
import { gapClassifier } from '../helpers/tinyModels.js';
import { startOnFakeElectron } from '../shells/fakeElectron.js';
import { brokenModels, pngClaiming } from './corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-checklist-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const renderer = join(dir, 'renderer');
mkdirSync(renderer);
writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>camscope</title>');

function sources(root: string): { file: string; text: string }[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
    .map((file) => ({ file: relative('.', file), text: readFileSync(file, 'utf8') }));
}

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

test('1. Electron window: context isolation, sandbox, no Node integration, web security, no webview, no insecure content', async () => {
  assert.deepEqual(
    { ...SECURE_WEB_PREFERENCES },
    {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  );
  const { state } = await startOnFakeElectron();
  assert.equal(state.windows.length, 1);
  const { preload, ...prefs } = state.windows[0]!.options.webPreferences;
  assert.deepEqual(prefs, { ...SECURE_WEB_PREFERENCES });
  assert.equal(typeof preload, 'string');
});

test('2. electron is imported at run time only by the Electron entry points, and only the shell makes windows', () => {
  for (const { file, text } of sources('src-main')) {
    const runtimeImport = /^import\s+(?!type\b)[^;]*from 'electron'/m.test(text);
    assert.equal(runtimeImport, /^src-main\/shells\/electron\/(main|preload)\.ts$/.test(file), `${file} imports electron`);
    if (/new BrowserWindow\(/.test(text)) assert.equal(file, 'src-main/shells/electronShell.ts');
  }
});

test('3. the preload exposes one invoke/on bridge on the app channels, no Node and no ipcRenderer', () => {
  const preload = readFileSync('src-main/shells/electron/preload.ts', 'utf8');
  assert.equal(preload.match(/exposeInMainWorld\(/g)?.length, 1);
  assert.match(preload, /exposeInMainWorld\('camscope', camscopeBridge\(\{ ipcRenderer, webUtils \}\)\)/);
  // The bridge itself imports nothing at run time (a sandboxed preload may only require electron) and touches no Node.
  const bridge = readFileSync('src-main/shells/preloadBridge.ts', 'utf8');
  assert.doesNotMatch(bridge, /^import\s+(?!type\b)/m);
  assert.doesNotMatch(bridge, /require\(|process\.|from 'node:/);
  // Driven with a recording ipcRenderer: exactly invoke/on/pathForFile, and only the two app channels reach IPC.
  const used: string[] = [];
  const exposed = camscopeBridge({
    ipcRenderer: {
      invoke: (async (channel: string) => void used.push(channel)) as never,
      on: ((channel: string) => void used.push(channel)) as never,
      removeListener: ((channel: string) => void used.push(channel)) as never,
    },
    webUtils: { getPathForFile: () => '/dropped.png' },
  });
  assert.deepEqual(Object.keys(exposed).sort(), ['invoke', 'on', 'pathForFile']);
  void exposed.invoke('models.list', {});
  exposed.on('run.progress', () => {})();
  assert.deepEqual(used.sort(), [INVOKE_CHANNEL, EVENT_CHANNEL, EVENT_CHANNEL].sort());
  assert.ok(
    Object.values(exposed).every((v) => typeof v === 'function'),
    'no ipcRenderer or Node object is handed over',
  );
});

test("4. CSP: script-src 'self' only (no inline, no eval), default-src 'none', nothing remote, on both shells and in index.html", async () => {
  const csp = directives(contentSecurityPolicy({ connect: 'ws://127.0.0.1:1234', img: `${IMAGE_SCHEME}:` }));
  assert.deepEqual(csp.get('script-src'), ["'self'"]);
  assert.deepEqual(csp.get('default-src'), ["'none'"]);
  assert.deepEqual(csp.get('base-uri'), ["'none'"]);
  for (const [name, values] of csp) {
    for (const v of values) assert.ok(!/^https?:|^\*|unsafe-eval/.test(v) && !/^ws:\/\/(?!127\.0\.0\.1:)/.test(v), `${name} ${v}`);
  }
  const served = await serveAppFile(renderer, `${APP_SCHEME}://app/index.html`);
  assert.deepEqual(directives(served.headers.get('content-security-policy')!).get('script-src'), ["'self'"]);
  const html = readFileSync('src-renderer/index.html', 'utf8');
  assert.match(html, /script-src 'self';/);
  assert.deepEqual(
    [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => /\bsrc=/.test(m[1]!)),
    [true],
    'no inline script',
  );
});

test('5. navigation away from the app and window.open are denied', async () => {
  const { state } = await startOnFakeElectron();
  assert.deepEqual(state.openHandler!(), { action: 'deny' });
  const blocked: string[] = [];
  for (const url of ['https://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', `${APP_SCHEME}://app/index.html`]) {
    state.navigate!({ preventDefault: () => blocked.push(url) }, url);
  }
  assert.deepEqual(blocked, ['https://example.com/', 'file:///etc/passwd', 'javascript:alert(1)']);
});

test('6. no remote content: requests leave only through the app, image, data and blob schemes; no permissions', async () => {
  const { state } = await startOnFakeElectron();
  for (const url of ['https://cdn.example/x.js', 'http://127.0.0.1/', 'file:///etc/passwd', 'ftp://x/', 'ws://evil/']) {
    let cancel: boolean | undefined;
    state.beforeRequest!({ url }, (r) => (cancel = r.cancel));
    assert.equal(cancel, true, url);
    assert.equal(isLocalUrl(url), false);
  }
  assert.ok(isLocalUrl(`${APP_SCHEME}://app/assets/index.js`) && isLocalUrl(`${IMAGE_SCHEME}://3/full`));
  let granted: boolean | undefined;
  state.permissionRequest!({}, 'media', (g) => (granted = g));
  assert.equal(granted, false);
});

test('7. every IPC message is checked for its sender (this window, main frame, app origin) before anything runs', async () => {
  const { state, webContents, mainFrame, calls } = await startOnFakeElectron();
  const invoke = state.handlers.get(INVOKE_CHANNEL)!;
  const senders = [
    { sender: webContents, senderFrame: { url: `${APP_SCHEME}://app/index.html` } }, // a subframe
    { sender: webContents, senderFrame: null },
    { sender: { ...webContents }, senderFrame: mainFrame }, // another window
    { sender: webContents, senderFrame: Object.assign(Object.create(mainFrame), { url: 'https://evil.example/' }) },
  ];
  for (const event of senders) assert.match(String(((await invoke(event, 'project.info', {})) as { error: string }).error), /unexpected sender/);
  assert.deepEqual(calls, [], 'no handler ran for a foreign sender');
  assert.equal(((await invoke({ sender: webContents, senderFrame: mainFrame }, 'project.info', {})) as { ok: boolean }).ok, true);
});

test('8. images are served by project image id only: no path in the URL, so nothing outside the project', async () => {
  const { state } = await startOnFakeElectron();
  const image = state.protocols.get(IMAGE_SCHEME)!;
  assert.equal((await image({ url: `${IMAGE_SCHEME}://2/full` })).status, 200);
  for (const url of [
    `${IMAGE_SCHEME}:///etc/passwd`,
    `${IMAGE_SCHEME}://1/../../../etc/passwd`,
    `${IMAGE_SCHEME}://1/%2e%2e/x`,
    `${IMAGE_SCHEME}://cat.png/full`,
    `${IMAGE_SCHEME}://9/full`,
  ]) {
    assert.equal((await image({ url })).status, 404, url);
  }
  assert.equal(rendererFile(renderer, '/../../etc/passwd'), null, 'app files are confined to the renderer build too');
});

test('9. browser shell: bound to 127.0.0.1 only, with a fresh random token per launch', async () => {
  const shells = [
    await startBrowserShell({ handlers: fakeHandlers(), images: fakeImages, rendererDir: renderer }),
    await startBrowserShell({ handlers: fakeHandlers(), images: fakeImages, rendererDir: renderer }),
  ];
  try {
    for (const s of shells) assert.match(s.url, new RegExp(`^http://127\\.0\\.0\\.1:${s.port}/\\?token=[A-Za-z0-9_-]{32}$`));
    assert.notEqual(shells[0]!.token, shells[1]!.token);
    const source = readFileSync('src-main/shells/browserShell.ts', 'utf8');
    assert.match(source, /listen\([^)]*'127\.0\.0\.1'/);
    assert.match(source, /randomBytes\(24\)/, '192 random bits');
  } finally {
    await Promise.all(shells.map((s) => s.close()));
  }
});

function httpStatus(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => (res.resume(), resolve(res.statusCode!)));
    req.on('error', reject);
    req.end();
  });
}

function socketOutcome(url: string, origin: string): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
    ws.once('error', reject);
  });
}

test('10. browser shell: token, Host and Origin are checked on every HTTP request and WebSocket; payloads go through the zod router', async () => {
  const handlers = fakeHandlers();
  const shell = await startBrowserShell({ handlers, images: fakeImages, rendererDir: renderer });
  try {
    const host = `127.0.0.1:${shell.port}`;
    assert.equal(await httpStatus(shell.port, '/', host), 403);
    assert.equal(await httpStatus(shell.port, `/image/1?token=${shell.token}`, `evil.example:${shell.port}`), 421);
    assert.equal(await httpStatus(shell.port, `/image/1?token=${shell.token}`, host), 200);
    const ws = `ws://${host}/ws`;
    assert.equal(await socketOutcome(ws, `http://${host}`), 403);
    assert.equal(await socketOutcome(`${ws}?token=${shell.token}`, 'http://evil.example'), 403);
    const socket = (await socketOutcome(`${ws}?token=${shell.token}`, `http://${host}`)) as WebSocket;
    const bad = { channel: 'images.query', payload: { offset: -1 } };
    const reply = await new Promise<Record<string, unknown>>((resolve) => {
      socket.once('message', (d) => resolve(JSON.parse(String(d))));
      socket.send(JSON.stringify({ id: 1, ...bad }));
    });
    assert.deepEqual(reply, { id: 1, ...(await dispatch(handlers, bad.channel, bad.payload)) }, 'the same validation as IPC');
    socket.close();
  } finally {
    await shell.close();
  }
});

test('11. ONNX is data: sessions get no custom-op libraries, and models importing other operator domains are refused', async () => {
  for (const { file, text } of sources('src-main')) assert.doesNotMatch(text, /registerCustomOp|customOps|custom_op_library/, file);
  // The sessions that run user models: the shape probe and the engine's forward, gradient and head graphs.
  for (const file of ['src-main/onnx/shapeProbe.ts', 'src-main/explain/engine.ts']) {
    const text = readFileSync(file, 'utf8');
    const calls = [...text.matchAll(/InferenceSession\.create\(([^;]*?)\);/g)].map((m) => m[1]!);
    assert.ok(calls.length > 0, file);
    // Options are an inline object: the optimization level, the providers (names, never libraries) and the thread setting.
    for (const args of calls) {
      const options = /, \{\s*([^{}]*?),?\s*\}$/.exec(args)?.[1];
      assert.ok(options, `${file}: inline session options in ${args}`);
      const keys = options.split(',').map((kv) => kv.split(':')[0]!.trim());
      assert.ok(keys.length > 0 && keys.every((k) => /^\w+$/.test(k)), `${file}: session options ${options}`);
      for (const key of keys) assert.ok(['graphOptimizationLevel', 'executionProviders', 'extra'].includes(key), `${file}: session option ${key}`);
      // `extra` is only the engine's thread setting, never a library path.
      if (keys.includes('extra')) assert.match(options, /extra: SESSION_CONFIG\b/, file);
    }
  }
  assert.deepEqual(SESSION_CONFIG, { session: { intra_op: { allow_spinning: '0' } } });
  assert.deepEqual(providersFor('cpu'), ['cpu']);
  for (const device of ['cuda', 'dml', 'coreml'] as const) assert.deepEqual(providersFor(device), [device, 'cpu']);
  const custom = (await brokenModels(join(dir, 'models'))).find((m) => m.name === 'a custom-op domain')!;
  await assert.rejects(ClassifierModel.open(custom.file), /custom ops are not loaded/);
});

test("12. ONNX external data may not leave the model's folder: absolute paths and '..' are refused, names inside are allowed", () => {
  const withLocation = (location: string) => {
    const m = decodeModel(gapClassifier(), 'gap.onnx');
    const w = m.graph!.initializer![0]!;
    w.rawData = new Uint8Array(0);
    w.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    w.externalData = [{ key: 'location', value: location }];
    const file = join(dir, `external-${encodeURIComponent(location)}.onnx`);
    writeFileSync(file, encodeModel(m));
    return file;
  };
  for (const location of ['/etc/passwd', '../w.bin', 'weights/../../w.bin', '..\\w.bin', 'C:\\w.bin', '\\\\server\\share\\w.bin']) {
    assert.throws(() => loadModelFile(withLocation(location)), /external data outside the model's folder/, location);
  }
  for (const location of ['w.bin', 'weights/w.bin', 'w..bin']) assert.doesNotThrow(() => loadModelFile(withLocation(location)), location);
});

test('13. model files above the 2 GiB a protobuf can hold are refused before they are read', () => {
  assert.equal(MAX_MODEL_BYTES, 2 ** 31);
  const file = join(dir, 'huge.onnx');
  const fd = openSync(file, 'w');
  ftruncateSync(fd, MAX_MODEL_BYTES + 1); // sparse: no disk used, and nothing is read
  closeSync(fd);
  assert.equal(statSync(file).size, MAX_MODEL_BYTES + 1);
  assert.throws(() => loadModelFile(file), /2\.0 GB is above the 2\.0 GB .*not loaded/);
});

test('14. user images are decoded under a 100-megapixel cap wherever they enter (explain, import)', async () => {
  const bomb = join(dir, 'bomb.png');
  writeFileSync(bomb, await pngClaiming(20_000, 20_000));
  await assert.rejects(decodeImage(bomb), /larger than 100 megapixels/);
  const { images, skipped } = await readImageRecords([bomb], null);
  assert.deepEqual(images, []);
  assert.match(skipped[0]!.reason, /pixel limit/i);
});
