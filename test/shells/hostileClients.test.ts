// Authorized but hostile or broken clients of the browser shell: each closes its own connection with a
// reason (logged once), never the process, and the other connections keep being answered.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { type BrowserShell, MAX_BUFFERED_BYTES, startBrowserShell } from '../../src-main/shells/browserShell.js';
import type { Handlers } from '../../src-main/services/router.js';
import { fakeHandlers, fakeImages } from '../helpers/fakeServices.js';
import { frame, rawWebSocket, textFrame } from '../helpers/rawWebSocket.js';

const renderer = mkdtempSync(join(tmpdir(), 'camscope-hostile-'));
writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>camscope</title>');
const logged: string[] = [];
let shell: BrowserShell;
// A 2 MiB answer, so a client that stops reading piles up megabytes quickly.
const bigEntries = Array.from({ length: 16_000 }, (_, i) => ({
  name: `image-${i}-${'x'.repeat(100)}.png`,
  path: `/home/me/${i}.png`,
  kind: 'image' as const,
}));
const handlers: Handlers = {
  ...fakeHandlers(),
  'files.list': async () => ({ dir: '/home/me', parent: null, entries: bigEntries, truncated: false }),
};

before(async () => {
  shell = await startBrowserShell({ handlers, images: fakeImages, rendererDir: renderer, log: (l) => logged.push(l) });
});
after(async () => shell.close());

/** A well-behaved client proving the shell still answers. */
async function stillAnswers(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/ws?token=${shell.token}`, { origin: `http://127.0.0.1:${shell.port}` });
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  const reply = await new Promise<Record<string, unknown>>((r) => {
    ws.once('message', (d) => r(JSON.parse(String(d))));
    ws.send(JSON.stringify({ id: 1, channel: 'project.info', payload: {} }));
  });
  assert.equal(reply.ok, true);
  ws.close();
}

test('a frame declaring 64 MiB is refused from its header: close 1009 with a reason, logged once, shell up', async () => {
  logged.length = 0;
  const raw = await rawWebSocket(shell.port, shell.token);
  raw.socket.write(frame(0x1, Buffer.alloc(1024, 0x20), { declared: 64 * 1024 * 1024 }));
  assert.deepEqual(await raw.closed, { code: 1009, reason: 'message too big (limit 4 MiB)' });
  assert.equal(logged.length, 1, logged.join('\n'));
  assert.match(logged[0]!, /^closed a connection: Max payload size exceeded \(WS_ERR_UNSUPPORTED_MESSAGE_LENGTH\)$/);
  await stillAnswers();
});

test('a real 5 MiB message from the ws client gets close 1009 too', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/ws?token=${shell.token}`, { origin: `http://127.0.0.1:${shell.port}` });
  ws.on('error', () => {});
  await new Promise((r) => ws.once('open', r));
  const closed = new Promise<[number, string]>((r) => ws.once('close', (code, reason) => r([code, String(reason)])));
  ws.send(JSON.stringify({ id: 1, channel: 'images.import', payload: { paths: ['x'.repeat(5 * 1024 * 1024)] } }));
  const [code, reason] = await closed;
  // The close frame normally arrives; a reset while the client is still writing reads as 1006.
  assert.ok((code === 1009 && reason === 'message too big (limit 4 MiB)') || code === 1006, `${code} ${reason}`);
  await stillAnswers();
});

test('malformed frames (unknown opcode, unmasked, bad UTF-8) close that connection with their code', async () => {
  const cases: [Buffer, number, RegExp][] = [
    [frame(0x3, Buffer.from('x')), 1002, /malformed WebSocket frame/],
    [frame(0x1, Buffer.from('{"id":1}'), { masked: false }), 1002, /malformed WebSocket frame/],
    [frame(0x1, Buffer.from([0xc3, 0x28])), 1007, /not valid UTF-8/],
  ];
  for (const [bytes, code, reason] of cases) {
    logged.length = 0;
    const raw = await rawWebSocket(shell.port, shell.token);
    raw.socket.write(bytes);
    const got = await raw.closed;
    assert.equal(got?.code, code);
    assert.match(got!.reason, reason);
    assert.equal(logged.length, 1);
  }
  await stillAnswers();
});

test('a flood of invalid JSON is answered line by line and the connection stays usable', async () => {
  const raw = await rawWebSocket(shell.port, shell.token);
  const flood = Array.from({ length: 2000 }, (_, i) => textFrame(i % 2 ? '{"id":' : '[1,2'));
  raw.socket.write(Buffer.concat([...flood, textFrame(JSON.stringify({ id: 7, channel: 'project.info', payload: {} }))]));
  while (raw.texts.length < 2001) await new Promise((r) => setTimeout(r, 10));
  assert.ok(raw.texts.slice(0, 2000).every((t) => JSON.parse(t).error === 'malformed message (not JSON)'));
  assert.equal(JSON.parse(raw.texts[2000]!).id, 7);
  raw.socket.destroy();
});

test('a client that never reads is dropped once its unsent answers pass the limit; the shell stays up', async () => {
  logged.length = 0;
  const raw = await rawWebSocket(shell.port, shell.token, { read: false });
  const asks = Math.ceil((3 * MAX_BUFFERED_BYTES) / (2 * 1024 * 1024));
  raw.socket.write(
    Buffer.concat(Array.from({ length: asks }, (_, i) => textFrame(JSON.stringify({ id: i, channel: 'files.list', payload: { dir: '/home/me' } })))),
  );
  // A paused socket never reads the end of the stream, so the server's side is watched instead.
  while (logged.length === 0) await new Promise((r) => setTimeout(r, 10));
  raw.socket.destroy();
  assert.equal(logged.length, 1);
  assert.match(logged[0]!, /^closed a connection: its client stopped reading \(\d+ MiB unsent\)$/);
  await stillAnswers();
});

test('close() sends 1001 with a reason to open sockets and refuses new ones', async () => {
  const other = await startBrowserShell({ handlers, images: fakeImages, rendererDir: renderer, log: () => {} });
  const raw = await rawWebSocket(other.port, other.token);
  await other.close();
  assert.deepEqual(await raw.closed, { code: 1001, reason: 'camscope is shutting down' });
  await assert.rejects(rawWebSocket(other.port, other.token));
});
