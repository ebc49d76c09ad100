// PagedRows (the gallery's window on a query) and KeyedLoader (details: LRU, concurrency cap, priorities).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PagedRows } from '../../src-renderer/lib/pagedRows.js';
import { KeyedLoader } from '../../src-renderer/lib/keyedLoader.js';

const tick = () => new Promise((r) => setTimeout(r, 0));

test('PagedRows fetches each needed page once and serves rows by index', async () => {
  const calls: number[] = [];
  const rows = new PagedRows<number>(async (offset, limit) => {
    calls.push(offset);
    return { total: 250, rows: Array.from({ length: Math.min(limit, 250 - offset) }, (_, i) => offset + i) };
  }, 100);
  await rows.ensure(0, 1);
  await Promise.all([rows.ensure(90, 210), rows.ensure(150, 160)]);
  assert.deepEqual(
    calls.sort((a, b) => a - b),
    [0, 100, 200],
  );
  assert.equal(rows.total, 250);
  assert.equal(rows.get(0), 0);
  assert.equal(rows.get(249), 249);
  assert.equal(rows.get(250), undefined);
  await rows.ensure(240, 400);
  assert.equal(calls.length, 3, 'no page beyond the total');
});

test('PagedRows.reset ignores answers that belong to the previous query', async () => {
  let release!: () => void;
  const slow = new PagedRows<string>(() => new Promise((resolve) => (release = () => resolve({ total: 1, rows: ['old'] }))), 10);
  const stale = slow.ensure(0, 1);
  await slow.reset(async () => ({ total: 1, rows: ['new'] }));
  release();
  await stale;
  assert.equal(slow.get(0), 'new');
});

test('PagedRows records errors and keeps at most maxPages pages', async () => {
  const failing = new PagedRows<number>(async () => Promise.reject(new Error('disk on fire')), 10);
  await failing.ensure(0, 1);
  assert.equal(failing.error, 'disk on fire');
  const small = new PagedRows<number>(
    async (o) => ({ total: 1000, rows: Array.from({ length: 10 }, (_, i) => o + i) }),
    10,
    () => {},
    3,
  );
  for (let p = 0; p < 6; p++) await small.ensure(p * 10, p * 10 + 1);
  await small.ensure(55, 56);
  assert.equal(small.get(0), undefined, 'far pages evicted');
  assert.equal(small.get(55), 55);
});

test('KeyedLoader: loads in asking order under the concurrency cap, joins duplicate requests, caches', async () => {
  const started: number[] = [];
  const resolvers = new Map<number, (v: string) => void>();
  const loader = new KeyedLoader<number, string>(
    (k) => {
      started.push(k);
      return new Promise((r) => resolvers.set(k, r));
    },
    10,
    2,
  );
  const a = loader.load(1),
    b = loader.load(2),
    c = loader.load(3),
    a2 = loader.load(1);
  assert.deepEqual(started, [1, 2], 'two in flight');
  resolvers.get(1)!('one');
  assert.equal(await a, 'one');
  assert.equal(await a2, 'one');
  await tick();
  assert.deepEqual(started, [1, 2, 3]);
  resolvers.get(2)!('two');
  resolvers.get(3)!('three');
  assert.deepEqual([await b, await c], ['two', 'three']);
  assert.equal(loader.peek(3), 'three');
  assert.equal(await loader.load(3), 'three');
  assert.equal(started.length, 3, 'served from cache');
});

test('KeyedLoader: want() replaces the background list and yields to load()', async () => {
  const started: number[] = [];
  const loader = new KeyedLoader<number, number>(
    async (k) => {
      started.push(k);
      await tick();
      return k * 10;
    },
    100,
    1,
  );
  loader.want([1, 2, 3]);
  loader.want([7, 8]); // scrolled away: 2 and 3 are no longer wanted
  const urgent = loader.load(50);
  assert.equal(await urgent, 500);
  for (let i = 0; i < 10; i++) await tick();
  assert.deepEqual(started, [1, 50, 7, 8]);
});

test('KeyedLoader: LRU eviction beyond capacity, failures reject without caching, clear() empties', async () => {
  let fail = true;
  const loader = new KeyedLoader<number, number>(
    async (k) => {
      if (k === 9 && fail) throw new Error('nope');
      return k;
    },
    2,
    4,
  );
  await loader.load(1);
  await loader.load(2);
  loader.peek(1); // 1 is now the most recent
  await loader.load(3);
  assert.equal(loader.peek(2), undefined);
  assert.equal(loader.peek(1), 1);
  await assert.rejects(loader.load(9), /nope/);
  fail = false;
  assert.equal(await loader.load(9), 9);
  loader.clear();
  assert.equal(loader.size, 0);
});
