// Deterministic fake project data for the mock transport: images (as SVG), ground truth, predictions and maps.
import type { ImageRow, ModelInfo } from '../../src-shared/ipc.js';
import type { Box } from '../../src-shared/explainTypes.js';
import { rng } from '../../src-shared/random.js';

type Shape = 'ellipse' | 'circle' | 'rect' | 'stripes' | 'triangle' | 'diamond';

interface MockClass {
  index: number;
  label: string;
  shape: Shape;
  color: string;
  /** Background gradient, top to bottom. */
  scene: [string, string];
}

/** ImageNet-1k indices and names, each drawn as a simple shape on a plausible background. */
export const CLASSES: readonly MockClass[] = [
  { index: 281, label: 'tabby cat', shape: 'ellipse', color: '#b9793f', scene: ['#e9e2d6', '#b8a98f'] },
  { index: 207, label: 'golden retriever', shape: 'ellipse', color: '#d9a441', scene: ['#cfe3b4', '#6f9a4a'] },
  { index: 340, label: 'zebra', shape: 'stripes', color: '#222222', scene: ['#e8dba6', '#b59d55'] },
  { index: 291, label: 'lion', shape: 'ellipse', color: '#c8903c', scene: ['#efe1b0', '#a98e4b'] },
  { index: 948, label: 'Granny Smith', shape: 'circle', color: '#7cbf3b', scene: ['#f3efe6', '#cfc4ad'] },
  { index: 967, label: 'espresso', shape: 'circle', color: '#4a2c1a', scene: ['#ddd3c7', '#8c7a66'] },
  { index: 404, label: 'airliner', shape: 'diamond', color: '#dfe4ea', scene: ['#7fb2e5', '#cfe2f5'] },
  { index: 817, label: 'sports car', shape: 'rect', color: '#c8242b', scene: ['#c9d1d9', '#6b7480'] },
  { index: 1, label: 'goldfish', shape: 'ellipse', color: '#f08a1c', scene: ['#5aa6c8', '#1d5f80'] },
  { index: 130, label: 'flamingo', shape: 'triangle', color: '#f27fa4', scene: ['#bfe0e8', '#7eb3bf'] },
  { index: 417, label: 'balloon', shape: 'circle', color: '#d63b53', scene: ['#9fcbf0', '#e7f2fb'] },
  { index: 950, label: 'orange', shape: 'circle', color: '#f5a023', scene: ['#f4efe3', '#d5c7a6'] },
];
export const CLASS_BY_INDEX = new Map(CLASSES.map((c) => [c.index, c]));

const SIZES: readonly [number, number][] = [
  [500, 375],
  [375, 500],
  [500, 333],
  [640, 480],
  [448, 448],
  [500, 400],
];

export interface MockImage {
  row: Omit<ImageRow, 'gtClass' | 'top1' | 'iou' | 'disagreement'>;
  cls: MockClass;
  boxes: Box[];
  /** Seed for everything drawn or predicted about this image. */
  seed: number;
}

export function makeImage(id: number, dataset: string): MockImage {
  const r = rng(id * 2654435761);
  const [width, height] = SIZES[Math.floor(r() * SIZES.length)]!;
  const cls = CLASSES[Math.floor(r() * CLASSES.length)]!;
  const box = (scale: number): Box => {
    const w = Math.round(width * scale * (0.45 + 0.45 * r()));
    const h = Math.round(height * scale * (0.45 + 0.45 * r()));
    const x0 = Math.round((width - w) * r());
    const y0 = Math.round((height - h) * r());
    return [x0, y0, x0 + w, y0 + h];
  };
  const boxes = [box(1)];
  if (r() < 0.08) boxes.push(box(0.5));
  const folder = dataset === 'imagenet-val' ? 'ILSVRC2012_val' : 'field';
  const path = `/data/${dataset}/${folder}_${String(id).padStart(8, '0')}.JPEG`;
  return { row: { id, path, width, height, dataset, gtLabel: cls.index }, cls, boxes, seed: id * 7919 + 17 };
}

