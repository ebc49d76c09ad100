// A child process that explains images for a run, or runs a sanity check: model execution lives here, so a
// crash in ONNX Runtime or a decoder cannot take down the window or the project store (the parent owns both).
import { CamscopeError, firstLine } from '../errors.js';
import { type ExplainOptions, Explainer, type ModelOptions } from '../explain/explainer.js';
import { parseMethod } from '../explain/methods/index.js';
import { entriesProbeCache, userProbeCache } from '../onnx/probeCache.js';
import { runSanityChecks, type SanityOptions, type SanityResult } from '../evaluation/sanity/sanityChecks.js';
import type { ImageResult } from '../../src-shared/explainTypes.js';

export interface ExplainJob {
  kind?: 'explain';
  model: string;
  modelOptions: ModelOptions;
  methods: string[];
  layers?: string[];
  target: 'top1' | number;
  images: { id: number; path: string }[];
  batchSize: number;
  /** The project's probe entries for the model (ProjectStore.probeEntries): the worker opens it without probing. */
  probeEntries?: [string, string][];
}

/** A sanity check in one piece: progress per randomized model, then the whole result. */
export interface SanityJob {
  kind: 'sanity';
  options: Omit<SanityOptions, 'onProgress'>;
}

export type WorkerJob = ExplainJob | SanityJob;

export type WorkerMessage =
  | { type: 'batch'; results: { imageId: number; result: ImageResult }[] }
  | { type: 'imageError'; imageId: number; error: string }
  | { type: 'sanityProgress'; done: number; total: number }
  | { type: 'sanityResult'; result: SanityResult }
  | { type: 'done' }
  | { type: 'error'; error: string };

/** Set by the parent's 'stop' message: the batch in hand is finished and sent, then the worker ends. */
let stopping = false;

async function run(job: WorkerJob, send: (m: WorkerMessage) => void): Promise<void> {
  if (job.kind === 'sanity') {
    const result = await runSanityChecks({ ...job.options, onProgress: (done, total) => send({ type: 'sanityProgress', done, total }) });
    send({ type: 'sanityResult', result });
    send({ type: 'done' });
    return;
  }
  const explainer = await Explainer.open(job.model, job.modelOptions, [entriesProbeCache(job.probeEntries ?? []), userProbeCache()]);
  const opts = { methods: job.methods.map(parseMethod), layers: job.layers, target: job.target, batchSize: job.batchSize };
  await explainImages(explainer, job.images, opts, send, () => stopping);
  await explainer.close();
  send({ type: 'done' });
}

/**
 * A job's images in batches of `opts.batchSize`, each batch's results sent as it completes: the next batch is
 * decoded (prefetched) while this one runs, and a batch with an unreadable image is retried image by image so
 * that only that image fails. `stop()` is asked between batches.
 */
export async function explainImages(
  explainer: Explainer,
  images: { id: number; path: string }[],
  opts: ExplainOptions,
  send: (m: WorkerMessage) => void,
  stop: () => boolean = () => false,
): Promise<void> {
  explainer.prepare(opts);
  const batchSize = Math.max(1, opts.batchSize ?? 8);
  for (let i = 0; i < images.length && !stop(); i += batchSize) {
    const batch = images.slice(i, i + batchSize);
    explainer.prefetch(images.slice(i + batchSize, i + 2 * batchSize).map((b) => b.path));
    try {
      const results = await explainer.explain(
        batch.map((b) => b.path),
        opts,
      );
      send({ type: 'batch', results: results.map((result, k) => ({ imageId: batch[k]!.id, result })) });
    } catch (e) {
      if (!(e instanceof CamscopeError)) throw e;
      // One unreadable image must not sink the batch: retry its images one by one.
      for (const img of batch) {
        try {
          const [result] = await explainer.explain([img.path], opts);
          send({ type: 'batch', results: [{ imageId: img.id, result: result! }] });
        } catch (err) {
          if (!(err instanceof CamscopeError)) throw err;
          send({ type: 'imageError', imageId: img.id, error: err.message });
        }
      }
    }
  }
}

if (process.send) {
  // Disconnecting drops messages still queued on the channel (large batches under load): wait for the last one.
  let sent = Promise.resolve();
  const send = (m: WorkerMessage) => {
    sent = new Promise<void>((resolve) => process.send!(m, undefined, undefined, () => resolve()));
  };
  // The parent decides when a run stops: Ctrl-C in a terminal reaches the whole process group, and the
  // parent answers it with 'stop' (finish the batch in hand). Without a parent there is nothing to do.
  process.on('SIGINT', () => {});
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'stop') stopping = true;
  });
  process.once('message', (job: WorkerJob) => {
    run(job, send)
      .catch((e) => send({ type: 'error', error: e instanceof CamscopeError ? e.message : `internal error: ${firstLine(e)}` }))
      .finally(() => void sent.then(() => process.disconnect()));
  });
}
