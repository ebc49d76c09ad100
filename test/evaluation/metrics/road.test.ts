// ROAD (Rong et al. 2022): the linear imputation against scipy's sparse direct solve of the paper's
// system (scripts/fixtures/makeRoadReference.py, developer-run), hand-worked pixels, the noise, the
// MoRF/LeRF masks and curves over a hand-made scorer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { noisyLinearImpute } from '../../../src-main/evaluation/metrics/noisyLinearImputation.js';
import { ROAD_PERCENTAGES, road, roadMask } from '../../../src-main/evaluation/metrics/road.js';

const ref = JSON.parse(readFileSync(new URL('../../fixtures/road/reference.json', import.meta.url), 'utf8')) as {
  cases: { name: string; channels: number; height: number; width: number; input: number[]; removed: number[]; output: number[] }[];
};

for (const c of ref.cases) {
  test(`linear imputation '${c.name}' equals scipy's spsolve of the paper's system`, () => {
    const shape = { channels: c.channels, width: c.width, height: c.height };
    const out = noisyLinearImpute(Float32Array.from(c.input), shape, Uint8Array.from(c.removed), { noise: 0 });
    let worst = 0;
    out.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - c.output[i]!) / Math.max(1, Math.abs(c.output[i]!)))));
    assert.ok(worst < 2e-7, `max relative error ${worst}`);
    c.removed.forEach((r, p) => {
      if (!r)
        for (let ch = 0; ch < c.channels; ch++)
          assert.equal(out[ch * c.width * c.height + p], Math.fround(c.input[ch * c.width * c.height + p]!), 'kept pixels unchanged');
    });
  });
}

test('by hand: one removed pixel is the weighted mean of its neighbours (1/6 direct, 1/12 diagonal)', () => {
  // 3×3, centre removed: (1/6)(2 + 4 + 6 + 8) + (1/12)(1 + 3 + 7 + 9) = 20/6 + 20/12 = 5.
  const grid = Float32Array.from([1, 2, 3, 4, 100, 6, 7, 8, 9]);
  const centre = new Uint8Array(9);
  centre[4] = 1;
  assert.equal(noisyLinearImpute(grid, { channels: 1, width: 3, height: 3 }, centre, { noise: 0 })[4], 5);
  // The corner (0, 0): neighbours (1, 0), (0, 1) at 1/6 and (1, 1) at 1/12, total 5/12: (2/6 + 4/6 + 100/12) / (5/12) = 22.4.
  const corner = new Uint8Array(9);
  corner[0] = 1;
  assert.ok(Math.abs(noisyLinearImpute(grid, { channels: 1, width: 3, height: 3 }, corner, { noise: 0 })[0]! - 22.4) < 1e-5);
  // Two removed neighbours solve together: a 1×4 row 0, ?, ?, 3 → linear 1, 2.
  const row = noisyLinearImpute(Float32Array.from([0, 50, 50, 3]), { channels: 1, width: 4, height: 1 }, Uint8Array.from([0, 1, 1, 0]), { noise: 0 });
  assert.ok(Math.abs(row[1]! - 1) < 1e-6 && Math.abs(row[2]! - 2) < 1e-6, `${row}`);
  assert.throws(() => noisyLinearImpute(grid, { channels: 1, width: 3, height: 3 }, new Uint8Array(9).fill(1)), /at least one kept pixel/);
});

test('the noise: seeded Gaussian of σ = noise on the removed pixels only', () => {
  const shape = { channels: 1, width: 40, height: 40 };
  const input = new Float32Array(1600).fill(0.5);
  const removed = Uint8Array.from({ length: 1600 }, (_, p) => (p % 40 >= 10 && p % 40 < 30 ? 1 : 0));
  const a = noisyLinearImpute(input, shape, removed, { noise: 0.01, seed: 3 });
  assert.deepEqual(a, noisyLinearImpute(input, shape, removed, { noise: 0.01, seed: 3 }), 'same seed, same noise');
  const dev = Array.from(a).flatMap((v, p) => (removed[p] ? [v - 0.5] : []));
  const sd = Math.sqrt(dev.reduce((s, d) => s + d * d, 0) / dev.length);
  assert.ok(Math.abs(sd - 0.01) < 0.001, `noise sd ${sd}`);
  assert.ok(Array.from(a).every((v, p) => removed[p] || v === 0.5));
});

test('MoRF removes the most relevant share first, LeRF the least; curves over a hand-made scorer', async () => {
  const order = Uint32Array.from([3, 0, 2, 1]);
  assert.deepEqual(Array.from(roadMask(order, 0.5, 'morf')), [1, 0, 0, 1]);
  assert.deepEqual(Array.from(roadMask(order, 0.25, 'lerf')), [0, 1, 0, 0]);
  // 10×1 input of ones except a bright right half; the map ranks the right half first. The scorer is the
  // input's sum, so MoRF (bright pixels imputed from their neighbours first) falls faster than LeRF.
  const shape = { channels: 1, width: 10, height: 1 };
  const input = Float32Array.from({ length: 10 }, (_, x) => (x >= 5 ? 10 : 1));
  const map = { width: 10, height: 1, values: Float32Array.from({ length: 10 }, (_, x) => x) };
  const score = async (inputs: Float32Array, classes: number[]) =>
    classes.map((_, k) => inputs.subarray(k * 10, (k + 1) * 10).reduce((s, v) => s + v, 0));
  const [curves] = await road([{ input, map, classIndex: 0 }], score, shape, { noise: 0 });
  assert.equal(curves!.morf.length, ROAD_PERCENTAGES.length);
  // MoRF at 10 %: pixel 9 removed; its only neighbour is pixel 8 (10): the sum stays 55.
  assert.ok(Math.abs(curves!.morf[0]! - 55) < 1e-4);
  // LeRF at 10 %: pixel 0 removed, imputed from pixel 1 (1): the sum stays 55 too; at 60 % pixels 0..5 follow pixel 6.
  assert.ok(Math.abs(curves!.lerf[5]! - (6 * 10 + 40)) < 1e-3, `${curves!.lerf[5]}`);
  // MoRF at 60 %: pixels 4..9 removed, all imputed from pixel 3 (1): sum 10.
  assert.ok(Math.abs(curves!.morf[5]! - 10) < 1e-3, `${curves!.morf[5]}`);
  assert.ok(curves!.morfMean < curves!.lerfMean);
});
