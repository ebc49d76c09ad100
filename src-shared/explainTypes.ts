// The explain contract: what the engine produces and the CLI writes as JSON (see README, "camscope explain").

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
  /** [C, H, W] of the map (a token or channels-last tensor read as a grid) */
  shape: [number, number, number];
  /** How the tensor's axes are read: 'NCHW', 'NHWC', 'tokens [N, 1 + 14×14, C]', … */
  layout?: string;
  isDefault: boolean;
  cam: { applicable: true } | { applicable: false; reason: string };
}

/** How camscope read a model file (`camscope layers`, the Models view). */
export interface ModelForm {
  /** Default-domain operator set. */
  opset: number;
  layout: 'NCHW' | 'NHWC';
  /** 3 = RGB; 1 = grayscale (fed the image's luma). */
  channels: 1 | 3;
  /** The model's own input name. */
  input: string;
  /** Its element type: uint8 inputs are fed 0..255 pixel values (preset pixels by default). */
  inputType: 'float32' | 'uint8';
  /** none; qdq-weights (DequantizeLinear weights); qdq (weights and activations); qoperator (QLinearConv …, rewritten). */
  quantization: 'none' | 'qdq-weights' | 'qdq' | 'qoperator';
  perChannel: boolean;
  /** Element type of the file's weights; half precision is computed in float32. */
  precision: 'float32' | 'float16' | 'bfloat16';
  /** What the chosen output holds: logits, or probabilities after a trailing Softmax / LogSoftmax. */
  head: 'logits' | 'softmax' | 'logsoftmax';
  /** The graph output camscope reads. */
  output: string;
  /** The tensor maps and gradients explain (the output itself, or the input of its Softmax / LogSoftmax). */
  logits: string;
  /** External data files read from the model's folder. */
  externalData: string[];
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
  /** What camscope feeds: [N, 3, H, W] RGB (an adapter named camscope_image in front of NHWC / grayscale inputs). */
  input: { name: string; shape: (number | string)[] };
  preprocessing: Preprocessing;
  /** How the file was read: the model's own input and layout, quantization, output head, … */
  form?: ModelForm;
  /** Camified models only: what CAM on the refit GAP head explains (one line). */
  refitHead?: string;
  /** Where ONNX Runtime ran (the execution provider --device chose). */
  device?: string;
}

export interface ExplainReport {
  model: ModelSummary;
  results: ImageResult[];
}

/** Where ONNX Runtime runs (`--device`, the run form): the CPU, an accelerator's execution provider, or the first usable one. */
export const DEVICES = ['cpu', 'cuda', 'dml', 'coreml', 'auto'] as const;
export type Device = (typeof DEVICES)[number];
