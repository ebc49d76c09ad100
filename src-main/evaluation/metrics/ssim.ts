// The structural similarity index of Wang et al., "Image Quality Assessment: From Error Visibility to
// Structural Similarity" (IEEE TIP 2004), as skimage.metrics.structural_similarity(a, b, data_range=1,
// gaussian_weights=True, sigma=1.5, use_sample_covariance=False) computes it — the setting Adebayo et
// al. 2018 compare saliency maps with: local means, variances and covariance under an 11×11 Gaussian
// window (σ 1.5, truncated at 3.5σ), SSIM(x, y) = (2μxμy + C1)(2σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)),
// C1 = (0.01·L)², C2 = (0.03·L)², averaged over the pixels at least 5 from the border (skimage's crop).
export const SSIM_SPEC = {
  name: 'SSIM',
  formula:
    'mean over interior pixels of (2μxμy + C1)(2σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)), Gaussian window σ = 1.5 (11×11), C1 = 0.01², C2 = 0.03², data range 1',
  citation:
    'Wang et al., "Image Quality Assessment: From Error Visibility to Structural Similarity", IEEE TIP 2004; as skimage.metrics.structural_similarity',
  variant: 'none (the uniform 7×7 window and the sample covariance are not offered)',
  default: 'gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1; maps compared after min-max to [0, 1]',
} as const;

const SIGMA = 1.5;
const RADIUS = Math.trunc(3.5 * SIGMA + 0.5);
const KERNEL = (() => {
  const w = Array.from({ length: 2 * RADIUS + 1 }, (_, j) => Math.exp(-0.5 * ((j - RADIUS) / SIGMA) ** 2));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
})();

/** SSIM of two equally sized images (row-major, values in [0, 1]); both sides must exceed 2·5 pixels. */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, width: number, height: number): number {
  if (a.length !== width * height || b.length !== width * height)
    throw new RangeError(`SSIM of ${a.length} and ${b.length} values as ${width}×${height}`);
  if (width <= 2 * RADIUS || height <= 2 * RADIUS)
    throw new RangeError(`SSIM needs images larger than ${2 * RADIUS}×${2 * RADIUS}, got ${width}×${height}`);
  const C1 = 0.01 ** 2;
  const C2 = 0.03 ** 2;
  // Separable filtering of the five products; only pixels whose window lies inside the image are kept (the crop).
  const products = [
    (x: number) => x,
    (x: number, y: number) => y,
    (x: number) => x * x,
    (_x: number, y: number) => y * y,
    (x: number, y: number) => x * y,
  ];
  const innerW = width - 2 * RADIUS;
  const innerH = height - 2 * RADIUS;
  const filtered = products.map((f) => {
    const rows = new Float64Array(height * innerW);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < innerW; x++) {
        let s = 0;
        for (let k = 0; k < KERNEL.length; k++) {
          const i = y * width + x + k;
          s += KERNEL[k]! * f(a[i]!, b[i]!);
        }
        rows[y * innerW + x] = s;
      }
    }
    const out = new Float64Array(innerH * innerW);
    for (let y = 0; y < innerH; y++)
      for (let x = 0; x < innerW; x++) {
        let s = 0;
        for (let k = 0; k < KERNEL.length; k++) s += KERNEL[k]! * rows[(y + k) * innerW + x]!;
        out[y * innerW + x] = s;
      }
    return out;
  });
  const [ux, uy, uxx, uyy, uxy] = filtered as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  let total = 0;
  for (let i = 0; i < ux.length; i++) {
    const vx = uxx[i]! - ux[i]! * ux[i]!;
    const vy = uyy[i]! - uy[i]! * uy[i]!;
    const vxy = uxy[i]! - ux[i]! * uy[i]!;
    total += ((2 * ux[i]! * uy[i]! + C1) * (2 * vxy + C2)) / ((ux[i]! ** 2 + uy[i]! ** 2 + C1) * (vx + vy + C2));
  }
  return total / ux.length;
}
