// `camscope merge`: the projects that `camscope eval --shard K/N` wrote, one per shard, into one project
// that holds what the unsharded evaluation would have: the images with their ground truth, the model, and
// per method one done run with every map (float32, copied bit for bit), box, IoU and per-image metric. Its
// runs carry the unsharded evaluation key, so `camscope eval --project OUT` (same options, no --shard)
// reads every image back and writes the reports without a model pass. Shards that do not belong together
// (another model, other parameters, a missing, repeated or unfinished shard) are refused in one line.
import { existsSync, rmSync } from 'node:fs';
import { CamscopeError } from '../errors.js';
import { ProjectStore } from '../store/projectStore.js';
import type { ModelRow, RecordedImage, RunRow } from '../store/storeTypes.js';

/** Images copied per transaction. */
const CHUNK = 64;

interface ShardProject {
  file: string;
  store: ProjectStore;
  index: number;
  count: number;
  /** Per method, its run and the run's model. */
  runs: Map<string, { run: RunRow; model: ModelRow }>;
}

export interface MergeSummary {
  shards: number;
  images: number;
  methods: string[];
  modelSha256: string;
}

export function mergeShards(out: string, files: string[]): MergeSummary {
  if (files.length === 0) throw new CamscopeError('merge: no shard projects given (camscope merge OUT.camscope SHARD.camscope …)');
  if (existsSync(out)) throw new CamscopeError(`${out}: already exists; merge writes a new project`);
  const shards: ShardProject[] = [];
  try {
    for (const file of files) shards.push(openShard(file));
    checkTogether(shards);
    shards.sort((a, b) => a.index - b.index);
    return write(out, shards);
  } finally {
    for (const s of shards) s.store.close();
  }
}

function openShard(file: string): ShardProject {
  if (!existsSync(file)) throw new CamscopeError(`${file}: no such project file`);
  const store = ProjectStore.open(file, { readonly: true });
  try {
    const runs = new Map<string, { run: RunRow; model: ModelRow }>();
    let label: string | null = null;
    for (const run of store.listRuns()) {
      const shard = evaluationOf(run).shard;
      if (typeof shard !== 'string')
        throw new CamscopeError(`${file}: run ${run.id} (${run.method}) is not one shard of an evaluation (camscope eval --shard K/N writes those)`);
      if (label !== null && shard !== label)
        throw new CamscopeError(`${file}: holds runs of shards ${label} and ${shard}; each shard needs its own project`);
      label = shard;
      if (run.status !== 'done')
        throw new CamscopeError(`${file}: run ${run.method} is ${run.status} (${run.done} of ${run.total} images); rerun its eval to finish it`);
      if (runs.has(run.method))
        throw new CamscopeError(`${file}: holds two ${run.method} runs (evaluations with other options); merge takes one evaluation per shard`);
      runs.set(run.method, { run, model: store.getModel(run.modelId)! });
    }
    if (label === null) throw new CamscopeError(`${file}: holds no evaluation runs`);
    const [k, n] = label.split('/').map(Number) as [number, number];
    return { file, store, index: k - 1, count: n, runs };
  } catch (e) {
    store.close();
    throw e;
  }
}

function evaluationOf(run: RunRow): Record<string, unknown> {
  const e = run.params.evaluation;
  return typeof e === 'object' && e !== null ? (e as Record<string, unknown>) : {};
}

/** A run's parameters with what differs between shards (their label and image count) taken out. */
function sharedParams(run: RunRow): Record<string, unknown> {
  const { shard: _shard, images: _images, ...evaluation } = evaluationOf(run);
  return { layer: run.layer, target: run.target, ...run.params, evaluation };
}

