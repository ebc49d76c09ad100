// The service layer both shells call: one project store, the registered models, and explain runs in a
// worker process. Implements every IPC channel (see src-shared/ipc.ts).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import sharp from 'sharp';
import { CamscopeError } from '../errors.js';
import { Explainer } from '../explain/explainer.js';
import { parseMethod } from '../explain/methods/index.js';
import { boxIoU } from '../explain/postprocess/wsolBox.js';
import { Labels } from '../model/labels.js';
import { ProjectStore } from '../store/projectStore.js';
import type { GalleryRow, RecordedImage, RunRow } from '../store/storeTypes.js';
import type { EventName, EventPayload, ImageRow, ModelInfo, Request, Response, RunInfo } from '../../src-shared/ipc.js';
import type { Box, ImageResult } from '../../src-shared/explainTypes.js';
import type { ImageSource } from './images.js';
import { readImageRecords } from './imageImport.js';
import { MAX_PIXELS } from '../image/imageInput.js';
import { type Dataset, type LoadOptions, loadDataset } from '../datasets/index.js';
import { camify } from '../camify/camify.js';
import { type JobHandle, type WorkerEntry, DEV_WORKER, startJob } from './jobRunner.js';
import type { Handlers } from './router.js';
import { wsolCurve } from './wsolCurve.js';
import { SingleFlight, SingleFlightCache } from './singleFlight.js';
import { listRecent, rememberProject } from './recentProjects.js';
import { listDirectory } from './fileBrowser.js';
import { exportReport } from './reportExport.js';
import { ChromiumPdfPrinter, type PdfPrinter } from '../report/pdfPrinter.js';
import { CAMIFY_METADATA_KEY, type CamifyRecord, camifyDescription } from '../model/camifyMetadata.js';

