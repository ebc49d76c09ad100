// Textured backgrounds of the synthetic benchmark, rasterized in JS (cheaper than SVG filters): smooth
// blotches, linear gradients or stripes between two colours, plus per-pixel noise.
import { rng } from '../../src-shared/random.js';

export type Rgb = readonly [number, number, number];

export interface BackgroundPlan {
  kind: 'blotches' | 'gradient' | 'stripes';
  from: Rgb;
  to: Rgb;
  /** Stripes/gradient direction in radians; stripe period in pixels; hard (two-level) stripes. */
  angle: number;
  period: number;
  hard: boolean;
  /** Standard deviation of the per-pixel noise, in 0..255 levels. */
  noise: number;
  /** Seed of the blotch grid and the pixel noise. */
  seed: number;
}

const GRID = 8;

/** Interleaved RGB, size × size, values rounded to 0..255. */
export function renderBackground(p: BackgroundPlan, size: number): Buffer {
  const t = mixFraction(p, size, rng(p.seed));
  const out = Buffer.alloc(size * size * 3);
  const noiseScale = p.noise / Math.sqrt((4 * (256 * 256 - 1)) / 12); // the sum of four uniform bytes has this std
  const [f0, f1, f2] = p.from;
  const d0 = p.to[0] - f0;
  const d1 = p.to[1] - f1;
  const d2 = p.to[2] - f2;
  let state = p.seed | 1; // xorshift32 inline: the per-pixel draw is the hot loop
  for (let i = 0; i < size * size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    // Bell-shaped noise from the four bytes of one draw (a sum of four uniforms), the same on all channels.
    const n = ((state & 255) + ((state >>> 8) & 255) + ((state >>> 16) & 255) + ((state >>> 24) & 255) - 510) * noiseScale;
    const ti = t[i]!;
    out[3 * i] = clampByte(f0 + ti * d0 + n);
    out[3 * i + 1] = clampByte(f1 + ti * d1 + n);
    out[3 * i + 2] = clampByte(f2 + ti * d2 + n);
  }
  return out;
}

const clampByte = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0);

/** Per pixel, how far from `from` (0) towards `to` (1) the background is. */
function mixFraction(p: BackgroundPlan, size: number, r: () => number): Float32Array {
  const t = new Float32Array(size * size);
  if (p.kind === 'blotches') {
    // An 8×8 grid of random levels, bilinearly interpolated over the image.
    const g = new Float32Array(GRID * GRID);
    for (let k = 0; k < g.length; k++) g[k] = r();
    for (let y = 0; y < size; y++) {
      const gy = ((y + 0.5) / size) * (GRID - 1);
      const y0 = Math.min(Math.floor(gy), GRID - 2);
      const fy = gy - y0;
      for (let x = 0; x < size; x++) {
        const gx = ((x + 0.5) / size) * (GRID - 1);
        const x0 = Math.min(Math.floor(gx), GRID - 2);
        const fx = gx - x0;
        const k = y0 * GRID + x0;
        t[y * size + x] = (g[k]! * (1 - fx) + g[k + 1]! * fx) * (1 - fy) + (g[k + GRID]! * (1 - fx) + g[k + GRID + 1]! * fx) * fy;
      }
    }
    return t;
  }
  const cos = Math.cos(p.angle) / size;
  const sin = Math.sin(p.angle) / size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x * cos + y * sin; // in [-√2, √2]
      let v: number;
      if (p.kind === 'gradient') v = (u + Math.SQRT2) / (2 * Math.SQRT2);
      else {
        v = 0.5 + 0.5 * Math.sin((2 * Math.PI * u * size) / p.period);
        if (p.hard) v = v > 0.5 ? 1 : 0;
      }
      t[y * size + x] = v;
    }
  }
  return t;
}
