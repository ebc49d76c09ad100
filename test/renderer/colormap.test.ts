// Colormaps (src-shared/colormap.ts, the engine's overlays and the app's): every table byte and the colour picked for
// a value against matplotlib itself (test/fixtures/colormaps/matplotlib.json, scripts/fixtures/makeColormapReference.py),
// plus hand-worked entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  COLORMAP_NAMES,
  colorAt,
  colorizeInto,
  colormapIndex,
  colormapTable,
  cssGradient,
  LUT_SIZE,
  packedTable,
} from '../../src-shared/colormap.js';

const MATPLOTLIB = JSON.parse(readFileSync('test/fixtures/colormaps/matplotlib.json', 'utf8')) as {
  values: number[];
  colormaps: Record<string, { table: number[]; samples: [number, number, number][] }>;
};

test('jet, viridis and gray are matplotlib’s 256-entry tables byte for byte', () => {
  for (const name of COLORMAP_NAMES) assert.deepEqual([...colormapTable(name)], MATPLOTLIB.colormaps[name]!.table, name);
});

test('the colour of a value is the one matplotlib’s Colormap.__call__ picks, beyond [0, 1] too', () => {
  for (const name of COLORMAP_NAMES) {
    MATPLOTLIB.values.forEach((t, i) => assert.deepEqual(colorAt(name, t), MATPLOTLIB.colormaps[name]!.samples[i], `${name}(${t})`));
  }
});

test('jet reference entries: ends and the x = 128/255 entry whose red is 124.99… truncated to 124', () => {
  assert.deepEqual(colorAt('jet', 0), [0, 0, 127]);
  assert.deepEqual(colorAt('jet', 0.5), [124, 255, 121]);
  assert.deepEqual(colorAt('jet', 1), [127, 0, 0]);
});

test('viridis: matplotlib _viridis_data as truncated bytes (ends and middle)', () => {
  assert.deepEqual(colorAt('viridis', 0), [68, 1, 84]); // 0.267004·255 = 68.09, 0.004874·255 = 1.24, 0.329415·255 = 84.0
  assert.deepEqual(colorAt('viridis', 0.5), [32, 144, 140]); // entry 128: 0.127568, 0.566949, 0.550556
  assert.deepEqual(colorAt('viridis', 1), [253, 231, 36]); // 0.993248, 0.906157, 0.143936
  const green = [...colormapTable('viridis')].filter((_, i) => i % 3 === 1);
  assert.ok(
    green.every((g, i) => i === 0 || g >= green[i - 1]!),
    'viridis green rises monotonically',
  );
});

test('gray follows matplotlib’s float arithmetic: (N−1)·(i/(N−1)) falls an ulp short for some i, so byte i is i − 1', () => {
  const t = colormapTable('gray');
  assert.equal(t[0], 0);
  assert.equal(t[3 * 255], 255);
  assert.equal(t[3 * 32], 32);
  assert.equal(t[3 * 33], 32); // numpy: (255·(33·(1/255)))/255·255 = 32.99999999999999 → 32
  for (let i = 0; i < LUT_SIZE; i++) assert.ok(t[3 * i]! === i || t[3 * i]! === i - 1, `entry ${i}`);
});

test('colormapIndex is floor(t·256) with 1 and above on the last entry, below 0 and NaN on the first', () => {
  assert.equal(colormapIndex(0), 0);
  assert.equal(colormapIndex(1 / 256 - 1e-12), 0);
  assert.equal(colormapIndex(1 / 256), 1);
  assert.equal(colormapIndex(0.5), 128);
  assert.equal(colormapIndex(0.999), 255);
  assert.equal(colormapIndex(1), 255);
  assert.equal(colormapIndex(7), 255);
  assert.equal(colormapIndex(-0.3), 0);
  assert.equal(colormapIndex(NaN), 0);
});

test('packedTable is opaque RGBA for a little-endian Uint32 view of ImageData; colorizeInto writes it per value', () => {
  const packed = packedTable('jet');
  const bytes = new Uint8Array(packed.buffer, 0, 8);
  assert.deepEqual([...bytes.subarray(0, 4)], [0, 0, 127, 255]);
  assert.equal(packedTable('jet'), packed, 'cached');
  const out = new Uint32Array(3);
  colorizeInto([0, 0.5, 1], packed, out);
  assert.deepEqual([...new Uint8Array(out.buffer)], [0, 0, 127, 255, 124, 255, 121, 255, 127, 0, 0, 255]);
});

test('cssGradient spans the map from its first to its last colour', () => {
  const g = cssGradient('jet');
  assert.match(g, /^linear-gradient\(to right, rgb\(0 0 127\) 0%,/);
  assert.match(g, /rgb\(127 0 0\) 100%\)$/);
});
