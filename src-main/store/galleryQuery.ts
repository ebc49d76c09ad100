// SQL for a gallery page: a key query that filters, sorts and pages ids off an index, then a lookup of the shown rows.
import { CamscopeError } from '../errors.js';
import type { GalleryQuery, GalleryRow } from './storeTypes.js';

type Params = Record<string, number | string>;

export interface GallerySql {
  /** Page of image ids, in order; takes keyParams plus @limit and @offset. */
  keys: string;
  /** Number of matching images; takes keyParams. */
  count: string;
  keyParams: Params;
  /** Columns of the page's rows in page order; takes rowParams plus @ids (a JSON array of ids). */
  rows: string;
  rowParams: Params;
}

/** Row shape of the rows statement; rowToGallery renames it. */
export interface GallerySqlRow {
  id: number;
  path: string;
  width: number;
  height: number;
  dataset: string | null;
  gt_label: number | null;
  gt_class: number | null;
  predicted: number | null;
  confidence: number | null;
  iou: number | null;
  disagreement: number | null;
}

export const MAX_PAGE = 1000;

/** The image's true class as logit of @model: its label + its dataset's offset, else the model's default (src-shared/labelOffset.ts). */
const TRUE_LOGIT = `i.gt_label + coalesce((SELECT ds.label_offset FROM datasets ds WHERE ds.name = i.dataset), (SELECT m.label_offset FROM models m WHERE m.id = @model))`;

type Alias = 'i' | 'p' | 'e' | 'd' | 'r';

/** The tables a gallery query may join: how each is keyed by image, and what pins its other key columns. */
const TABLES: Record<Alias, { table: string; imageId: string; fixed: string[]; params: string[] }> = {
  i: { table: 'images i', imageId: 'i.id', fixed: [], params: [] },
  p: { table: 'predictions p', imageId: 'p.image_id', fixed: ['p.model_id = @model', 'p.rank = 1'], params: ['model'] },
  e: { table: 'evaluations e', imageId: 'e.image_id', fixed: ['e.run_id = @run'], params: ['run'] },
  d: { table: 'disagreements d', imageId: 'd.image_id', fixed: ['d.run_a = @runA', 'd.run_b = @runB'], params: ['runA', 'runB'] },
  r: { table: 'run_images r', imageId: 'r.image_id', fixed: ['r.run_id = @run'], params: ['run'] },
};

function joinOn(alias: Alias, imageKey: string, kind: 'JOIN' | 'LEFT JOIN'): string {
  const t = TABLES[alias];
  return `${kind} ${t.table} ON ${[...t.fixed, `${t.imageId} = ${imageKey}`].join(' AND ')}`;
}

/**
 * Builds the statements of q. runModel maps a run id to its model id (undefined: no such run).
 * Each sort orders by (measure, image_id) of the table holding the measure, which is exactly an index of
 * that table (WITHOUT ROWID tables end their indexes in the key), so pages need no sort step.
 */
