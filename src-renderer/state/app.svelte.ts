// The renderer's shared state: the transport, project data (models, runs, progress), display settings, navigation.
import { getContext } from 'svelte';
import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import type { DatasetInfo, EventPayload, ImageDetail, ImageRow, ModelInfo, RunInfo, Transport } from '../../src-shared/ipc.js';
import type { ColormapName } from '../../src-shared/colormap.js';
import { WSOL_THRESHOLD } from '../../src-shared/wsolBox.js';
import { DEFAULT_GALLERY, queryKey, queryRequest, type GalleryState } from '../lib/galleryQuery.js';
import { KeyedLoader } from '../lib/keyedLoader.js';
import { counterpartRun, latestDoneRun, methodLabel } from '../lib/methods.js';
import { PagedRows } from '../lib/pagedRows.js';
import { sortDroppedPaths } from '../lib/droppedPaths.js';
import { importSummary } from '../lib/format.js';
import { errorMessage, type ConnectionState } from '../transport/transportError.js';
import { QuickLookState } from './quickLook.svelte.js';
import { SanityStudy } from './sanityStudy.svelte.js';
import { WsolStudy } from './wsolStudy.svelte.js';

export type View = 'quicklook' | 'gallery' | 'detail' | 'compare' | 'wsol' | 'sanity' | 'models' | 'runs';
export const VIEWS: readonly { id: View; label: string; key: string }[] = [
  { id: 'quicklook', label: 'Quick look', key: 'q' },
  { id: 'gallery', label: 'Gallery', key: '1' },
  { id: 'detail', label: 'Image', key: '2' },
  { id: 'compare', label: 'Compare', key: '3' },
  { id: 'wsol', label: 'Localization', key: '4' },
  { id: 'models', label: 'Models', key: '5' },
  { id: 'runs', label: 'Runs', key: '6' },
  { id: 'sanity', label: 'Sanity', key: '7' },
];

/** Map display settings shared by every view, so detail, comparison and WSOL always agree. */
export class DisplaySettings {
  colormap = $state<ColormapName>('jet');
  /** Weight of the colormap over the image (the lecture's imshow alpha). */
  opacity = $state(0.5);
  /** WSOL threshold as a fraction of the map's range (the CAM paper's 20 %). */
  threshold = $state(WSOL_THRESHOLD);
  showMaps = $state(true);
}

export interface RunProgress {
  done: number;
  total: number;
  rate: number;
  etaSeconds: number;
}

export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

/** Where prev/next in the detail view go: the gallery's order, or an explicit list (a WSOL bucket, the compare rows). */
export type DetailContext = { kind: 'gallery'; index: number } | { kind: 'list'; ids: number[]; index: number };

const PAGE_SIZE = 120;

export class AppState {
  readonly transport: Transport;
  view = $state<View>('gallery');
  connection = $state<ConnectionState>('open');
  project = $state<{ path: string; images: number; models: number; runs: number } | null>(null);
  models = $state<ModelInfo[]>([]);
  runs = $state<RunInfo[]>([]);
  progress = new SvelteMap<number, RunProgress>();
  display = new DisplaySettings();
  gallery = $state<GalleryState>({ ...DEFAULT_GALLERY });
  /** Gallery cursor (index in the current query's order). */
  cursor = $state(-1);
  /** Images picked for the comparison grid, in picking order. */
  selection = $state<number[]>([]);
  detailId = $state<number | null>(null);
  detailContext = $state<DetailContext | null>(null);
  /** Method tab the detail view prefers (a map's runId), kept while stepping through images. */
  detailRunId = $state<number | null>(null);
  notices = $state<Notice[]>([]);
  shortcutsOpen = $state(false);
  /** The project picker, with why it opened when not by the user's choice (e.g. a drop the browser could not resolve). */
  projectPicker = $state<{ reason: string | null } | null>(null);
  /** Class names by logit index: every registered model's list ('models.classes'), plus any seen in predictions. */
  labels = new SvelteMap<number, string>();
  /** Dataset names seen in rows (for the filter's suggestions), learned the same way. */
  datasets = new SvelteSet<string>();
  /** The project's datasets with their label offsets ('datasets.list'), refreshed with the project. */
  datasetInfo = $state<DatasetInfo[]>([]);
  /** Gallery scroll position, kept while other views are open. */
  galleryScrollTop = 0;

