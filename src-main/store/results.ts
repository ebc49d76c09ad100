// A run's per-image results: recording one batch (rows, disagreements, progress) and reading them back.
import type { Prediction } from '../../src-shared/explainTypes.js';
import { CamscopeError } from '../errors.js';
import { checkMapGrid, valueRange, type MapGrid } from '../explain/postprocess/mapGrid.js';
import type { Labels } from '../model/labels.js';
import type { StoreContext } from './database.js';
import { decodeFloat32, encodeFloat32 } from './float32Blob.js';
import { metricsColumn, parseJsonColumn } from './jsonColumns.js';
import { disagreement } from './mapDisagreement.js';
import { requireRun } from './runs.js';
import type { BoxInput, EvaluationRow, RecordedImage } from './storeTypes.js';

export interface StoredMap extends MapGrid {
  classIndex: number;
  min: number;
  max: number;
}

interface MapSqlRow {
  run_id: number;
  class_index: number;
  width: number;
  height: number;
  vmin: number;
  vmax: number;
  data: Buffer;
}

/**
 * Stores a batch of a run's results and advances its progress. The caller runs this inside one
 * transaction: the rows and the `done` count then commit together or not at all, which is what lets a
 * crashed run resume from its last whole batch.
 */
export function recordResults(ctx: StoreContext, runId: number, batch: readonly RecordedImage[], elapsedMs = 0): void {
  const { file, sql } = ctx;
  const run = requireRun(ctx, runId);
  if (run.status !== 'pending' && run.status !== 'running') {
    throw new CamscopeError(`${file}: run ${runId} is ${run.status}; start it again before recording into it`);
  }
  if (run.status === 'pending') sql(`UPDATE runs SET status = 'running', started_at = ? WHERE id = ?`).run(new Date().toISOString(), runId);
  const member = sql('SELECT done FROM run_images WHERE run_id = ? AND image_id = ?');
  for (const item of batch) {
    const state = member.get(runId, item.imageId) as { done: number } | undefined;
    if (!state) throw new CamscopeError(`${file}: image ${item.imageId} is not part of run ${runId}`);
    if (state.done) throw new CamscopeError(`${file}: image ${item.imageId} is already recorded in run ${runId}`);
    recordImage(ctx, runId, run.modelId, item);
  }
  sql('UPDATE runs SET done = done + ?, elapsed_ms = elapsed_ms + ? WHERE id = ?').run(batch.length, Math.round(elapsedMs), runId);
}