const THUMB_SIDE = 256;
const BROWSER_FORMATS: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export class Workspace implements ImageSource {
  // Expensive lookups are single-flight and cached, so a cold burst of requests inspects each model once.
  private readonly models = new SingleFlightCache<number, ModelInfo>();
  private readonly classNames = new Map<number, Response<'models.classes'>>();
  private readonly thumbnails = new SingleFlight<string, { bytes: Buffer; mime: string } | null>();
  private readonly labels = new Map<number, Labels>();
  private readonly jobs = new Map<number, JobHandle>();
  private emit: Emit = () => {};
  /** Prints report.export's PDFs: headless Chromium, or the Electron shell's printToPDF. */
  pdfPrinter: PdfPrinter = new ChromiumPdfPrinter();
  /** Set by close(): jobs ending afterwards leave their runs 'running', to resume on the next open. */
  private closed = false;

  private constructor(
    /** Replaced when the shell switches projects ('project.open'). */
    public store: ProjectStore,
    private readonly worker: WorkerEntry,
  ) {}

  /** Opens (or creates) a project; runs a crash left unfinished are marked so the user can resume them. */
  static open(file: string, opts: { create?: boolean; worker?: WorkerEntry } = {}): Workspace {
    const store = opts.create ? ProjectStore.create(file) : ProjectStore.open(file);
    return new Workspace(store, opts.worker ?? DEV_WORKER);
  }

  onEvent(emit: Emit): void {
    this.emit = emit;
  }

  close(): void {
    this.closed = true;
    for (const j of this.jobs.values()) j.cancel();
    this.store.close();
  }

  handlers(): Handlers {
    return {
      'project.info': async () => this.projectInfo(),
      'project.open': async ({ path, create }) => {
        this.switchProject(path, create ?? false);
        return this.projectInfo();
      },
      'project.recent': async () => listRecent().map((r) => ({ ...r, exists: existsSync(r.path) })),
      'files.list': async ({ dir }) => listDirectory(dir),
      'images.import': async ({ paths, dataset, format, split }) => {
        if (format === undefined || format === 'files') return this.importImages(paths, dataset ?? null);
        if (paths.length !== 1) throw new CamscopeError(`a dataset import takes one folder, got ${paths.length} paths`);
        return (await this.importDataset(paths[0]!, { format: format === 'auto' ? undefined : format, split, dataset })).imported;
      },
      'images.query': async (q) => {
        const page = this.store.queryImages({
          offset: q.offset,
          limit: q.limit,
          filters: { ...q.filters, modelId: q.modelId, runId: q.runId },
          sort: q.sort,
          order: q.order,
          compareRunId: q.compareRunId,
        });
        const modelId = q.modelId ?? (q.runId !== undefined ? this.store.getRun(q.runId)?.modelId : undefined);
        return { total: page.total, rows: page.rows.map((r) => this.imageRow(r, modelId)) };
      },
      'images.detail': async ({ imageId }) => this.detail(imageId),
      'models.add': async ({ path }) => this.addModel(path),
      'models.list': async () => Promise.all(this.store.listModelIds().map((id) => this.modelInfo(id))),
      'models.camify': async (r) => this.camifyModel(r),
      'runs.start': async (r) => this.startRuns(r),
      'runs.cancel': async ({ runId }) => {
        const job = this.jobs.get(runId);
        job?.cancel();
        return { cancelled: Boolean(job) };
      },
      'runs.list': async () => this.store.listRuns().map(runInfo),
      'wsol.curve': async ({ runId, thresholds, imageIds }) => wsolCurve(this.store, runId, thresholds, imageIds),
      'report.export': async (r) => exportReport(this.store, r, this.pdfPrinter),
      'models.classes': async ({ modelId }) => {
        const known = this.classNames.get(modelId);
        if (known) return known;
        const m = this.store.getModel(modelId);
        if (!m) throw new CamscopeError(`${this.store.file}: model ${modelId} is not in the project`);
        const labels = this.labelsOf(modelId);
        const names = Array.from({ length: m.numClasses }, (_, i) => labels.name(i));
        this.classNames.set(modelId, names);
        return names;
      },
    };
  }

  private projectInfo(): Response<'project.info'> {
    return { path: this.store.file, images: this.store.imageCount(), models: this.store.listModelIds().length, runs: this.store.listRuns().length };
  }

  /**
   * Opens another project in place of this one. The new store opens first, so a failure leaves the current project
   * open; jobs of the old one are cancelled and its runs stay 'running', to be resumed when it is next opened.
   */
  switchProject(file: string, create: boolean): void {
    const path = resolve(file);
    if (path === resolve(this.store.file)) return;
    if (!create && !existsSync(path)) throw new CamscopeError(`${path}: no such project file`);
    const next = existsSync(path) ? ProjectStore.open(path) : ProjectStore.create(path);
    for (const j of this.jobs.values()) j.cancel();
    this.jobs.clear();
    this.store.close();
    this.store = next;
    this.models.clear();
    this.classNames.clear();
    this.thumbnails.clear();
    this.labels.clear();
    rememberProject(path);
    this.resumeInterrupted();
  }

  /** Adds images (files or folders), with ground truth keyed by absolute path when a dataset has it. */
  async importImages(
    paths: string[],
    dataset: string | null,
    truth: ReadonlyMap<string, { label: number | null; boxes: Box[] }> = new Map(),
  ): Promise<Response<'images.import'>> {
    const { images, skipped } = await readImageRecords(paths, dataset);
    for (const im of images) {
      const t = truth.get(im.path);
      if (t) Object.assign(im, { gtLabel: t.label, gtBoxes: t.boxes.map((box) => ({ box, label: t.label })) });
    }
    const { added } = images.length ? this.store.addImages(images) : { added: 0 };
    return { added, skipped };
  }

  /** Imports a dataset folder with its labels and boxes as ground truth, named after the folder (and split). */
  async importDataset(
    dir: string,
    opts: LoadOptions & { dataset?: string } = {},
  ): Promise<{ dataset: Dataset; imported: Response<'images.import'> }> {
    const ds = await loadDataset(dir, opts);
    const truth = new Map(ds.items.map((it) => [it.path, { label: it.label, boxes: it.boxes }]));
    const name = opts.dataset ?? (opts.split ? `${basename(ds.root)}/${opts.split}` : basename(ds.root));
    return { dataset: ds, imported: { ...(await this.importImages([...truth.keys()], name, truth)), warnings: ds.warnings } };
  }

  /** Project images for the shells: originals in browser formats (others converted), cached thumbnails. */
  image(imageId: number, kind: 'thumb' | 'full'): Promise<{ bytes: Buffer; mime: string } | null> {
    return this.thumbnails.run(`${kind}:${imageId}`, () => this.readImage(imageId, kind));
  }

  private async readImage(imageId: number, kind: 'thumb' | 'full'): Promise<{ bytes: Buffer; mime: string } | null> {
    const img = this.store.getImage(imageId);
    if (!img) return null;
    if (kind === 'thumb') {
      const cached = this.store.getThumbnail(imageId, THUMB_SIDE);
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
    if (!this.store.readonly) this.store.putThumbnail(imageId, THUMB_SIDE, thumb);
    return { bytes: thumb, mime: 'image/png' };
  }

  private labelsOf(modelId: number): Labels {
    let l = this.labels.get(modelId);
    if (!l) {
      const m = this.store.getModel(modelId);
      l = m?.labels ? new Labels(m.labels, m.labelOffset) : Labels.forModel({}, m?.numClasses ?? 0, m?.labelOffset);
      this.labels.set(modelId, l);
    }
    return l;
  }

  private imageRow(r: GalleryRow, modelId: number | undefined): ImageRow {
    const top1 =
      r.predictedClass !== null && modelId !== undefined
        ? { index: r.predictedClass, label: this.labelsOf(modelId).name(r.predictedClass), score: r.confidence ?? 0 }
        : null;
    return { id: r.id, path: r.path, width: r.width, height: r.height, dataset: r.dataset, gtLabel: r.gtLabel, top1, iou: r.iou, disagreement: r.disagreement };
  }

  private async detail(imageId: number): Promise<Response<'images.detail'>> {
    const img = this.store.getImage(imageId);
    if (!img) throw new CamscopeError(`image ${imageId} is not in the project`);
    const runs = this.store.listRuns();
    const maps = runs.flatMap((run) => {
      const m = this.store.getMap(run.id, imageId);
      if (!m) return [];
      return [{ runId: run.id, method: run.method, width: m.width, height: m.height, values: Array.from(m.values), target: m.classIndex }];
    });
    const modelIds = [...new Set(runs.map((r) => r.modelId))];
    return {
      image: { id: img.id, path: img.path, width: img.width, height: img.height, dataset: img.dataset, gtLabel: img.gtLabel, top1: null, iou: null, disagreement: null },
      gtBoxes: img.gtBoxes.map((b) => ({ box: b.box, label: b.label })),
      predictions: modelIds.map((modelId) => ({ modelId, top5: this.store.getPredictions(modelId, imageId) })),
      maps,
    };
  }

  private async addModel(path: string): Promise<ModelInfo> {
    const ex = await Explainer.open(path);
    try {
      const m = ex.model;
      const id = this.store.addModel({
        path,
        sha256: m.sha256,
        input: { name: m.inputName, shape: m.inputDims },
        preprocessing: ex.preprocessing,
        labels: m.metadata['camscope.labels'] ? (JSON.parse(m.metadata['camscope.labels']) as string[]) : null,
        labelOffset: Number(m.metadata['camscope.label_offset'] ?? (m.numClasses === 1001 ? 1 : 0)),
        numClasses: m.numClasses,
        defaultLayer: m.defaultLayer(),
      });
      const info: ModelInfo = {
        id,
        path,
        name: basename(path, extname(path)),
        sha256: m.sha256,
        numClasses: m.numClasses,
        defaultLayer: m.defaultLayer(),
        layers: m.layerCandidates(),
      };
      const camified = camifyDescription(m.metadata);
      if (camified) info.camify = { sourceSha256: (JSON.parse(m.metadata[CAMIFY_METADATA_KEY]!) as CamifyRecord).sourceSha256, description: camified };
      this.models.set(id, info);
      return info;
    } finally {
      await ex.close();
    }
  }

  private modelInfo(id: number): Promise<ModelInfo> {
    return this.models.get(id, async () => {
      const row = this.store.getModel(id);
      if (!row) throw new CamscopeError(`model ${id} is not in the project`);
      return this.addModel(row.path);
    });
  }

  /**
   * Runs camify in this process: feature extraction and the fit's products run in ONNX Runtime's and sharp's
   * threads, so the event loop stays free between steps; progress goes out as 'camify.progress' events.
   */
  private async camifyModel(r: Request<'models.camify'>): Promise<Response<'models.camify'>> {
    const source = await this.modelInfo(r.modelId);
    const { modelId, ...opts } = r;
    const result = await camify({
      ...opts,
      model: source.path,
      onProgress: (stage, done, total) => this.emit('camify.progress', { modelId, stage, done, total }),
    });
    return {
      model: await this.addModel(result.out),
      description: result.description,
      valAgreement: result.record.valAgreement,
      valAccuracy: result.record.valAccuracy,
    };
  }

  private async startRuns(r: Parameters<Handlers['runs.start']>[0]): Promise<RunInfo[]> {
    const model = await this.modelInfo(r.modelId);
    const layer = r.layer ?? model.defaultLayer;
    const methods = r.methods.map((m) => parseMethod(m).id);
    const imageIds = r.imageIds ?? this.store.allImageIds();
    if (imageIds.length === 0) throw new CamscopeError('no images to explain: import some first');
    const runIds = methods.map((method) =>
      this.store.createRun({ modelId: r.modelId, method, layer, target: r.target, imageIds, params: { threshold: 0.2 } }),
    );
    for (const id of runIds) this.store.startRun(id);
    this.launch(model.path, new Map(methods.map((m, i) => [m, runIds[i]!])), layer, r.target, imageIds);
    return runIds.map((id) => runInfo(this.store.getRun(id)!));
  }

  /**
   * Restarts the runs a crash left 'running' (the store knows which images they still lack), one
   * job per (model, layer, target) so methods that ran together share their engine runs again.
   */
  resumeInterrupted(): RunInfo[] {
    const groups = new Map<string, ReturnType<ProjectStore['resumableRuns']>>();
    for (const r of this.store.resumableRuns()) {
      if (this.jobs.has(r.run.id)) continue; // running in this process, not interrupted
      const key = JSON.stringify([r.run.modelId, r.run.layer, r.run.target]);
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const group of groups.values()) {
      const { modelId, layer, target } = group[0]!.run;
      const imageIds = [...new Set(group.flatMap((g) => g.missingImageIds))].sort((a, b) => a - b);
      // Runs of one group may miss different images; each image is recorded only into runs lacking it.
      const missing = new Map(group.map((g) => [g.run.id, new Set(g.missingImageIds)]));
      const byMethod = new Map(group.map((g) => [g.run.method, g.run.id]));
      this.launch(this.store.getModel(modelId)!.path, byMethod, layer, target, imageIds, missing);
    }
    return [...groups.values()].flat().map((g) => runInfo(this.store.getRun(g.run.id)!));
  }

  /** Runs one explain job for several runs (one per method) and records its batches as they come. */
  private launch(
    modelPath: string,
    byMethod: Map<string, number>,
    layer: string,
    target: 'top1' | number,
    imageIds: number[],
    missing?: Map<number, Set<number>>,
  ): void {
    const runIds = [...byMethod.values()];
    const images = imageIds.map((id) => ({ id, path: this.store.getImage(id)!.path }));
    // After a project switch or close, messages of the cancelled job must not reach a store (the new one, or a closed one).
    const store = this.store;
    const started = Date.now();
    let lastBatch = started;
    let done = 0;
    const job = startJob(
      { model: modelPath, modelOptions: {}, methods: [...byMethod.keys()], layers: [layer], target, images, batchSize: 8 },
      (msg) => {
        if (this.closed || store !== this.store) return;
        if (msg.type === 'batch') {
          const now = Date.now();
          this.record(byMethod, msg.results, now - lastBatch, missing);
          lastBatch = now;
          done += msg.results.length;
        } else if (msg.type === 'imageError') {
          for (const runId of runIds) this.store.recordResults(runId, [{ imageId: msg.imageId, error: msg.error }]);
          done++;
        }
        const rate = done / Math.max(1e-3, (Date.now() - started) / 1000);
        this.emit('run.progress', { runIds, done, total: images.length, rate, etaSeconds: rate > 0 ? (images.length - done) / rate : 0 });
      },
      this.worker,
    );
    for (const id of runIds) this.jobs.set(id, job);
    void job.finished.then(({ status, error }) => {
      if (this.closed || store !== this.store) return;
      for (const id of runIds) {
        this.jobs.delete(id);
        this.store.finishRun(id, status, error ?? undefined);
      }
      this.emit('run.finished', { runIds, status, error });
    });
  }

  /** Stores one batch: per run (= method) its maps, boxes and IoU against the ground truth. */
  private record(
    byMethod: Map<string, number>,
    results: { imageId: number; result: ImageResult }[],
    elapsedMs: number,
    missing?: Map<number, Set<number>>,
  ): void {
    for (const [method, runId] of byMethod) {
      const batch: RecordedImage[] = results.filter(({ imageId }) => !missing || missing.get(runId)!.has(imageId)).map(({ imageId, result }) => {
        const m = result.maps.find((x) => x.method === method)!;
        const gt = this.store.getImage(imageId)?.gtBoxes ?? [];
        const iou = m.box && gt.length ? Math.max(...gt.map((g) => boxIoU(m.box!, g.box))) : null;
        return {
          imageId,
          predictions: result.predictions,
          maps: [{ classIndex: m.target, width: m.width, height: m.height, values: m.values }],
          boxes: m.box ? [{ classIndex: m.target, threshold: 0.2, box: m.box }] : [],
          evaluation: { iou },
        };
      });
      if (batch.length) this.store.recordResults(runId, batch, { elapsedMs });
    }
  }
}

function runInfo(r: RunRow): RunInfo {
  return {
    id: r.id,
    modelId: r.modelId,
    method: r.method,
    layer: r.layer,
    target: String(r.target),
    status: r.status,
    done: r.done,
    total: r.total,
    error: r.error,
    elapsedMs: r.elapsedMs,
  };
}
