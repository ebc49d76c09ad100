// The project's images: importing files and datasets (with their ground truth), the gallery's pages, one
// image's detail, and serving the images themselves to the shells (the browser shell's /image route,
// Electron's camscope-image: protocol).
import { readFile, stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import sharp from 'sharp';
import { CamscopeError } from '../errors.js';
import { type Dataset, type LoadOptions, loadDataset } from '../datasets/index.js';
import { MAX_PIXELS, decodeImage } from '../image/imageInput.js';
import { toStoredMasks } from '../datasets/storedMasks.js';
import type { GalleryRow, StoredMasks } from '../store/storeTypes.js';
import type { Box } from '../../src-shared/explainTypes.js';
import type { ImageRow, Response } from '../../src-shared/ipc.js';
import { readImageRecords } from './imageImport.js';
import type { ModelRegistry } from './modelRegistry.js';
import type { OpenProject } from './projects.js';
import type { Handlers } from './router.js';
import { SingleFlight } from './singleFlight.js';

export interface ImageSource {
  /** Encoded bytes and MIME type of a project image or its thumbnail, or null if not in the project. */
  image(imageId: number, kind: 'thumb' | 'full'): Promise<{ bytes: Buffer; mime: string } | null>;
}

export type ImageHandlers = Pick<Handlers, 'images.import' | 'images.query' | 'images.detail' | 'datasets.list' | 'datasets.setLabelOffset'>;

/** A dataset image's ground truth as importImages stores it. */
interface GroundTruth {
  label: number | null;
  boxes: Box[];
  masks?: StoredMasks;
}

const THUMB_SIDE = 256;
/** Paths read and committed per transaction by importImages. */
const IMPORT_CHUNK = 256;
const BROWSER_FORMATS: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };

export class ProjectImages implements ImageSource {
  // Concurrent requests for one image (a cold gallery) decode it once.
  private readonly thumbnails = new SingleFlight<string, { bytes: Buffer; mime: string } | null>();

  constructor(
    private readonly project: OpenProject,
    private readonly models: ModelRegistry,
  ) {}

  handlers(): ImageHandlers {
    return {
      'images.import': async ({ paths, dataset, format, split, labelOffset }) => {
        if (format === undefined || format === 'files') {
          if (labelOffset !== undefined && labelOffset !== null)
            throw new CamscopeError('a label offset applies to a dataset import (its labels), not to files');
          return this.importImages(paths, dataset ?? null);
        }
        if (paths.length !== 1) throw new CamscopeError(`a dataset import takes one folder, got ${paths.length} paths`);
        return (await this.importDataset(paths[0]!, { format: format === 'auto' ? undefined : format, split, dataset, labelOffset })).imported;
      },
      'images.query': async (q) => {
        const { store } = this.project;
        const page = store.queryImages({
          offset: q.offset,
          limit: q.limit,
          filters: { ...q.filters, modelId: q.modelId, runId: q.runId },
          sort: q.sort,
          order: q.order,
          compareRunId: q.compareRunId,
        });
        const modelId = q.modelId ?? (q.runId !== undefined ? store.getRun(q.runId)?.modelId : undefined);
        return { total: page.total, rows: page.rows.map((r) => this.imageRow(r, modelId)) };
      },
      'images.detail': async ({ imageId }) => this.detail(imageId),
      'datasets.list': async () => this.project.store.listDatasets(),
      'datasets.setLabelOffset': async ({ dataset, labelOffset }) => this.setLabelOffset(dataset, labelOffset),
    };
  }

  /** Adds images (files or folders), with ground truth keyed by absolute path when a dataset has it. */
  async importImages(
    paths: string[],
    dataset: string | null,
    truth: ReadonlyMap<string, GroundTruth> = new Map(),
    signal?: AbortSignal,
  ): Promise<Response<'images.import'>> {
    // Committed in chunks, so an interrupted import keeps what it added and a rerun skips those (same path and hash).
    const { store } = this.project;
    let added = 0;
    const skipped: Response<'images.import'>['skipped'] = [];
    for (let i = 0; i < paths.length; i += IMPORT_CHUNK) {
      if (signal?.aborted) {
        throw new CamscopeError(`interrupted: ${added} images added to ${store.file} (committed); rerun the same command to add the rest`, 130);
      }
      const chunk = await readImageRecords(paths.slice(i, i + IMPORT_CHUNK), dataset);
      for (const im of chunk.images) {
        const t = truth.get(im.path);
        if (t) Object.assign(im, { gtLabel: t.label, gtBoxes: t.boxes.map((box) => ({ box, label: t.label })), gtMasks: t.masks });
      }
      if (chunk.images.length) added += store.addImages(chunk.images).added;
      skipped.push(...chunk.skipped);
    }
    return { added, skipped };
  }

  /**
   * One image file into the project (kept where it is) and its id. It is decoded in full first, as the engine will, so
   * a broken file is refused in one line before anything is stored; an image already in the project keeps its id and dataset.
   */
  async importImage(path: string, dataset: string): Promise<number> {
    const file = resolve(path);
    const s = await stat(file).catch(() => null);
    if (!s) throw new CamscopeError(`${file}: file not found`);
    if (!s.isFile()) throw new CamscopeError(`${file}: not an image file (a folder?)`);
    await decodeImage(file);
    const { images, skipped } = await readImageRecords([file], dataset);
    if (!images.length) throw new CamscopeError(`${file}: ${skipped[0]?.reason ?? 'not a readable image'}`);
    return this.project.store.addImages(images).ids[0]!;
  }

