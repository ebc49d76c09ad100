// Sanity checks (Adebayo et al. 2018) started from the app: one job per check in the explain worker
// (jobRunner.ts), which runs the same runSanityChecks as `camscope sanity` and sends its result whole; the
// result is stored in one transaction, so a check is either done with every number or has none. A check
// has no partial state to resume: one that a closed or crashed process left running is marked failed.
import { CamscopeError } from '../errors.js';
import { parseMethod } from '../explain/methods/index.js';
import type { SanityResult } from '../evaluation/sanity/sanityChecks.js';
import type { Device } from '../../src-shared/explainTypes.js';
import type { Request, SanityInfo } from '../../src-shared/ipc.js';
import type { SanityCheckRow, SanityRecord } from '../store/sanity.js';
import { type JobHandle, type WorkerEntry, startJob } from './jobRunner.js';
import type { ModelRegistry } from './modelRegistry.js';
import type { OpenProject } from './projects.js';
import type { Emit, Handlers } from './router.js';

export type SanityHandlers = Pick<Handlers, 'sanity.start' | 'sanity.cancel' | 'sanity.list' | 'sanity.result' | 'sanity.strip'>;

export const INTERRUPTED = 'interrupted: the app closed before the check finished; start it again';

export class SanityScheduler {
  private readonly jobs = new Map<number, JobHandle>();
  /** Set by close(): jobs ending afterwards leave their checks 'running', marked interrupted at the next open. */
  private closed = false;
  /** Where checks run (`camscope serve --device`). */
  device: Device = 'cpu';

  constructor(
    private readonly project: OpenProject,
    private readonly models: ModelRegistry,
    private readonly worker: WorkerEntry,
    private readonly emit: Emit,
  ) {}

  handlers(): SanityHandlers {
    const { project } = this;
    return {
      'sanity.start': async (r) => this.start(r),
      'sanity.cancel': async ({ checkId }) => {
        const job = this.jobs.get(checkId);
        job?.cancel();
        return { cancelled: Boolean(job) };
      },
      'sanity.list': async () => project.store.listSanityChecks().map(sanityInfo),
      'sanity.result': async ({ checkId }) => {
        const info = this.require(checkId);
        const result = project.store.getSanityResult(checkId);
        if (!result) throw new CamscopeError(`sanity check ${checkId} is ${info.status}; it has no result`);
        return { info, ...result };
      },
      'sanity.strip': async ({ checkId, imageId }) => {
        this.require(checkId);
        const strip = project.store.getSanityStrip(checkId, imageId);
        if (!strip) throw new CamscopeError(`image ${imageId} is not in sanity check ${checkId}`);
        return Object.fromEntries(
          Object.entries(strip).map(([m, grids]) => [m, grids.map((g) => ({ width: g.width, height: g.height, values: Array.from(g.values) }))]),
        );
      },
    };
  }

  /** Marks the checks a previous process left running as failed (when a shell opens the project). */
  failInterrupted(): number[] {
    return this.project.store.failInterruptedSanityChecks(INTERRUPTED);
  }

  /** Cancels the open project's checks (a project switch); they stay 'running' and are marked interrupted when it reopens. */
  cancelAll(): void {
    for (const j of this.jobs.values()) j.cancel();
    this.jobs.clear();
  }

  close(): void {
    this.closed = true;
    for (const j of this.jobs.values()) j.cancel();
  }

  private require(checkId: number): SanityInfo {
    const row = this.project.store.getSanityCheck(checkId);
    if (!row) throw new CamscopeError(`sanity check ${checkId} is not in the project`);
    return sanityInfo(row);
  }

  private async start(r: Request<'sanity.start'>): Promise<SanityInfo> {
    const { store } = this.project;
    const model = await this.models.info(r.modelId);
    const methods = [...new Set(r.methods.map((m) => parseMethod(m).id))];
    const modes = [...new Set(r.modes)];
    const params = { methods, modes, seed: r.seed ?? 0, layer: r.layer ?? null };
    const checkId = store.createSanityCheck(r.modelId, r.imageIds, params);
    const images = r.imageIds.map((id) => store.getImage(id)!.path);
    // After a project switch or close, the cancelled job's messages must not reach a store (the new one, or a closed one).
    const current = () => !this.closed && store === this.project.store;
    const job = startJob(
      {
        kind: 'sanity',
        options: { model: model.path, images, methods, modes, seed: params.seed, layer: r.layer, modelOptions: { device: this.device } },
      },
      (msg) => {
        if (!current()) return;
        if (msg.type === 'sanityProgress') this.emit('sanity.progress', { checkId, done: msg.done, total: msg.total });
        else if (msg.type === 'sanityResult') store.recordSanityResult(checkId, sanityRecord(msg.result));
      },
      this.worker,
    );
    this.jobs.set(checkId, job);
    void job.finished.then(({ status, error }) => {
      if (!current()) return;
      this.jobs.delete(checkId);
      const final = status === 'done' && store.getSanityCheck(checkId)?.status !== 'done' ? 'failed' : status;
      const why = final === 'failed' ? (error ?? 'the explain process ended without a result') : null;
      if (final !== 'done') store.finishSanityCheck(checkId, final, why);
      this.emit('sanity.finished', { checkId, status: final, error: why });
    });
    return sanityInfo(store.getSanityCheck(checkId)!);
  }
}

/** What the store keeps of a result: the strips as one list per image (original first), images by their order. */
export function sanityRecord(result: SanityResult): SanityRecord {
  return {
    summary: result.summary,
    perImage: result.perImage,
    strips: Object.fromEntries(Object.entries(result.strips).map(([m, strips]) => [m, strips.map((s) => [s.original, ...s.cascading])])),
  };
}

function sanityInfo(r: SanityCheckRow): SanityInfo {
  return {
    id: r.id,
    modelId: r.modelId,
    methods: r.methods,
    modes: r.modes,
    seed: r.seed,
    layer: r.layer,
    imageIds: r.imageIds,
    status: r.status,
    error: r.error,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
  };
}
