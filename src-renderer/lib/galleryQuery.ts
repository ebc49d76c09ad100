// The gallery's filter/sort state and its translation into an images.query request.
import type { Request } from '../../src-shared/ipc.js';

export type SortKey = Request<'images.query'>['sort'];
export type SortOrder = Request<'images.query'>['order'];
export type Correctness = 'all' | 'correct' | 'incorrect';

/** What the filter bar edits; empty strings and full ranges mean "no filter". */
export interface GalleryState {
  dataset: string;
  gtClass: number | null;
  predictedClass: number | null;
  correctness: Correctness;
  iouMin: number;
  iouMax: number;
  sort: SortKey;
  order: SortOrder;
  /** The run whose maps, IoUs and model the gallery shows (null: none yet). */
  runId: number | null;
  modelId: number | null;
  /** The run whose maps the disagreement sort compares with runId's (typically Grad-CAM against CAM). */
  compareRunId: number | null;
}

export const DEFAULT_GALLERY: GalleryState = {
  dataset: '',
  gtClass: null,
  predictedClass: null,
  correctness: 'all',
  iouMin: 0,
  iouMax: 1,
  sort: 'id',
  order: 'asc',
  runId: null,
  modelId: null,
  compareRunId: null,
};

export const SORT_LABELS: Record<SortKey, string> = {
  id: 'Import order',
  confidence: 'Confidence',
  iou: 'IoU',
  disagreement: 'Disagreement (1 − r)',
};

/** The natural first direction of each sort: most confident, best IoU, most disagreement first. */
export const SORT_DEFAULT_ORDER: Record<SortKey, SortOrder> = { id: 'asc', confidence: 'desc', iou: 'desc', disagreement: 'desc' };

export type QueryRequest = Request<'images.query'>;

/** The request for one page; filters the user left open are omitted, so the service sees only real constraints. */
export function queryRequest(state: GalleryState, offset: number, limit: number): QueryRequest {
  const filters: QueryRequest['filters'] = {};
  if (state.dataset.trim()) filters.dataset = state.dataset.trim();
  if (state.gtClass != null) filters.gtClass = state.gtClass;
  if (state.predictedClass != null) filters.predictedClass = state.predictedClass;
  if (state.correctness !== 'all') filters.correct = state.correctness === 'correct';
  if (state.iouMin > 0) filters.iouMin = clamp01(state.iouMin);
  if (state.iouMax < 1) filters.iouMax = clamp01(state.iouMax);
  const request: QueryRequest = { offset, limit, filters, sort: state.sort, order: state.order };
  if (state.modelId != null) request.modelId = state.modelId;
  if (state.runId != null) request.runId = state.runId;
  // The service compares two runs only for this sort (and refuses a run compared with itself).
  if (state.sort === 'disagreement' && state.compareRunId != null && state.compareRunId !== state.runId) request.compareRunId = state.compareRunId;
  return request;
}

/** A key that changes exactly when the result set or its order would: cached pages are valid while it holds. */
export function queryKey(state: GalleryState): string {
  const { filters, sort, order, modelId, runId, compareRunId } = queryRequest(state, 0, 1);
  return JSON.stringify([filters, sort, order, modelId ?? null, runId ?? null, compareRunId ?? null]);
}

/** How many filters are active, for the "Filters (n)" badge and the "clear" affordance. */
export function activeFilterCount(state: GalleryState): number {
  return Object.keys(queryRequest(state, 0, 1).filters).length;
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
