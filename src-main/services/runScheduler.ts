// Explain runs: created one per method, executed by explain jobs in a worker process (jobRunner.ts), their
// batches recorded as they come; cancelled with the project, resumed where they stopped when it reopens.
import { CamscopeError } from '../errors.js';
import { parseMethod } from '../explain/methods/index.js';
import { WSOL_THRESHOLD, bestIoU } from '../../src-shared/wsolBox.js';
import type { ProjectStore } from '../store/projectStore.js';
import type { RecordedImage, RunRow } from '../store/storeTypes.js';
import { DEVICES, type Device, type ImageResult } from '../../src-shared/explainTypes.js';
import { resolveDevice } from '../explain/device.js';
import type { RunInfo } from '../../src-shared/ipc.js';
import { type JobHandle, type WorkerEntry, startJob } from './jobRunner.js';
import type { ModelRegistry } from './modelRegistry.js';
import type { OpenProject } from './projects.js';
import type { Emit, Handlers } from './router.js';

/** How an explain job ended (JobHandle.finished). */
export type JobEnd = Awaited<JobHandle['finished']>;

export type RunHandlers = Pick<Handlers, 'runs.start' | 'runs.cancel' | 'runs.list'>;

export class RunScheduler {
  private readonly jobs = new Map<number, JobHandle>();
  /** Set by close(): jobs ending afterwards leave their runs 'running', to resume on the next open. */
  private closed = false;
  /** Set by stop(): batches still arriving are stored, but ending jobs leave their runs 'running' (to resume). */
  private stopping = false;
  /** Where runs started without a device run (`camscope serve --device`). */
  device: Device = 'cpu';

  constructor(
    private readonly project: OpenProject,
    private readonly models: ModelRegistry,
    private readonly worker: WorkerEntry,
    private readonly emit: Emit,
  ) {}

  handlers(): RunHandlers {
    return {
      'runs.start': async (r) => this.start(r),
      'runs.cancel': async ({ runId }) => {
        const job = this.jobs.get(runId);
        job?.cancel();
        return { cancelled: Boolean(job) };
      },
      'runs.list': async () => this.project.store.listRuns().map(runInfo),
    };
  }

  /** Cancels every job of the open project; their runs stay 'running', to be resumed when it is next opened. */
  cancelAll(): void {
    for (const j of this.jobs.values()) j.cancel();
    this.jobs.clear();
  }

  close(): void {
    this.closed = true;
    for (const j of this.jobs.values()) j.cancel();
  }

  /** A graceful stop: every job finishes the batch in hand, which is recorded; resolves when all have ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    const jobs = [...new Set(this.jobs.values())];
    for (const j of jobs) j.stop();
    await Promise.all(jobs.map((j) => j.finished));
  }

  private async start(r: Parameters<Handlers['runs.start']>[0]): Promise<RunInfo[]> {
    const { runIds } = await this.startRuns(r);
    return runIds.map((id) => runInfo(this.project.store.getRun(id)!));
  }

  /** Creates one run per method and starts their one job; `finished` settles once the job has ended and the runs say so. */
  async startRuns(r: Parameters<Handlers['runs.start']>[0]): Promise<{ runIds: number[]; layer: string; finished: Promise<JobEnd> }> {
    const { store } = this.project;
    const model = await this.models.info(r.modelId);
    const layer = r.layer ?? model.defaultLayer;
    const methods = r.methods.map((m) => parseMethod(m).id);
    const imageIds = r.imageIds ?? store.allImageIds();
    if (imageIds.length === 0) throw new CamscopeError('no images to explain: import some first');
    const device = r.device ?? this.device;
    resolveDevice(device); // an unusable device is refused here, in one line, before any run exists
    const runIds = methods.map((method) =>
      store.createRun({ modelId: r.modelId, method, layer, target: r.target, imageIds, params: { threshold: WSOL_THRESHOLD, device } }),
    );
    for (const id of runIds) store.startRun(id);
    const finished = this.launch(model, new Map(methods.map((m, i) => [m, runIds[i]!])), layer, r.target, imageIds, undefined, device);
    return { runIds, layer, finished };
  }

  /** Stores maps computed elsewhere (`camscope explain --open`) as finished runs, one per method, over these images; their ids. */
  recordRuns(
    modelId: number,
    layer: string,
    target: 'top1' | number,
    params: Record<string, unknown>,
    results: { imageId: number; result: ImageResult }[],
  ): number[] {
    const { store } = this.project;
    const imageIds = results.map((r) => r.imageId);
    const methods = [...new Set(results.flatMap((r) => r.result.maps.map((m) => m.method)))];
    const byMethod = new Map(methods.map((method) => [method, store.createRun({ modelId, method, layer, target, imageIds, params })]));
    for (const id of byMethod.values()) store.startRun(id);
    recordBatch(store, byMethod, results, 0);
    for (const id of byMethod.values()) store.finishRun(id, 'done');
    return [...byMethod.values()];
  }

