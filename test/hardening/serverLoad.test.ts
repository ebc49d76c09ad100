// A bounded load test of `camscope serve` on loopback (seconds, stops by itself): a cold burst of
// models.list, C clients × R mixed read requests and thumbnails, while other clients send an oversized
// frame, never read, flood invalid JSON and reconnect in storms. Every valid request is answered, the
// server stays up, its resident memory grows by a bounded amount, and SIGTERM still stops it with 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';
import { frame, rawWebSocket, textFrame } from '../helpers/rawWebSocket.js';
import { LoadClient, runClients, startLoadServer, thumbnail } from '../helpers/serveLoad.js';

const CLIENTS = 16;
const REQUESTS = 60;
/** Resident memory the whole load may add (the caches, ORT and sharp's pools warming up), in MiB. */
const RSS_GROWTH_MIB = 200;

test('bounded load with hostile clients: every valid request answered, server up, memory bounded, clean stop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-load-'));
  const images = join(dir, 'images');
  mkdirSync(images);
  for (let i = 0; i < 24; i++) {
    await sharp({ create: { width: 40 + i, height: 32, channels: 3, background: { r: (i * 53) % 256, g: 120, b: 255 - i * 9 } } })
      .png()
      .toFile(join(images, `i${i}.png`));
  }
  const server = await startLoadServer(join(dir, 'p.camscope'), images, [writeModel(join(dir, 'gap.onnx'), gapClassifier())]);
  t.after(() => server.child.kill('SIGKILL'));

  // Cold burst right after the start: 200 models.list over 4 sockets, one inspection shared by all.
  const burst = await Promise.all(Array.from({ length: 4 }, () => LoadClient.open(server)));
  const lists = await Promise.all(Array.from({ length: 200 }, (_, i) => burst[i % 4]!.ask('models.list', {})));
  assert.ok(
    lists.every((r) => r.ok && (r.value as unknown[]).length === 1),
    'the cold burst is answered',
  );
  burst.forEach((c) => c.close());
  const rssBefore = server.rssMiB();

  const hostile = async () => {
    const oversized = await rawWebSocket(server.port, server.token);
    oversized.socket.write(frame(0x1, Buffer.alloc(512), { declared: 64 * 1024 * 1024 }));
    assert.equal((await oversized.closed)?.code, 1009);

    const sleeper = await rawWebSocket(server.port, server.token, { read: false });
    sleeper.socket.write(
      Buffer.concat(
        Array.from({ length: 1500 }, (_, i) =>
          textFrame(JSON.stringify({ id: i, channel: 'images.query', payload: { offset: 0, limit: 500, filters: {}, sort: 'id', order: 'asc' } })),
        ),
      ),
    );

    const flood = await rawWebSocket(server.port, server.token);
    flood.socket.write(Buffer.concat(Array.from({ length: 3000 }, (_, i) => textFrame(i % 3 ? '{"channel":' : 'not json at all'))));

    for (let wave = 0; wave < 6; wave++) {
      const storm = await Promise.all(Array.from({ length: 40 }, () => LoadClient.open(server)));
      // Half of them leave with a request in flight.
      storm.forEach((c, k) => (k % 2 ? void c.ask('runs.list', {}) : undefined, c.close()));
    }
    while (flood.texts.length < 3000) await new Promise((r) => setTimeout(r, 10));
    assert.ok(flood.texts.every((x) => JSON.parse(x).ok === false));
    flood.socket.destroy();
    sleeper.socket.destroy();
  };

  const [load, thumbs] = await Promise.all([
    runClients(server, { clients: CLIENTS, requests: REQUESTS, inFlight: 4 }),
    Promise.all(server.imageIds.flatMap((id) => [thumbnail(server, id), thumbnail(server, id)])),
    hostile(),
  ]);
  assert.deepEqual(load.failed, [], 'no valid request refused or lost');
  assert.equal(load.answered, CLIENTS * REQUESTS);
  assert.ok(thumbs.every((s) => s === 200));

  const after = await LoadClient.open(server);
  assert.equal((await after.ask('project.info', {})).ok, true, 'still serving');
  after.close();
  assert.equal(server.child.exitCode, null);
  const growth = server.rssMiB() - rssBefore;
  assert.ok(growth < RSS_GROWTH_MIB, `resident memory grew by ${growth.toFixed(0)} MiB`);
  // One line per dropped connection, never a stack trace.
  const lines = server.stderr().trim().split('\n').filter(Boolean);
  assert.ok(
    lines.every((l) => l.startsWith('closed a connection: ')),
    lines.join('\n'),
  );
  assert.ok(lines.length <= 3, lines.join('\n'));

  assert.equal(await server.stop(), 0, server.stderr());
});
