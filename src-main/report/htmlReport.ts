// The evaluation report as one self-contained HTML page: inline CSS, inline SVG charts, images as
// data URIs, no script and no network, so it opens anywhere and prints to PDF as it looks.
import sharp from 'sharp';
import { METRIC_KEYS, type MethodMetrics, type MetricKey } from '../../src-shared/evaluationTypes.js';
import { renderOverlay, type OverlayBox } from '../explain/postprocess/overlay.js';
import { decodeImage } from '../image/imageInput.js';
import { type EvaluationResult, GALLERY_IMAGES, type ImageEvaluation, disagreementOrder, keptMap } from '../evaluation/evaluationResult.js';
import { methodPairs } from '../evaluation/imageMetrics.js';
import { METRIC_SPECS, type MetricSpec } from './metricSpecs.js';
import { escapeHtml as esc, histogram, lineChart } from './svgCharts.js';

export interface HtmlReportOptions {
  /** Images in the disagreement gallery (the pair's lowest Spearman ρ). */
  galleryImages?: number;
  /** Longest side of gallery thumbnails, in pixels. */
  thumbnailSide?: number;
}

const GT_COLOR: [number, number, number] = [0, 200, 0];
const PREDICTED_COLOR: [number, number, number] = [255, 255, 255];

const METRIC_LABELS: Record<keyof MethodMetrics, string> = {
  top1_loc: 'Top-1 Loc %',
  gt_known_loc: 'GT-known Loc %',
  maxboxacc: 'MaxBoxAcc %',
  maxboxacc_v2: 'MaxBoxAccV2 %',
  pointing_game: 'Pointing game %',
  energy_pointing_game: 'Energy pointing %',
  average_drop: 'Average Drop % ↓',
  increase_in_confidence: 'Increase in Conf. %',
  deletion_auc: 'Deletion AUC ↓',
  insertion_auc: 'Insertion AUC',
  adcc: 'ADCC %',
  road_morf: 'ROAD MoRF ↓',
  road_lerf: 'ROAD LeRF',
  pxap: 'PxAP %',
};