  /**
   * Restarts the runs a crash left 'running' (the store knows which images they still lack), one
   * job per (model, layer, target) so methods that ran together share their engine runs again.
   */
  resumeInterrupted(): RunInfo[] {
    const { store } = this.project;
    const groups = new Map<string, ReturnType<ProjectStore['resumableRuns']>>();
    for (const r of store.resumableRuns()) {
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
      const device = group[0]!.run.params.device;
      void this.launch(
        store.getModel(modelId)!,
        byMethod,
        layer,
        target,
        imageIds,
        missing,
        (DEVICES as readonly unknown[]).includes(device) ? (device as Device) : this.device,
      );
    }
    return [...groups.values()].flat().map((g) => runInfo(store.getRun(g.run.id)!));
  }

  /** Runs one explain job for several runs (one per method) and records its batches as they come. */
  private launch(
    model: { path: string; sha256: string },
    byMethod: Map<string, number>,
    layer: string,
    target: 'top1' | number,
    imageIds: number[],
    missing?: Map<number, Set<number>>,
    device: Device = this.device,
  ): Promise<JobEnd> {
    const runIds = [...byMethod.values()];
    // After a project switch or close, messages of the cancelled job must not reach a store (the new one, or a closed one).
    const store = this.project.store;
    const current = () => !this.closed && store === this.project.store;
    const images = imageIds.map((id) => ({ id, path: store.getImage(id)!.path }));
    const started = Date.now();
    let lastBatch = started;
    let done = 0;
    const job = startJob(
      {
        model: model.path,
        modelOptions: { device },
        methods: [...byMethod.keys()],
        layers: [layer],
        target,
        images,
        batchSize: 8,
        probeEntries: store.probeEntries(model.sha256),
      },
      (msg) => {
        if (!current()) return;
        if (msg.type === 'batch') {
          const now = Date.now();
          recordBatch(store, byMethod, msg.results, now - lastBatch, missing);
          lastBatch = now;
          done += msg.results.length;
        } else if (msg.type === 'imageError') {
          for (const runId of runIds) store.recordResults(runId, [{ imageId: msg.imageId, error: msg.error }]);
          done++;
        }
        const rate = done / Math.max(1e-3, (Date.now() - started) / 1000);
        this.emit('run.progress', { runIds, done, total: images.length, rate, etaSeconds: rate > 0 ? (images.length - done) / rate : 0 });
      },
      this.worker,
    );
    for (const id of runIds) this.jobs.set(id, job);
    return job.finished.then((end) => {
      if (!current() || this.stopping) return end;
      for (const id of runIds) {
        this.jobs.delete(id);
        store.finishRun(id, end.status, end.error ?? undefined);
      }
      this.emit('run.finished', { runIds, status: end.status, error: end.error });
      return end;
    });
  }
}

/** Stores one batch of the explain worker in one transaction: per run (= method) its maps, boxes and IoU against the ground truth. */
export function recordBatch(
  store: ProjectStore,
  byMethod: Map<string, number>,
  results: { imageId: number; result: ImageResult }[],
  elapsedMs: number,
  missing?: Map<number, Set<number>>,
): void {
  const truths = new Map(results.map(({ imageId }) => [imageId, (store.getImage(imageId)?.gtBoxes ?? []).map((g) => g.box)]));
  const batches = [...byMethod].map(([method, runId]) => {
    const batch: RecordedImage[] = results
      .filter(({ imageId }) => !missing || missing.get(runId)!.has(imageId))
      .map(({ imageId, result }) => {
        const m = result.maps.find((x) => x.method === method)!;
        // The one WSOL rule: 0 for a map without a box, null for an image without ground truth.
        const iou = bestIoU(m.box, truths.get(imageId)!);
        return {
          imageId,
          predictions: result.predictions,
          maps: [{ classIndex: m.target, width: m.width, height: m.height, values: m.values }],
          boxes: m.box ? [{ classIndex: m.target, threshold: WSOL_THRESHOLD, box: m.box }] : [],
          evaluation: { iou },
        };
      });
    return { runId, batch, elapsedMs };
  });
  store.recordRunBatches(batches.filter((b) => b.batch.length));
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