function recordImage(ctx: StoreContext, runId: number, modelId: number, item: RecordedImage): void {
  const { sql } = ctx;
  const { imageId } = item;
  // Predictions belong to the model, not the run: a second run on the model brings the same values,
  // which the WHERE turns into no write at all instead of a delete and re-insert in four b-trees.
  const prediction = sql(
    `INSERT INTO predictions (model_id, image_id, rank, class_index, score) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET class_index = excluded.class_index, score = excluded.score
     WHERE class_index IS NOT excluded.class_index OR score IS NOT excluded.score`,
  );
  (item.predictions ?? []).slice(0, 5).forEach((p, k) => prediction.run(modelId, imageId, k + 1, p.index, p.score));

  const mine = new Map<number, Float32Array>();
  const insertMap = sql('INSERT INTO maps (run_id, image_id, class_index, width, height, vmin, vmax, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const m of item.maps ?? []) {
    const values = m.values instanceof Float32Array ? m.values : Float32Array.from(m.values);
    const what = `${ctx.file}: run ${runId} image ${imageId} map of class ${m.classIndex}`;
    checkMapGrid({ width: m.width, height: m.height, values }, what);
    if (!values.every(Number.isFinite)) throw new CamscopeError(`${what} has non-finite values`);
    const { min, max } = valueRange(values);
    insertMap.run(runId, imageId, m.classIndex, m.width, m.height, min, max, encodeFloat32(values));
    mine.set(m.classIndex, values);
  }
  const insertBox = sql('INSERT INTO boxes (run_id, image_id, class_index, threshold, x0, y0, x1, y1) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const b of item.boxes ?? []) insertBox.run(runId, imageId, b.classIndex, b.threshold, ...b.box);
  if (item.evaluation) {
    sql('INSERT INTO evaluations (run_id, image_id, iou, metrics) VALUES (?, ?, ?, ?)').run(
      runId,
      imageId,
      item.evaluation.iou,
      JSON.stringify(item.evaluation.metrics ?? {}),
    );
  }
  sql('UPDATE run_images SET done = 1, error = ? WHERE run_id = ? AND image_id = ?').run(item.error ?? null, runId, imageId);
  recordDisagreements(ctx, runId, imageId, mine);
}

/**
 * Compares this image's new maps with every other run's maps of it. A pair of runs is compared on the
 * lowest class both explained at the same size — the only class for runs with one target per image.
 */
function recordDisagreements(ctx: StoreContext, runId: number, imageId: number, mine: Map<number, Float32Array>): void {
  if (mine.size === 0) return;
  const others = ctx
    .sql('SELECT run_id, class_index, width, height, data FROM maps WHERE image_id = ? AND run_id <> ? ORDER BY run_id, class_index')
    .all(imageId, runId) as MapSqlRow[];
  const insert = ctx.sql('INSERT OR REPLACE INTO disagreements (run_a, run_b, image_id, value) VALUES (?, ?, ?, ?)');
  let compared = -1;
  for (const o of others) {
    const values = mine.get(o.class_index);
    if (o.run_id === compared || !values || values.length !== o.width * o.height) continue;
    compared = o.run_id;
    const d = disagreement(values, decodeFloat32(o.data));
    if (d !== null) insert.run(Math.min(runId, o.run_id), Math.max(runId, o.run_id), imageId, d);
  }
}

/**
 * One stored map. Without classIndex the image's only map in the run; runs with several classes per
 * image must say which.
 */
export function getMap(ctx: StoreContext, runId: number, imageId: number, classIndex?: number): StoredMap | null {
  const rows = (
    classIndex === undefined
      ? ctx.sql('SELECT * FROM maps WHERE run_id = ? AND image_id = ? ORDER BY class_index LIMIT 2').all(runId, imageId)
      : ctx.sql('SELECT * FROM maps WHERE run_id = ? AND image_id = ? AND class_index = ?').all(runId, imageId, classIndex)
  ) as MapSqlRow[];
  if (rows.length > 1) throw new CamscopeError(`${ctx.file}: run ${runId} has several maps of image ${imageId}; name the class`);
  const r = rows[0];
  if (!r) return null;
  const values = decodeFloat32(r.data);
  if (values.length !== r.width * r.height) throw new CamscopeError(`${ctx.file}: run ${runId} image ${imageId} map blob does not match its size`);
  return { classIndex: r.class_index, width: r.width, height: r.height, values, min: r.vmin, max: r.vmax };
}

/** Top-5 of a model for an image, best first, with labels from the model's stored names. */
export function getPredictions(ctx: StoreContext, modelId: number, imageId: number, labels: Labels): Prediction[] {
  const rows = ctx.sql('SELECT class_index, score FROM predictions WHERE model_id = ? AND image_id = ? ORDER BY rank').all(modelId, imageId) as {
    class_index: number;
    score: number;
  }[];
  return rows.map((r) => ({ index: r.class_index, label: labels.name(r.class_index), score: r.score }));
}

export function getBoxes(ctx: StoreContext, runId: number, imageId: number): BoxInput[] {
  const rows = ctx
    .sql('SELECT class_index, threshold, x0, y0, x1, y1 FROM boxes WHERE run_id = ? AND image_id = ? ORDER BY class_index, threshold')
    .all(runId, imageId) as { class_index: number; threshold: number; x0: number; y0: number; x1: number; y1: number }[];
  return rows.map((r) => ({ classIndex: r.class_index, threshold: r.threshold, box: [r.x0, r.y0, r.x1, r.y1] }));
}

export function getEvaluation(ctx: StoreContext, runId: number, imageId: number): EvaluationRow | null {
  const r = ctx.sql('SELECT iou, metrics FROM evaluations WHERE run_id = ? AND image_id = ?').get(runId, imageId) as
    { iou: number | null; metrics: string } | undefined;
  if (!r) return null;
  return { iou: r.iou, metrics: parseJsonColumn(metricsColumn, r.metrics, ctx.file, `evaluation of run ${runId} image ${imageId}`) };
}

export function getDisagreement(ctx: StoreContext, runA: number, runB: number, imageId: number): number | null {
  const v = ctx
    .sql('SELECT value FROM disagreements WHERE run_a = ? AND run_b = ? AND image_id = ?')
    .pluck()
    .get(Math.min(runA, runB), Math.max(runA, runB), imageId) as number | undefined;
  return v ?? null;
}
