// Streaming evaluation: with keepMaps N the result keeps the map values of only the N images where the first pair of
// methods disagrees most (the report gallery's), and every number — summary with bootstrap intervals and paired
// tests, MaxBoxAcc curves, CSV, the HTML report — is the same as when every map is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../../src-main/datasets/index.js';
import { evaluateDataset } from '../../src-main/evaluation/evaluateDataset.js';
import { disagreementOrder } from '../../src-main/evaluation/evaluationResult.js';
import { renderCsv } from '../../src-main/report/csvReport.js';
import { renderHtmlReport } from '../../src-main/report/htmlReport.js';
import { DEMO_MODEL, writeDemoDataset } from './evalFixtures.js';

test('keepMaps 2: only the two most disagreeing images keep map values; numbers, CSV and report unchanged', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-keepmaps-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeDemoDataset(dir);
  const dataset = await loadDataset(dir);
  const run = (keepMaps: 'all' | number) =>
    evaluateDataset({
      model: DEMO_MODEL,
      dataset,
      methods: ['gradcam', 'gradcam++', 'eigencam'],
      faithfulness: false,
      bootstrap: { resamples: 200 },
      keepMaps,
    });
  const all = await run('all');
  const streamed = await run(2);
  streamed.provenance.createdAt = all.provenance.createdAt;

  const key = 'gradcam|gradcam++';
  const expected = [...all.images]
    .sort(disagreementOrder(key))
    .slice(0, 2)
    .map((im) => im.item.id);
  const kept = streamed.images.filter((im) => Object.values(im.methods).every((m) => m.map.values !== null)).map((im) => im.item.id);
  assert.deepEqual(kept.sort(), expected.sort());
  assert.ok(all.images.length > 2);
  for (const im of streamed.images) {
    if (!expected.includes(im.item.id)) assert.ok(Object.values(im.methods).every((m) => m.map.values === null && m.map.box !== undefined));
  }
  assert.ok(all.summary.uncertainty, 'the bootstrap ran');
  assert.deepEqual(streamed.summary, all.summary);
  assert.deepEqual(streamed.maxBoxAcc, all.maxBoxAcc);
  assert.deepEqual(streamed.curves, all.curves);
  assert.equal(renderCsv(streamed), renderCsv(all));
  assert.equal(await renderHtmlReport(streamed, { galleryImages: 2 }), await renderHtmlReport(all, { galleryImages: 2 }));
});
