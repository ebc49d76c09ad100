// Inline SVG charts for the report: line charts (curves) and histograms. No script, no external font.

export const SERIES_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export interface Series {
  name: string;
  x: number[];
  y: number[];
  color?: string;
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Axis ranges; default: the data's extent (y from 0). */
  xRange?: [number, number];
  yRange?: [number, number];
  width?: number;
  height?: number;
}

const W = 330;
const H = 260;
const M = { left: 48, right: 12, top: 28, bottom: 40 };

/** Round tick values covering [lo, hi]: steps of 1, 2 or 5 × 10^k. */
export function ticks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

type Scale = (v: number) => number;

function frame(
  o: ChartOptions,
  xr: [number, number],
  yr: [number, number],
  body: (px: Scale, py: Scale) => string,
  legend: { name: string; color: string; dashed?: boolean }[],
): string {
  const w = o.width ?? W;
  const h = o.height ?? H;
  const px = (x: number) => M.left + ((x - xr[0]) / (xr[1] - xr[0] || 1)) * (w - M.left - M.right);
  const py = (y: number) => h - M.bottom - ((y - yr[0]) / (yr[1] - yr[0] || 1)) * (h - M.top - M.bottom);
  const xt = ticks(xr[0], xr[1]).map(
    (t) =>
      `<line x1="${px(t)}" y1="${h - M.bottom}" x2="${px(t)}" y2="${h - M.bottom + 4}" stroke="#555"/><text x="${px(t)}" y="${h - M.bottom + 16}" text-anchor="middle">${t}</text>`,
  );
  const yt = ticks(yr[0], yr[1]).map(
    (t) =>
      `<line x1="${M.left}" y1="${py(t)}" x2="${w - M.right}" y2="${py(t)}" stroke="#e5e5e5"/><text x="${M.left - 6}" y="${py(t) + 4}" text-anchor="end">${t}</text>`,
  );
  const keys = legend.map(
    (l, i) =>
      `<line x1="${M.left + 10}" y1="${M.top + 10 + 14 * i}" x2="${M.left + 30}" y2="${M.top + 10 + 14 * i}" stroke="${l.color}" stroke-width="2"${l.dashed ? ' stroke-dasharray="5 3"' : ''}/><text x="${M.left + 34}" y="${M.top + 14 + 14 * i}">${escapeHtml(l.name)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">`,
    `<text x="${w / 2}" y="16" text-anchor="middle" font-weight="bold">${escapeHtml(o.title)}</text>`,
    ...yt,
    `<line x1="${M.left}" y1="${h - M.bottom}" x2="${w - M.right}" y2="${h - M.bottom}" stroke="#555"/>`,
    ...xt,
    `<text x="${(M.left + w - M.right) / 2}" y="${h - 6}" text-anchor="middle">${escapeHtml(o.xLabel)}</text>`,
    `<text transform="translate(12 ${(M.top + h - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(o.yLabel)}</text>`,
    body(px, py),
    ...keys,
    '</svg>',
  ].join('');
}

function extent(values: number[], from0: boolean): [number, number] {
  const finite = values.filter(Number.isFinite);
  const lo = from0 ? Math.min(0, ...finite) : Math.min(...finite);
  const hi = Math.max(...finite);
  return finite.length === 0 ? [0, 1] : hi > lo ? [lo, hi] : [lo, lo + 1];
}

export function lineChart(series: Series[], o: ChartOptions): string {
  const xr =
    o.xRange ??
    extent(
      series.flatMap((s) => s.x),
      false,
    );
  const yr =
    o.yRange ??
    extent(
      series.flatMap((s) => s.y),
      true,
    );
  // Every other series dashed, so curves that coincide (CAM and Grad-CAM often do) stay visible.
  const colored = series.map((s, i) => ({ ...s, color: s.color ?? SERIES_COLORS[i % SERIES_COLORS.length]!, dashed: s.dashed ?? i % 2 === 1 }));
  const body = (px: Scale, py: Scale) =>
    colored
      .map((s) => {
        const pts = s.x.map((x, i) => [x, s.y[i]!] as const).filter(([, y]) => Number.isFinite(y));
        const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)} ${py(y).toFixed(1)}`).join(' ');
        return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`;
      })
      .join('');
  return frame(o, xr, yr, body, colored);
}

/** Counts of values in `bins` equal bins over range, drawn as bars (one colour per series, side by side). */
export function histogram(series: { name: string; values: number[] }[], o: ChartOptions & { bins?: number; range: [number, number] }): string {
  const bins = o.bins ?? 20;
  const [lo, hi] = o.range;
  const counts = series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of s.values) if (Number.isFinite(v)) c[Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * bins)))]!++;
    return c;
  });
  const yMax = Math.max(1, ...counts.flat());
  const binW = (hi - lo) / bins;
  const barW = binW / Math.max(1, series.length);
  const body = (px: Scale, py: Scale) =>
    counts
      .flatMap((c, si) =>
        c.map((n, b) => {
          if (n === 0) return '';
          const x0 = px(lo + b * binW + si * barW);
          const x1 = px(lo + b * binW + (si + 1) * barW);
          const color = SERIES_COLORS[si % SERIES_COLORS.length]!;
          return `<rect x="${x0.toFixed(1)}" y="${py(n).toFixed(1)}" width="${(x1 - x0).toFixed(1)}" height="${(py(0) - py(n)).toFixed(1)}" fill="${color}" fill-opacity="0.75"/>`;
        }),
      )
      .join('');
  const legend = series.map((s, i) => ({ name: s.name, color: SERIES_COLORS[i % SERIES_COLORS.length]! }));
  return frame(o, [lo, hi], [0, yMax], body, legend);
}
