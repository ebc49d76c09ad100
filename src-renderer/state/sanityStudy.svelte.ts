// The sanity view's state: the project's checks (sanity.list), live progress, the open check's stored result and
// the cascade strip of its chosen image. Main runs and stores the checks; this only asks and listens.
import { SvelteMap } from 'svelte/reactivity';
import type { Request, Response, SanityInfo, Transport } from '../../src-shared/ipc.js';
import { errorMessage } from '../transport/transportError.js';

/** What the study reads of the app state (AppState owns the study, so it is not imported here). */
export interface SanityHost {
  readonly ready: Promise<void>;
  readonly transport: Transport;
  notify(text: string, kind?: 'info' | 'error'): void;
}

export class SanityStudy {
  checks = $state<SanityInfo[]>([]);
  progress = new SvelteMap<number, { done: number; total: number }>();
  openId = $state<number | null>(null);
  /** The open check's summary and per-image similarities. Raw: read-only. */
  result = $state.raw<Response<'sanity.result'> | null>(null);
  imageId = $state<number | null>(null);
  /** Per method: the original map, then each cascading step, of imageId. */
  strip = $state.raw<Response<'sanity.strip'> | null>(null);
  error = $state<string | null>(null);
  #loaded = false;
  #generation = 0;

  constructor(private readonly host: SanityHost) {
    host.transport.on('sanity.progress', (p) => this.progress.set(p.checkId, { done: p.done, total: p.total }));
    host.transport.on('sanity.finished', (p) => void this.#onFinished(p.checkId, p.status, p.error));
  }

  /** First visit: the list, and the latest finished check opened. */
  async load(): Promise<void> {
    if (this.#loaded) return;
    this.#loaded = true;
    await this.refresh();
    const latest = this.checks.filter((c) => c.status === 'done').at(-1);
    if (latest && this.openId === null) await this.open(latest.id);
  }

  async refresh(): Promise<void> {
    try {
      await this.host.ready;
      this.checks = await this.host.transport.invoke('sanity.list', {});
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  async open(checkId: number, imageId?: number): Promise<void> {
    const generation = ++this.#generation;
    this.openId = checkId;
    this.error = null;
    try {
      const result = await this.host.transport.invoke('sanity.result', { checkId });
      if (generation !== this.#generation) return;
      this.result = result;
      await this.showImage(imageId ?? result.info.imageIds[0]!);
    } catch (e) {
      if (generation === this.#generation) {
        this.result = null;
        this.strip = null;
        this.error = errorMessage(e);
      }
    }
  }

  async showImage(imageId: number): Promise<void> {
    const checkId = this.openId;
    if (checkId === null) return;
    this.imageId = imageId;
    try {
      const strip = await this.host.transport.invoke('sanity.strip', { checkId, imageId });
      if (this.openId === checkId && this.imageId === imageId) this.strip = strip;
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  async start(request: Request<'sanity.start'>): Promise<boolean> {
    try {
      const info = await this.host.transport.invoke('sanity.start', request);
      this.checks = [...this.checks, info];
      return true;
    } catch (e) {
      this.host.notify(errorMessage(e), 'error');
      return false;
    }
  }

  async cancel(checkId: number): Promise<void> {
    try {
      await this.host.transport.invoke('sanity.cancel', { checkId });
    } catch (e) {
      this.host.notify(errorMessage(e), 'error');
    }
  }

  async #onFinished(checkId: number, status: string, error: string | null): Promise<void> {
    this.progress.delete(checkId);
    await this.refresh();
    if (status === 'done') {
      this.host.notify(`Sanity check #${checkId} finished`);
      await this.open(checkId);
    } else if (status === 'failed') this.host.notify(`Sanity check #${checkId} failed — ${error ?? 'unknown error'}`, 'error');
    else this.host.notify(`Sanity check #${checkId} ${status}`);
  }
}