  /** Bumped whenever a page of gallery rows or a detail lands, for views that read through the caches. */
  rowsVersion = $state(0);
  detailsVersion = $state(0);
  readonly rows: PagedRows<ImageRow>;
  readonly details: KeyedLoader<number, ImageDetail>;
  readonly wsol: WsolStudy = new WsolStudy(this);
  readonly quickLook: QuickLookState = new QuickLookState(this);
  readonly sanity: SanityStudy;
  #rowsKey = '';
  #namedModels = new Set<number>();
  #noticeId = 0;

  constructor(transport: Transport) {
    this.transport = transport;
    this.ready = new Promise((resolve) => (this.#markReady = resolve));
    this.rows = new PagedRows<ImageRow>(this.#fetchRows(), PAGE_SIZE, () => {
      this.rowsVersion++;
    });
    this.details = new KeyedLoader<number, ImageDetail>(
      (imageId) => this.transport.invoke('images.detail', { imageId }),
      1500,
      6,
      (_, detail) => {
        for (const p of detail.predictions) this.learnLabels(p.top5);
        this.detailsVersion++;
      },
    );
    this.sanity = new SanityStudy(this);
    transport.on('run.progress', (p) => this.#onProgress(p));
    transport.on('run.finished', (p) => void this.#onFinished(p));
  }

  /** Settles once init() has loaded the project and chosen the gallery's run (work that needs them awaits it). */
  readonly ready: Promise<void>;
  #markReady!: () => void;

  /** Loads project, models and runs; picks the gallery's run; starts the gallery query. */
  async init(): Promise<void> {
    await Promise.all([this.refreshProject(), this.refreshModels(), this.refreshRuns()]);
    this.#pickDefaultRun();
    this.refreshRows();
    this.#markReady();
  }

  async refreshProject(): Promise<void> {
    [this.project, this.datasetInfo] = await Promise.all([
      this.#try(() => this.transport.invoke('project.info', {}), this.project),
      this.#try(() => this.transport.invoke('datasets.list', {}), this.datasetInfo),
    ]);
    for (const d of this.datasetInfo) if (!this.datasets.has(d.name)) this.datasets.add(d.name);
  }

  /**
   * Changes how a dataset's labels map to logits (dataset class i = logit i + labelOffset; null: each model's default)
   * without importing it again; the gallery's rows and the cached details, whose true classes and correctness follow
   * from it, are fetched again. False when the service refused it (the notice says why).
   */
  async setLabelOffset(dataset: string, labelOffset: number | null): Promise<boolean> {
    const row = await this.#try(() => this.transport.invoke('datasets.setLabelOffset', { dataset, labelOffset }), null);
    if (!row) return false;
    this.datasetInfo = this.datasetInfo.map((d) => (d.name === row.name ? row : d));
    this.details.clear();
    this.detailsVersion++;
    this.refreshRows(true);
    this.notify(`${row.name}: label offset ${row.labelOffset ?? "each model's default"}`);
    return true;
  }
  async refreshModels(): Promise<void> {
    this.models = await this.#try(() => this.transport.invoke('models.list', {}), this.models);
    // Names only label things: the first gallery page does not wait for them.
    for (const m of this.models) if (!this.#namedModels.has(m.id)) void this.#learnClassNames(m.id);
  }
  async #learnClassNames(modelId: number): Promise<void> {
    const names = await this.#try(() => this.transport.invoke('models.classes', { modelId }), null);
    if (!names) return;
    this.#namedModels.add(modelId);
    this.learnLabels(names.map((label, index) => ({ index, label })));
  }
  async refreshRuns(): Promise<void> {
    this.runs = await this.#try(() => this.transport.invoke('runs.list', {}), this.runs);
  }

  /** Re-runs the gallery query when its key changed (or always with force: the data behind it changed). */
  refreshRows(force = false): void {
    const key = queryKey(this.gallery);
    if (!force && key === this.#rowsKey) return;
    this.#rowsKey = key;
    this.cursor = -1;
    void this.rows.reset(this.#fetchRows()).then(() => this.rowsVersion++);
    this.rowsVersion++;
  }

  #fetchRows() {
    const state = $state.snapshot(this.gallery) as GalleryState;
    return async (offset: number, limit: number) => {
      const page = await this.transport.invoke('images.query', queryRequest(state, offset, limit));
      for (const r of page.rows) {
        if (r.top1) this.learnLabels([r.top1]);
        if (r.dataset && !this.datasets.has(r.dataset)) this.datasets.add(r.dataset);
      }
      return page;
    };
  }

  model(id: number | null | undefined): ModelInfo | undefined {
    return this.models.find((m) => m.id === id);
  }
  run(id: number | null | undefined): RunInfo | undefined {
    return this.runs.find((r) => r.id === id);
  }
  doneRuns(): RunInfo[] {
    return this.runs.filter((r) => r.status === 'done');
  }
  /** "Grad-CAM · resnet50" — how runs are named everywhere. */
  runLabel(run: RunInfo): string {
    return `${methodLabel(run.method)} · ${this.model(run.modelId)?.name ?? `model ${run.modelId}`}`;
  }
  labelOf(index: number | null | undefined): string {
    if (index == null) return '–';
    return this.labels.get(index) ?? `class ${index}`;
  }
  learnLabels(preds: readonly { index: number; label: string | null }[]): void {
    for (const p of preds) if (p.label && !this.labels.has(p.index)) this.labels.set(p.index, p.label);
  }

  go(view: View): void {
    this.view = view;
  }

  openDetail(imageId: number, context: DetailContext): void {
    this.detailId = imageId;
    this.detailContext = context;
    this.view = 'detail';
  }

  /** Steps the detail view through its context; false at either end. */
  async stepDetail(delta: 1 | -1): Promise<boolean> {
    const ctx = this.detailContext;
    if (!ctx) return false;
    const index = ctx.index + delta;
    if (ctx.kind === 'list') {
      const id = ctx.ids[index];
      if (id === undefined) return false;
      this.detailContext = { ...ctx, index };
      this.detailId = id;
      return true;
    }
    if (index < 0 || (this.rows.total !== null && index >= this.rows.total)) return false;
    await this.rows.ensure(index, index + 1);
    const row = this.rows.get(index);
    if (!row) return false;
    this.detailContext = { kind: 'gallery', index };
    this.cursor = index;
    this.detailId = row.id;
    return true;
  }

  /** Switches the shell to another project, then starts the app afresh on it (every cache belongs to the old one). */
  async openProject(path: string, create = false): Promise<boolean> {
    try {
      await this.transport.invoke('project.open', { path, create });
    } catch (e) {
      this.notify(errorMessage(e), 'error');
      return false;
    }
    // replaceState fires no hashchange: the old project's gallery must not render (and fetch its thumbnails from the
    // new project) in the moment before the reload.
    history.replaceState(null, '', '#/gallery');
    location.reload();
    return true;
  }

  /** Acts on dropped or picked paths: a project opens; models are added, images and folders imported. */
  async openPaths(paths: readonly string[]): Promise<void> {
    const { project, models, images } = sortDroppedPaths(paths);
    if (project) {
      await this.openProject(project);
      return;
    }
    for (const path of models) {
      const model = await this.#try(() => this.transport.invoke('models.add', { path }), null);
      if (model) this.notify(`Added ${model.name}`);
    }
    if (images.length) {
      const res = await this.#try(() => this.transport.invoke('images.import', { paths: [...images] }), null);
      if (res) this.notify(importSummary(res), res.added ? 'info' : 'error');
    }
    await Promise.all([this.refreshProject(), this.refreshModels()]);
    if (images.length) this.refreshRows(true);
  }

  toggleSelected(imageId: number): void {
    this.selection = this.selection.includes(imageId) ? this.selection.filter((i) => i !== imageId) : [...this.selection, imageId];
  }

  notify(text: string, kind: Notice['kind'] = 'info'): void {
    const id = ++this.#noticeId;
    this.notices = [...this.notices, { id, kind, text }];
    setTimeout(() => this.dismiss(id), kind === 'error' ? 9000 : 4500);
  }
  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  /** Runs a request, reporting failure as a notice and returning the fallback. */
  async #try<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.notify(errorMessage(e), 'error');
      return fallback;
    }
  }

  #pickDefaultRun(): void {
    if (this.gallery.runId != null && this.run(this.gallery.runId)?.status === 'done') return;
    const first = this.models[0];
    const run = (first && (latestDoneRun(this.runs, first.id, 'cam') ?? latestDoneRun(this.runs, first.id, 'gradcam'))) ?? this.doneRuns().at(-1);
    this.setGalleryRun(run?.id ?? null);
    if (!run) this.gallery.modelId = first?.id ?? null;
  }

  /** Shows a run's maps in the gallery; its model's predictions and its counterpart (for disagreement) follow. */
  setGalleryRun(runId: number | null): void {
    const run = this.run(runId);
    this.gallery.runId = runId;
    this.gallery.modelId = run?.modelId ?? this.gallery.modelId;
    const counterpart = counterpartRun(this.runs, run);
    this.gallery.compareRunId = counterpart?.id ?? null;
    if (!counterpart && this.gallery.sort === 'disagreement') this.gallery.sort = 'id';
  }

  #onProgress(p: EventPayload<'run.progress'>): void {
    for (const id of p.runIds) {
      this.progress.set(id, { done: p.done, total: p.total, rate: p.rate, etaSeconds: p.etaSeconds });
      const run = this.run(id);
      if (run) {
        run.done = p.done;
        run.total = p.total;
        if (run.status === 'pending') run.status = 'running';
      }
    }
  }

