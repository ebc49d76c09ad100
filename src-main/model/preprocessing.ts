// Preprocessing resolution: flags > --preset > model metadata ('camscope.preprocessing') > imagenet preset.
import { CamscopeError } from '../errors.js';
import type { Preprocessing } from '../../src-shared/explainTypes.js';

export const PRESETS = {
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], size: 224 },
  none: { mean: [0, 0, 0], std: [1, 1, 1], size: 224 },
  // Keras / TensorFlow 'tf' mode: x/127.5 − 1 = (x/255 − 0.5)/0.5.
  tf: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], size: 224 },
  // Raw 0..255 pixel values: the default for models with a uint8 image input.
  pixels: { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255], size: 224 },
} as const;
export type PresetName = keyof typeof PRESETS;
export const METADATA_KEY = 'camscope.preprocessing';

export interface PreprocessingFlags {
  preset?: string;
  size?: string;
  mean?: string;
  std?: string;
}

type Triple = [number, number, number];

function parseTriple(v: string, flag: string): Triple {
  const parts = v.split(',').map((x) => Number(x.trim()));
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x))) {
    throw new CamscopeError(`${flag}: expected three comma-separated numbers, got '${v}'`);
  }
  return parts as Triple;
}

function parseSize(v: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/i.exec(v.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new CamscopeError(`--size: expected WxH (e.g. 224x224), got '${v}'`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** Parses the model's own preprocessing metadata, or null when absent. */
export function preprocessingFromMetadata(metadata: Record<string, string>, file: string): Preprocessing | null {
  const raw = metadata[METADATA_KEY];
  if (!raw) return null;
  let v: { size?: [number, number]; mean?: Triple; std?: Triple };
  try {
    v = JSON.parse(raw);
  } catch {
    throw new CamscopeError(`${file}: metadata '${METADATA_KEY}' is not valid JSON`);
  }
  const ok = (t: unknown) => Array.isArray(t) && t.length === 3 && t.every((x) => typeof x === 'number');
  if (!Array.isArray(v.size) || v.size.length !== 2 || !ok(v.mean) || !ok(v.std)) {
    throw new CamscopeError(`${file}: metadata '${METADATA_KEY}' needs {size:[W,H], mean:[r,g,b], std:[r,g,b]}`);
  }
  return { width: v.size[0], height: v.size[1], mean: v.mean!, std: v.std!, source: 'metadata' };
}

/**
 * Decides the preprocessing. `modelSize` is the model's static input size (undefined if dynamic),
 * which always wins over a preset's nominal size.
 */
export function resolvePreprocessing(
  flags: PreprocessingFlags,
  metadata: Preprocessing | null,
  modelSize: { width: number; height: number } | undefined,
  /** The preset used when neither flags nor metadata say (pixels for uint8-input models). */
  fallback: PresetName = 'imagenet',
): Preprocessing {
  let base: Preprocessing;
  if (flags.preset) {
    if (!(flags.preset in PRESETS)) throw new CamscopeError(`--preset: unknown preset '${flags.preset}' (${Object.keys(PRESETS).join(', ')})`);
    const p = PRESETS[flags.preset as PresetName];
    base = { width: p.size, height: p.size, mean: [...p.mean], std: [...p.std], source: `preset:${flags.preset}` };
  } else if (metadata) {
    base = metadata;
  } else {
    const p = PRESETS[fallback];
    base = { width: p.size, height: p.size, mean: [...p.mean], std: [...p.std], source: `preset:${fallback}` };
  }
  if (modelSize && base.source !== 'metadata') base = { ...base, ...modelSize };
  if (flags.size || flags.mean || flags.std) {
    base = {
      ...base,
      ...(flags.size ? parseSize(flags.size) : {}),
      mean: flags.mean ? parseTriple(flags.mean, '--mean') : base.mean,
      std: flags.std ? parseTriple(flags.std, '--std') : base.std,
      source: 'flags',
    };
  }
  if (base.std.some((s) => s === 0)) throw new CamscopeError('--std: values must be non-zero');
  if (modelSize && (modelSize.width !== base.width || modelSize.height !== base.height)) {
    throw new CamscopeError(`--size ${base.width}x${base.height} does not match the model's fixed input ${modelSize.width}x${modelSize.height}`);
  }
  return base;
}

/**
 * RGB 8-bit interleaved pixels (already resized) → normalized CHW floats, written at `out[offset]`: one pass
 * over the pixels through a 256-entry table per channel (the same float32 of v·scale − shift as computing it).
 */
export function toInputTensor(rgb: Uint8Array, p: Preprocessing, out: Float32Array, offset: number): void {
  const plane = p.width * p.height;
  if (rgb.length < 3 * plane) throw new RangeError(`toInputTensor: ${rgb.length} bytes for ${p.width}×${p.height} RGB`);
  const [r, g, b] = [0, 1, 2].map((c) => channelTable(p, c)) as [Float32Array, Float32Array, Float32Array];
  const [o0, o1, o2] = [offset, offset + plane, offset + 2 * plane];
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    out[o0 + i] = r[rgb[j]!]!;
    out[o1 + i] = g[rgb[j + 1]!]!;
    out[o2 + i] = b[rgb[j + 2]!]!;
  }
}

/** Channel c's value of each 8-bit level: level · 1/(255·std) − mean/std, as computed per pixel before (768 values: cheaper than a cache). */
function channelTable(p: Preprocessing, c: number): Float32Array {
  const scale = 1 / (255 * p.std[c]!);
  const shift = p.mean[c]! / p.std[c]!;
  return Float32Array.from({ length: 256 }, (_, v) => v * scale - shift);
}