  /**
   * Imports a dataset folder with its labels (in its own numbering) and boxes as ground truth, named after the folder
   * (and split). `labelOffset` maps its labels to logits (dataset class i = logit i + K); given (a number, or null for
   * each model's default), it replaces what the dataset had, so importing again changes only the mapping.
   */
  async importDataset(
    dir: string,
    opts: LoadOptions & { dataset?: string; labelOffset?: number | null } = {},
  ): Promise<{ dataset: Dataset; imported: Response<'images.import'> }> {
    const ds = await loadDataset(dir, opts);
    const truth = new Map<string, GroundTruth>(
      ds.items.map((it) => [it.path, { label: it.label, boxes: it.boxes, masks: it.masks && toStoredMasks(ds.root, it.masks) }]),
    );
    const name = opts.dataset ?? (opts.split ? `${basename(ds.root)}/${opts.split}` : basename(ds.root));
    const imported = await this.importImages([...truth.keys()], name, truth, opts.signal);
    if (opts.labelOffset !== undefined) this.project.store.setDatasetLabelOffset(name, opts.labelOffset);
    return { dataset: ds, imported: { ...imported, warnings: ds.warnings } };
  }

  /**
   * Sets (a number) or clears (null: each model's default) how a dataset's labels map to logits (dataset class i = logit
   * i + K), without importing it again: the gallery's correct and true-class filters, gtClass and report.export follow.
   */
  setLabelOffset(dataset: string, labelOffset: number | null): Response<'datasets.setLabelOffset'> {
    const { store } = this.project;
    const found = store.listDatasets().find((d) => d.name === dataset);
    if (!found) throw new CamscopeError(`dataset ${JSON.stringify(dataset)} is not in the project`);
    store.setDatasetLabelOffset(dataset, labelOffset);
    return { ...found, labelOffset };
  }

  /** Drops in-flight image reads of the previous project (after a project switch). */
  forget(): void {
    this.thumbnails.clear();
  }

  /** Project images for the shells: originals in browser formats (others converted), cached thumbnails. */
  image(imageId: number, kind: 'thumb' | 'full'): Promise<{ bytes: Buffer; mime: string } | null> {
    return this.thumbnails.run(`${kind}:${imageId}`, () => this.readImage(imageId, kind));
  }

  private async readImage(imageId: number, kind: 'thumb' | 'full'): Promise<{ bytes: Buffer; mime: string } | null> {
    const { store } = this.project;
    const img = store.getImage(imageId);
    if (!img) return null;
    if (kind === 'thumb') {
      const cached = store.getThumbnail(imageId, THUMB_SIDE);
      if (cached) return { bytes: cached, mime: 'image/png' };
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(img.path);
    } catch {
      return null;
    }
    const mime = BROWSER_FORMATS[extname(img.path).toLowerCase()];
    if (kind === 'full' && mime) return { bytes, mime };
    const pipeline = sharp(bytes, { limitInputPixels: MAX_PIXELS }).rotate();
    if (kind === 'full') return { bytes: await pipeline.png().toBuffer(), mime: 'image/png' };
    const thumb = await pipeline.resize(THUMB_SIDE, THUMB_SIDE, { fit: 'inside' }).png().toBuffer();
    // Cached only while the project is still the open one (a project switch closes this store).
    if (!store.readonly && store === this.project.store) store.putThumbnail(imageId, THUMB_SIDE, thumb);
    return { bytes: thumb, mime: 'image/png' };
  }

  private imageRow(r: GalleryRow, modelId: number | undefined): ImageRow {
    const top1 =
      r.predictedClass !== null && modelId !== undefined
        ? { index: r.predictedClass, label: this.models.labelsOf(modelId).name(r.predictedClass), score: r.confidence ?? 0 }
        : null;
    return {
      id: r.id,
      path: r.path,
      width: r.width,
      height: r.height,
      dataset: r.dataset,
      gtLabel: r.gtLabel,
      gtClass: r.gtClass,
      top1,
      iou: r.iou,
      disagreement: r.disagreement,
    };
  }

  /** An image with its ground truth, the top-5 of each model that ran on it and its maps (of the given runs only, when given). */
  async detail(imageId: number, runIds?: readonly number[]): Promise<Response<'images.detail'>> {
    const { store } = this.project;
    const img = store.getImage(imageId);
    if (!img) throw new CamscopeError(`image ${imageId} is not in the project`);
    const runs = store.listRuns().filter((r) => !runIds || runIds.includes(r.id));
    const maps = runs.flatMap((run) => {
      const m = store.getMap(run.id, imageId);
      if (!m) return [];
      return [{ runId: run.id, method: run.method, width: m.width, height: m.height, values: Array.from(m.values), target: m.classIndex }];
    });
    const modelIds = [...new Set(runs.map((r) => r.modelId))];
    return {
      image: {
        id: img.id,
        path: img.path,
        width: img.width,
        height: img.height,
        dataset: img.dataset,
        gtLabel: img.gtLabel,
        gtClass: null,
        top1: null,
        iou: null,
        disagreement: null,
      },
      gtBoxes: img.gtBoxes.map((b) => ({ box: b.box, label: b.label })),
      predictions: modelIds.map((modelId) => {
        const model = store.getModel(modelId);
        return { modelId, gtClass: model ? store.trueLogit(img, model) : null, top5: store.getPredictions(modelId, imageId) };
      }),
      maps,
    };
  }
}
