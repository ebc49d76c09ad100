// The localization study behind the WSOL view: per chosen run, main's accuracy curve over a sample of the gallery.
import type { Response, Transport } from '../../src-shared/ipc.js';
import { queryRequest, type GalleryState } from '../lib/galleryQuery.js';
import { THRESHOLDS } from '../lib/localization.js';
import { errorMessage } from '../transport/transportError.js';

export type Curve = Response<'wsol.curve'>;

export interface StudyProgress {
  done: number;
  total: number;
  startedAt: number;
}

/** What the study reads of the app state (AppState, which owns the study and so is not imported here). */
export interface StudyHost {
  readonly ready: Promise<void>;
  readonly transport: Transport;
  readonly gallery: GalleryState;
}

/** Kept on the app so a finished evaluation survives switching views. Main scores the maps; this only asks. */
export class WsolStudy {
  runIds = $state<number[]>([]);
  sampleSize = $state(500);
  /** Per run id, its curve over the sample. Raw: large, read-only. */
  curves = $state.raw<Record<number, Curve>>({});
  /** Images in the sample; null when the whole project was scored. */
  sampled = $state<number | null>(null);
  /** Runs scored so far of this evaluation. */
  progress = $state<StudyProgress | null>(null);
  error = $state<string | null>(null);
  /** The clicked point of the plot. */
  selected = $state<{ runId: number; index: number } | null>(null);
  #generation = 0;

  constructor(private readonly app: StudyHost) {}

  cancel(): void {
    this.#generation++;
    this.progress = null;
  }

  /** Scores the first sampleSize images of the gallery's current order (all with an infinite size) under every chosen run. */
  async evaluate(): Promise<void> {
    const generation = ++this.#generation;
    const { app } = this;
    const runIds = [...this.runIds];
    this.error = null;
    this.selected = null;
    try {
      await app.ready;
      const imageIds = Number.isFinite(this.sampleSize) ? await this.#sampleIds(generation) : undefined;
      if (generation !== this.#generation) return;
      this.sampled = imageIds?.length ?? null;
      this.curves = {};
      this.progress = { done: 0, total: runIds.length, startedAt: performance.now() };
      for (const runId of runIds) {
        const curve = await app.transport.invoke('wsol.curve', { runId, thresholds: [...THRESHOLDS], imageIds });
        if (generation !== this.#generation) return;
        this.curves = { ...this.curves, [runId]: curve };
        this.progress = { ...this.progress!, done: this.progress!.done + 1 };
      }
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
}