  async #onFinished(p: EventPayload<'run.finished'>): Promise<void> {
    for (const id of p.runIds) this.progress.delete(id);
    await Promise.all([this.refreshRuns(), this.refreshProject()]);
    const names = p.runIds
      .map((id) => this.run(id))
      .filter((r) => r !== undefined)
      .map((r) => this.runLabel(r));
    // A quick look shows its own runs as they land: no notice for them.
    const quickLook = this.quickLook.busy && p.runIds.every((id) => this.run(id)?.total === 1);
    if (p.status === 'done' && !quickLook) this.notify(`Finished: ${names.join(', ')}`);
    else if (p.status === 'failed') this.notify(`Failed: ${names.join(', ')} — ${p.error ?? 'unknown error'}`, 'error');
    else if (p.status === 'cancelled') this.notify(`Cancelled: ${names.join(', ')}`);
    // New maps change details and, for the gallery's run, IoUs and sort orders.
    this.details.clear();
    this.detailsVersion++;
    this.#pickDefaultRun();
    if (p.runIds.includes(this.gallery.runId ?? -1)) this.refreshRows(true);
  }
}

const KEY = Symbol('camscope-app');
/** The context map to mount the root component with, so every component can useApp(). */
export function appContext(app: AppState): Map<unknown, unknown> {
  return new Map([[KEY, app]]);
}
export function useApp(): AppState {
  return getContext<AppState>(KEY);
}
