// The Wilcoxon signed-rank test (Wilcoxon, "Individual Comparisons by Ranking Methods", Biometrics
// Bulletin 1945) on per-image paired differences d = a − b, as scipy.stats.wilcoxon(d,
// zero_method='wilcox', correction=False, method='approx') computes it: zero differences dropped,
// |d| ranked with average ranks for ties, T = min(R⁺, R⁻), z = (T − n(n+1)/4) / σ with the tie-corrected
// σ² = n(n+1)(2n+1)/24 − Σ(t³ − t)/48, two-sided p = 2·Φ(z) (z ≤ 0 by construction).
import { averageRanks } from '../../../src-shared/mapAgreement.js';

export const WILCOXON_SPEC = {
  name: 'Wilcoxon signed-rank test',
  formula:
    'd = a − b per image, zeros dropped; T = min(R⁺, R⁻) of the average ranks of |d|; z = (T − n(n+1)/4) / √(n(n+1)(2n+1)/24 − Σ(t³ − t)/48); p = 2·Φ(z)',
  citation: 'Wilcoxon, "Individual Comparisons by Ranking Methods", Biometrics Bulletin 1945; as scipy.stats.wilcoxon',
  variant: "zero_method 'wilcox' only; the exact distribution and the continuity correction are not offered",
  default:
    'two-sided normal approximation with the tie correction, no continuity correction; on 0/1 hits it is the sign test of the discordant images',
} as const;

export interface WilcoxonResult {
  /** Non-zero differences. */
  n: number;
  /** min(R⁺, R⁻). */
  statistic: number;
  z: number;
  p: number;
}

/** null with no non-zero difference (the test is undefined there). */
export function wilcoxonSignedRank(differences: readonly number[]): WilcoxonResult | null {
  const d = differences.filter((x) => x !== 0 && Number.isFinite(x));
  const n = d.length;
  if (n === 0) return null;
  const ranks = averageRanks(d.map(Math.abs));
  let plus = 0;
  let minus = 0;
  d.forEach((x, i) => (x > 0 ? (plus += ranks[i]!) : (minus += ranks[i]!)));
  const statistic = Math.min(plus, minus);
  // Σ(t³ − t) over groups of tied |d| (the ranks are equal within a group).
  const groups = new Map<number, number>();
  for (const r of ranks) groups.set(r, (groups.get(r) ?? 0) + 1);
  let ties = 0;
  for (const t of groups.values()) ties += t * t * t - t;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - ties / 48;
  const z = variance > 0 ? (statistic - (n * (n + 1)) / 4) / Math.sqrt(variance) : 0;
  return { n, statistic, z, p: Math.min(1, 2 * normalCdf(z)) };
}

/** Φ(z) = erfc(−z/√2)/2 to double precision. */
export function normalCdf(z: number): number {
  return erfc(-z / Math.SQRT2) / 2;
}

/** erfc by its Maclaurin series of erf below |x| = 2 and its continued fraction (modified Lentz) above. */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    // erf(x) = 2/√π Σ (−1)ᵏ x^(2k+1) / (k! (2k+1))
    let term = x;
    let sum = x;
    for (let k = 1; Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
      term *= (-x * x) / k;
      sum += term / (2 * k + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let dd = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    dd = x + a * dd;
    dd = 1 / (Math.abs(dd) < tiny ? tiny : dd);
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * dd;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}
