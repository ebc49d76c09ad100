// An in-memory camscope for developing the renderer (?mock=1): 10 000 generated images, two models, CAM/Grad-CAM runs.
import { z } from 'zod';
import {
  channels,
  type Channel,
  type EventName,
  type EventPayload,
  type ImageDetail,
  type ImageRow,
  type ModelInfo,
  type Request,
  type Response,
  type RunInfo,
  type Transport,
} from '../../src-shared/ipc.js';
import { pearsonValues } from '../../src-shared/mapAgreement.js';
import { QUICK_LOOK_DATASET, quickLookMethods } from '../../src-shared/quickLook.js';
import { boxFromMap, bestIoU } from '../../src-shared/wsolBox.js';
import { accuracyCurve, sweepImage, type ImageSweep } from '../../src-shared/wsolCurve.js';
import { mockSanity } from './mockSanity.js';
import { addedModel, CLASS_BY_INDEX, imageSvg, makeImage, mockMap, predict, seedModels, type MockImage } from './mockData.js';
import { TransportError } from './transportError.js';

// zod compiles object schemas with new Function unless told not to; the app runs under script-src 'self' (no eval).
z.config({ jitless: true });

export interface MockOptions {
  /** Start with no images, models or runs (the first-run experience). */
  empty?: boolean;
  /** Simulated IPC latency per request, ms. */
  latencyMs?: number;
}

/** Boxes for the gallery's IoU column come from maps upsampled to this longest side, not the full image: 10 000 maps
 *  at full size would stall start-up. The detail view recomputes at full size, so its IoU can differ in the 2nd decimal. */
const ROW_IOU_SIDE = 96;

type Handler<C extends Channel> = (req: z.infer<(typeof channels)[C]['request']>) => Response<C> | Promise<Response<C>>;

