// The loopback shell: token on every request and socket, Host/Origin checks, confined static files,
// validated payloads, events pushed to sockets.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { type BrowserShell, startBrowserShell } from '../../src-main/shells/browserShell.js';
import { fakeHandlers, fakeImages } from '../helpers/fakeServices.js';

const root = mkdtempSync(join(tmpdir(), 'camscope-shell-'));
const renderer = join(root, 'renderer');
mkdirSync(join(renderer, 'assets'), { recursive: true });
writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>camscope</title>');
writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(root, 'secret.txt'), 'outside the renderer');
const calls: string[] = [];
let shell: BrowserShell;

before(async () => {
  shell = await startBrowserShell({ handlers: fakeHandlers(calls), images: fakeImages, rendererDir: renderer });
});
after(async () => shell.close());

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: shell.port, path, headers: { host: `127.0.0.1:${shell.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function socket(query: string, origin = `http://127.0.0.1:${shell.port}`): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/ws${query}`, { origin });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function ask(ws: WebSocket, msg: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    ws.once('message', (d) => resolve(JSON.parse(String(d))));
    ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  });
}

test('listens on 127.0.0.1 only and prints a tokened URL', () => {
  assert.match(shell.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
});

test('HTTP without the token is refused; with it the page comes with a strict CSP', async () => {
  assert.equal((await get('/')).status, 403);
  assert.equal((await get('/?token=wrong')).status, 403);
  const ok = await get(`/?token=${shell.token}`);
  assert.equal(ok.status, 200);
  assert.match(String(ok.headers['content-security-policy']), /script-src 'self'(;|$)/);
  assert.doesNotMatch(String(ok.headers['content-security-policy']), /unsafe-eval/);
  // The cookie set with the page authorizes its own assets.
  const cookie = String((ok.headers['set-cookie'] as string[])[0]).split(';')[0]!;
  assert.equal((await get('/assets/app.js', { cookie })).status, 200);
});

test('a foreign Host header (DNS rebinding) is refused even with the token', async () => {
  assert.equal((await get(`/?token=${shell.token}`, { host: `evil.example:${shell.port}` })).status, 421);
});

test('static files are confined to the renderer build', async () => {
  for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt', '/nope.js']) {
    const r = await get(`${p}${p.includes('?') ? '&' : '?'}token=${shell.token}`);
    assert.equal(r.status, 404, p);
    assert.doesNotMatch(r.body, /outside the renderer/);
  }
});

test('images: only those the project references', async () => {
  assert.equal((await get(`/image/1?kind=thumb&token=${shell.token}`)).body, 'png-1');
  assert.equal((await get(`/image/3?token=${shell.token}`)).status, 404);
  assert.equal((await get('/image/1')).status, 403);
});

test('sockets need the token and the app Origin', async () => {
  await assert.rejects(socket(''), /403/);
  await assert.rejects(socket(`?token=${shell.token}`, 'http://evil.example'), /403/);
  const ws = await socket(`?token=${shell.token}`);
  ws.close();
});

test('socket messages are validated: unknown channel, bad payload, user error, internal error', async () => {
  const ws = await socket(`?token=${shell.token}`);
  assert.deepEqual(await ask(ws, 'not json'), { id: null, ok: false, error: 'malformed message (not JSON)' });
  assert.match(String((await ask(ws, { id: 1, channel: 'fs.readFile', payload: {} })).error), /unknown channel/);
  assert.match(String((await ask(ws, { id: 2, channel: 'images.query', payload: { offset: -1 } })).error), /invalid request/);
  assert.match(String((await ask(ws, { id: 3, channel: 'project.info', payload: { extra: 1 } })).error), /invalid request/);
  assert.deepEqual(await ask(ws, { id: 4, channel: 'images.detail', payload: { imageId: 7 } }), {
    id: 4,
    ok: false,
    error: 'image 7 is not in the project',
  });
  assert.match(String((await ask(ws, { id: 5, channel: 'models.add', payload: { path: '/x.onnx' } })).error), /internal error \(boom\)/);
  const ok = await ask(ws, { id: 6, channel: 'project.info', payload: {} });
  assert.deepEqual(ok, { id: 6, ok: true, value: { path: '/tmp/p.camscope', images: 2, models: 0, runs: 0 } });
  ws.close();
});

test('hostile socket messages (null, arrays, numbers, a channel that cannot become a string) get an error and leave the shell up', async () => {
  const ws = await socket(`?token=${shell.token}`);
  for (const msg of [
    'null',
    '[]',
    '7',
    '"text"',
    '{"id":8,"channel":{"toString":1,"valueOf":1},"payload":{}}',
    '{"id":9,"channel":"project.info","payload":{"__proto__":{"x":1}}}',
  ]) {
    const r = await ask(ws, msg);
    assert.equal(r.ok, false, msg);
    assert.ok(typeof r.error === 'string' && !r.error.includes('\n') && !/internal error/.test(r.error), `${msg} → ${r.error}`);
  }
  assert.equal((await ask(ws, { id: 10, channel: 'project.info', payload: {} })).ok, true);
  ws.close();
});

test('events reach connected sockets, validated against the contract', async () => {
  const ws = await socket(`?token=${shell.token}`);
  const got = new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))));
  const payload = { runIds: [1], done: 3, total: 10, rate: 2, etaSeconds: 3.5 };
  shell.emit('run.progress', payload);
  assert.deepEqual(await got, { event: 'run.progress', payload });
  assert.throws(() => shell.emit('run.progress', { runIds: [1] } as never));
  ws.close();
});
