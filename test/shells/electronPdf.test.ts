// report.export's PDFs in Electron: a hidden, sandboxed window without preload or JavaScript, in a session of
// its own that loads only the report file, printed with webContents.printToPDF (against a fake BrowserWindow).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestContext } from 'node:test';
import { CamscopeError } from '../../src-main/errors.js';
import { PRINT_PARTITION, electronPdfPrinter, type ElectronApi } from '../../src-main/shells/electronShell.js';

function fakeWindows(opts: { failLoad?: boolean } = {}) {
  const state = {
    windows: [] as { options: Record<string, any>; loaded: string[]; printed: unknown[]; destroyed: boolean }[],
    beforeRequest: null as null | ((d: { url: string }, cb: (r: { cancel: boolean }) => void) => void),
    permission: null as null | ((wc: unknown, p: string, cb: (g: boolean) => void) => void),
    openHandler: null as null | (() => unknown),
    navigate: null as null | ((e: { preventDefault(): void }) => void),
  };
  class BrowserWindow {
    private readonly record: (typeof state.windows)[number];
    constructor(options: Record<string, any>) {
      this.record = { options, loaded: [], printed: [], destroyed: false };
      state.windows.push(this.record);
    }
    webContents = {
      session: {
        webRequest: { onBeforeRequest: (h: typeof state.beforeRequest) => (state.beforeRequest = h) },
        setPermissionRequestHandler: (h: typeof state.permission) => (state.permission = h),
      },
      setWindowOpenHandler: (h: () => unknown) => (state.openHandler = h),
      on: (name: string, h: any) => name === 'will-navigate' && (state.navigate = h),
      printToPDF: async (o: unknown) => (this.record.printed.push(o), Buffer.from('%PDF-1.7 fake')),
    };
    async loadURL(url: string) {
      if (opts.failLoad) throw new Error('ERR_FILE_NOT_FOUND (-6) loading it\nsecond line');
      this.record.loaded.push(url);
    }
    destroy() {
      this.record.destroyed = true;
    }
  }
  return { electron: { BrowserWindow } as unknown as Pick<ElectronApi, 'BrowserWindow'>, state };
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-electron-pdf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the report prints from a hidden sandboxed window with JavaScript off, in its own session, then the window goes', async (t) => {
  const dir = tempDir(t);
  const html = join(dir, 'report.html');
  writeFileSync(html, '<!doctype html><p>report</p>');
  const { electron, state } = fakeWindows();
  await electronPdfPrinter(electron).print(html, join(dir, 'report.pdf'));

  assert.equal(readFileSync(join(dir, 'report.pdf'), 'utf8'), '%PDF-1.7 fake');
  const [w] = state.windows;
  assert.equal(w!.options.show, false);
  const prefs = w!.options.webPreferences;
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.javascript, false);
  assert.equal(prefs.preload, undefined);
  assert.equal(prefs.partition, PRINT_PARTITION);
  assert.ok(!PRINT_PARTITION.startsWith('persist:'), 'an in-memory session');
  assert.deepEqual(w!.loaded, [pathToFileURL(html).href]);
  assert.deepEqual(w!.printed, [{ printBackground: true, pageSize: 'A4' }]);
  assert.equal(w!.destroyed, true);
  assert.deepEqual(state.openHandler!(), { action: 'deny' });
  let prevented = 0;
  state.navigate!({ preventDefault: () => prevented++ });
  assert.equal(prevented, 1);
});

test('the print session loads the report being printed and data: URLs, nothing else, and grants no permission', async (t) => {
  const dir = tempDir(t);
  const html = join(dir, 'report.html');
  writeFileSync(html, '');
  const { electron, state } = fakeWindows();
  const printer = electronPdfPrinter(electron);
  let verdicts: Record<string, boolean> = {};
  const check = (url: string) => state.beforeRequest!({ url }, (r) => (verdicts[url] = r.cancel));
  const page = pathToFileURL(html).href;
  // Checked while the page loads: the window's loadURL is where Chromium fetches it.
  const proto = (electron.BrowserWindow as any).prototype;
  const load = proto.loadURL;
  proto.loadURL = async function (this: unknown, url: string) {
    for (const u of [
      page,
      'data:image/jpeg;base64,AA==',
      pathToFileURL(join(dir, 'other.html')).href,
      'file:///etc/passwd',
      'https://example.com/x.css',
    ])
      check(u);
    return load.call(this, url);
  };
  await printer.print(html, join(dir, 'a.pdf'));
  assert.deepEqual(verdicts, {
    [page]: false,
    'data:image/jpeg;base64,AA==': false,
    [pathToFileURL(join(dir, 'other.html')).href]: true,
    'file:///etc/passwd': true,
    'https://example.com/x.css': true,
  });
  verdicts = {};
  check(page);
  assert.deepEqual(verdicts, { [page]: true }, 'once printed, the report file is refused too');
  const granted: boolean[] = [];
  state.permission!({}, 'media', (g) => granted.push(g));
  assert.deepEqual(granted, [false]);
});

test('a report that fails to load is one line naming the PDF, and the window is still destroyed', async (t) => {
  const dir = tempDir(t);
  const { electron, state } = fakeWindows({ failLoad: true });
  const pdf = join(dir, 'x.pdf');
  await assert.rejects(electronPdfPrinter(electron).print(join(dir, 'missing.html'), pdf), (e: unknown) => {
    assert.ok(e instanceof CamscopeError);
    assert.equal(e.message, `${pdf}: cannot print the report: ERR_FILE_NOT_FOUND (-6) loading it`);
    return true;
  });
  assert.equal(state.windows[0]!.destroyed, true);
});