export const fmt = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1d1f;margin:0;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px 32px 48px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}.sub{color:#666;margin:0 0 16px}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #eee;background:#fff}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:10px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;background:#fcfcfc;font-size:12.5px}.card h3{margin:0 0 4px}
.card code{font-size:12px;white-space:pre-wrap}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:8px 12px;margin:8px 0}
.ok{background:#eef8ee;border-left:4px solid #2ca02c;padding:8px 12px;margin:8px 0}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(500px,1fr));gap:14px}
.tile{border:1px solid #ddd;border-radius:6px;padding:8px;break-inside:avoid}.tile .imgs{display:flex;gap:6px}
.tile figure{margin:0;text-align:center;font-size:12px}.tile img{display:block;max-width:160px;height:auto}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px -2px 10px;border:1px solid #999}
.ci{color:#777;font-size:11.5px;white-space:nowrap}tr.sig td{font-weight:600}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;font-size:13px}dt{color:#555}dd{margin:0;word-break:break-all}
@media print{body{background:#fff}main{padding:0}h2{break-after:avoid}.tile,.card,table,svg{break-inside:avoid}}
`;

export async function renderHtmlReport(result: EvaluationResult, opts: HtmlReportOptions = {}): Promise<string> {
  const { summary, provenance: p } = result;
  const methods = Object.keys(summary.methods);
  const sections = [
    `<h1>camscope evaluation</h1><p class="sub">${esc(p.dataset.root)} · ${summary.images} images · model ${esc(p.model.path)} · ${esc(p.createdAt)}</p>`,
    summarySection(result, methods),
    curvesSection(result),
    comparisonSection(result),
    agreementSection(result),
    await gallerySection(result, opts),
    perClassSection(result),
    specSection(),
    reproducibilitySection(result),
  ];
  return htmlPage(`camscope evaluation — ${p.dataset.root}`, sections);
}

/** A self-contained page in the report's style: no script, images only as data URIs (the CSP says so). */
export function htmlPage(title: string, sections: string[]): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>${esc(title)}</title><style>${CSS}</style></head><body><main>${sections.join('\n')}</main></body></html>\n`;
}

function summarySection(result: EvaluationResult, methods: string[]): string {
  const { summary } = result;
  const head = `<tr><th>method</th>${METRIC_KEYS.map((k) => `<th>${esc(METRIC_LABELS[k])}</th>`).join('')}</tr>`;
  const rows = methods.map((m) => {
    const metrics = summary.methods[m]!;
    const refused = result.refused[m];
    const ci = summary.uncertainty?.methods[m];
    const cell = (k: MetricKey) => {
      const digits = k.endsWith('auc') ? 3 : 2;
      const interval = ci?.[k];
      return `<td>${fmt(metrics[k], digits)}${interval ? `<br><span class="ci">[${fmt(interval[0], digits)}, ${fmt(interval[1], digits)}]</span>` : ''}</td>`;
    };
    const cells = refused
      ? `<td colspan="${METRIC_KEYS.length}" style="text-align:left">refused: ${esc(refused)}</td>`
      : METRIC_KEYS.map(cell).join('');
    return `<tr><td>${esc(m)}</td>${cells}</tr>`;
  });
  const u = summary.uncertainty;
  const ciNote = u
    ? `<p class="sub">Brackets: ${Math.round(u.level * 100)} % bootstrap intervals (percentile method, ${u.resamples} resamples of the images, seed ${u.seed}).</p>`
    : '';
  return `<h2>Summary</h2><p>Top-1 classification accuracy: <b>${fmt(summary.accuracy)} %</b> over ${summary.images} images.</p><table id="summary">${head}${rows.join('')}</table>${ciNote}${protocolTable(result)}`;
}

/** MaxBoxAcc/V2 at the thresholds of the held-out split next to the best-on-test numbers (Choe et al. 2020's protocol). */
function protocolTable(result: EvaluationResult): string {
  const ts = result.summary.threshold_split;
  if (!ts) return '';
  const rows = Object.entries(ts.methods).map(
    ([m, p]) =>
      `<tr><td>${esc(m)}</td><td>${fmt(p.maxboxacc)}</td><td>${fmt(p.threshold)}</td><td>${fmt(p.best_on_test.maxboxacc)}</td><td>${fmt(p.maxboxacc_v2)}</td><td>${p.thresholds_v2 ? p.thresholds_v2.map((t) => fmt(t)).join(' / ') : '—'}</td><td>${fmt(p.best_on_test.maxboxacc_v2)}</td></tr>`,
  );
  return `<h3>The wsolevaluation protocol</h3><p>The operating threshold is a hyperparameter: chosen on the held-out split <b>${esc(ts.split)}</b> (${ts.images} images, wsolevaluation's train-fullsup) and applied here, as Choe et al. 2020 require. The best-on-test numbers choose it on these images' own labels: an optimistic upper bound.</p>
<table id="protocol"><tr><th>method</th><th>MaxBoxAcc % (held-out t)</th><th>t (δ 50)</th><th>best on test</th><th>MaxBoxAccV2 % (held-out t)</th><th>t (δ 30 / 50 / 70)</th><th>best on test</th></tr>${rows.join('')}</table>`;
}

/** Every pair of methods on every metric: the difference, its paired-bootstrap interval and p, and the Wilcoxon signed-rank p. */
function comparisonSection(result: EvaluationResult): string {
  const u = result.summary.uncertainty;
  if (!u || Object.keys(u.comparisons).length === 0) return '';
  const p = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v < 1e-4 ? v.toExponential(1) : v.toFixed(4));
  const rows = Object.entries(u.comparisons).flatMap(([pair, metrics]) =>
    METRIC_KEYS.flatMap((k) => {
      const c = metrics[k];
      if (!c) return [];
      const digits = k.endsWith('auc') ? 3 : 2;
      const significant = c.p_bootstrap !== null && c.p_bootstrap < 1 - u.level;
      return [
        `<tr${significant ? ' class="sig"' : ''}><td>${esc(pair.replace('|', ' − '))}</td><td>${esc(METRIC_LABELS[k])}</td><td>${fmt(c.difference, digits)}</td>` +
          `<td>${c.interval ? `[${fmt(c.interval[0], digits)}, ${fmt(c.interval[1], digits)}]` : '—'}</td><td>${p(c.p_bootstrap)}</td>` +
          `<td>${c.wilcoxon ? `${p(c.wilcoxon.p)} (n ${c.wilcoxon.n})` : '—'}</td></tr>`,
      ];
    }),
  );
  return `<h2>Paired comparisons</h2><p>Method a − method b on the same images. Interval and p: paired bootstrap (the same ${u.resamples} resamples for both methods, two-sided); Wilcoxon: signed-rank test on the per-image numbers (normal approximation; on 0/1 hits it is the sign test of the images where the methods disagree; not defined for MaxBoxAcc, a dataset-level maximum). Bold rows: p &lt; ${fmt(1 - u.level)}.</p>
<table id="comparisons"><tr><th>a − b</th><th>metric</th><th>difference</th><th>${Math.round(u.level * 100)} % interval</th><th>p (bootstrap)</th><th>p (Wilcoxon)</th></tr>${rows.join('')}</table>`;
}

function curvesSection(result: EvaluationResult): string {
  const charts: string[] = [];
  const methods = Object.keys(result.curves);
  const settings = [...new Set(methods.flatMap((m) => Object.keys(result.curves[m]!.boxAccuracy)))];
  for (const setting of settings) {
    const series = methods.flatMap((m) => {
      const c = result.curves[m]!.boxAccuracy[setting];
      return c ? [{ name: m, x: c.x, y: c.y }] : [];
    });
    charts.push(
      lineChart(series, { title: `Box accuracy — ${setting}`, xLabel: 'CAM threshold', yLabel: 'accuracy %', xRange: [0, 1], yRange: [0, 100] }),
    );
  }
  for (const kind of ['deletion', 'insertion'] as const) {
    const series = methods.flatMap((m) => {
      const c = result.curves[m]![kind];
      return c ? [{ name: m, x: c.x, y: c.y }] : [];
    });
    if (series.length)
      charts.push(
        lineChart(series, {
          title: `${kind === 'deletion' ? 'Deletion' : 'Insertion'} (mean score)`,
          xLabel: 'fraction of pixels',
          yLabel: 'class probability',
          xRange: [0, 1],
        }),
      );
  }
  const leak = methods.some((m) => result.curves[m]!.deletion);
  let road = false;
  for (const kind of ['morf', 'lerf'] as const) {
    const series = methods.flatMap((m) => {
      const c = result.curves[m]![kind];
      return c ? [{ name: m, x: c.x, y: c.y }] : [];
    });
    if (series.length) {
      road = true;
      charts.push(
        lineChart(series, {
          title: `ROAD ${kind === 'morf' ? 'MoRF (most relevant removed first) ↓' : 'LeRF (least relevant removed first) ↑'}`,
          xLabel: 'share of pixels removed',
          yLabel: 'class probability',
          xRange: [0, 1],
        }),
      );
    }
  }
  const note = leak
    ? `<div class="note"><b>Deletion/Insertion leak the mask's shape.</b> Replacing pixels by a constant (zeros, or a blur) leaves the outline of what was removed in the image, and that outline alone carries class information: the model's score then measures the shape of the mask as much as the explanation (Rong et al. 2022). ${road ? 'ROAD removes the same pixels by noisy linear imputation from their neighbours, which hides the outline; read its MoRF/LeRF curves next to these.' : 'ROAD (<code>--road</code>) removes them by noisy linear imputation, which hides the outline.'}</div>`
    : '';
  return charts.length ? `<h2>Curves</h2><div class="charts">${charts.join('')}</div>${note}` : '';
}

function agreementSection(result: EvaluationResult): string {
  const entries = Object.entries(result.summary.agreement);
  const refusedCam = result.refused.cam;
  const notes: string[] = [];
  for (const [key, a] of entries) {
    if (a.analytic_max_error !== null) {
      const scale = Math.max(0, ...result.images.map((im) => im.methods[a.b]!.peak));
      notes.push(
        `<div class="ok"><b>Analytic link (${esc(key)}).</b> On a global-average-pooling → linear head, Grad-CAM = ReLU(CAM)/(H·W) exactly (the Grad-CAM channel weights are w<sub>k</sub><sup>c</sup>/(H·W)). ` +
          (a.analytic_max_error === 0
            ? `Measured over ${result.images.length} images: the two maps are equal to the last bit (max error <b>0</b>).</div>`
            : `Measured over ${result.images.length} images: max |Grad-CAM − ReLU(CAM)/(H·W)| = <b>${a.analytic_max_error.toExponential(2)}</b> ` +
              `(largest Grad-CAM value ${scale.toExponential(2)}, so ${(scale > 0 ? (100 * a.analytic_max_error) / scale : 0).toExponential(1)} % of it: float32 rounding).</div>`),
      );
    }
  }
  if (refusedCam)
    notes.push(
      `<div class="note"><b>CAM refused.</b> CAM needs a global-average-pooling → linear head; on this model: ${esc(refusedCam)}. The analytic CAM ↔ Grad-CAM link does not apply.</div>`,
    );
  if (entries.length === 0) return notes.length ? `<h2>Method agreement</h2>${notes.join('')}` : '';
  const rows = entries.map(([key, a]) => {
    const ci = result.summary.uncertainty?.agreement[key];
    const cell = (name: 'pearson' | 'spearman' | 'box_iou' | 'both_point_inside', digits: number) =>
      `<td>${fmt(a[name], digits)}${ci?.[name] ? `<br><span class="ci">[${fmt(ci[name]![0], digits)}, ${fmt(ci[name]![1], digits)}]</span>` : ''}</td>`;
    return `<tr><td>${esc(key)}</td>${cell('pearson', 3)}${cell('spearman', 3)}${cell('box_iou', 3)}${cell('both_point_inside', 2)}<td>${a.analytic_max_error === null ? '—' : a.analytic_max_error.toExponential(2)}</td></tr>`;
  });
  const hists = entries.map(([key]) =>
    histogram(
      [
        { name: 'Pearson r', values: result.images.map((im) => im.pairs[key]!.pearson ?? NaN) },
        { name: 'Spearman ρ', values: result.images.map((im) => im.pairs[key]!.spearman ?? NaN) },
      ],
      { title: `${key}: per-image correlation`, xLabel: 'correlation of the top-1 maps', yLabel: 'images', range: [-1, 1], bins: 20 },
    ),
  );
  return `<h2>Method agreement</h2><p>Per image, on the maps of the predicted class: correlation of the maps (layer resolution), IoU of their boxes, and whether both maxima fall inside a ground-truth box. Means over images.</p>
<table id="agreement"><tr><th>pair</th><th>Pearson r</th><th>Spearman ρ</th><th>box IoU</th><th>both point inside %</th><th>analytic max error</th></tr>${rows.join('')}</table>
${notes.join('')}<div class="charts">${hists.join('')}</div>`;
}

/** The images where the first pair of methods disagrees most (lowest Spearman ρ), with overlays and boxes. */
async function gallerySection(result: EvaluationResult, opts: HtmlReportOptions): Promise<string> {
  const pair = methodPairs(Object.keys(result.curves))[0];
  if (!pair) return '';
  const key = `${pair[0]}|${pair[1]}`;
  const worst = [...result.images]
    .filter((im) => im.pairs[key]!.spearman !== null)
    .sort(disagreementOrder(key))
    .slice(0, opts.galleryImages ?? GALLERY_IMAGES);
  const side = opts.thumbnailSide ?? 160;
  const tiles = await Promise.all(worst.map((im) => galleryTile(im, pair, key, side)));
  return `<h2>Where ${esc(pair[0])} and ${esc(pair[1])} disagree most</h2>
<p class="legend">Lowest Spearman ρ of the two top-1 maps. Boxes: <span style="background:#00c800"></span>ground truth <span style="background:#fff"></span>predicted (20 % of the map's max, largest component).</p>
<div class="gallery">${tiles.join('')}</div>`;
}

/** The image and the pair's two overlays (GT boxes green, predicted white); the caption defaults to the prediction and the pair's numbers. */
export async function galleryTile(im: ImageEvaluation, pair: [string, string], key: string, side: number, caption?: string): Promise<string> {
  const image = await decodeImage(im.item.path);
  const gtBoxes: OverlayBox[] = im.item.boxes.map((box) => ({ box, color: GT_COLOR }));
  const thumb = async (png: Buffer) =>
    `data:image/jpeg;base64,${(await sharp(png).resize(side, side, { fit: 'inside' }).jpeg({ quality: 88 }).toBuffer()).toString('base64')}`;
  const original = await thumb(
    await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
      .png()
      .toBuffer(),
  );
  const overlays = await Promise.all(
    pair.map(async (m) => {
      const map = keptMap(im.methods[m]!.map);
      const boxes = [...gtBoxes, ...(map.box ? [{ box: map.box, color: PREDICTED_COLOR }] : [])];
      return thumb(await renderOverlay({ image, map, boxes }));
    }),
  );
  const p = im.pairs[key]!;
  const top = im.predictions[0]!;
  caption ??= `${esc(im.item.id)} — predicted ${esc(top.label ?? String(top.index))} (${fmt(100 * top.score, 1)} %)${im.correct === false ? ', wrong' : ''}; ρ = ${fmt(p.spearman, 3)}, r = ${fmt(p.pearson, 3)}, box IoU ${fmt(p.box_iou, 2)}`;
  const fig = (src: string, label: string) => `<figure><img src="${src}" alt="${esc(label)}"><figcaption>${esc(label)}</figcaption></figure>`;
  return `<div class="tile"><div class="imgs">${fig(original, 'image')}${fig(overlays[0]!, pair[0])}${fig(overlays[1]!, pair[1])}</div><div>${caption}</div></div>`;
}

function perClassSection(result: EvaluationResult): string {
  if (result.perClass.length === 0) return '';
  const methods = Object.keys(result.curves);
  const head = `<tr><th>class</th><th>images</th><th>accuracy %</th>${methods.map((m) => `<th>${esc(m)} GT-known %</th><th>${esc(m)} Top-1 Loc %</th>`).join('')}</tr>`;
  const rows = result.perClass.map(
    (c) =>
      `<tr><td>${esc(c.name)}</td><td>${c.images}</td><td>${fmt(c.accuracy, 1)}</td>${methods.map((m) => `<td>${fmt(c.gtKnownLoc[m], 1)}</td><td>${fmt(c.top1Loc[m], 1)}</td>`).join('')}</tr>`,
  );
  return `<h2>Per class</h2><table id="per-class">${head}${rows.join('')}</table>`;
}

function specCard(s: MetricSpec): string {
  return `<div class="card"><h3>${esc(s.name)}</h3><code>${esc(s.formula)}</code><p>${esc(s.citation)}</p><p><b>Default:</b> ${esc(s.default)}</p><p><b>Variant:</b> ${esc(s.variant)}</p></div>`;
}

function specSection(): string {
  return `<h2>Metric definitions</h2><div class="cards">${METRIC_SPECS.map(specCard).join('')}</div>`;
}

function reproducibilitySection(result: EvaluationResult): string {
  const p = result.provenance;
  const pre = p.preprocessing;
  const rows: [string, string][] = [
    ['camscope', p.camscopeVersion],
    ['model', p.model.path],
    ['model sha256', p.model.sha256],
    ['classes / layer', `${p.model.classes} / ${p.model.layer}`],
    ['preprocessing', `${pre.width}×${pre.height} bilinear resize, mean ${pre.mean.join(', ')}, std ${pre.std.join(', ')} (${pre.source})`],
    ['label offset', String(p.labelOffset)],
    ['methods', p.methods.map((m) => `${m.id} ${JSON.stringify(m.params)}`).join('; ')],
    [
      'dataset',
      `${p.dataset.root} (${p.dataset.format}${p.dataset.split ? `, split ${p.dataset.split}` : ''}), ${p.dataset.images} images, ${p.dataset.warnings} warnings`,
    ],
    ['dataset fingerprint', p.dataset.fingerprint],
    ['created', p.createdAt],
  ];
  return `<h2>Reproducibility</h2><dl id="reproducibility">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}
