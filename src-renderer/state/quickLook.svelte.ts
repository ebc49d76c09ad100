// Quick look's state: the picked (or, in the desktop app, dropped) image, the model, the class asked for, and the last
// result of 'quicklook.run' — every applicable method's map of that image, stored as runs by the service.
import type { ImageDetail, ModelInfo, Response, Transport } from '../../src-shared/ipc.js';
import { sortDroppedPaths } from '../lib/droppedPaths.js';
import type { KeyedLoader } from '../lib/keyedLoader.js';
import { errorMessage } from '../transport/transportError.js';

/** What quick look needs of the app (AppState): the transport, the models, and what to refresh after new runs. */
export interface QuickLookHost {
  readonly transport: Transport;
  readonly models: ModelInfo[];
  readonly details: KeyedLoader<number, ImageDetail>;
  detailsVersion: number;
  model(id: number | null | undefined): ModelInfo | undefined;
  learnLabels(preds: readonly { index: number; label: string | null }[]): void;
  refreshRuns(): Promise<void>;
  refreshProject(): Promise<void>;
  refreshModels(): Promise<void>;
}

export type QuickLookResult = Response<'quicklook.run'>;

export class QuickLookState {
  path = $state('');
  modelId = $state<number | null>(null);
  /** The class the maps explain: the model's top-1, or one the user chose. */
  target = $state<'top1' | number>('top1');
  /** Also compute the methods left out for their cost (Score-CAM). */
  slow = $state(false);
  busy = $state(false);
  /** The last failure, one line. */
  error = $state<string | null>(null);
  result = $state.raw<QuickLookResult | null>(null);
  #app: QuickLookHost;
  /** Counts requests, so a slow answer to an older one never replaces a newer result. */
  #seq = 0;

  constructor(app: QuickLookHost) {
    this.#app = app;
  }

  /** The model quick look uses: the one chosen, else the project's first. */
  get model() {
    return this.#app.model(this.modelId) ?? this.#app.models[0] ?? null;
  }

  /** Explains the image with every applicable method; a class of the result's top-5 (or any index) re-targets it. */
  async run(change: { path?: string; modelId?: number; target?: 'top1' | number; slow?: boolean } = {}): Promise<void> {
    Object.assign(this, change);
    const model = this.model;
    const path = this.path.trim();
    if (!model || !path) return;
    const seq = ++this.#seq;
    this.busy = true;
    this.error = null;
    try {
      const result = await this.#app.transport.invoke('quicklook.run', {
        path,
        modelId: model.id,
        target: this.target,
        ...(this.slow ? { slow: true } : {}),
      });
      if (seq !== this.#seq) return;
      this.result = result;
      for (const p of result.detail.predictions) this.#app.learnLabels(p.top5);
      // New runs and maybe a new image: the runs list, counts and cached details follow.
      this.#app.details.clear();
      this.#app.detailsVersion++;
      await Promise.all([this.#app.refreshRuns(), this.#app.refreshProject()]);
    } catch (e) {
      if (seq === this.#seq) this.error = errorMessage(e).split('\n')[0]!;
    } finally {
      if (seq === this.#seq) this.busy = false;
    }
  }

  /** Files dropped on the window in the desktop app: a model is added and chosen, the first image is looked at. */
  async drop(paths: readonly string[]): Promise<void> {
    const { models, images } = sortDroppedPaths(paths);
    for (const path of models) {
      try {
        const model = await this.#app.transport.invoke('models.add', { path });
        await this.#app.refreshModels();
        this.modelId = model.id;
      } catch (e) {
        this.error = errorMessage(e).split('\n')[0]!;
        return;
      }
    }
    await this.run(images[0] ? { path: images[0], target: 'top1' } : {});
  }
}
