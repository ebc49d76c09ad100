// A fake `electron` module for the shell tests (the real binary cannot run here): it records the
// window options, handlers, protocols and session hooks that startElectronShell installs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_SCHEME, type ElectronApi, registerSchemes, startElectronShell } from '../../src-main/shells/electronShell.js';
import { fakeHandlers, fakeImages } from '../helpers/fakeServices.js';

const renderer = mkdtempSync(join(tmpdir(), 'camscope-electron-'));
writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>camscope</title>');

export function fakeElectron() {
  const state = {
    windows: [] as { options: Record<string, any>; loaded: string[] }[],
    handlers: new Map<string, (...a: any[]) => unknown>(),
    protocols: new Map<string, (r: { url: string }) => Promise<Response> | Response>(),
    privileged: [] as unknown[],
    openHandler: null as null | (() => unknown),
    navigate: null as null | ((e: { preventDefault(): void }, url: string) => void),
    sent: [] as unknown[][],
    beforeRequest: null as null | ((d: { url: string }, cb: (r: { cancel: boolean }) => void) => void),
    permissionRequest: null as null | ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void),
    permissionCheck: null as null | ((...a: unknown[]) => boolean),
  };
  const mainFrame = { url: `${APP_SCHEME}://app/index.html` };
  const webContents = {
    mainFrame,
    setWindowOpenHandler: (h: () => unknown) => (state.openHandler = h),
    on: (name: string, h: any) => name === 'will-navigate' && (state.navigate = h),
    send: (...a: unknown[]) => state.sent.push(a),
    isDestroyed: () => false,
    session: {
      webRequest: { onBeforeRequest: (h: typeof state.beforeRequest) => (state.beforeRequest = h) },
      setPermissionRequestHandler: (h: typeof state.permissionRequest) => (state.permissionRequest = h),
      setPermissionCheckHandler: (h: typeof state.permissionCheck) => (state.permissionCheck = h),
    },
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

/** The shell started on a fake electron with fake services; `calls` lists the handlers reached. */
export async function startOnFakeElectron() {
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
