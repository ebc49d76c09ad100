// The one IPC contract between the renderer and the main-process services: channel → request and
// response schemas, and the push events. Both shells (Electron, loopback browser) carry exactly this.
import { z } from 'zod';
import { DEVICES } from './explainTypes.js';
import { MAX_LABEL_OFFSET } from './labelOffset.js';
import type { LayerFootprint } from './methodCost.js';
import { SANITY_MODES, type MapSimilarity, type SanityImageScores, type SanitySummary } from './sanityTypes.js';

const id = z.number().int().nonnegative();
const path = z.string().min(1).max(4096);
const box = z.tuple([z.number(), z.number(), z.number(), z.number()]);
const labelOffset = z.number().int().min(0).max(MAX_LABEL_OFFSET);

/** Dataset layouts camscope reads (src-main/datasets/). */
export const DATASET_FORMATS = ['folders', 'imagenet', 'cub', 'wsolevaluation', 'coco', 'voc'] as const;

/** What report.export writes, as `camscope eval --report/--pdf/--csv/--json`. */
export const REPORT_FORMATS = ['html', 'pdf', 'csv', 'json'] as const;

export const prediction = z.object({ index: z.number().int(), label: z.string().nullable(), score: z.number() });

export const imageRow = z.object({
  id,
  path: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  dataset: z.string().nullable(),
  /** The true class in the dataset's own numbering. */
  gtLabel: z.number().int().nullable(),
  /** The true class as the gallery's model's logit index (gtLabel + the dataset's label offset), null without a model. */
  gtClass: z.number().int().nullable(),
  /** Top-1 of the gallery's model, when it has run. */
  top1: prediction.nullable(),
  iou: z.number().nullable(),
  disagreement: z.number().nullable(),
});
export type ImageRow = z.infer<typeof imageRow>;

/** A dataset of the project: its labels stay in its own numbering; class i is a model's logit i + labelOffset. */
export const datasetInfo = z.object({
  name: z.string(),
  images: z.number().int(),
  /** null: each model's default (1 for 1001 outputs with background first, else 0, or the model's camscope.label_offset). */
  labelOffset: z.number().int().nullable(),
});
export type DatasetInfo = z.infer<typeof datasetInfo>;

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
  layout: z.string().optional(),
  isDefault: z.boolean(),
  cam: z.union([z.object({ applicable: z.literal(true) }), z.object({ applicable: z.literal(false), reason: z.string() })]),
});

const bytes = z.number().nonnegative();
export const layerFootprint = z.object({
  channels: z.number().int(),
  height: z.number().int(),
  width: z.number().int(),
  inputWidth: z.number().int(),
  inputHeight: z.number().int(),
  tensorBytes: bytes,
  downstreamBytes: bytes,
}) satisfies z.ZodType<LayerFootprint>;

export const modelInfo = z.object({
  id,
  path: z.string(),
  name: z.string(),
  sha256: z.string(),
  numClasses: z.number().int(),
  defaultLayer: z.string(),
  layers: z.array(layerInfo),
  /** Per candidate layer, what the run form's cost estimate needs (src-shared/methodCost.ts). */
  footprints: z.record(z.string(), layerFootprint).optional(),
  /** Methods of the registry that do not apply at the default layer, with the reason (CAM on a head without GAP, rollout on a CNN). */
  refused: z.record(z.string(), z.string()).optional(),
  /** Set on a model camify wrote: the model it was refit from and what CAM on it explains (one line). */
  camify: z.object({ sourceSha256: z.string(), description: z.string() }).optional(),
  /** How the file was read (ModelForm in explainTypes.ts). */
  form: z
    .object({
      opset: z.number().int(),
      layout: z.enum(['NCHW', 'NHWC']),
      channels: z.union([z.literal(1), z.literal(3)]),
      input: z.string(),
      inputType: z.enum(['float32', 'uint8']),
      quantization: z.enum(['none', 'qdq-weights', 'qdq', 'qoperator']),
      perChannel: z.boolean(),
      precision: z.enum(['float32', 'float16', 'bfloat16']),
      head: z.enum(['logits', 'softmax', 'logsoftmax']),
      output: z.string(),
      logits: z.string(),
      externalData: z.array(z.string()),
    })
    .optional(),
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
  /** Per model that has run: the true class as its logit index (what its top-5 is compared with), and its top-5. */
  predictions: z.array(z.object({ modelId: id, gtClass: z.number().int().nullable(), top5: z.array(prediction) })),
  maps: z.array(mapPayload),
});
export type ImageDetail = z.infer<typeof imageDetail>;

