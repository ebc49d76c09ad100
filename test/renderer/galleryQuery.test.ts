// Gallery state → images.query requests: only real constraints are sent, and every request is valid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channels } from '../../src-shared/ipc.js';
import { activeFilterCount, DEFAULT_GALLERY, queryKey, queryRequest } from '../../src-renderer/lib/galleryQuery.js';

test('the default state asks for everything in import order, with no filters', () => {
  const req = queryRequest(DEFAULT_GALLERY, 0, 120);
  assert.deepEqual(req, { offset: 0, limit: 120, filters: {}, sort: 'id', order: 'asc' });
  assert.ok(channels['images.query'].request.safeParse(req).success);
  assert.equal(activeFilterCount(DEFAULT_GALLERY), 0);
});

test('every filter maps onto its field; full IoU range and blank dataset are omitted', () => {
  const state = {
    ...DEFAULT_GALLERY,
    dataset: ' val ',
    gtClass: 281,
    predictedClass: 0,
    correctness: 'incorrect' as const,
    iouMin: 0.3,
    iouMax: 1,
    sort: 'disagreement' as const,
    order: 'desc' as const,
    runId: 4,
    modelId: 2,
  };
  const req = queryRequest(state, 240, 120);
  assert.deepEqual(req, {
    offset: 240,
    limit: 120,
    filters: { dataset: 'val', gtClass: 281, predictedClass: 0, correct: false, iouMin: 0.3 },
    sort: 'disagreement',
    order: 'desc',
    modelId: 2,
    runId: 4,
  });
  assert.ok(channels['images.query'].request.safeParse(req).success);
  assert.equal(activeFilterCount(state), 5);
});

test('compareRunId goes out only for the disagreement sort, and never equal to runId', () => {
  const state = { ...DEFAULT_GALLERY, runId: 1, modelId: 1, compareRunId: 2 };
  assert.equal(queryRequest(state, 0, 10).compareRunId, undefined);
  assert.equal(queryRequest({ ...state, sort: 'disagreement' }, 0, 10).compareRunId, 2);
  assert.equal(queryRequest({ ...state, sort: 'disagreement', compareRunId: 1 }, 0, 10).compareRunId, undefined);
  assert.notEqual(queryKey({ ...state, sort: 'disagreement' }), queryKey({ ...state, sort: 'disagreement', compareRunId: 3 }));
});

test('queryKey changes with the result set or order, not with paging', () => {
  const a = queryKey(DEFAULT_GALLERY);
  assert.equal(a, queryKey({ ...DEFAULT_GALLERY, dataset: '  ' }), 'blank dataset is no filter');
  assert.notEqual(a, queryKey({ ...DEFAULT_GALLERY, order: 'desc' }));
  assert.notEqual(a, queryKey({ ...DEFAULT_GALLERY, runId: 3 }));
  assert.notEqual(a, queryKey({ ...DEFAULT_GALLERY, correctness: 'correct' }));
});
