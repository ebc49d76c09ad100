// One in-flight promise per key; cached values stay, failures do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SingleFlight, SingleFlightCache } from '../../src-main/services/singleFlight.js';

const later = <T>(v: T, ms = 5) => new Promise<T>((r) => setTimeout(() => r(v), ms));

test('concurrent callers of one key share one load; other keys load on their own', async () => {
  const cache = new SingleFlightCache<number, { key: number }>();
  let loads = 0;
  const load = (key: number) => () => (loads++, later({ key }));
  const got = await Promise.all(Array.from({ length: 200 }, (_, i) => cache.get(i % 2, load(i % 2))));
  assert.equal(loads, 2);
  assert.ok(
    got.every((v, i) => v === got[i % 2]),
    'the same object for every caller of a key',
  );
  assert.equal(await cache.get(0, load(0)), got[0], 'cached after it settled');
  assert.equal(loads, 2);
});

test('a failed load is shared by its concurrent callers, then forgotten so the next call retries', async () => {
  const cache = new SingleFlightCache<string, number>();
  let loads = 0;
  const failing = () => (loads++, later(0).then(() => Promise.reject(new Error('cold'))));
  const results = await Promise.allSettled([cache.get('m', failing), cache.get('m', failing)]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  assert.equal(loads, 1);
  assert.equal(await cache.get('m', () => (loads++, later(7))), 7);
  assert.equal(loads, 2);
});

test('SingleFlight forgets a value once it settles (the store caches thumbnails, not memory)', async () => {
  const flight = new SingleFlight<string, number>();
  let loads = 0;
  const [a, b] = await Promise.all([flight.run('t', () => (loads++, later(1))), flight.run('t', () => (loads++, later(2)))]);
  assert.deepEqual([a, b, loads], [1, 1, 1]);
  assert.equal(await flight.run('t', () => (loads++, later(3))), 3);
  assert.equal(loads, 2);
});