function checkTogether(shards: ShardProject[]): void {
  const ref = shards[0]!;
  const methods = (s: ShardProject) => [...s.runs.keys()].sort().join(', ');
  const seen = new Map<number, string>();
  for (const s of shards) {
    if (s.count !== ref.count)
      throw new CamscopeError(`${s.file}: is shard ${s.index + 1}/${s.count} but ${ref.file} is shard ${ref.index + 1}/${ref.count}`);
    const twin = seen.get(s.index);
    if (twin) throw new CamscopeError(`${twin} and ${s.file} are both shard ${s.index + 1}/${s.count}`);
    seen.set(s.index, s.file);
    if (methods(s) !== methods(ref)) throw new CamscopeError(`${s.file}: evaluates ${methods(s)} where ${ref.file} evaluates ${methods(ref)}`);
    for (const [method, { run, model }] of s.runs) {
      const other = ref.runs.get(method)!;
      if (model.sha256 !== other.model.sha256) {
        throw new CamscopeError(
          `${s.file}: its model (sha256 ${model.sha256.slice(0, 12)}…) is not ${ref.file}'s (sha256 ${other.model.sha256.slice(0, 12)}…); shards must run the same model`,
        );
      }
      const diff = firstDifference(sharedParams(run), sharedParams(other.run));
      if (diff) throw new CamscopeError(`${s.file}: its ${method} run differs from ${ref.file}'s in ${diff}`);
    }
  }
  const missing = Array.from({ length: ref.count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length)
    throw new CamscopeError(`shard ${missing.map((i) => `${i + 1}/${ref.count}`).join(', ')} missing: ${shards.length} of ${ref.count} shards given`);
}

/** The first key (dotted path) whose values differ, with both values, or null. */
function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return null;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? null : `${path || 'value'} (${JSON.stringify(a) ?? 'absent'} vs ${JSON.stringify(b) ?? 'absent'})`;
}

function write(out: string, shards: ShardProject[]): MergeSummary {
  // Every image once: a path in two shards means they are not one partition.
  const owner = new Map<string, string>();
  for (const s of shards) {
    for (const id of s.store.allImageIds()) {
      const path = s.store.getImage(id)!.path;
      const first = owner.get(path);
      if (first) throw new CamscopeError(`${path}: is in both ${first} and ${s.file}`);
      owner.set(path, s.file);
    }
  }
  const target = ProjectStore.create(out);
  try {
    const ref = shards[0]!;
    const { id: _id, addedAt: _at, ...model } = [...ref.runs.values()][0]!.model;
    const modelId = target.addModel(model);
    // Per shard, its image ids → the merged project's.
    const idMaps = shards.map((s) => {
      const ids = s.store.allImageIds();
      const rows = ids.map((id) => s.store.getImage(id)!);
      const added = target.addImages(
        rows.map((im) => ({
          path: im.path,
          sha256: im.sha256,
          width: im.width,
          height: im.height,
          dataset: im.dataset,
          gtLabel: im.gtLabel,
          gtBoxes: im.gtBoxes,
        })),
      );
      return new Map(ids.map((id, k) => [id, added.ids[k]!]));
    });
    // Labels stay in their dataset's numbering: each dataset keeps the label offset its shards recorded.
    for (const s of shards) for (const d of s.store.listDatasets()) if (d.images) target.setDatasetLabelOffset(d.name, d.labelOffset);
    const allIds = idMaps.flatMap((m) => [...m.values()]);
    for (const [method, { run }] of ref.runs) {
      const { shard: _shard, ...unsharded } = evaluationOf(run);
      const evaluation = { ...unsharded, images: allIds.length };
      const runId = target.createRun({
        modelId,
        method,
        layer: run.layer,
        target: run.target,
        imageIds: allIds,
        params: { ...run.params, evaluation },
        appVersion: run.appVersion,
      });
      target.startRun(runId);
      shards.forEach((s, k) => copyRun(s, s.runs.get(method)!.run, idMaps[k]!, target, runId));
      target.finishRun(runId, 'done');
    }
    target.close();
    return { shards: shards.length, images: allIds.length, methods: [...ref.runs.keys()], modelSha256: model.sha256 };
  } catch (e) {
    target.close();
    for (const suffix of ['', '-wal', '-shm', '.lock']) rmSync(`${out}${suffix}`, { force: true });
    throw e;
  }
}

/** One shard's run into the merged run: predictions, its map, boxes and evaluation per image, in chunks. */
function copyRun(s: ShardProject, run: RunRow, ids: Map<number, number>, target: ProjectStore, runId: number): void {
  const images = [...ids.keys()];
  for (let i = 0; i < images.length; i += CHUNK) {
    const batch: RecordedImage[] = images.slice(i, i + CHUNK).map((imageId) => {
      const map = s.store.getMap(run.id, imageId);
      const evaluation = s.store.getEvaluation(run.id, imageId);
      return {
        imageId: ids.get(imageId)!,
        predictions: s.store.getPredictions(run.modelId, imageId),
        maps: map ? [{ classIndex: map.classIndex, width: map.width, height: map.height, values: map.values }] : [],
        boxes: s.store.getBoxes(run.id, imageId),
        ...(evaluation ? { evaluation } : {}),
      };
    });
    // The shard's compute time is counted once, with its first chunk.
    target.recordResults(runId, batch, { elapsedMs: i === 0 ? run.elapsedMs : 0 });
  }
}
