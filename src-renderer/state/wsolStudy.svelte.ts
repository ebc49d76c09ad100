// The localization study behind the WSOL view: per run, every sampled image swept over the thresholds.
import type { ImageDetail } from '../../src-shared/ipc.js';
import { queryRequest, type GalleryState } from '../lib/galleryQuery.js';
import { sweepImage, type ImageSweep } from '../lib/localization.js';
import { errorMessage } from '../transport/transportError.js';
import type { AppState } from './app.svelte.js';

export interface StudyProgress {
  done: number;
  total: number;
  startedAt: number;
}

/**
 * Kept on the app so a long evaluation survives switching views. The maps come from images.detail (the contract has
 * no aggregate channel), and boxes are recomputed here at full image size, exactly as the detail view draws them.
 */
export class WsolStudy {
  runIds = $state<number[]>([]);
  sampleSize = $state(500);
  /** Per run id, the sweeps of the images that have ground truth and a map. Raw: large, read-only. */
  sweeps = $state.raw<Record<number, ImageSweep[]>>({});
  /** Images in the sample, in gallery order. */
  imageIds = $state.raw<number[]>([]);
  progress = $state<StudyProgress | null>(null);
  error = $state<string | null>(null);
  /** The clicked point of the plot. */
  selected = $state<{ runId: number; index: number } | null>(null);
  #generation = 0;

  constructor(private readonly app: AppState) {}

  cancel(): void {
    this.#generation++;
    this.progress = null;
  }

  /** Sweeps the first sampleSize images of the gallery's current order under every chosen run. */
  async evaluate(): Promise<void> {
    const generation = ++this.#generation;
    const { app } = this;
    const runIds = [...this.runIds];
    this.error = null;
    this.selected = null;
    try {
      await app.ready;
      const ids = await this.#sampleIds(generation);
      if (generation !== this.#generation) return;
      const sweeps: Record<number, ImageSweep[]> = Object.fromEntries(runIds.map((r) => [r, []]));
      this.imageIds = ids;
      this.sweeps = sweeps;
      this.progress = { done: 0, total: ids.length, startedAt: performance.now() };
      // Requests run ahead of the arithmetic (the loader caps them), the arithmetic yields to the UI every ~12 ms.
      const pending = ids.map((id) => app.details.load(id));
      let lastYield = performance.now();
      for (let i = 0; i < ids.length; i++) {
        const detail = await pending[i]!;
        if (generation !== this.#generation) return;
        for (const runId of runIds) {
          const s = this.#sweep(detail, runId);
          if (s) sweeps[runId]!.push(s);
        }
        this.progress = { ...this.progress!, done: i + 1 };
        if (performance.now() - lastYield > 12) {
          this.sweeps = { ...sweeps };
          await new Promise((r) => setTimeout(r, 0));
          lastYield = performance.now();
          if (generation !== this.#generation) return;
        }
      }
      this.sweeps = { ...sweeps };
    } catch (e) {
      if (generation === this.#generation) this.error = errorMessage(e);
    } finally {
      if (generation === this.#generation) this.progress = null;
    }
  }

  /** The first sampleSize ids of the gallery's query, fetched by its own pages (the grid's cache keeps only a window). */
  async #sampleIds(generation: number): Promise<number[]> {
    const state = $state.snapshot(this.app.gallery) as GalleryState;
    const ids: number[] = [];
    for (let offset = 0; ids.length < this.sampleSize && generation === this.#generation; offset += 500) {
      const page = await this.app.transport.invoke('images.query', queryRequest(state, offset, 500));
      for (const r of page.rows.slice(0, this.sampleSize - ids.length)) ids.push(r.id);
      if (offset + 500 >= page.total) break;
    }
    return ids;
  }

  #sweep(detail: ImageDetail, runId: number): ImageSweep | null {
    const map = detail.maps.find((m) => m.runId === runId);
    if (!map) return null;
    return sweepImage(detail.image.id, map, detail.image.width, detail.image.height, detail.gtBoxes.map((g) => g.box));
  }
}
