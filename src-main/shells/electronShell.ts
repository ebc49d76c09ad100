// Electron wiring, kept free of a runtime `electron` import so it can be unit-tested with a fake:
// a sandboxed, context-isolated window, app files and project images behind custom protocols,
// navigation and new windows denied, every IPC message checked for its sender and payload.
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Electron from 'electron';
import type { EventName, EventPayload } from '../../src-shared/ipc.js';
import { events } from '../../src-shared/ipc.js';
import { type Handlers, RequestGate } from '../services/router.js';
import type { ImageSource } from '../services/images.js';
import { contentSecurityPolicy } from './csp.js';
import { CamscopeError } from '../errors.js';
import type { PdfPrinter } from '../report/pdfPrinter.js';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from './preloadBridge.js';
import { rendererFile } from './rendererFiles.js';

export type ElectronApi = Pick<typeof Electron, 'app' | 'BrowserWindow' | 'ipcMain' | 'protocol'>;

export const APP_SCHEME = 'camscope-app';
export const IMAGE_SCHEME = 'camscope-image';
export { EVENT_CHANNEL, INVOKE_CHANNEL } from './preloadBridge.js';
const APP_ORIGIN = `${APP_SCHEME}://app`;

export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  spellcheck: false,
} as const;

/** Must run before the app is ready (privileged schemes). */
export function registerSchemes(electron: ElectronApi): void {
  electron.protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: IMAGE_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

export interface ElectronShell {
  window: Electron.BrowserWindow;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
}

export async function startElectronShell(
  electron: ElectronApi,
  opts: { handlers: Handlers; images: ImageSource; rendererDir: string; preload: string; startHash?: string },
): Promise<ElectronShell> {
  const { app, BrowserWindow, ipcMain, protocol } = electron;
  await app.whenReady();

  protocol.handle(APP_SCHEME, (request) => serveAppFile(opts.rendererDir, request.url));
  protocol.handle(IMAGE_SCHEME, async (request) => {
    const m = /^camscope-image:\/\/(\d+)\/(thumb|full)\/?$/.exec(request.url);
    const found = m ? await opts.images.image(Number(m[1]), m[2] as 'thumb' | 'full') : null;
    return found
      ? new Response(new Uint8Array(found.bytes), { headers: { 'Content-Type': found.mime } })
      : new Response('no such image', { status: 404 });
  });

  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'camscope',
    show: true,
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload: opts.preload },
  });
  const contents = window.webContents;
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  // No remote content: every request leaves through the app's own schemes or not at all, and no
  // permission (camera, notifications, …) is ever granted.
  contents.session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isLocalUrl(details.url) }));
  contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  contents.session.setPermissionCheckHandler(() => false);

  // The window is one client of the gate: size limits (before parsing), the bounded queue and its cap.
  const gate = new RequestGate(opts.handlers);
  const client = gate.newClient();
  ipcMain.handle(INVOKE_CHANNEL, async (event, channel: unknown, payload: unknown) => {
    const frame = event.senderFrame;
    const fromApp = event.sender === contents && frame !== null && frame === contents.mainFrame && frame.url.startsWith(`${APP_ORIGIN}/`);
    if (!fromApp) return { ok: false, error: 'rejected: message from an unexpected sender' };
    return gate.dispatch(client, channel, payload);
  });

  await window.loadURL(`${APP_ORIGIN}/index.html${opts.startHash ?? ''}`);
  return {
    window,
    emit(event, payload) {
      if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, event, events[event].parse(payload));
    },
  };
}

/** An in-memory session of its own: the app window's request filter would cancel the report's file URL. */
export const PRINT_PARTITION = 'camscope-print';

/**
 * report.export's PDFs through Chromium's own printer: a hidden, sandboxed window without preload or
 * JavaScript loads the self-contained report file (it may fetch nothing but that file and data: URLs).
 */
export function electronPdfPrinter(electron: Pick<ElectronApi, 'BrowserWindow'>): PdfPrinter {
  const printing = new Set<string>();
  let filtered = false;
  return {
    async print(htmlFile, pdfFile) {
      const page = pathToFileURL(resolve(htmlFile)).href;
      const window = new electron.BrowserWindow({
        show: false,
        webPreferences: { ...SECURE_WEB_PREFERENCES, javascript: false, partition: PRINT_PARTITION },
      });
      const contents = window.webContents;
      if (!filtered) {
        contents.session.webRequest.onBeforeRequest((details, callback) =>
          callback({ cancel: !(printing.has(details.url) || details.url.startsWith('data:')) }),
        );
        contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
        filtered = true;
      }
      contents.setWindowOpenHandler(() => ({ action: 'deny' }));
      contents.on('will-navigate', (event) => event.preventDefault());
      printing.add(page);
      try {
        await window.loadURL(page);
        await writeFile(pdfFile, await contents.printToPDF({ printBackground: true, pageSize: 'A4' }));
      } catch (e) {
        throw new CamscopeError(`${pdfFile}: cannot print the report: ${(e as Error).message.split('\n')[0]}`);
      } finally {
        printing.delete(page);
        window.destroy();
      }
    },
  };
}

/** The app's files, project images, and in-page data: the only URLs the window may load. */
export function isLocalUrl(url: string): boolean {
  return [`${APP_ORIGIN}/`, `${IMAGE_SCHEME}://`, 'data:', 'blob:'].some((prefix) => url.startsWith(prefix));
}

/** Files of the renderer build only, with the strict CSP; anything else is a 404. */
export async function serveAppFile(root: string, url: string): Promise<Response> {
  const found = rendererFile(root, new URL(url).pathname);
  if (!found) return new Response('not found', { status: 404 });
  try {
    const body = await readFile(found.file);
    return new Response(new Uint8Array(body), {
      headers: { 'Content-Type': found.mime, 'Content-Security-Policy': contentSecurityPolicy({ img: `${IMAGE_SCHEME}:` }) },
    });
  } catch {
    return new Response('not found', { status: 404 });
  }
}
