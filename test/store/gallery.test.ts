// Gallery pages over 10 000 images match a plain JS filter and sort, and their plans read indexes in order.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CamscopeError } from '../../src-main/errors.js';
import { pearsonValues as pearson } from '../../src-shared/mapAgreement.js';
import type { ProjectStore } from '../../src-main/store/projectStore.js';
import type { GalleryFilters, GalleryQuery, GalleryRow, GallerySort } from '../../src-main/store/storeTypes.js';
import { buildGallery, type GalleryData, type ImageFacts } from './galleryData.js';

const N = 10_000;
let dir: string;
let g: GalleryData;
let store: ProjectStore;
let A: number;
let B: number;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'camscope-gallery-'));
  g = buildGallery(join(dir, 'gallery.camscope'), N, ['gradcam', 'cam']);
  store = g.store;
  [A, B] = g.runIds as [number, number];
});

after(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const disagreementCache = new Map<string, number | null>();

/** Independent of the store: 1 − r straight from the definition over the two maps. */
function referenceDisagreement(f: ImageFacts, a: number, b: number): number | null {
  const key = `${f.id}:${Math.min(a, b)}:${Math.max(a, b)}`;
  if (!disagreementCache.has(key)) disagreementCache.set(key, computeDisagreement(f, a, b));
  return disagreementCache.get(key)!;
}

function computeDisagreement(f: ImageFacts, a: number, b: number): number | null {
  const x = f.maps.get(a);
  const y = f.maps.get(b);
  if (!x || !y) return null;
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return 1 - sxy / Math.sqrt(sxx * syy);
}

/** Every row the store should list for q, in order, computed by filtering and sorting the facts in JS. */
function expectedRows(q: Omit<GalleryQuery, 'offset' | 'limit'>): GalleryRow[] {
  const f = q.filters ?? {};
  const model = f.modelId ?? (f.runId !== undefined ? g.modelId : undefined);
  const run = f.runId;
  const rows = g.facts
    .filter((x) => (f.dataset === undefined || x.dataset === f.dataset) && (f.gtClass === undefined || x.gt === f.gtClass))
    .filter((x) => f.predictedClass === undefined || x.predicted === f.predictedClass)
    .filter((x) => f.correct === undefined || (x.gt !== null && (x.predicted === x.gt) === f.correct))
    .filter((x) => run === undefined || x.iou.has(run))
    .filter((x) => (f.iouMin === undefined && f.iouMax === undefined) || iouOf(x, run!) !== null)
    .filter((x) => (f.iouMin === undefined || iouOf(x, run!)! >= f.iouMin) && (f.iouMax === undefined || iouOf(x, run!)! <= f.iouMax))
    .map((x): GalleryRow => ({
      id: x.id,
      path: `images/img${x.id - 1}.png`,
      width: 64 + x.id - 1,
      height: 48,
      dataset: x.dataset,
      gtLabel: x.gt,
      gtClass: model !== undefined && x.gt !== null ? x.gt : null, // the fixture model and datasets: offset 0
      predictedClass: model !== undefined ? x.predicted : null,
      confidence: model !== undefined ? x.score : null,
      iou: run !== undefined ? iouOf(x, run) : null,
      disagreement: q.compareRunId !== undefined ? referenceDisagreement(x, run!, q.compareRunId) : null,
    }));
  const key = (r: GalleryRow): number | null => ({ id: r.id, confidence: r.confidence, iou: r.iou, disagreement: r.disagreement })[q.sort ?? 'id'];
  const sign = q.order === 'desc' ? -1 : 1;
  return rows.filter((r) => key(r) !== null).sort((a, b) => sign * (key(a)! - key(b)! || a.id - b.id));
}

function iouOf(x: ImageFacts, run: number): number | null {
  return x.iou.get(run) ?? null;
}

function assertSamePage(q: GalleryQuery, all: GalleryRow[]): void {
  const actual = store.queryImages(q);
  const expected = all.slice(q.offset, q.offset + q.limit);
  const what = JSON.stringify(q);
  assert.equal(actual.total, all.length, `total of ${what}`);
  assert.deepEqual(
    actual.rows.map((r) => r.id),
    expected.map((r) => r.id),
    `ids of ${what}`,
  );
  actual.rows.forEach((row, k) => {
    const want = expected[k]!;
    assert.deepEqual({ ...row, disagreement: null }, { ...want, disagreement: null }, `row ${k} of ${what}`);
    if (want.disagreement === null) assert.equal(row.disagreement, null);
    else assert.ok(Math.abs(row.disagreement! - want.disagreement) < 1e-9, `disagreement of row ${k} of ${what}`);
  });
}

const FILTERS = (): GalleryFilters[] => [
  {},
  { dataset: 'val' },
  { gtClass: 3 },
  { modelId: g.modelId },
  { modelId: g.modelId, predictedClass: 4 },
  { modelId: g.modelId, correct: true },
  { modelId: g.modelId, correct: false, dataset: 'train' },
  { runId: A },
  { runId: B },
  { runId: B, iouMin: 0.25, iouMax: 0.75 },
  { runId: A, correct: true, iouMin: 0.5 },
  { runId: B, gtClass: 2, dataset: 'val' },
];

function sortsFor(f: GalleryFilters): GallerySort[] {
  const sorts: GallerySort[] = ['id'];
  if (f.modelId !== undefined || f.runId !== undefined) sorts.push('confidence');
  if (f.runId !== undefined) sorts.push('iou', 'disagreement');
  return sorts;
}

test('every filter × sort × order × offset matches a plain JS filter and sort', () => {
  let checked = 0;
  for (const filters of FILTERS()) {
    for (const sort of sortsFor(filters)) {
      for (const order of ['asc', 'desc'] as const) {
        // Compare runs only where a page sorts by measures, so id pages also cover the no-comparison case.
        const compareRunId = sort !== 'id' && filters.runId !== undefined ? (filters.runId === A ? B : A) : undefined;
        const base = { filters, sort, order, compareRunId };
        const all = expectedRows(base);
        assert.ok(all.length > 25, `${all.length} rows for ${JSON.stringify(base)}: the data does not exercise it`);
        for (const offset of [0, Math.floor(all.length / 2), all.length - 7, all.length + 3]) assertSamePage({ ...base, offset, limit: 25 }, all);
        checked++;
      }
    }
  }
  assert.equal(checked, 62);
});

test('the seeded data is what the reference assumes: every image predicted, run B a strict subset', () => {
  assert.equal(store.queryImages({ offset: 0, limit: 1 }).total, N);
  assert.equal(store.queryImages({ offset: 0, limit: 1, filters: { runId: B } }).total, N - N / 5);
  const f = g.facts[1]!;
  const d = store.getDisagreement(A, B, f.id)!;
  assert.ok(Math.abs(d - (1 - pearson(f.maps.get(A)!, f.maps.get(B)!)!)) < 1e-12);
});

test('queries that lack the context their sort or filter needs are refused with one line', () => {
  const refusals: [GalleryQuery, RegExp][] = [
    [{ offset: 0, limit: 10, sort: 'confidence' }, /sort 'confidence' or a class filter needs filters.modelId or filters.runId/],
    [{ offset: 0, limit: 10, filters: { correct: true } }, /needs filters.modelId/],
    [{ offset: 0, limit: 10, sort: 'iou', filters: { modelId: g.modelId } }, /sort 'iou' or an IoU filter needs filters.runId/],
    [{ offset: 0, limit: 10, filters: { iouMin: 0.5 } }, /needs filters.runId/],
    [{ offset: 0, limit: 10, sort: 'disagreement', filters: { runId: A } }, /needs filters.runId and compareRunId/],
    [{ offset: 0, limit: 10, compareRunId: A, filters: { runId: A } }, /a different run/],
    [{ offset: 0, limit: 10, filters: { runId: 99 } }, /run 99 does not exist/],
    [{ offset: -1, limit: 10 }, /offset -1/],
    [{ offset: 0, limit: 0 }, /limit 0/],
    [{ offset: 0, limit: 5000 }, /limit 5000/],
  ];
  for (const [q, re] of refusals) {
    assert.throws(
      () => store.queryImages(q),
      (e: unknown) => e instanceof CamscopeError && re.test(e.message) && !e.message.includes('\n'),
      JSON.stringify(q),
    );
  }
});

test('query plans: filters and measure sorts search indexes, and no main sort sorts a temp b-tree', () => {
  const plan = (q: Omit<GalleryQuery, 'offset' | 'limit'>) => store.explainQueryPlan({ offset: 5000, limit: 50, ...q }).join('\n');
  const indexed = /USING (COVERING )?INDEX|USING (INTEGER )?PRIMARY KEY/;
  const fullScan = /^SCAN i$/m; // the images table read whole, without an index
  const cases: [Omit<GalleryQuery, 'offset' | 'limit'>, RegExp][] = [
    [{ sort: 'id', filters: { dataset: 'val' } }, /SEARCH i USING (COVERING )?INDEX images_dataset/],
    [{ sort: 'id', filters: { gtClass: 3 } }, /SEARCH i USING (COVERING )?INDEX images_gt_label/],
    [{ sort: 'id', filters: { runId: B } }, /SEARCH r USING PRIMARY KEY \(run_id=\?\)/],
    [{ sort: 'confidence', filters: { modelId: g.modelId } }, /SEARCH p USING (COVERING )?INDEX predictions_top1_score/],
    [{ sort: 'confidence', filters: { modelId: g.modelId, predictedClass: 4 } }, /SEARCH p USING (COVERING )?INDEX predictions_top1_class/],
    [{ sort: 'iou', filters: { runId: A } }, /SEARCH e USING (COVERING )?INDEX evaluations_iou/],
    [{ sort: 'iou', filters: { runId: A, iouMin: 0.2, iouMax: 0.4 } }, /SEARCH e USING (COVERING )?INDEX evaluations_iou/],
    [{ sort: 'disagreement', filters: { runId: B }, compareRunId: A }, /SEARCH d USING (COVERING )?INDEX disagreements_value/],
  ];
  for (const [q, index] of cases) {
    const p = plan(q);
    const order = q.order ?? 'asc';
    assert.match(p, indexed, `${JSON.stringify(q)}:\n${p}`);
    assert.match(p, index, `${JSON.stringify(q)} does not use the expected index:\n${p}`);
    assert.doesNotMatch(p, fullScan, `${JSON.stringify(q)} scans images:\n${p}`);
    assert.doesNotMatch(p, /TEMP B-TREE/, `${JSON.stringify(q)} ${order} sorts instead of reading an index in order:\n${p}`);
    assert.doesNotMatch(plan({ ...q, order: 'desc' }), /TEMP B-TREE/, `${JSON.stringify(q)} desc`);
  }
  // Unfiltered by id, the images table in rowid order is the index: a plain scan with no sort step.
  assert.equal(plan({ sort: 'id' }), 'SCAN i');
});
