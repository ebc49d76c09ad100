// The one IPC contract between the renderer and the main-process services: channel → request and
// response schemas, and the push events. Both shells (Electron, loopback browser) carry exactly this.
import { z } from 'zod';

const id = z.number().int().nonnegative();
const path = z.string().min(1).max(4096);
const box = z.tuple([z.number(), z.number(), z.number(), z.number()]);

export const prediction = z.object({ index: z.number().int(), label: z.string().nullable(), score: z.number() });

export const imageRow = z.object({
  id,
  path: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  dataset: z.string().nullable(),
  gtLabel: z.number().int().nullable(),
  /** Top-1 of the gallery's model, when it has run. */
  top1: prediction.nullable(),
  iou: z.number().nullable(),
  disagreement: z.number().nullable(),
});
export type ImageRow = z.infer<typeof imageRow>;

export const galleryFilters = z
  .object({
    dataset: z.string().max(256).optional(),
    gtClass: z.number().int().optional(),
    predictedClass: z.number().int().optional(),
    correct: z.boolean().optional(),
    iouMin: z.number().min(0).max(1).optional(),
    iouMax: z.number().min(0).max(1).optional(),
  })
  .strict();

export const layerInfo = z.object({
  tensor: z.string(),
  op: z.string(),
  shape: z.tuple([z.number(), z.number(), z.number()]),
  isDefault: z.boolean(),
  cam: z.union([z.object({ applicable: z.literal(true) }), z.object({ applicable: z.literal(false), reason: z.string() })]),
});

export const modelInfo = z.object({
  id,
  path: z.string(),
  name: z.string(),
  sha256: z.string(),
  numClasses: z.number().int(),
  defaultLayer: z.string(),
  layers: z.array(layerInfo),
});
export type ModelInfo = z.infer<typeof modelInfo>;

export const runStatus = z.enum(['pending', 'running', 'done', 'cancelled', 'failed']);
export const runInfo = z.object({
  id,
  modelId: id,
  method: z.string(),
  layer: z.string(),
  target: z.string(),
  status: runStatus,
  done: z.number().int(),
  total: z.number().int(),
  error: z.string().nullable(),
  elapsedMs: z.number().nullable(),
});
export type RunInfo = z.infer<typeof runInfo>;

export const mapPayload = z.object({
  runId: id,
  method: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  /** Layer-resolution values, row-major (upsampling and colour happen in the view). */
  values: z.array(z.number()),
  target: z.number().int(),
});
export type MapPayload = z.infer<typeof mapPayload>;

export const imageDetail = z.object({
  image: imageRow,
  gtBoxes: z.array(z.object({ box, label: z.number().int().nullable() })),
  predictions: z.array(z.object({ modelId: id, top5: z.array(prediction) })),
  maps: z.array(mapPayload),
});
export type ImageDetail = z.infer<typeof imageDetail>;

/** Channel → request and response schemas. */
export const channels = {
  'project.info': { request: z.object({}).strict(), response: z.object({ path: z.string(), images: z.number(), models: z.number(), runs: z.number() }) },
  'images.import': {
    request: z.object({ paths: z.array(path).min(1).max(10_000), dataset: z.string().max(256).optional() }).strict(),
    response: z.object({ added: z.number().int(), skipped: z.array(z.object({ path: z.string(), reason: z.string() })) }),
  },
  'images.query': {
    request: z
      .object({
        offset: z.number().int().min(0),
        limit: z.number().int().min(1).max(500),
        filters: galleryFilters,
        sort: z.enum(['id', 'confidence', 'iou', 'disagreement']),
        order: z.enum(['asc', 'desc']),
        modelId: id.optional(),
        runId: id.optional(),
        /** The run compared with runId for the 'disagreement' sort. */
        compareRunId: id.optional(),
      })
      .strict(),
    response: z.object({ total: z.number().int(), rows: z.array(imageRow) }),
  },
  'images.detail': { request: z.object({ imageId: id }).strict(), response: imageDetail },
  'models.add': { request: z.object({ path }).strict(), response: modelInfo },
  'models.list': { request: z.object({}).strict(), response: z.array(modelInfo) },
  'runs.start': {
    request: z
      .object({
        modelId: id,
        methods: z.array(z.string().min(1).max(64)).min(1).max(16),
        layer: z.string().max(1024).optional(),
        target: z.union([z.literal('top1'), z.number().int().min(0)]),
        imageIds: z.array(id).max(100_000).optional(),
      })
      .strict(),
    response: z.array(runInfo),
  },
  'runs.cancel': { request: z.object({ runId: id }).strict(), response: z.object({ cancelled: z.boolean() }) },
  'runs.list': { request: z.object({}).strict(), response: z.array(runInfo) },
} as const;

export type Channel = keyof typeof channels;
export type Request<C extends Channel> = z.input<(typeof channels)[C]['request']>;
export type Response<C extends Channel> = z.infer<(typeof channels)[C]['response']>;

/** Push events from main to the renderer. */
export const events = {
  'run.progress': z.object({ runIds: z.array(id), done: z.number().int(), total: z.number().int(), rate: z.number(), etaSeconds: z.number() }),
  'run.finished': z.object({ runIds: z.array(id), status: runStatus, error: z.string().nullable() }),
} as const;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>;

/** What the renderer sees of the shell it runs in. */
export interface Transport {
  invoke<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>>;
  on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void;
  /** URL of an image or thumbnail the project references (served by the shell). */
  imageUrl(imageId: number, kind: 'thumb' | 'full'): string;
}

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name);
}
