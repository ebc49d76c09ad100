// Electron wiring against a fake `electron` module (the real binary cannot run here): security
// preferences, denied navigation and windows, sender-checked IPC, confined protocols.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_SCHEME, IMAGE_SCHEME, INVOKE_CHANNEL } from '../../src-main/shells/electronShell.js';
import { startOnFakeElectron as start } from './fakeElectron.js';

test('the window is sandboxed and context-isolated, without Node integration', async () => {
  const { state } = await start();
  const prefs = state.windows[0]!.options.webPreferences;
  assert.deepEqual(
    { ...prefs },
    {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      preload: '/app/preload.js',
    },
  );
  assert.deepEqual(state.windows[0]!.loaded, [`${APP_SCHEME}://app/index.html`]);
  assert.deepEqual(
    state.privileged.map((p: any) => p.scheme),
    [APP_SCHEME, IMAGE_SCHEME],
  );
});

test('new windows are denied and navigation away from the app is prevented', async () => {
  const { state } = await start();
  assert.deepEqual(state.openHandler!(), { action: 'deny' });
  let prevented = 0;
  const ev = { preventDefault: () => prevented++ };
  state.navigate!(ev, 'https://example.com/');
  state.navigate!(ev, 'file:///etc/passwd');
  state.navigate!(ev, `${APP_SCHEME}://app/index.html#gallery`);
  assert.equal(prevented, 2);
});

test('no remote content: only app, image, data and blob URLs load, and no permission is granted', async () => {
  const { state } = await start();
  const cancelled = (url: string) => {
    let verdict: boolean | undefined;
    state.beforeRequest!({ url }, (r) => (verdict = r.cancel));
    return verdict;
  };
  for (const url of [
    `${APP_SCHEME}://app/assets/app.js`,
    `${IMAGE_SCHEME}://4/thumb`,
    'data:image/png;base64,AA==',
    `blob:${APP_SCHEME}://app/0b1c`,
  ]) {
    assert.equal(cancelled(url), false, url);
  }
  for (const url of ['https://example.com/x.js', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'ws://evil.example/', `${APP_SCHEME}://evil/x.js`]) {
    assert.equal(cancelled(url), true, url);
  }
  const granted: boolean[] = [];
  for (const permission of ['media', 'geolocation', 'notifications', 'openExternal'])
    state.permissionRequest!({}, permission, (g) => granted.push(g));
  assert.deepEqual(granted, [false, false, false, false]);
  assert.equal(state.permissionCheck!({}, 'clipboard-read'), false);
});

test('IPC: only the app main frame is answered, and payloads are validated', async () => {
  const { state, webContents, mainFrame, calls } = await start();
  const invoke = state.handlers.get(INVOKE_CHANNEL)!;
  const ok = await invoke({ sender: webContents, senderFrame: mainFrame }, 'project.info', {});
  assert.equal((ok as any).ok, true);
  assert.deepEqual(calls, ['project.info']);
  const otherFrame = { url: `${APP_SCHEME}://app/index.html` };
  for (const event of [
    { sender: webContents, senderFrame: otherFrame },
    { sender: {}, senderFrame: mainFrame },
    { sender: webContents, senderFrame: null },
  ]) {
    assert.match(String(((await invoke(event, 'project.info', {})) as any).error), /unexpected sender/);
  }
  const evil = { url: 'https://evil.example/' };
  const spoofed = { ...webContents, mainFrame: evil };
  assert.match(String(((await invoke({ sender: spoofed, senderFrame: evil }, 'project.info', {})) as any).error), /unexpected sender/);
  assert.match(String(((await invoke({ sender: webContents, senderFrame: mainFrame }, 'shell.exec', {})) as any).error), /unknown channel/);
  assert.match(
    String(((await invoke({ sender: webContents, senderFrame: mainFrame }, 'runs.cancel', { runId: 'x' })) as any).error),
    /invalid request/,
  );
  assert.deepEqual(calls, ['project.info']);
});

test('IPC: a structured-clone payload over 4 MiB is refused before it is parsed, and the window is still answered', async () => {
  const { state, webContents, mainFrame, calls } = await start();
  const invoke = state.handlers.get(INVOKE_CHANNEL)!;
  const event = { sender: webContents, senderFrame: mainFrame };
  const huge = { paths: Array.from({ length: 100_000 }, (_, i) => `/home/me/photos/${i}-${'x'.repeat(40)}.jpg`) };
  assert.deepEqual(await invoke(event, 'images.import', huge), { ok: false, error: 'images.import: request refused (larger than 4 MiB)' });
  assert.deepEqual(calls, []);
  assert.equal(((await invoke(event, 'project.info', {})) as any).ok, true);
});

test('app protocol serves the renderer with a strict CSP and nothing outside it', async () => {
  const { state } = await start();
  const serve = state.protocols.get(APP_SCHEME)!;
  const page = await serve({ url: `${APP_SCHEME}://app/index.html` });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy')!, /script-src 'self';/);
  for (const url of [`${APP_SCHEME}://app/../../etc/passwd`, `${APP_SCHEME}://app/%2e%2e/%2e%2e/etc/passwd`, `${APP_SCHEME}://app/missing.js`]) {
    assert.equal((await serve({ url })).status, 404, url);
  }
});

test('image protocol resolves only images the project references', async () => {
  const { state } = await start();
  const img = state.protocols.get(IMAGE_SCHEME)!;
  assert.equal(await (await img({ url: `${IMAGE_SCHEME}://1/thumb` })).text(), 'png-1');
  assert.equal((await img({ url: `${IMAGE_SCHEME}://3/full` })).status, 404);
  assert.equal((await img({ url: `${IMAGE_SCHEME}://1/../../etc/passwd` })).status, 404);
});
