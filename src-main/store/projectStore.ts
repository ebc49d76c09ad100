// ProjectStore: the typed API over one project file (images, models, runs, results, thumbnails, gallery).
import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import pkg from '../../package.json' with { type: 'json' };
import type { Prediction } from '../../src-shared/explainTypes.js';
import { MAX_LABEL_OFFSET, trueLogit } from '../../src-shared/labelOffset.js';
import { CamscopeError } from '../errors.js';
import { Labels } from '../model/labels.js';
import type { ProbeCache } from '../onnx/probeCache.js';
import { openProjectDatabase, preflight, statementCache, type StoreContext } from './database.js';
import { buildGalleryQuery, rowToGallery, type GallerySqlRow } from './galleryQuery.js';
import { inputShapeColumn, labelsColumn, masksColumn, masksJson, parseJsonColumn, preprocessingColumn } from './jsonColumns.js';
import * as results from './results.js';
import * as runs from './runs.js';
import * as sanity from './sanity.js';
import type {
  BoxInput,
  DatasetRow,
  EvaluationRow,
  GalleryPage,
  GalleryQuery,
  GtBox,
  ImageRow,
  ModelRow,
  NewImage,
  NewModel,
  NewRun,
  RecordedImage,
  ResumableRun,
  RunRow,
  RunStatus,
  StoredMasks,
} from './storeTypes.js';
import { WriterLock, type LockHolder } from './writerLock.js';

export interface OpenOptions {
  readonly?: boolean;
}

interface ImageSqlRow {
  id: number;
  path: string;
  sha256: string;
  width: number;
  height: number;
  dataset: string | null;
  gt_label: number | null;
  added_at: string;
}

interface ModelSqlRow {
  id: number;
  path: string;
  sha256: string;
  input_name: string;
  input_shape: string;
  preprocessing: string;
  labels: string | null;
  label_offset: number;
  num_classes: number;
  default_layer: string | null;
  added_at: string;
}

const SHA256 = /^[0-9a-f]{64}$/;
const now = () => new Date().toISOString();