export function buildGalleryQuery(q: GalleryQuery, file: string, runModel: (runId: number) => number | undefined): GallerySql {
  const fail = (msg: string) => new CamscopeError(`${file}: gallery query: ${msg}`);
  const f = q.filters ?? {};
  const sort = q.sort ?? 'id';
  const dir = (q.order ?? 'asc') === 'desc' ? 'DESC' : 'ASC';
  if (!Number.isInteger(q.offset) || q.offset < 0) throw fail(`offset ${q.offset} is not a non-negative integer`);
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_PAGE) throw fail(`limit ${q.limit} is not an integer in 1..${MAX_PAGE}`);

  const context: Params = {};
  const runId = f.runId;
  if (runId !== undefined) {
    if (runModel(runId) === undefined) throw fail(`run ${runId} does not exist`);
    context.run = runId;
  }
  const modelId = f.modelId ?? (runId !== undefined ? runModel(runId) : undefined);
  if (modelId !== undefined) context.model = modelId;
  const compare = q.compareRunId;
  if (compare !== undefined) {
    if (runModel(compare) === undefined) throw fail(`run ${compare} does not exist`);
    if (runId === undefined || compare === runId) throw fail('compareRunId needs filters.runId, a different run');
    // disagreements keeps each pair once, smaller run id first.
    context.runA = Math.min(runId, compare);
    context.runB = Math.max(runId, compare);
  }

  const needPrediction = sort === 'confidence' || f.predictedClass !== undefined || f.correct !== undefined;
  const needEvaluation = sort === 'iou' || f.iouMin !== undefined || f.iouMax !== undefined;
  const needDisagreement = sort === 'disagreement';
  // An evaluation or a disagreement exists only for images of its runs, so either already implies membership.
  const needMembership = runId !== undefined && !needEvaluation && !needDisagreement;
  if (needPrediction && modelId === undefined) throw fail(`sort '${sort}' or a class filter needs filters.modelId or filters.runId`);
  if (needEvaluation && runId === undefined) throw fail(`sort 'iou' or an IoU filter needs filters.runId`);
  if (needDisagreement && compare === undefined) throw fail(`sort 'disagreement' needs filters.runId and compareRunId`);

  // The table holding the sort key leads; the rest join on its image id. The images table itself is
  // joined only when a filter reads its columns or nothing else lists images.
  const lead: Alias = ({ confidence: 'p', iou: 'e', disagreement: 'd', id: needMembership ? 'r' : 'i' } as const)[sort];
  const imageKey = TABLES[lead].imageId;
  const needImages = lead === 'i' || f.dataset !== undefined || f.gtClass !== undefined || f.correct !== undefined;
  const others = (['i', 'p', 'e', 'd', 'r'] as const).filter(
    (a) => a !== lead && { i: needImages, p: needPrediction, e: needEvaluation, d: needDisagreement, r: needMembership }[a],
  );
  const from = [`FROM ${TABLES[lead].table}`, ...others.map((a) => joinOn(a, imageKey, 'JOIN'))];
  const where = [...TABLES[lead].fixed];
  const keyParams: Params = {};
  for (const a of [lead, ...others]) for (const n of TABLES[a].params) keyParams[n] = context[n]!;
  const cond = (sql: string, name: string, value: number | string | undefined) => {
    if (value === undefined) return;
    where.push(sql);
    keyParams[name] = value;
  };
  cond('i.dataset = @dataset', 'dataset', f.dataset);
  // With a model, the true class is compared as its logit; without one, in the dataset's numbering (off the index).
  cond(modelId === undefined ? 'i.gt_label = @gtClass' : `${TRUE_LOGIT} = @gtClass`, 'gtClass', f.gtClass);
  cond('p.class_index = @predictedClass', 'predictedClass', f.predictedClass);
  if (f.correct !== undefined) where.push(f.correct ? `p.class_index = ${TRUE_LOGIT}` : `p.class_index <> ${TRUE_LOGIT}`);
  if (modelId !== undefined && (f.gtClass !== undefined || f.correct !== undefined)) keyParams.model = modelId;
  cond('e.iou >= @iouMin', 'iouMin', f.iouMin);
  cond('e.iou <= @iouMax', 'iouMax', f.iouMax);
  if (sort === 'iou') where.push('e.iou IS NOT NULL');

  const measure = { id: null, confidence: 'p.score', iou: 'e.iou', disagreement: 'd.value' }[sort];
  const order = [measure, imageKey]
    .filter((c) => c !== null)
    .map((c) => `${c} ${dir}`)
    .join(', ');
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';

  // Display columns of the shown rows: context the query has comes through LEFT JOINs, the rest is NULL.
  const display: [Alias, string, string][] = [
    ['p', 'p.class_index AS predicted, p.score AS confidence', 'NULL AS predicted, NULL AS confidence'],
    ['e', 'e.iou AS iou', 'NULL AS iou'],
    ['d', 'd.value AS disagreement', 'NULL AS disagreement'],
  ];
  const available = display.filter(([a]) => TABLES[a].params.every((n) => context[n] !== undefined)).map(([a]) => a);
  const rowParams: Params = {};
  for (const a of available) for (const n of TABLES[a].params) rowParams[n] = context[n]!;
  const columns = display.map(([a, cols, nulls]) => (available.includes(a) ? cols : nulls));
  if (context.model !== undefined) rowParams.model = context.model;
  columns.unshift(context.model === undefined ? 'NULL AS gt_class' : `${TRUE_LOGIT} AS gt_class`);

  return {
    keys: [`SELECT ${imageKey} AS id`, ...from, whereSql, `ORDER BY ${order}`, 'LIMIT @limit OFFSET @offset'].join('\n'),
    count: ['SELECT count(*) AS n', ...from, whereSql].join('\n'),
    keyParams,
    rows: [
      `SELECT i.id, i.path, i.width, i.height, i.dataset, i.gt_label, ${columns.join(', ')}`,
      'FROM json_each(@ids) k JOIN images i ON i.id = k.value',
      ...available.map((a) => joinOn(a, 'i.id', 'LEFT JOIN')),
      'ORDER BY k.key',
    ].join('\n'),
    rowParams,
  };
}

export function rowToGallery(r: GallerySqlRow): GalleryRow {
  return {
    id: r.id,
    path: r.path,
    width: r.width,
    height: r.height,
    dataset: r.dataset,
    gtLabel: r.gt_label,
    gtClass: r.gt_class,
    predictedClass: r.predicted,
    confidence: r.confidence,
    iou: r.iou,
    disagreement: r.disagreement,
  };
}
