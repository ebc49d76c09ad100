// The explain contract: what the engine produces and the CLI writes as JSON (see README, "camscope explain").

export const METHOD_NAMES = [
  'cam',
  'gradcam',
  'gradcam++',
  'xgradcam',
  'hirescam',
  'layercam',
  'eigencam',
  'ablationcam',
  'reciprocam',
  'scorecam',
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** Pixel-edge coordinates in the original image: x1 = rightmost column + 1. */
export type Box = [x0: number, y0: number, x1: number, y1: number];

export interface Preprocessing {
  /** Model input size the image is resized to (whole image, bilinear, no crop). */
  width: number;
  height: number;
  /** Per-channel mean and std in 0..1 units, applied to RGB pixels scaled to 0..1 (torchvision convention). */
  mean: [number, number, number];
  std: [number, number, number];
  /** Where the values came from: 'metadata', 'preset:imagenet', 'preset:none' or 'flags'. */
  source: string;
}

export interface Prediction {
  /** Index into the model's output (logit index). */
  index: number;
  label: string | null;
  /** Softmax probability. */
  score: number;
}

export interface LayerCandidate {
  tensor: string;
  op: string;
  /** [C, H, W] */
  shape: [number, number, number];
  isDefault: boolean;
  cam: { applicable: true } | { applicable: false; reason: string };
}

export interface MapResult {
  /** Method id, with ':variant' when a non-default variant was asked for (e.g. 'gradcam++:torchcam'). */
  method: string;
  layer: string;
  target: number;
  /** Layer resolution. */
  width: number;
  height: number;
  /** Row-major, before normalization/upsampling: CAM = signed Σ w·f, Grad-CAM = after its ReLU. */
  values: number[];
  /** WSOL box in original-image pixels, or null when the map is constant. */
  box: Box | null;
}

export interface ImageResult {
  image: string;
  width: number;
  height: number;
  predictions: Prediction[];
  maps: MapResult[];
}

export interface ModelSummary {
  path: string;
  sha256: string;
  input: { name: string; shape: (number | string)[] };
  preprocessing: Preprocessing;
  /** Camified models only: what CAM on the refit GAP head explains (one line). */
  refitHead?: string;
}

export interface ExplainReport {
  model: ModelSummary;
  results: ImageResult[];
}