/** The picture: class-coloured shapes in their boxes on a scene gradient, as an SVG data URL the <img> can show. */
export function imageSvg(img: MockImage): string {
  const { width: W, height: H } = img.row;
  const r = rng(img.seed);
  const [top, bottom] = img.cls.scene;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${top}"/><stop offset="1" stop-color="${bottom}"/></linearGradient></defs>`,
    `<rect width="${W}" height="${H}" fill="url(#g)"/>`,
  ];
  // Soft clutter, so maps have something to be distracted by.
  for (let i = 0; i < 5; i++) {
    const cx = r() * W,
      cy = r() * H,
      rad = (0.04 + 0.1 * r()) * Math.min(W, H);
    parts.push(`<circle cx="${cx.toFixed(0)}" cy="${cy.toFixed(0)}" r="${rad.toFixed(0)}" fill="#fff" opacity="${(0.08 + 0.12 * r()).toFixed(2)}"/>`);
  }
  for (const b of img.boxes) parts.push(shapeSvg(img.cls, b));
  parts.push('</svg>');
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(parts.join(''))}`;
}

function shapeSvg(cls: MockClass, [x0, y0, x1, y1]: Box): string {
  const w = x1 - x0,
    h = y1 - y0,
    cx = x0 + w / 2,
    cy = y0 + h / 2;
  const fill = `fill="${cls.color}" stroke="rgba(0,0,0,0.25)" stroke-width="2"`;
  switch (cls.shape) {
    case 'ellipse':
      return `<ellipse cx="${cx}" cy="${cy}" rx="${w / 2}" ry="${h / 2}" ${fill}/><circle cx="${x0 + w * 0.8}" cy="${y0 + h * 0.3}" r="${Math.min(w, h) * 0.12}" fill="#fff" opacity="0.35"/>`;
    case 'circle':
      return `<circle cx="${cx}" cy="${cy}" r="${Math.min(w, h) / 2}" ${fill}/><ellipse cx="${cx - w * 0.15}" cy="${cy - h * 0.18}" rx="${w * 0.1}" ry="${h * 0.07}" fill="#fff" opacity="0.4"/>`;
    case 'rect':
      return `<rect x="${x0}" y="${y0 + h * 0.25}" width="${w}" height="${h * 0.55}" rx="${h * 0.15}" ${fill}/><circle cx="${x0 + w * 0.22}" cy="${y1 - h * 0.2}" r="${h * 0.16}" fill="#1b1b1b"/><circle cx="${x0 + w * 0.78}" cy="${y1 - h * 0.2}" r="${h * 0.16}" fill="#1b1b1b"/>`;
    case 'stripes': {
      const stripes = Array.from(
        { length: 7 },
        (_, i) => `<rect x="${x0 + (i * w) / 7}" y="${y0}" width="${w / 14}" height="${h}" fill="${cls.color}"/>`,
      ).join('');
      return `<ellipse cx="${cx}" cy="${cy}" rx="${w / 2}" ry="${h / 2}" fill="#f4f4f0"/><g clip-path="inset(0)">${stripes}</g>`;
    }
    case 'triangle':
      return `<polygon points="${cx},${y0} ${x1},${y1} ${x0},${y1}" ${fill}/>`;
    case 'diamond':
      return `<polygon points="${cx},${y0 + h * 0.3} ${x1},${cy} ${cx},${y1 - h * 0.3} ${x0},${cy}" ${fill}/><rect x="${cx - w * 0.04}" y="${y0}" width="${w * 0.08}" height="${h}" ${fill}/>`;
  }
}

// ---- models -------------------------------------------------------------------------------------------------------

const RESNET_LAYERS: ModelInfo['layers'] = [
  {
    tensor: '/layer2/layer2.3/relu_2/Relu_output_0',
    op: 'Relu',
    shape: [512, 28, 28],
    isDefault: false,
    cam: { applicable: false, reason: 'layer3 and layer4 lie between this tensor and the GlobalAveragePool (/avgpool/GlobalAveragePool)' },
  },
  {
    tensor: '/layer3/layer3.5/relu_2/Relu_output_0',
    op: 'Relu',
    shape: [1024, 14, 14],
    isDefault: false,
    cam: { applicable: false, reason: 'layer4 lies between this tensor and the GlobalAveragePool (/avgpool/GlobalAveragePool)' },
  },
  { tensor: '/layer4/layer4.2/relu_2/Relu_output_0', op: 'Relu', shape: [2048, 7, 7], isDefault: true, cam: { applicable: true } },
];

const VGG_LAYERS: ModelInfo['layers'] = [
  {
    tensor: '/features/features.23/MaxPool_output_0',
    op: 'MaxPool',
    shape: [512, 14, 14],
    isDefault: false,
    cam: {
      applicable: false,
      reason: 'the head is Flatten → Gemm (/classifier/classifier.0/Gemm) over all 7×7 positions, not global average pooling',
    },
  },
  {
    tensor: '/features/features.28/Conv_output_0',
    op: 'Conv',
    shape: [512, 14, 14],
    isDefault: false,
    cam: {
      applicable: false,
      reason: 'the head is Flatten → Gemm (/classifier/classifier.0/Gemm) over all 7×7 positions, not global average pooling',
    },
  },
  {
    tensor: '/features/features.29/Relu_output_0',
    op: 'Relu',
    shape: [512, 14, 14],
    isDefault: true,
    cam: {
      applicable: false,
      reason: 'the head is Flatten → Gemm (/classifier/classifier.0/Gemm) over all 7×7 positions, not global average pooling',
    },
  },
  {
    tensor: '/features/features.30/MaxPool_output_0',
    op: 'MaxPool',
    shape: [512, 7, 7],
    isDefault: false,
    cam: {
      applicable: false,
      reason: 'the head is Flatten → Gemm (/classifier/classifier.0/Gemm) over all 7×7 positions, not global average pooling',
    },
  },
];

export function seedModels(): ModelInfo[] {
  const sha = (s: number) => Array.from({ length: 64 }, (_, i) => '0123456789abcdef'[Math.floor(rng(s + i)() * 16)]).join('');
  return [
    {
      id: 1,
      path: '/models/resnet50-v1-7.onnx',
      name: 'resnet50-v1-7',
      sha256: sha(11),
      numClasses: 1000,
      defaultLayer: RESNET_LAYERS[2]!.tensor,
      layers: RESNET_LAYERS,
      form: {
        opset: 7,
        layout: 'NCHW',
        channels: 3,
        input: 'data',
        inputType: 'float32',
        quantization: 'none',
        perChannel: false,
        precision: 'float32',
        head: 'logits',
        output: 'resnetv17_dense0_fwd',
        logits: 'resnetv17_dense0_fwd',
        externalData: [],
      },
    },
    {
      id: 2,
      path: '/models/vgg16-bn-12.onnx',
      name: 'vgg16-bn-12',
      sha256: sha(23),
      numClasses: 1000,
      defaultLayer: VGG_LAYERS[2]!.tensor,
      layers: VGG_LAYERS,
    },
  ];
}

/** A model added through models.add: a GAP network whose last block feeds the pool, so CAM applies. */
export function addedModel(id: number, path: string): ModelInfo {
  const name = path
    .split(/[\\/]/)
    .pop()!
    .replace(/\.onnx$/i, '');
  const last = '/features/features.8/Clip_output_0';
  return {
    id,
    path,
    name,
    sha256: 'f'.repeat(64),
    numClasses: 1000,
    defaultLayer: last,
    layers: [
      {
        tensor: '/features/features.6/Add_output_0',
        op: 'Add',
        shape: [160, 7, 7],
        isDefault: false,
        cam: { applicable: false, reason: 'features.7–8 lie between this tensor and the GlobalAveragePool' },
      },
      { tensor: last, op: 'Clip', shape: [1280, 7, 7], isDefault: true, cam: { applicable: true } },
    ],
  };
}

// ---- predictions and maps -----------------------------------------------------------------------------------------

/** How often each mock model is right, so correct/incorrect filters have something on both sides. */
const ACCURACY: Record<number, number> = { 1: 0.78, 2: 0.71 };

export interface MockPrediction {
  top5: { index: number; label: string; score: number }[];
  correct: boolean;
}

export function predict(img: MockImage, modelId: number): MockPrediction {
  const r = rng(img.seed * 31 + modelId);
  const correct = r() < (ACCURACY[modelId] ?? 0.75);
  const others = shuffle(
    CLASSES.filter((c) => c !== img.cls),
    r,
  );
  const order = correct ? [img.cls, ...others] : [others[0]!, img.cls, ...others.slice(1)];
  // Scores: a confident or hesitant top-1, the rest sharing what is left in falling shares.
  let left = 1 - (correct ? 0.45 + 0.54 * r() : 0.25 + 0.45 * r());
  const scores = [1 - left];
  for (let i = 1; i < 5; i++) {
    scores.push(left * (0.35 + 0.4 * r()));
    left -= scores[i]!;
  }
  // Sorted, as a softmax top-5 is (a wrong top-1 may still be less sure than the true class would be elsewhere).
  scores.sort((a, b) => b - a);
  return { top5: order.slice(0, 5).map((c, i) => ({ index: c.index, label: c.label, score: scores[i]! })), correct };
}

/**
 * A plausible map for (image, model, method) at layer resolution: a blob over the object when the model is right,
 * somewhere off it when wrong, with method-specific texture. On the GAP model Grad-CAM is exactly ReLU(CAM)/(H·W),
 * the identity the engine's tests check, so CAM-vs-Grad-CAM disagreement there comes from CAM's negative evidence.
 */
export function mockMap(img: MockImage, modelId: number, method: string, grid: number): number[] {
  const base = method.split(':')[0]!;
  if (base === 'gradcam' && modelId === 1) return mockMap(img, modelId, 'cam', grid).map((v) => Math.max(0, v) / (grid * grid));
  const { width: W, height: H } = img.row;
  const [x0, y0, x1, y1] = img.boxes[0]!;
  const r = rng(img.seed * 97 + modelId * 13);
  const methodNoise = rng(img.seed * 101 + modelId * 7 + hash(base));
  const { correct } = predict(img, modelId);
  let cx = (x0 + x1) / 2 / W,
    cy = (y0 + y1) / 2 / H;
  if (!correct) {
    cx = (cx + 0.3 + 0.4 * r()) % 1;
    cy = (cy + 0.2 + 0.5 * r()) % 1;
  } else {
    cx += (r() - 0.5) * 0.12;
    cy += (r() - 0.5) * 0.12;
  }
  const spread = base === 'layercam' ? 0.32 : base === 'gradcam++' ? 0.4 : 0.45;
  const sx = Math.max(0.06, ((x1 - x0) / W) * spread),
    sy = Math.max(0.06, ((y1 - y0) / H) * spread);
  // A second, weaker peak: the "context" evidence CAM methods often pick up.
  const dx = r(),
    dy = r(),
    dw = 0.25 + 0.35 * r();
  const values: number[] = [];
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      const u = (gx + 0.5) / grid,
        v = (gy + 0.5) / grid;
      const main = Math.exp(-(((u - cx) / sx) ** 2 + ((v - cy) / sy) ** 2) / 2);
      const side = dw * Math.exp(-(((u - dx) / 0.12) ** 2 + ((v - dy) / 0.12) ** 2) / 2);
      const noise = (methodNoise() - 0.5) * 0.12;
      const raw = 6 * (main + side + noise);
      values.push(base === 'cam' ? raw - 1.2 : Math.max(0, raw - 0.4));
    }
  }
  return values;
}

/** Fisher–Yates with the given PRNG: a random comparator in sort() is neither uniform nor the same across engines. */
function shuffle<T>(items: T[], r: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h >>> 0;
}
