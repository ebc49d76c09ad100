// Files dropped on the Electron window, against a fake `electron` (the real binary cannot run here): the preload's
// bridge (shells/preloadBridge.ts) tells the renderer each File's path (webUtils.getPathForFile), the renderer sorts the
// drop as App.svelte and quick look do (droppedFilePath, sortDroppedPaths), and its requests cross the fake IPC to the
// main process's handlers: an ONNX file becomes models.add, an image quicklook.run with that path.
/// <reference lib="dom" />
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { camscopeBridge } from '../../src-main/shells/preloadBridge.js';
import { EVENT_CHANNEL, registerSchemes, startElectronShell } from '../../src-main/shells/electronShell.js';
import type { Handlers } from '../../src-main/services/router.js';
import { droppedFilePath, sortDroppedPaths } from '../../src-renderer/lib/droppedPaths.js';
import { createElectronTransport } from '../../src-renderer/transport/electronTransport.js';
import { fakeElectron } from './fakeElectron.js';
import { fakeHandlers, fakeImages } from '../helpers/fakeServices.js';

const saved = (globalThis as { window?: unknown }).window;
after(() => ((globalThis as { window?: unknown }).window = saved));

/** The main process on the fake electron, and the preload's bridge wired to it through a fake ipcRenderer. */
async function desktop() {
  const fake = fakeElectron();
  const requests: [string, unknown][] = [];
  const calls: string[] = [];
  const handlers: Handlers = {
    ...fakeHandlers(calls),
    'models.add': async (r) => {
      requests.push(['models.add', r]);
      return {
        id: 5,
        path: r.path,
        name: 'resnet',
        sha256: 'a'.repeat(64),
        numClasses: 1000,
        defaultLayer: 'x',
        layers: [],
        footprints: {},
        refused: {},
      };
    },
    'quicklook.run': async (r) => {
      requests.push(['quicklook.run', r]);
      throw new Error('stop here: the request is what is checked');
    },
  };
  registerSchemes(fake.electron);
  const shell = await startElectronShell(fake.electron, { handlers, images: fakeImages, rendererDir: '/nonexistent', preload: '/app/preload.cjs' });
  const listeners = new Map<string, ((e: unknown, ...a: unknown[]) => void)[]>();
  const ipcRenderer = {
    // What Electron does with ipcRenderer.invoke: the main process's handler, with the window's main frame as sender.
    invoke: async (channel: string, ...args: unknown[]) =>
      fake.state.handlers.get(channel)!({ sender: fake.webContents, senderFrame: fake.mainFrame }, ...args),
    on: (channel: string, l: (e: unknown, ...a: unknown[]) => void) => (listeners.set(channel, [...(listeners.get(channel) ?? []), l]), ipcRenderer),
    removeListener: (channel: string, l: unknown) => (
      listeners.set(
        channel,
        (listeners.get(channel) ?? []).filter((x) => x !== l),
      ),
      ipcRenderer
    ),
  };
  const onDisk = new Map<File, string>();
  const webUtils = { getPathForFile: (file: File) => onDisk.get(file) ?? '' };
  const bridge = camscopeBridge({ ipcRenderer, webUtils } as unknown as Parameters<typeof camscopeBridge>[0]);
  (globalThis as { window?: unknown }).window = { camscope: bridge };
  const drop = (name: string, path: string) => {
    const file = new File([new Uint8Array(4)], name);
    onDisk.set(file, path);
    return file;
  };
  return { bridge, shell, requests, listeners, sent: fake.state.sent, drop, transport: createElectronTransport(bridge) };
}

test('a dropped ONNX file and image reach models.add and quicklook.run with their paths on disk', async () => {
  const { requests, drop, transport } = await desktop();
  const files = [drop('cat.jpg', '/home/me/photos/cat.jpg'), drop('resnet.onnx', '/home/me/models/resnet.onnx')];
  // App.svelte's ondrop: every dropped file's path, from the preload.
  const paths = files.map(droppedFilePath);
  assert.deepEqual(paths, ['/home/me/photos/cat.jpg', '/home/me/models/resnet.onnx']);
  // Quick look's drop: the models first (the last one chosen), then the first image looked at.
  const { models, images } = sortDroppedPaths(paths as string[]);
  let modelId: number | undefined;
  for (const path of models) modelId = (await transport.invoke('models.add', { path })).id;
  await assert.rejects(transport.invoke('quicklook.run', { path: images[0]!, modelId: modelId!, target: 'top1' }), /stop here/);
  assert.deepEqual(requests, [
    ['models.add', { path: '/home/me/models/resnet.onnx' }],
    ['quicklook.run', { path: '/home/me/photos/cat.jpg', modelId: 5, target: 'top1' }],
  ]);
});

test('a file the preload has no path for leaves the drop unresolved, and nothing is requested', async () => {
  const { requests } = await desktop();
  const pasted = new File([new Uint8Array(1)], 'pasted.png');
  assert.equal(droppedFilePath(pasted), null, 'no path (a browser, or a file not from disk): the renderer asks for a path instead');
  assert.deepEqual(requests, []);
});

test('the bridge carries only the app channels: invoke goes through the gate, events arrive until unsubscribed', async () => {
  const { bridge, shell, sent, listeners } = await desktop();
  assert.deepEqual(Object.keys(bridge).sort(), ['invoke', 'on', 'pathForFile']);
  assert.match(String(((await bridge.invoke('shell.exec', {})) as { error: string }).error), /unknown channel/);
  assert.match(String(((await bridge.invoke('quicklook.run', { path: '' })) as { error: string }).error), /invalid request/);
  // What the main process sent to the window, delivered as Electron would to the preload's listeners.
  const deliver = () => {
    for (const [channel, ...args] of sent.splice(0)) for (const l of listeners.get(channel as string) ?? []) l({}, ...args);
  };
  const seen: unknown[] = [];
  const off = bridge.on('run.finished', (p) => seen.push(p));
  shell.emit('run.finished', { runIds: [1], status: 'done', error: null });
  deliver();
  off();
  shell.emit('run.finished', { runIds: [2], status: 'done', error: null });
  deliver();
  assert.deepEqual(seen, [{ runIds: [1], status: 'done', error: null }]);
  assert.equal(listeners.get(EVENT_CHANNEL)?.length, 0, 'unsubscribed');
});
