// Electron wiring against a fake `electron` module (the real binary cannot run here): security
// preferences, denied navigation and windows, sender-checked IPC, confined protocols.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APP_SCHEME,
  type ElectronApi,
  IMAGE_SCHEME,
  INVOKE_CHANNEL,
  registerSchemes,
  startElectronShell,
} from '../../src-main/shells/electronShell.js';
import { fakeHandlers, fakeImages } from '../helpers/fakeServices.js';

const renderer = mkdtempSync(join(tmpdir(), 'camscope-electron-'));
writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>camscope</title>');

function fakeElectron() {
  const state = {
    windows: [] as { options: Record<string, any>; loaded: string[] }[],
    handlers: new Map<string, (...a: any[]) => unknown>(),
    protocols: new Map<string, (r: { url: string }) => Promise<Response> | Response>(),
    privileged: [] as unknown[],
    openHandler: null as null | (() => unknown),
    navigate: null as null | ((e: { preventDefault(): void }, url: string) => void),
    sent: [] as unknown[][],
  };
  const mainFrame = { url: `${APP_SCHEME}://app/index.html` };
  const webContents = {
    mainFrame,
    setWindowOpenHandler: (h: () => unknown) => (state.openHandler = h),
    on: (name: string, h: any) => name === 'will-navigate' && (state.navigate = h),
    send: (...a: unknown[]) => state.sent.push(a),
    isDestroyed: () => false,
  };
  class BrowserWindow {
    webContents = webContents;
    constructor(options: Record<string, any>) {
      state.windows.push({ options, loaded: (this.loaded = []) });
    }
    loaded: string[];
    async loadURL(url: string) {
      this.loaded.push(url);
    }
  }
  const electron = {
    app: { whenReady: async () => {} },
    BrowserWindow,
    ipcMain: { handle: (c: string, h: any) => state.handlers.set(c, h) },
    protocol: {
      handle: (s: string, h: any) => state.protocols.set(s, h),
      registerSchemesAsPrivileged: (s: unknown[]) => state.privileged.push(...s),
    },
  } as unknown as ElectronApi;
  return { electron, state, webContents, mainFrame };
}

async function start() {
  const fake = fakeElectron();
  const calls: string[] = [];
  registerSchemes(fake.electron);
  const shell = await startElectronShell(fake.electron, {
    handlers: fakeHandlers(calls),
    images: fakeImages,
    rendererDir: renderer,
    preload: '/app/preload.js',
  });
  return { ...fake, calls, shell };
}

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
  assert.deepEqual(state.privileged.map((p: any) => p.scheme), [APP_SCHEME, IMAGE_SCHEME]);
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
  assert.match(String(((await invoke({ sender: webContents, senderFrame: mainFrame }, 'runs.cancel', { runId: 'x' })) as any).error), /invalid request/);
  assert.deepEqual(calls, ['project.info']);
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
