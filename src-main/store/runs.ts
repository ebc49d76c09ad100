// Run lifecycle in the store: creation with its image list, start, finish, and what a crash left to do.
import { CamscopeError } from '../errors.js';
import type { StoreContext } from './database.js';
import { paramsColumn, parseJsonColumn } from './jsonColumns.js';
import { RUN_STATUSES, type NewRun, type ResumableRun, type RunRow, type RunStatus, type TargetRule } from './storeTypes.js';

interface RunSqlRow {
  id: number;
  model_id: number;
  method: string;
  layer: string;
  target: string;
  params: string;
  status: string;
  error: string | null;
  total: number;
  done: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  elapsed_ms: number;
  app_version: string;
}

const now = () => new Date().toISOString();

export function createRun(ctx: StoreContext, r: NewRun, appVersion: string): number {
  const { file, sql } = ctx;
  if (!sql('SELECT 1 FROM models WHERE id = ?').get(r.modelId)) throw new CamscopeError(`${file}: model ${r.modelId} does not exist`);
  if (r.target !== 'top1' && !(Number.isInteger(r.target) && r.target >= 0)) {
    throw new CamscopeError(`${file}: run target ${JSON.stringify(r.target)} is neither 'top1' nor a class index`);
  }
  const imageIds = [...new Set(r.imageIds)].sort((a, b) => a - b);
  const exists = sql('SELECT 1 FROM images WHERE id = ?');
  const missing = imageIds.find((id) => !exists.get(id));
  if (missing !== undefined) throw new CamscopeError(`${file}: image ${missing} does not exist`);
  const { lastInsertRowid } = sql(
    `INSERT INTO runs (model_id, method, layer, target, params, total, created_at, app_version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(r.modelId, r.method, r.layer, String(r.target), JSON.stringify(r.params ?? {}), imageIds.length, now(), r.appVersion ?? appVersion);
  const runId = Number(lastInsertRowid);
  const member = sql('INSERT INTO run_images (run_id, image_id) VALUES (?, ?)');
  for (const id of imageIds) member.run(runId, id);
  return runId;
}

export function getRun(ctx: StoreContext, runId: number): RunRow | null {
  const row = ctx.sql('SELECT * FROM runs WHERE id = ?').get(runId) as RunSqlRow | undefined;
  return row ? toRunRow(ctx, row) : null;
}

/** The run, or a CamscopeError naming it: for writes, where a missing run is the caller's mistake. */
export function requireRun(ctx: StoreContext, runId: number): RunRow {
  const run = getRun(ctx, runId);
  if (!run) throw new CamscopeError(`${ctx.file}: run ${runId} does not exist`);
  return run;
}

export function listRuns(ctx: StoreContext): RunRow[] {
  return (ctx.sql('SELECT * FROM runs ORDER BY id').all() as RunSqlRow[]).map((r) => toRunRow(ctx, r));
}

/** Marks a run running (also to resume a crashed, cancelled or failed one); a done run stays done. */
export function startRun(ctx: StoreContext, runId: number): void {
  const run = requireRun(ctx, runId);
  if (run.status === 'done') throw new CamscopeError(`${ctx.file}: run ${runId} is already done`);
  ctx
    .sql(`UPDATE runs SET status = 'running', error = NULL, finished_at = NULL, started_at = coalesce(started_at, ?) WHERE id = ?`)
    .run(now(), runId);
}

export function finishRun(ctx: StoreContext, runId: number, status: Exclude<RunStatus, 'pending' | 'running'>, error?: string): void {
  const run = requireRun(ctx, runId);
  if (status === 'done' && run.done !== run.total) {
    throw new CamscopeError(`${ctx.file}: run ${runId} has ${run.done} of ${run.total} images recorded and cannot be done`);
  }
  ctx.sql('UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE id = ?').run(status, error ?? null, now(), runId);
}

/**
 * Runs still marked running. Under the single-writer lock nothing else can be running them, so right
 * after open these are exactly the runs a crash interrupted, with the images whose batch never committed.
 */
export function resumableRuns(ctx: StoreContext): ResumableRun[] {
  const rows = ctx.sql(`SELECT * FROM runs WHERE status = 'running' ORDER BY id`).all() as RunSqlRow[];
  const missing = ctx.sql('SELECT image_id FROM run_images WHERE run_id = ? AND done = 0 ORDER BY image_id').pluck();
  return rows.map((r) => ({ run: toRunRow(ctx, r), missingImageIds: missing.all(r.id) as number[] }));
}

function toRunRow(ctx: StoreContext, r: RunSqlRow): RunRow {
  if (!(RUN_STATUSES as readonly string[]).includes(r.status)) throw new CamscopeError(`${ctx.file}: run ${r.id} has unknown status '${r.status}'`);
  const target: TargetRule = r.target === 'top1' ? 'top1' : Number(r.target);
  return {
    id: r.id,
    modelId: r.model_id,
    method: r.method,
    layer: r.layer,
    target,
    params: parseJsonColumn(paramsColumn, r.params, ctx.file, `run ${r.id} params`),
    status: r.status as RunStatus,
    error: r.error,
    total: r.total,
    done: r.done,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    elapsedMs: r.elapsed_ms,
    appVersion: r.app_version,
  };
}
