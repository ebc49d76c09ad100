// The router's limits: payload size before parsing (Electron IPC and sockets alike), and the gate's
// bounded concurrency, bounded queue and per-client cap, each answered with a one-line "busy".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_REQUEST_BYTES, RequestGate, dispatch, payloadTooLarge } from '../../src-main/services/router.js';
import { fakeHandlers } from '../helpers/fakeServices.js';
import type { Handlers } from '../../src-main/services/router.js';

test('payload size is bounded before zod sees it: long strings, long arrays, typed arrays, deep and cyclic values', async () => {
  assert.equal(payloadTooLarge({ path: '/a/b.onnx' }), null);
  assert.equal(payloadTooLarge({ ids: Array.from({ length: 1000 }, (_, i) => i) }), null);
  assert.match(payloadTooLarge({ path: 'x'.repeat(MAX_REQUEST_BYTES) })!, /larger than 4 MiB/);
  assert.match(payloadTooLarge({ ids: new Array(1e8) })!, /larger than 4 MiB/);
  assert.match(payloadTooLarge(new Float64Array(MAX_REQUEST_BYTES / 4))!, /larger than 4 MiB/);
  let deep: unknown = {};
  for (let i = 0; i < 10_000; i++) deep = { a: deep };
  assert.match(payloadTooLarge(deep)!, /nested deeper than 32/);
  const cyclic: Record<string, unknown> = { a: [1, 2, 3] };
  cyclic.self = cyclic;
  assert.ok(payloadTooLarge(cyclic), 'a cyclic value (structured clone allows them) ends the walk');

  const calls: string[] = [];
  const r = await dispatch(fakeHandlers(calls), 'images.import', { paths: Array.from({ length: 200_000 }, () => '/home/me/a-long-image-name.png') });
  assert.deepEqual(r, { ok: false, error: 'images.import: request refused (larger than 4 MiB)' });
  assert.deepEqual(calls, [], 'the handler never ran');
});

/** Handlers whose 'project.info' waits until released, counting how many run at once. */
function slowHandlers() {
  let running = 0;
  let peak = 0;
  const releases: (() => void)[] = [];
  const handlers: Handlers = {
    ...fakeHandlers(),
    'project.info': async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => releases.push(r));
      running--;
      return { path: '/p', images: 0, models: 0, runs: 0 };
    },
  };
  return { handlers, releaseAll: () => releases.splice(0).forEach((r) => r()), stats: () => ({ running, peak, waiting: releases.length }) };
}

const tick = () => new Promise((r) => setImmediate(r));

test('the gate runs at most `concurrency` handlers, queues up to `queue`, and answers "busy" beyond', async () => {
  const slow = slowHandlers();
  const gate = new RequestGate(slow.handlers, { concurrency: 2, queue: 3, perClient: 100 });
  const client = gate.newClient();
  const admitted = Array.from({ length: 5 }, () => gate.dispatch(client, 'project.info', {}));
  for (let i = 0; i < 5; i++) await tick();
  assert.equal(slow.stats().running, 2);
  const refused = await gate.dispatch(client, 'project.info', {});
  assert.deepEqual(refused, { ok: false, error: 'project.info: busy (3 requests are waiting; try again shortly)' });
  while (gate.load > 0) {
    slow.releaseAll();
    await tick();
  }
  const answers = await Promise.all(admitted);
  assert.ok(
    answers.every((a) => a.ok),
    'every admitted request is answered',
  );
  assert.equal(slow.stats().peak, 2);
});

test('one client cannot hold more than `perClient` requests; another client still gets through', async () => {
  const slow = slowHandlers();
  const gate = new RequestGate(slow.handlers, { concurrency: 4, queue: 100, perClient: 3 });
  const greedy = gate.newClient();
  const held = Array.from({ length: 3 }, () => gate.dispatch(greedy, 'project.info', {}));
  assert.match(
    String(((await gate.dispatch(greedy, 'project.info', {})) as { error: string }).error),
    /^project\.info: busy \(this connection has 3 requests unanswered/,
  );
  const other = gate.dispatch(gate.newClient(), 'runs.list', {});
  assert.deepEqual(await other, { ok: true, value: [] });
  while (gate.load > 0) {
    slow.releaseAll();
    await tick();
  }
  assert.ok((await Promise.all(held)).every((a) => a.ok));
  assert.equal(greedy.pending, 0);
  assert.equal((await gate.dispatch(greedy, 'runs.list', {})).ok, true, 'its cap frees as answers go out');
});