export function createMockTransport({ empty = false, latencyMs = 20 }: MockOptions = {}): Transport {
  const images: MockImage[] = [];
  const addImages = (n: number, dataset: string) => {
    const first = images.length + 1;
    for (let i = 0; i < n; i++) images.push(makeImage(first + i, dataset));
  };
  const models: ModelInfo[] = empty ? [] : seedModels();
  const runs: RunInfo[] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => listeners.get(event)?.forEach((h) => h(payload));

  if (!empty) {
    addImages(8000, 'imagenet-val');
    addImages(2000, 'field-photos');
    const seed = (
      modelId: number,
      method: string,
      status: RunInfo['status'],
      done: number,
      elapsedMs: number | null,
      error: string | null = null,
    ) => {
      const model = models.find((m) => m.id === modelId)!;
      runs.push({
        id: runs.length + 1,
        modelId,
        method,
        layer: model.defaultLayer,
        target: 'top1',
        status,
        done,
        total: images.length,
        error,
        elapsedMs,
      });
    };
    seed(1, 'cam', 'done', 10_000, 61_200);
    seed(1, 'gradcam', 'done', 10_000, 148_900);
    seed(2, 'gradcam', 'done', 10_000, 402_300);
    seed(2, 'layercam', 'done', 10_000, 415_800);
    seed(1, 'xgradcam', 'cancelled', 1_840, 27_400);
    seed(2, 'hirescam', 'failed', 0, 2_100, 'ONNX Runtime could not allocate 1.6 GB for the gradient session of /features/features.28/Conv');
    seed(1, 'gradcam++', 'running', 3_120, null);
  }

  const modelOf = (id: number) => {
    const m = models.find((x) => x.id === id);
    if (!m) throw new Error(`no model with id ${id}`);
    return m;
  };
  const gridOf = (run: RunInfo) => {
    const layer = modelOf(run.modelId).layers.find((l) => l.tensor === run.layer)!;
    return { width: layer.shape[2], height: layer.shape[1] };
  };
  const mapOf = (img: MockImage, run: RunInfo) => {
    const g = gridOf(run);
    return { ...g, values: mockMap(img, run.modelId, run.method, g.width) };
  };
  /** Whether a run has produced this image's map (running runs go in import order). */
  const hasMap = (run: RunInfo, img: MockImage) => run.status === 'done' || (run.status !== 'failed' && img.row.id <= run.done);

  // Per-run row IoUs, computed once on first use.
  const rowIoUs = new Map<number, Float32Array>();
  const iouOf = (run: RunInfo, img: MockImage): number | null => {
    if (!hasMap(run, img)) return null;
    let table = rowIoUs.get(run.id);
    if (!table) rowIoUs.set(run.id, (table = new Float32Array(images.length + 20_000).fill(NaN)));
    if (Number.isNaN(table[img.row.id]!)) {
      const { width: W, height: H } = img.row;
      const s = ROW_IOU_SIDE / Math.max(W, H);
      const box = boxFromMap(mapOf(img, run), Math.round(W * s), Math.round(H * s));
      const scaled = box && (box.map((v, i) => v / (i % 2 ? Math.round(H * s) / H : Math.round(W * s) / W)) as typeof box);
      table[img.row.id] = bestIoU(scaled, img.boxes) ?? NaN;
    }
    const iou = table[img.row.id]!;
    return Number.isNaN(iou) ? null : iou;
  };

  /** 1 − Pearson r of two runs' maps (as the service's disagreements table); null where either is missing or flat. */
  const disagreement = (img: MockImage, a: RunInfo, b: RunInfo): number | null => {
    if (!hasMap(a, img) || !hasMap(b, img)) return null;
    const ma = mapOf(img, a).values;
    const mb = mapOf(img, b).values;
    if (ma.length !== mb.length) return null;
    const r = pearsonValues(ma, mb);
    return r === null ? null : 1 - r;
  };

  const rowFor = (img: MockImage, modelId: number | undefined, run: RunInfo | undefined, other: RunInfo | undefined): ImageRow => {
    const top = modelId != null && models.some((m) => m.id === modelId) ? predict(img, modelId).top5[0]! : null;
    // The mock's datasets number their classes as its models' logits (label offset 0) until one is set.
    const offset = (img.row.dataset ? labelOffsets.get(img.row.dataset) : null) ?? 0;
    const gtClass = modelId != null && img.row.gtLabel !== null ? img.row.gtLabel + offset : null;
    return { ...img.row, gtClass, top1: top, iou: run ? iouOf(run, img) : null, disagreement: run && other ? disagreement(img, run, other) : null };
  };

  const queryCache = new Map<string, MockImage[]>();
  const labelOffsets = new Map<string, number | null>();
  const datasetList = () =>
    [...new Set(images.map((img) => img.row.dataset).filter((d): d is string => d !== null))]
      .sort()
      .map((name) => ({ name, images: images.filter((img) => img.row.dataset === name).length, labelOffset: labelOffsets.get(name) ?? null }));
  let projectPath = '/home/researcher/wsol-study.camscope';
  const handlers: { [C in Channel]: Handler<C> } = {
    'project.info': () => ({ path: projectPath, images: images.length, models: models.length, runs: runs.length }),
    // The mock holds one project in memory: opening another only renames it.
    'project.open': (req) => {
      if (!/\.camscope$/i.test(req.path)) throw new Error(`${req.path}: not a camscope project (expected a .camscope file)`);
      projectPath = req.path;
      return { path: projectPath, images: images.length, models: models.length, runs: runs.length };
    },
    // A small made-up home folder, enough to try the path picker.
    'files.list': (req) => {
      const home = '/home/researcher';
      const dir = (req.dir ?? home).replace(/\/+$/, '');
      const tree: Record<string, [string, 'folder' | 'project' | 'model' | 'image'][]> = {
        [home]: [
          ['datasets', 'folder'],
          ['models', 'folder'],
          ['imagenet-val.camscope', 'project'],
          ['wsol-study.camscope', 'project'],
        ],
        [`${home}/datasets`]: [
          ['cub', 'folder'],
          ['imagenet-val', 'folder'],
        ],
        [`${home}/models`]: [
          ['resnet50.onnx', 'model'],
          ['mobilenetv2.onnx', 'model'],
        ],
      };
      const list = tree[dir];
      if (!list) throw new Error(`${dir}: no such folder in the mock`);
      return {
        dir,
        parent: dir === home ? null : dir.slice(0, dir.lastIndexOf('/')),
        entries: list.map(([name, kind]) => ({ name, path: `${dir}/${name}`, kind })),
        truncated: false,
      };
    },
    'project.recent': () => [
      { path: projectPath, openedAt: new Date().toISOString(), exists: true },
      { path: '/home/researcher/imagenet-val.camscope', openedAt: '2026-11-20T09:12:00.000Z', exists: true },
      { path: '/home/researcher/old/cub-study.camscope', openedAt: '2026-10-02T16:40:00.000Z', exists: false },
    ],
    'images.import': (req) => {
      // The mock cannot read disks: each path "contains" 240 generated images.
      const before = images.length;
      for (const p of req.paths) addImages(240, req.dataset ?? p.split(/[\\/]/).filter(Boolean).pop() ?? 'imported');
      queryCache.clear();
      return { added: images.length - before, skipped: [] };
    },
    'images.query': (req) => {
      const find = (id: number | undefined) => {
        if (id === undefined) return undefined;
        const r = runs.find((x) => x.id === id);
        if (!r) throw new Error(`gallery query: run ${id} does not exist`);
        return r;
      };
      const run = find(req.runId);
      const other = find(req.compareRunId);
      const modelId = req.modelId ?? run?.modelId;
      // The service's rules: what each sort or filter needs.
      if ((req.sort === 'confidence' || req.filters.predictedClass != null || req.filters.correct != null) && modelId === undefined)
        throw new Error(`gallery query: sort '${req.sort}' or a class filter needs modelId or runId`);
      if ((req.sort === 'iou' || req.filters.iouMin != null || req.filters.iouMax != null) && !run)
        throw new Error(`gallery query: sort 'iou' or an IoU filter needs runId`);
      if (other && (!run || other.id === run.id)) throw new Error('gallery query: compareRunId needs runId, a different run');
      if (req.sort === 'disagreement' && !other) throw new Error(`gallery query: sort 'disagreement' needs runId and compareRunId`);
      const key = JSON.stringify([req.filters, req.sort, req.order, modelId, req.runId, req.compareRunId, runs.map((r) => r.done)]);
      let list = queryCache.get(key);
      if (!list) {
        const f = req.filters;
        list = images.filter((img) => {
          // A run's gallery lists the images the run has processed, as the service's run_images join does.
          if (run && !hasMap(run, img)) return false;
          if (f.dataset && img.row.dataset !== f.dataset) return false;
          if (f.gtClass != null && img.row.gtLabel !== f.gtClass) return false;
          if (modelId != null && (f.predictedClass != null || f.correct != null)) {
            const { top5, correct } = predict(img, modelId);
            if (f.predictedClass != null && top5[0]!.index !== f.predictedClass) return false;
            if (f.correct != null && correct !== f.correct) return false;
          }
          if ((f.iouMin != null || f.iouMax != null) && run) {
            const iou = iouOf(run, img);
            if (iou == null || iou < (f.iouMin ?? 0) || iou > (f.iouMax ?? 1)) return false;
          }
          return true;
        });
        const sign = req.order === 'asc' ? 1 : -1;
        const keyOf: Record<typeof req.sort, (img: MockImage) => number> = {
          id: (img) => img.row.id,
          confidence: (img) => (modelId != null ? predict(img, modelId).top5[0]!.score : NaN),
          iou: (img) => (run ? (iouOf(run, img) ?? NaN) : NaN),
          disagreement: (img) => (run && other ? (disagreement(img, run, other) ?? NaN) : NaN),
        };
        const k = new Map(list.map((img) => [img, keyOf[req.sort](img)]));
        // Sorting by a measure lists only images that have it (the service joins the measure's table).
        if (req.sort !== 'id') list = list.filter((img) => !Number.isNaN(k.get(img)!));
        list = [...list].sort((a, b) => sign * (k.get(a)! - k.get(b)!) || sign * (a.row.id - b.row.id));
        queryCache.clear();
        queryCache.set(key, list);
      }
      return { total: list.length, rows: list.slice(req.offset, req.offset + req.limit).map((img) => rowFor(img, modelId, run, other)) };
    },
    'datasets.list': () => datasetList(),
    'datasets.setLabelOffset': (req) => {
      if (!datasetList().some((d) => d.name === req.dataset)) throw new Error(`dataset '${req.dataset}' is not in the project`);
      labelOffsets.set(req.dataset, req.labelOffset);
      queryCache.clear();
      return datasetList().find((d) => d.name === req.dataset)!;
    },
    'images.detail': (req): ImageDetail => {
      const img = images[req.imageId - 1];
      if (!img) throw new Error(`no image with id ${req.imageId}`);
      const doneRuns = runs.filter((r) => hasMap(r, img));
      return {
        image: rowFor(img, models[0]?.id, undefined, undefined),
        gtBoxes: img.boxes.map((box) => ({ box, label: img.cls.index })),
        predictions: models.map((m) => ({ modelId: m.id, gtClass: img.row.gtLabel, top5: predict(img, m.id).top5 })),
        maps: doneRuns.map((r) => {
          const map = mapOf(img, r);
          return {
            runId: r.id,
            method: r.method,
            width: map.width,
            height: map.height,
            values: map.values,
            target: predict(img, r.modelId).top5[0]!.index,
          };
        }),
      };
    },
    'models.add': (req) => {
      if (!/\.onnx$/i.test(req.path)) throw new Error(`${req.path}: not an ONNX model (expected a .onnx file)`);
      if (models.some((m) => m.path === req.path)) throw new Error(`${req.path} is already registered`);
      const model = addedModel(Math.max(0, ...models.map((m) => m.id)) + 1, req.path);
      models.push(model);
      return model;
    },
    'models.list': () => models,
    'models.camify': async (req) => {
      const source = modelOf(req.modelId);
      const layer = source.layers.find((l) => l.tensor === (req.layer ?? source.defaultLayer));
      if (!layer) throw new Error(`${source.name} has no candidate layer ${req.layer}`);
      // Progress as the service sends it: feature extraction over the images, then fit iterations.
      for (const [stage, total] of [
        ['features', 240],
        ['fit', 60],
      ] as const) {
        for (let done = 0; done <= total; done += total / 6) {
          emit('camify.progress', { modelId: source.id, stage, done, total });
          await new Promise((r) => setTimeout(r, 150));
        }
      }
      // The refit model keeps the graph up to the layer, which now feeds a GAP head.
      const model: ModelInfo = {
        ...addedModel(Math.max(0, ...models.map((m) => m.id)) + 1, req.out),
        defaultLayer: layer.tensor,
        layers: [{ ...layer, isDefault: true, cam: { applicable: true } }],
      };
      const description = `CAM of the refit GAP head on ${layer.tensor}, trained on the original model's predictions (agreement 93.8 % with the original model on 48 validation images)`;
      model.camify = { sourceSha256: source.sha256, description };
      models.push(model);
      return { model, description, valAgreement: 0.938, valAccuracy: null };
    },
    // The mock writes nothing: it names the files the service would write, one set per model of the runs.
    'report.export': (req) => {
      const names = req.runIds.map((id) => {
        const run = runs.find((r) => r.id === id);
        if (!run) throw new Error(`run ${id} is not in the project`);
        return modelOf(run.modelId).name;
      });
      return { files: [...new Set(names)].flatMap((name) => req.formats.map((f) => `${req.out.replace(/\/+$/, '')}/${name}-report.${f}`)) };
    },
    'runs.start': (req) => {
      const model = modelOf(req.modelId);
      const layer = req.layer ?? model.defaultLayer;
      const info = model.layers.find((l) => l.tensor === layer);
      if (!info) throw new Error(`${model.name} has no candidate layer ${layer}`);
      if (req.methods.some((m) => m.split(':')[0] === 'cam') && !info.cam.applicable) {
        throw new Error(`CAM does not apply to ${layer}: ${info.cam.reason}`);
      }
      const total = req.imageIds?.length ?? images.length;
      const started = req.methods.map((method) => {
        const run: RunInfo = {
          id: runs.length + 1,
          modelId: model.id,
          method,
          layer,
          target: String(req.target),
          status: 'running',
          done: 0,
          total,
          error: null,
          elapsedMs: null,
        };
        runs.push(run);
        return run;
      });
      simulate(started, 140 / started.length);
      return started.map((r) => ({ ...r }));
    },
    // Quick look as the service does it: the image into the scratch dataset, one finished run per method that applies.
    'quicklook.run': (req) => {
      const model = modelOf(req.modelId);
      if (!/\.(png|jpe?g|webp|tiff?|bmp|gif|avif)$/i.test(req.path)) throw new Error(`${req.path}: not an image (unsupported format)`);
      let img = images.find((i) => i.row.path === req.path);
      if (!img) {
        img = makeImage(images.length + 1, QUICK_LOOK_DATASET);
        img.row.path = req.path;
        images.push(img);
      }
      const layer = model.layers.find((l) => l.tensor === model.defaultLayer)!;
      const refused = model.refused ?? {
        ...(layer.cam.applicable ? {} : { cam: layer.cam.reason }),
        rollout: `'${layer.tensor}' is not a token layer [N, p + h·w, C]`,
      };
      const plan = quickLookMethods(refused, req.slow ?? false);
      const top5 = predict(img, model.id).top5;
      const target = req.target === 'top1' ? top5[0]!.index : req.target;
      const made = plan.methods.map((method) => {
        const run: RunInfo = {
          id: runs.length + 1,
          modelId: model.id,
          method,
          layer: layer.tensor,
          target: String(req.target),
          status: 'done',
          done: 1,
          total: 1,
          error: null,
          elapsedMs: 40,
        };
        runs.push(run);
        return run;
      });
      return {
        detail: {
          image: rowFor(img, model.id, undefined, undefined),
          gtBoxes: [],
          predictions: [{ modelId: model.id, gtClass: img.row.gtLabel, top5 }],
          maps: made.map((r) => ({ runId: r.id, method: r.method, ...mapOf(img, r), target })),
        },
        modelId: model.id,
        layer: layer.tensor,
        target,
        refused: plan.refused,
        slow: plan.slow,
      };
    },
    'runs.cancel': (req) => {
      const run = runs.find((r) => r.id === req.runId);
      if (!run || (run.status !== 'running' && run.status !== 'pending')) return { cancelled: false };
      run.status = 'cancelled';
      emit('run.finished', { runIds: [run.id], status: 'cancelled', error: null });
      return { cancelled: true };
    },
    'runs.list': () => runs.map((r) => ({ ...r })),
    'wsol.curve': (req) => {
      const run = runs.find((r) => r.id === req.runId);
      if (!run) throw new Error(`run ${req.runId} is not in the project`);
      const sweeps: ImageSweep[] = [];
      for (const id of req.imageIds ?? images.map((img) => img.row.id)) {
        const img = images[id - 1];
        if (!img || !hasMap(run, img)) continue;
        const sweep = sweepImage(id, mapOf(img, run), img.row.width, img.row.height, img.boxes, req.thresholds);
        if (sweep) sweeps.push(sweep);
      }
      return { images: sweeps.length, points: accuracyCurve(sweeps, req.thresholds) };
    },
    'models.classes': (req) => Array.from({ length: modelOf(req.modelId).numClasses }, (_, i) => CLASS_BY_INDEX.get(i)?.label ?? null),
    ...mockSanity(images, emit, empty),
  };

  /** Advances running runs on a timer and pushes run.progress / run.finished like the real service. */
  function simulate(group: RunInfo[], perSecond: number): void {
    const startedAt = performance.now() - (group[0]!.done / perSecond) * 1000;
    const timer = setInterval(() => {
      const live = group.filter((r) => r.status === 'running');
      if (!live.length) return clearInterval(timer);
      const elapsed = performance.now() - startedAt;
      const jitter = 0.9 + 0.2 * Math.random();
      const done = Math.min(live[0]!.total, Math.round((elapsed / 1000) * perSecond * jitter));
      for (const r of live) r.done = Math.max(r.done, done);
      const left = live[0]!.total - live[0]!.done;
      emit('run.progress', {
        runIds: live.map((r) => r.id),
        done: live[0]!.done,
        total: live[0]!.total,
        rate: perSecond * jitter,
        etaSeconds: left / perSecond,
      });
      if (left <= 0) {
        for (const r of live) Object.assign(r, { status: 'done', elapsedMs: elapsed });
        emit('run.finished', { runIds: live.map((r) => r.id), status: 'done', error: null });
        clearInterval(timer);
      }
    }, 400);
    // Node (the unit tests) would otherwise wait for a simulated run to finish before exiting.
    (timer as unknown as { unref?: () => void }).unref?.();
  }
  const running = runs.filter((r) => r.status === 'running');
  if (running.length) simulate(running, 42);

  const thumbs = new Map<number, string>();
  return {
    async invoke<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>> {
      await new Promise((r) => setTimeout(r, latencyMs));
      // Validate like the real service does, so a malformed request fails here first.
      const parsed = channels[channel].request.safeParse(request);
      if (!parsed.success) throw new TransportError(channel, `invalid ${channel} request: ${z.prettifyError(parsed.error)}`);
      try {
        const value = await (handlers[channel] as Handler<C>)(parsed.data as never);
        // Structured clone: views must not share objects with the "service".
        return structuredClone(value);
      } catch (e) {
        throw new TransportError(channel, e instanceof Error ? e.message : String(e));
      }
    },
    on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void {
      const set = listeners.get(event) ?? new Set();
      set.add(handler as (p: unknown) => void);
      listeners.set(event, set);
      return () => set.delete(handler as (p: unknown) => void);
    },
    imageUrl(imageId: number): string {
      let url = thumbs.get(imageId);
      const img = images[imageId - 1];
      if (!url && img) thumbs.set(imageId, (url = imageSvg(img)));
      return url ?? '';
    },
  };
}

export { CLASS_BY_INDEX };
