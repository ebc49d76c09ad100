// Sanity checks in the store: a check's request and status, and once done its summary, each image's
// similarities per step and each image's cascade maps, all written in one transaction.
import { z } from 'zod';
import { CamscopeError } from '../errors.js';
import { sanityImageScores, sanitySummary } from '../../src-shared/ipc.js';
import type { Grid } from '../../src-shared/mapGrid.js';
import { SANITY_MODES, type MapSimilarity, type SanityImageScores, type SanitySummary } from '../../src-shared/sanityTypes.js';
import type { StoreContext } from './database.js';
import { decodeFloat32, encodeFloat32 } from './float32Blob.js';
import { parseJsonColumn } from './jsonColumns.js';
import { RUN_STATUSES, type RunStatus } from './storeTypes.js';

export const sanityParamsColumn = z.object({
  methods: z.array(z.string()),
  modes: z.array(z.enum(SANITY_MODES)).min(1),
  seed: z.number().int(),
  layer: z.string().nullable(),
});
export type SanityParams = z.infer<typeof sanityParamsColumn>;

export interface SanityCheckRow extends SanityParams {
  id: number;
  modelId: number;
  /** In the check's order (the ordinal of the per-image rows). */
  imageIds: number[];
  status: RunStatus;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** What a finished check records: the result of runSanityChecks with the images as ids. */
export interface SanityRecord {
  summary: SanitySummary;
  perImage: Record<string, SanityImageScores>;
  /** Per method, per image (check order): the original map, then the map after each cascading step. */
  strips: Record<string, Grid[][]>;
}

interface SanitySqlRow {
  id: number;
  model_id: number;
  params: string;
  status: string;
  error: string | null;
  summary: string | null;
  created_at: string;
  finished_at: string | null;
}

const now = () => new Date().toISOString();

export function createSanityCheck(ctx: StoreContext, modelId: number, imageIds: readonly number[], params: SanityParams, appVersion: string): number {
  const { file, sql } = ctx;
  if (!sql('SELECT 1 FROM models WHERE id = ?').get(modelId)) throw new CamscopeError(`${file}: model ${modelId} does not exist`);
  const exists = sql('SELECT 1 FROM images WHERE id = ?');
  const missing = imageIds.find((id) => !exists.get(id));
  if (missing !== undefined) throw new CamscopeError(`${file}: image ${missing} does not exist`);
  if (new Set(imageIds).size !== imageIds.length) throw new CamscopeError(`${file}: a sanity check lists an image twice`);
  const { lastInsertRowid } = sql(`INSERT INTO sanity_checks (model_id, params, created_at, app_version) VALUES (?, ?, ?, ?)`).run(
    modelId,
    JSON.stringify(sanityParamsColumn.parse(params)),
    now(),
    appVersion,
  );
  const checkId = Number(lastInsertRowid);
  const member = sql('INSERT INTO sanity_images (check_id, ordinal, image_id) VALUES (?, ?, ?)');
  imageIds.forEach((id, k) => member.run(checkId, k, id));
  return checkId;
}

/** Stores a finished check's numbers and maps and marks it done. */
export function recordSanityResult(ctx: StoreContext, checkId: number, r: SanityRecord): void {
  const { sql } = ctx;
  const check = requireCheck(ctx, checkId);
  const n = check.imageIds.length;
  if (r.summary.images !== n) throw new CamscopeError(`${ctx.file}: sanity check ${checkId} covers ${n} images, its result ${r.summary.images}`);
  const score = sql(
    'INSERT INTO sanity_scores (check_id, method, mode, step, ordinal, spearman, spearman_abs, ssim) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const put = (method: string, mode: string, step: number, sims: readonly MapSimilarity[]) => {
    if (sims.length !== n)
      throw new CamscopeError(`${ctx.file}: sanity check ${checkId}: ${method} ${mode} step ${step} has ${sims.length} of ${n} images`);
    sims.forEach((s, k) => score.run(checkId, method, mode, step, k, s.spearman, s.spearman_abs, s.ssim));
  };
  const map = sql('INSERT INTO sanity_maps (check_id, method, ordinal, step, width, height, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const [method, p] of Object.entries(r.perImage)) {
    p.cascading.forEach((sims, step) => put(method, 'cascading', step, sims));
    p.independent.forEach((sims, step) => put(method, 'independent', step, sims));
    put(method, 'random_logit', 0, p.random_logit);
    (r.strips[method] ?? []).forEach((steps, k) =>
      steps.forEach((g, step) => map.run(checkId, method, k, step, g.width, g.height, encodeFloat32(Float32Array.from(g.values)))),
    );
  }
  sql(`UPDATE sanity_checks SET summary = ?, status = 'done', error = NULL, finished_at = ? WHERE id = ?`).run(
    JSON.stringify(r.summary),
    now(),
    checkId,
  );
}

export function finishSanityCheck(ctx: StoreContext, checkId: number, status: 'cancelled' | 'failed', error: string | null): void {
  requireCheck(ctx, checkId);
  ctx.sql('UPDATE sanity_checks SET status = ?, error = ?, finished_at = ? WHERE id = ?').run(status, error, now(), checkId);
}

/** Checks left 'running' by a process that ended (they run in one piece, so there is nothing to resume): failed, saying so. */
export function failInterruptedSanityChecks(ctx: StoreContext, error: string): number[] {
  const ids = ctx.sql(`SELECT id FROM sanity_checks WHERE status = 'running' ORDER BY id`).pluck().all() as number[];
  for (const id of ids) finishSanityCheck(ctx, id, 'failed', error);
  return ids;
}

export function listSanityChecks(ctx: StoreContext): SanityCheckRow[] {
  return (ctx.sql('SELECT * FROM sanity_checks ORDER BY id').all() as SanitySqlRow[]).map((r) => toRow(ctx, r));
}

export function getSanityCheck(ctx: StoreContext, checkId: number): SanityCheckRow | null {
  const r = ctx.sql('SELECT * FROM sanity_checks WHERE id = ?').get(checkId) as SanitySqlRow | undefined;
  return r ? toRow(ctx, r) : null;
}

function requireCheck(ctx: StoreContext, checkId: number): SanityCheckRow {
  const check = getSanityCheck(ctx, checkId);
  if (!check) throw new CamscopeError(`${ctx.file}: sanity check ${checkId} does not exist`);
  return check;
}

/** A done check's summary and per-image similarities, or null while it is not done. */
export function getSanityResult(ctx: StoreContext, checkId: number): { summary: SanitySummary; perImage: Record<string, SanityImageScores> } | null {
  const r = ctx.sql('SELECT summary FROM sanity_checks WHERE id = ?').get(checkId) as { summary: string | null } | undefined;
  if (!r?.summary) return null;
  const where = `sanity check ${checkId}`;
  const summary = parseJsonColumn(sanitySummary, r.summary, ctx.file, `${where} summary`);
  const rows = ctx
    .sql(
      'SELECT method, mode, step, ordinal, spearman, spearman_abs, ssim FROM sanity_scores WHERE check_id = ? ORDER BY method, mode, step, ordinal',
    )
    .all(checkId) as {
    method: string;
    mode: 'cascading' | 'independent' | 'random_logit';
    step: number;
    ordinal: number;
    spearman: number | null;
    spearman_abs: number | null;
    ssim: number | null;
  }[];
  const perImage: Record<string, SanityImageScores> = Object.fromEntries(
    Object.keys(summary.methods).map((m) => [m, { cascading: [], independent: [], random_logit: [] }]),
  );
  for (const row of rows) {
    const p = perImage[row.method];
    if (!p) throw new CamscopeError(`${ctx.file}: ${where} has scores of ${row.method}, which its summary lacks`);
    const sim = { spearman: row.spearman, spearman_abs: row.spearman_abs, ssim: row.ssim };
    if (row.mode === 'random_logit') p.random_logit[row.ordinal] = sim;
    else (p[row.mode][row.step] ??= [])[row.ordinal] = sim;
  }
  for (const [m, p] of Object.entries(perImage)) {
    if (!sanityImageScores.safeParse(p).success) throw new CamscopeError(`${ctx.file}: ${where}: ${m}'s per-image scores are incomplete`);
  }
  return { summary, perImage };
}

/** One image's cascade per method (the original map, then each cascading step); null when the image is not in the check. */
export function getSanityStrip(ctx: StoreContext, checkId: number, imageId: number): Record<string, Grid[]> | null {
  const ordinal = ctx.sql('SELECT ordinal FROM sanity_images WHERE check_id = ? AND image_id = ?').pluck().get(checkId, imageId) as
    number | undefined;
  if (ordinal === undefined) return null;
  const rows = ctx
    .sql('SELECT method, step, width, height, data FROM sanity_maps WHERE check_id = ? AND ordinal = ? ORDER BY method, step')
    .all(checkId, ordinal) as { method: string; step: number; width: number; height: number; data: Buffer }[];
  const out: Record<string, Grid[]> = {};
  for (const r of rows) (out[r.method] ??= []).push({ width: r.width, height: r.height, values: decodeFloat32(r.data) });
  return out;
}

function toRow(ctx: StoreContext, r: SanitySqlRow): SanityCheckRow {
  if (!(RUN_STATUSES as readonly string[]).includes(r.status))
    throw new CamscopeError(`${ctx.file}: sanity check ${r.id} has unknown status '${r.status}'`);
  const params = parseJsonColumn(sanityParamsColumn, r.params, ctx.file, `sanity check ${r.id} params`);
  const imageIds = ctx.sql('SELECT image_id FROM sanity_images WHERE check_id = ? ORDER BY ordinal').pluck().all(r.id) as number[];
  return {
    id: r.id,
    modelId: r.model_id,
    ...params,
    imageIds,
    status: r.status as RunStatus,
    error: r.error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}
