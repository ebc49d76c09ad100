// The loopback and Electron transports against fakes of the socket and the preload bridge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWebSocketTransport, type SocketLike } from '../../src-renderer/transport/webSocketTransport.js';
import { createElectronTransport } from '../../src-renderer/transport/electronTransport.js';
import { TransportError, errorMessage } from '../../src-renderer/transport/transportError.js';

class FakeSocket implements SocketLike {
  static opened: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  sent: { id: number; channel: string; payload: unknown }[] = [];
  constructor(readonly url: string) {
    FakeSocket.opened.push(this);
  }
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  reply(msg: unknown): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
}

test('WebSocket transport: URL with token, requests queued until open, replies matched by id', async () => {
  FakeSocket.opened = [];
  const t = createWebSocketTransport({ host: '127.0.0.1:5123', protocol: 'http:' }, 'a b', (url) => new FakeSocket(url));
  const ws = FakeSocket.opened[0]!;
  assert.equal(ws.url, 'ws://127.0.0.1:5123/ws?token=a%20b');
  const info = t.invoke('project.info', {});
  const runs = t.invoke('runs.list', {});
  assert.equal(ws.sent.length, 0, 'nothing sent before open');
  ws.onopen!();
  assert.deepEqual(
    ws.sent.map((m) => m.channel),
    ['project.info', 'runs.list'],
  );
  ws.reply({ id: ws.sent[1]!.id, ok: true, value: [] });
  ws.reply({ id: ws.sent[0]!.id, ok: true, value: { path: '/p', images: 3, models: 1, runs: 0 } });
  assert.deepEqual(await runs, []);
  assert.equal((await info).images, 3);
  assert.equal(t.imageUrl(7, 'thumb'), '/image/7?kind=thumb&token=a%20b');
});

test('WebSocket transport: errors reject with the service’s message; push events reach subscribers until unsubscribed', async () => {
  FakeSocket.opened = [];
  const t = createWebSocketTransport({ host: 'localhost:1', protocol: 'http:' }, 'tok', (url) => new FakeSocket(url));
  const ws = FakeSocket.opened[0]!;
  ws.onopen!();
  const p = t.invoke('models.add', { path: '/x.onnx' });
  ws.reply({ id: ws.sent[0]!.id, ok: false, error: '/x.onnx: not an ONNX model' });
  await assert.rejects(p, (e: unknown) => e instanceof TransportError && e.channel === 'models.add' && e.message === '/x.onnx: not an ONNX model');
  const seen: number[] = [];
  const off = t.on('run.progress', (e) => seen.push(e.done));
  ws.reply({ event: 'run.progress', payload: { runIds: [1], done: 5, total: 10, rate: 2, etaSeconds: 2.5 } });
  off();
  ws.reply({ event: 'run.progress', payload: { runIds: [1], done: 6, total: 10, rate: 2, etaSeconds: 2 } });
  assert.deepEqual(seen, [5]);
});

test('WebSocket transport: a dropped connection fails requests in flight, reports its state and reconnects', async () => {
  FakeSocket.opened = [];
  const t = createWebSocketTransport({ host: 'h:1', protocol: 'https:' }, 'tok', (url) => new FakeSocket(url));
  const states: string[] = [];
  t.onConnection((s) => states.push(s));
  const ws = FakeSocket.opened[0]!;
  assert.match(ws.url, /^wss:/);
  ws.onopen!();
  const p = t.invoke('runs.list', {});
  ws.onclose!();
  await assert.rejects(p, /connection to camscope lost/);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(FakeSocket.opened.length, 2, 'reopened');
  FakeSocket.opened[1]!.onopen!();
  assert.deepEqual(states, ['connecting', 'open', 'closed', 'connecting', 'open']);
});

test('Electron transport: unwraps the router envelope, strips Electron’s error preamble, forwards events', async () => {
  const handlers = new Map<string, (p: unknown) => void>();
  const bridge = {
    async invoke(channel: string, payload: unknown) {
      if (channel === 'runs.list') return { ok: true, value: [] };
      if (channel === 'models.add') return { ok: false, error: `bad path ${(payload as { path: string }).path}` };
      throw new Error("Error invoking remote method 'camscope:invoke': Error: main process crashed");
    },
    on(event: string, handler: (p: unknown) => void) {
      handlers.set(event, handler);
      return () => handlers.delete(event);
    },
  };
  const t = createElectronTransport(bridge);
  assert.deepEqual(await t.invoke('runs.list', {}), []);
  await assert.rejects(t.invoke('models.add', { path: '/m' }), /^TransportError: bad path \/m$/);
  await assert.rejects(t.invoke('project.info', {}), (e: unknown) => e instanceof TransportError && e.message === 'main process crashed');
  let got: unknown = null;
  const off = t.on('run.finished', (p) => (got = p));
  handlers.get('run.finished')!({ runIds: [2], status: 'done', error: null });
  assert.deepEqual(got, { runIds: [2], status: 'done', error: null });
  off();
  assert.equal(handlers.size, 0);
  assert.equal(t.imageUrl(12, 'full'), 'camscope-image://12/full');
  assert.equal(errorMessage('plain'), 'plain');
});