const similarity = z.object({
  spearman: z.number().nullable(),
  spearman_abs: z.number().nullable(),
  ssim: z.number().nullable(),
}) satisfies z.ZodType<MapSimilarity>;
const sanityStep = similarity.extend({ node: z.string(), op: z.string() });
export const sanitySummary = z.object({
  model: z.string(),
  layer: z.string(),
  images: z.number().int(),
  seed: z.number().int(),
  nodes: z.array(z.object({ node: z.string(), op: z.string() })),
  methods: z.record(
    z.string(),
    z.object({
      cascading: z.array(sanityStep),
      independent: z.array(sanityStep),
      random_logit: similarity,
      degrades: z.boolean().nullable(),
      class_sensitive: z.boolean(),
    }),
  ),
  refused: z.record(z.string(), z.string()),
}) satisfies z.ZodType<SanitySummary>;
export const sanityImageScores = z.object({
  cascading: z.array(z.array(similarity)),
  independent: z.array(z.array(similarity)),
  random_logit: z.array(similarity),
}) satisfies z.ZodType<SanityImageScores>;

/** A sanity check (Adebayo et al. 2018) of the open project: what was asked, and how far it got. */
export const sanityInfo = z.object({
  id,
  modelId: id,
  methods: z.array(z.string()),
  modes: z.array(z.enum(SANITY_MODES)),
  seed: z.number().int(),
  layer: z.string().nullable(),
  imageIds: z.array(id),
  status: z.enum(['pending', 'running', 'done', 'cancelled', 'failed']),
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type SanityInfo = z.infer<typeof sanityInfo>;

const grid = z.object({ width: z.number().int(), height: z.number().int(), values: z.array(z.number()) });
export type GridPayload = z.infer<typeof grid>;

const projectInfo = z.object({ path: z.string(), images: z.number(), models: z.number(), runs: z.number() });

/** Channel → request and response schemas. */
export const channels = {
  'project.info': { request: z.object({}).strict(), response: projectInfo },
  /** Switches the shell to another project file (created when asked and missing); runs of the one left resume when it is reopened. */
  'project.open': { request: z.object({ path, create: z.boolean().optional() }).strict(), response: projectInfo },
  /** Recently opened projects, most recent first. */
  'project.recent': {
    request: z.object({}).strict(),
    response: z.array(z.object({ path: z.string(), openedAt: z.string(), exists: z.boolean() })),
  },
  'images.import': {
    request: z
      .object({
        paths: z.array(path).min(1).max(10_000),
        dataset: z.string().max(256).optional(),
        /** 'files' (default): images and folders as they are; otherwise one dataset folder, its labels and boxes read. */
        format: z.enum(['files', 'auto', ...DATASET_FORMATS]).optional(),
        split: z.string().min(1).max(64).optional(),
        /** With a dataset format: dataset class i is logit i + labelOffset; null or absent: each model's default. */
        labelOffset: labelOffset.nullable().optional(),
      })
      .strict(),
    response: z.object({
      added: z.number().int(),
      skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
      /** Dataset imports: one line per problem found in the dataset's files. */
      warnings: z.array(z.string()).optional(),
    }),
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
  'datasets.list': { request: z.object({}).strict(), response: z.array(datasetInfo) },
  /** Changes how a dataset's labels map to logits without importing it again; its stored labels are left as they are. */
  'datasets.setLabelOffset': {
    request: z.object({ dataset: z.string().min(1).max(256), labelOffset: labelOffset.nullable() }).strict(),
    response: datasetInfo,
  },
  'models.add': { request: z.object({ path }).strict(), response: modelInfo },
  'models.list': { request: z.object({}).strict(), response: z.array(modelInfo) },
  /** Trains a GAP head (conv-gap by default, or linear) on a layer's frozen features (src-main/camify/), writes it to `out` and adds it to the project. */
  'models.camify': {
    request: z
      .object({
        modelId: id,
        dataset: path,
        out: path,
        layer: z.string().max(1024).optional(),
        head: z.enum(['conv-gap', 'linear']).optional(),
        filters: z.number().int().min(1).max(4096).optional(),
        targetSource: z.enum(['model', 'labels']).optional(),
        valSplit: z.number().min(0).lt(1).optional(),
        seed: z.number().int().optional(),
        l2: z.number().min(0).optional(),
        format: z.enum(DATASET_FORMATS).optional(),
        split: z.string().min(1).max(64).optional(),
      })
      .strict(),
    response: z.object({
      model: modelInfo,
      /** What CAM on the new model explains, one line. */
      description: z.string(),
      valAgreement: z.number().nullable(),
      valAccuracy: z.number().nullable(),
    }),
  },
  'runs.start': {
    request: z
      .object({
        modelId: id,
        methods: z.array(z.string().min(1).max(64)).min(1).max(16),
        layer: z.string().max(1024).optional(),
        target: z.union([z.literal('top1'), z.number().int().min(0)]),
        imageIds: z.array(id).max(100_000).optional(),
        device: z.enum(DEVICES).optional(),
      })
      .strict(),
    response: z.array(runInfo),
  },
  'runs.cancel': { request: z.object({ runId: id }).strict(), response: z.object({ cancelled: z.boolean() }) },
  'runs.list': { request: z.object({}).strict(), response: z.array(runInfo) },
  /** Localization accuracy per threshold of one run, from its stored maps and the ground-truth boxes (src-shared/wsolCurve.ts). */
  'wsol.curve': {
    request: z
      .object({
        runId: id,
        thresholds: z.array(z.number().min(0).max(1)).min(1).max(101),
        /** The images to score (e.g. a gallery sample); all of the project's when absent. */
        imageIds: z.array(id).max(100_000).optional(),
      })
      .strict(),
    response: z.object({
      /** Images scored: those with ground truth and a map of this run. */
      images: z.number().int(),
      points: z.array(
        z.object({ threshold: z.number(), accuracy: z.number().nullable(), meanIoU: z.number().nullable(), hits: z.array(id), misses: z.array(id) }),
      ),
    }),
  },
  /** A folder's sub-folders, projects, models and images, for the path picker; confined to the user's home. */
  'files.list': {
    request: z.object({ dir: path.optional() }).strict(),
    response: z.object({
      dir: z.string(),
      /** null at the top of what may be listed. */
      parent: z.string().nullable(),
      entries: z.array(z.object({ name: z.string(), path: z.string(), kind: z.enum(['folder', 'project', 'model', 'image']) })),
      truncated: z.boolean(),
    }),
  },
  /** The evaluation report of stored top-1 runs (one set of files per model and layer), as `camscope eval` writes it. */
  'report.export': {
    request: z
      .object({
        runIds: z.array(id).min(1).max(64),
        /** The images to report on (e.g. the WSOL view's sample); all of the project's when absent. */
        imageIds: z.array(id).max(100_000).optional(),
        formats: z.array(z.enum(REPORT_FORMATS)).min(1).max(REPORT_FORMATS.length),
        /** Folder the files are written to (created when missing). */
        out: path,
      })
      .strict(),
    /** warnings: one line each, e.g. an image's stored mask file gone (PxAP leaves that image out). */
    response: z.object({ files: z.array(z.string()), warnings: z.array(z.string()).optional() }),
  },
  /**
   * Quick look: imports one image into the project's 'Quick look' dataset (src-shared/quickLook.ts) and explains it
   * with every method that applies to the model at its default layer, in one engine pass, for the top-1 or a chosen
   * class; stored as ordinary runs. Score-CAM (a full pass per channel) only with `slow`.
   */
  'quicklook.run': {
    request: z
      .object({ path, modelId: id, target: z.union([z.literal('top1'), z.number().int().min(0).max(1_000_000)]), slow: z.boolean().optional() })
      .strict(),
    response: z.object({
      /** The image, this model's top-5 and the maps of the runs just made (one per method). */
      detail: imageDetail,
      modelId: id,
      layer: z.string(),
      /** The class explained (the top-1 when asked for it). */
      target: z.number().int(),
      refused: z.array(z.object({ method: z.string(), reason: z.string() })),
      /** Methods left out for their cost (src-shared/quickLook.ts); asked for with `slow`. */
      slow: z.array(z.string()),
    }),
  },
  /** Starts a sanity check of a model's methods on a few images, in the explain worker (sanity.progress, sanity.finished follow). */
  'sanity.start': {
    request: z
      .object({
        modelId: id,
        methods: z.array(z.string().min(1).max(64)).min(1).max(16),
        imageIds: z.array(id).min(1).max(64),
        modes: z.array(z.enum(SANITY_MODES)).min(1).max(SANITY_MODES.length),
        seed: z
          .number()
          .int()
          .min(0)
          .max(2 ** 31 - 1)
          .optional(),
        layer: z.string().max(1024).optional(),
      })
      .strict(),
    response: sanityInfo,
  },
  'sanity.cancel': { request: z.object({ checkId: id }).strict(), response: z.object({ cancelled: z.boolean() }) },
  'sanity.list': { request: z.object({}).strict(), response: z.array(sanityInfo) },
  /** A finished check's summary (the `camscope sanity --json` contract) and each image's similarities, per method. */
  'sanity.result': {
    request: z.object({ checkId: id }).strict(),
    response: z.object({ info: sanityInfo, summary: sanitySummary, perImage: z.record(z.string(), sanityImageScores) }),
  },
  /** One image's cascade per method: its map on the original model, then after each cascading step (layer resolution). */
  'sanity.strip': {
    request: z.object({ checkId: id, imageId: id }).strict(),
    response: z.record(z.string(), z.array(grid)),
  },
  /** Class names of a model, by logit index (null where the model has no name for it). */
  'models.classes': { request: z.object({ modelId: id }).strict(), response: z.array(z.string().nullable()) },
} as const;

export type Channel = keyof typeof channels;
export type Request<C extends Channel> = z.input<(typeof channels)[C]['request']>;
export type Response<C extends Channel> = z.infer<(typeof channels)[C]['response']>;

/** Push events from main to the renderer. */
export const events = {
  'run.progress': z.object({ runIds: z.array(id), done: z.number().int(), total: z.number().int(), rate: z.number(), etaSeconds: z.number() }),
  'run.finished': z.object({ runIds: z.array(id), status: runStatus, error: z.string().nullable() }),
  /** models.camify progress: images whose features are extracted, then fit iterations (total 0: unknown). */
  'camify.progress': z.object({ modelId: id, stage: z.enum(['features', 'fit']), done: z.number().int(), total: z.number().int() }),
  /** sanity.start progress: models explained (the original, then each randomized one) of total. */
  'sanity.progress': z.object({ checkId: id, done: z.number().int(), total: z.number().int() }),
  'sanity.finished': z.object({ checkId: id, status: runStatus, error: z.string().nullable() }),
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