export class ProjectStore {
  private readonly ctx: StoreContext;

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
    private readonly lock: WriterLock | null,
  ) {
    this.ctx = { db, file, sql: statementCache(db) };
  }

  /** A new project file; refuses to touch an existing one. */
  static create(file: string): ProjectStore {
    return ProjectStore.openWith(file, false, true);
  }

  /**
   * An existing project, upgraded to the current schema when opened for writing. Writers are
   * exclusive (the second one is told who holds the project); read-only opens take no lock.
   */
  static open(file: string, options: OpenOptions = {}): ProjectStore {
    return ProjectStore.openWith(file, options.readonly ?? false, false);
  }

  private static openWith(file: string, readonly: boolean, create: boolean): ProjectStore {
    if (create && existsNonEmpty(file)) throw new CamscopeError(`${file}: already exists; open it instead`);
    // The lock comes before any write so two writers never migrate one file at once, and after the
    // checks that need no SQLite so a missing or stranger file gets no sidecar.
    preflight(file, { readonly, create });
    const lock = readonly ? null : WriterLock.acquire(file);
    try {
      return new ProjectStore(openProjectDatabase(file, { readonly, create }), file, lock);
    } catch (e) {
      lock?.release();
      throw e;
    }
  }

  get readonly(): boolean {
    return this.lock === null;
  }

  /** The writer that held the project before and died without closing it (a crash): a cue to offer resuming. */
  get crashedWriter(): LockHolder | null {
    return this.lock?.staleHolder ?? null;
  }

  /** Lets later opens plan gallery queries with fresh statistics, then releases the file and the lock. */
  close(): void {
    if (!this.db.open) return;
    try {
      if (!this.readonly) this.db.pragma('optimize');
    } catch {
      // Statistics are an optimization; a full disk must not keep the project from closing.
    } finally {
      this.db.close();
      this.lock?.release();
    }
  }

  /** Runs fn as one transaction of a writable store: every multi-row write commits whole or not at all. */
  private write<T>(fn: () => T): T {
    if (this.readonly) throw new CamscopeError(`${this.file}: opened read-only`);
    try {
      return this.db.transaction(fn).immediate();
    } catch (e) {
      throw storageError(this.file, e);
    }
  }

  // ── images ──

  /** Adds images, skipping any already present with the same path and content; ids follow the input order. */
  addImages(images: readonly NewImage[]): { ids: number[]; added: number } {
    const { sql } = this.ctx;
    for (const im of images) this.checkImage(im);
    return this.write(() => {
      const insert = sql(
        `INSERT INTO images (path, sha256, width, height, dataset, gt_label, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (path, sha256) DO NOTHING RETURNING id`,
      ).pluck();
      const existing = sql('SELECT id FROM images WHERE path = ? AND sha256 = ?').pluck();
      const box = sql('INSERT INTO gt_boxes (image_id, x0, y0, x1, y1, label) VALUES (?, ?, ?, ?, ?, ?)');
      const dataset = sql('INSERT OR IGNORE INTO datasets (name) VALUES (?)');
      const masks = sql(
        'INSERT INTO gt_masks (image_id, root, masks) VALUES (?, ?, ?) ON CONFLICT (image_id) DO UPDATE SET root = excluded.root, masks = excluded.masks',
      );
      const at = now();
      let added = 0;
      const ids = images.map((im) => {
        if (im.dataset) dataset.run(im.dataset);
        const inserted = insert.get(im.path, im.sha256, im.width, im.height, im.dataset ?? null, im.gtLabel ?? null, at) as number | undefined;
        const id = inserted ?? (existing.get(im.path, im.sha256) as number);
        if (im.gtMasks) masks.run(id, im.gtMasks.root, masksJson(im.gtMasks.masks));
        if (inserted === undefined) return id;
        added++;
        for (const b of im.gtBoxes ?? []) box.run(id, ...b.box, b.label);
        return id;
      });
      return { ids, added };
    });
  }

  // ── datasets: labels in their own numbering, and how they map to a model's logits (src-shared/labelOffset.ts) ──

  /** The datasets' names, image counts and label offsets (null: each model's default applies). */
  listDatasets(): DatasetRow[] {
    return this.ctx
      .sql(
        `SELECT d.name, d.label_offset AS labelOffset, (SELECT count(*) FROM images i WHERE i.dataset = d.name) AS images
         FROM datasets d ORDER BY d.name`,
      )
      .all() as DatasetRow[];
  }

  /** The label offset a dataset sets, null where it sets none (or there is no such dataset). */
  datasetLabelOffset(name: string | null): number | null {
    if (name === null) return null;
    return (this.ctx.sql('SELECT label_offset FROM datasets WHERE name = ?').pluck().get(name) as number | null | undefined) ?? null;
  }

  /** Sets (null: clears) a dataset's label offset; its stored labels are left as they are. */
  setDatasetLabelOffset(name: string, offset: number | null): void {
    if (offset !== null && !(Number.isInteger(offset) && offset >= 0 && offset <= MAX_LABEL_OFFSET)) {
      throw new CamscopeError(`${this.file}: dataset '${name}': label offset ${offset} is not an integer in [0, ${MAX_LABEL_OFFSET}]`);
    }
    this.write(() => {
      this.ctx
        .sql('INSERT INTO datasets (name, label_offset) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET label_offset = excluded.label_offset')
        .run(name, offset);
    });
  }

  /**
   * Replaces images' ground-truth labels (and their boxes' labels, which carry the image's): `camscope eval --project`
   * before dataset label offsets stored its labels shifted by the offset, and puts them back in the dataset's numbering.
   */
  setGroundTruthLabels(rows: readonly { imageId: number; gtLabel: number | null }[]): void {
    this.write(() => {
      const image = this.ctx.sql('UPDATE images SET gt_label = ? WHERE id = ?');
      const boxes = this.ctx.sql('UPDATE gt_boxes SET label = ? WHERE image_id = ?');
      for (const r of rows) {
        image.run(r.gtLabel, r.imageId);
        boxes.run(r.gtLabel, r.imageId);
      }
    });
  }

  /** An image's true class as the model's logit index (label + the dataset's offset, else the model's default). */
  trueLogit(image: Pick<ImageRow, 'dataset' | 'gtLabel'>, model: Pick<ModelRow, 'labelOffset'>): number | null {
    return trueLogit(image.gtLabel, this.datasetLabelOffset(image.dataset), model.labelOffset);
  }

  private checkImage(im: NewImage): void {
    if (!SHA256.test(im.sha256)) throw new CamscopeError(`${im.path}: sha256 '${im.sha256}' is not 64 lowercase hex digits`);
    if (![im.width, im.height].every((n) => Number.isInteger(n) && n > 0)) {
      throw new CamscopeError(`${im.path}: size ${im.width}×${im.height} is not a positive integer size`);
    }
  }

  getImage(id: number): ImageRow | null {
    const r = this.ctx.sql('SELECT * FROM images WHERE id = ?').get(id) as ImageSqlRow | undefined;
    if (!r) return null;
    const boxes = this.ctx.sql('SELECT x0, y0, x1, y1, label FROM gt_boxes WHERE image_id = ? ORDER BY id').all(id) as {
      x0: number;
      y0: number;
      x1: number;
      y1: number;
      label: number | null;
    }[];
    const gtBoxes: GtBox[] = boxes.map((b) => ({ box: [b.x0, b.y0, b.x1, b.y1], label: b.label }));
    return {
      id: r.id,
      path: r.path,
      sha256: r.sha256,
      width: r.width,
      height: r.height,
      dataset: r.dataset,
      gtLabel: r.gt_label,
      addedAt: r.added_at,
      gtBoxes,
    };
  }

  /** An image's segmentation ground truth as imported (files relative to its root), null where it has none. */
  getGroundTruthMasks(imageId: number): StoredMasks | null {
    const r = this.ctx.sql('SELECT root, masks FROM gt_masks WHERE image_id = ?').get(imageId) as { root: string; masks: string } | undefined;
    if (!r) return null;
    return { root: r.root, masks: parseJsonColumn(masksColumn, r.masks, this.file, `gt_masks of image ${imageId}`) };
  }

  imageCount(): number {
    return this.ctx.sql('SELECT count(*) FROM images').pluck().get() as number;
  }

  // ── thumbnails ──

  putThumbnail(imageId: number, maxSide: number, png: Uint8Array): void {
    this.write(() => {
      this.ctx.sql('INSERT OR REPLACE INTO thumbnails (image_id, max_side, png) VALUES (?, ?, ?)').run(imageId, maxSide, png);
    });
  }

  getThumbnail(imageId: number, maxSide: number): Buffer | null {
    const png = this.ctx.sql('SELECT png FROM thumbnails WHERE image_id = ? AND max_side = ?').pluck().get(imageId, maxSide);
    return (png as Buffer | undefined) ?? null;
  }

  // ── models ──

  /** Adds a model, or returns the id of the one with the same content. */
  addModel(m: NewModel): number {
    if (!SHA256.test(m.sha256)) throw new CamscopeError(`${m.path}: sha256 '${m.sha256}' is not 64 lowercase hex digits`);
    const { sql } = this.ctx;
    return this.write(() => {
      const id = sql(
        `INSERT INTO models (path, sha256, input_name, input_shape, preprocessing, labels, label_offset, num_classes, default_layer, added_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING RETURNING id`,
      )
        .pluck()
        .get(
          m.path,
          m.sha256,
          m.input.name,
          JSON.stringify(m.input.shape),
          JSON.stringify(m.preprocessing),
          m.labels === null ? null : JSON.stringify(m.labels),
          m.labelOffset,
          m.numClasses,
          m.defaultLayer,
          now(),
        ) as number | undefined;
      return id ?? (sql('SELECT id FROM models WHERE sha256 = ?').pluck().get(m.sha256) as number);
    });
  }

  listModelIds(): number[] {
    return this.ctx.sql('SELECT id FROM models ORDER BY id').pluck().all() as number[];
  }

  /** All image ids, ascending (what a run over the whole project covers). */
  allImageIds(): number[] {
    return this.ctx.sql('SELECT id FROM images ORDER BY id').pluck().all() as number[];
  }

  getModel(id: number): ModelRow | null {
    const r = this.ctx.sql('SELECT * FROM models WHERE id = ?').get(id) as ModelSqlRow | undefined;
    if (!r) return null;
    const where = (col: string) => `model ${id} ${col}`;
    return {
      id: r.id,
      path: r.path,
      sha256: r.sha256,
      input: { name: r.input_name, shape: parseJsonColumn(inputShapeColumn, r.input_shape, this.file, where('input shape')) },
      preprocessing: parseJsonColumn(preprocessingColumn, r.preprocessing, this.file, where('preprocessing')),
      labels: r.labels === null ? null : parseJsonColumn(labelsColumn, r.labels, this.file, where('labels')),
      labelOffset: r.label_offset,
      numClasses: r.num_classes,
      defaultLayer: r.default_layer,
      addedAt: r.added_at,
    };
  }

  /**
   * The project's copy of what the shape probe learned about its models (looked up before the user cache), so the
   * project opens its models without probing wherever it is opened. A store that cannot be written (read-only, full)
   * only leaves the entry out: the next open probes.
   */
  probeCache(): ProbeCache {
    return {
      get: (key) => (this.ctx.sql('SELECT json FROM probe_cache WHERE key = ?').pluck().get(key) as string | undefined) ?? undefined,
      set: (key, json) => {
        if (this.readonly) return;
        try {
          this.write(() => this.ctx.sql('INSERT OR REPLACE INTO probe_cache (key, json) VALUES (?, ?)').run(key, json));
        } catch {
          /* not cached */
        }
      },
    };
  }

  /** The probe entries of the model with this sha256 (for an explain worker, which has no store). */
  probeEntries(sha256: string): [string, string][] {
    if (!SHA256.test(sha256)) return [];
    return this.ctx.sql('SELECT key, json FROM probe_cache WHERE key LIKE ?').raw().all(`%-${sha256}-%`) as [string, string][];
  }

  // ── runs ──

  createRun(r: NewRun): number {
    return this.write(() => runs.createRun(this.ctx, r, pkg.version));
  }

  getRun(runId: number): RunRow | null {
    return runs.getRun(this.ctx, runId);
  }

  listRuns(): RunRow[] {
    return runs.listRuns(this.ctx);
  }

  startRun(runId: number): void {
    this.write(() => runs.startRun(this.ctx, runId));
  }

  finishRun(runId: number, status: Exclude<RunStatus, 'pending' | 'running'>, error?: string): void {
    this.write(() => runs.finishRun(this.ctx, runId, status, error));
  }

  /** Runs a crash left 'running', each with the images whose results never committed. */
  resumableRuns(): ResumableRun[] {
    return runs.resumableRuns(this.ctx);
  }

  /** Stores one batch of a run's results and its progress in one transaction. elapsedMs adds to the run's compute time. */
  recordResults(runId: number, batch: readonly RecordedImage[], options: { elapsedMs?: number } = {}): void {
    this.write(() => results.recordResults(this.ctx, runId, batch, options.elapsedMs));
  }

  /** Several runs' batches (one per method of a job) and their progress in one transaction. */
  recordRunBatches(batches: readonly { runId: number; batch: readonly RecordedImage[]; elapsedMs?: number }[]): void {
    this.write(() => {
      for (const b of batches) results.recordResults(this.ctx, b.runId, b.batch, b.elapsedMs);
    });
  }

  // ── results ──

  getMap(runId: number, imageId: number, classIndex?: number): results.StoredMap | null {
    return results.getMap(this.ctx, runId, imageId, classIndex);
  }

  getPredictions(modelId: number, imageId: number): Prediction[] {
    const model = this.getModel(modelId);
    return results.getPredictions(this.ctx, modelId, imageId, new Labels(model?.labels ?? [], model?.labelOffset ?? 0));
  }

  getBoxes(runId: number, imageId: number): BoxInput[] {
    return results.getBoxes(this.ctx, runId, imageId);
  }

  getEvaluation(runId: number, imageId: number): EvaluationRow | null {
    return results.getEvaluation(this.ctx, runId, imageId);
  }

  getDisagreement(runA: number, runB: number, imageId: number): number | null {
    return results.getDisagreement(this.ctx, runA, runB, imageId);
  }

  // ── sanity checks ──

  createSanityCheck(modelId: number, imageIds: readonly number[], params: sanity.SanityParams): number {
    return this.write(() => sanity.createSanityCheck(this.ctx, modelId, imageIds, params, pkg.version));
  }

  /** Stores a finished check's summary, per-image similarities and cascade maps, and marks it done, in one transaction. */
  recordSanityResult(checkId: number, record: sanity.SanityRecord): void {
    this.write(() => sanity.recordSanityResult(this.ctx, checkId, record));
  }

  finishSanityCheck(checkId: number, status: 'cancelled' | 'failed', error: string | null): void {
    this.write(() => sanity.finishSanityCheck(this.ctx, checkId, status, error));
  }

  /** Marks the checks a previous process left 'running' failed with this reason; returns their ids. */
  failInterruptedSanityChecks(error: string): number[] {
    return this.readonly ? [] : this.write(() => sanity.failInterruptedSanityChecks(this.ctx, error));
  }

  listSanityChecks(): sanity.SanityCheckRow[] {
    return sanity.listSanityChecks(this.ctx);
  }

  getSanityCheck(checkId: number): sanity.SanityCheckRow | null {
    return sanity.getSanityCheck(this.ctx, checkId);
  }

  getSanityResult(checkId: number): ReturnType<typeof sanity.getSanityResult> {
    return sanity.getSanityResult(this.ctx, checkId);
  }

  getSanityStrip(checkId: number, imageId: number): ReturnType<typeof sanity.getSanityStrip> {
    return sanity.getSanityStrip(this.ctx, checkId, imageId);
  }

  // ── gallery ──

  /** One page of the gallery and the number of matching images, read from one snapshot. */
  queryImages(q: GalleryQuery): GalleryPage {
    const { sql } = this.ctx;
    const g = this.galleryStatements(q);
    return this.db.transaction(() => {
      const total = sql(g.count).pluck().get(g.keyParams) as number;
      const ids = sql(g.keys)
        .pluck()
        .all({ ...g.keyParams, limit: q.limit, offset: q.offset }) as number[];
      const rows = ids.length ? (sql(g.rows).all({ ...g.rowParams, ids: JSON.stringify(ids) }) as GallerySqlRow[]) : [];
      return { total, rows: rows.map(rowToGallery) };
    })();
  }

  /** SQLite's plan for the query that filters, sorts and pages (the row lookup after it is by id). */
  explainQueryPlan(q: GalleryQuery): string[] {
    const g = this.galleryStatements(q);
    const plan = this.db.prepare(`EXPLAIN QUERY PLAN ${g.keys}`).all({ ...g.keyParams, limit: q.limit, offset: q.offset });
    return (plan as { detail: string }[]).map((p) => p.detail);
  }

  private galleryStatements(q: GalleryQuery) {
    const runModel = this.ctx.sql('SELECT model_id FROM runs WHERE id = ?').pluck();
    return buildGalleryQuery(q, this.file, (id) => runModel.get(id) as number | undefined);
  }
}

function existsNonEmpty(file: string): boolean {
  try {
    return statSync(file).size > 0;
  } catch {
    return false;
  }
}

/**
 * The storage failures a user can fix (a full disk, a file or folder made read-only, an I/O error)
 * as one line; the transaction was rolled back, so nothing of the write is in the project.
 */
function storageError(file: string, e: unknown): unknown {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return e;
  if (code === 'SQLITE_FULL') return new CamscopeError(`${file}: the disk is full; nothing was written (free some space and retry)`);
  if (code.startsWith('SQLITE_READONLY')) return new CamscopeError(`${file}: the project became read-only; nothing was written`);
  if (code.startsWith('SQLITE_IOERR')) return new CamscopeError(`${file}: the disk failed a write (${code}); nothing was written`);
  return e;
}
