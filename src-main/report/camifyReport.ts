// The camify comparison report: Grad-CAM of the original model vs CAM of the refit head on the held-out
// images, composed from the evaluation report's pieces (page, table style, histogram, gallery tiles).
import {
  type Agreement,
  type CamifyComparison,
  type Localization,
  ORIGINAL_METHOD,
  PAIR_KEY,
  REFIT_METHOD,
  type RefitSide,
} from '../camify/camifyComparison.js';
import type { Prediction } from '../../src-shared/explainTypes.js';
import type { ImageEvaluation } from '../evaluation/evaluationResult.js';
import { fmt, galleryTile, htmlPage } from './htmlReport.js';
import { escapeHtml as esc, histogram } from './svgCharts.js';

const GALLERY_IMAGES = 6;
const THUMB_SIDE = 160;

const LOCALIZATION: [keyof Localization, string][] = [
  ['gt_known_loc', 'GT-known Loc %'],
  ['maxboxacc_v2', 'MaxBoxAccV2 %'],
  ['pointing_game', 'Pointing game %'],
];

function summarySection(c: CamifyComparison): string {
  const heads = [c.refit.head, ...(c.baseline ? [c.baseline.head] : [])].join(' and ');
  const row = (name: string, s: CamifyComparison['original'], layer: string, a: Agreement | null) =>
    `<tr><td>${esc(name)}</td><td>${esc(s.model)}</td><td>${esc(s.method)}</td><td><code>${esc(layer)}</code></td><td>${a ? fmt(100 * a.top1Agreement) : '—'}</td><td>${a ? fmt(a.meanPearson, 3) : '—'}</td>${LOCALIZATION.map(([k]) => `<td>${fmt(s.localization[k])}</td>`).join('')}</tr>`;
  const map = (s: RefitSide) => `${s.sourceLayer} → ${s.head === 'conv-gap' ? s.layer : 'GAP'}`;
  return `<h2>Summary</h2><p>On ${c.images} held-out validation images: the written ${esc(c.refit.head)} head's top-1 predictions agree with the original's on <b id="top1-agreement">${fmt(100 * c.top1Agreement)} %</b>; the per-image correlation of their top-1 maps averages Pearson r = <b id="mean-pearson">${fmt(c.meanPearson, 3)}</b>, Spearman ρ = <b id="mean-spearman">${fmt(c.meanSpearman, 3)}</b>. The table sets the ${esc(heads)} heads side by side.</p>
<table id="summary"><tr><th>model</th><th>file</th><th>method</th><th>map (layer read → CAM map)</th><th>top-1 agreement %</th><th>mean Pearson r</th>${LOCALIZATION.map(([, label]) => `<th>${esc(label)}</th>`).join('')}</tr>${row('original', c.original, c.original.layer, null)}${row(`${c.refit.head} head (written)`, c.refit, map(c.refit), c)}${c.baseline ? row(`${c.baseline.head} head`, c.baseline, map(c.baseline), c.baseline) : ''}</table>
<p class="sub">Localization needs ground-truth boxes (and, for GT-known Loc, labels): — where the dataset has none. Agreement and correlation are against the original model's top-1 and its Grad-CAM.</p>`;
}

function correlationSection(c: CamifyComparison): string {
  const chart = histogram(
    [
      { name: 'Pearson r', values: c.perImage.map((p) => p.pearson ?? NaN) },
      { name: 'Spearman ρ', values: c.perImage.map((p) => p.spearman ?? NaN) },
    ],
    { title: 'Original Grad-CAM vs refit CAM', xLabel: 'correlation of the top-1 maps', yLabel: 'images', range: [-1, 1], bins: 20 },
  );
  return `<h2>Map correlation</h2><div class="charts">${chart}</div>`;
}

/** The images where the two maps correlate least (lowest Pearson r). */
async function gallerySection(images: ImageEvaluation[], refitImages: ImageEvaluation[]): Promise<string> {
  const worst = images
    .map((im, i) => ({ im, refitTop: refitImages[i]!.predictions[0]!, r: im.pairs[PAIR_KEY]!.pearson }))
    .filter((x) => x.r !== null)
    .sort((x, y) => x.r! - y.r! || x.im.item.id.localeCompare(y.im.item.id))
    .slice(0, GALLERY_IMAGES);
  const label = (p: Prediction) => esc(p.label ?? String(p.index));
  const tiles = await Promise.all(
    worst.map(({ im, refitTop, r }) =>
      galleryTile(
        im,
        [ORIGINAL_METHOD, REFIT_METHOD],
        PAIR_KEY,
        THUMB_SIDE,
        `${esc(im.item.id)} — original predicts ${label(im.predictions[0]!)}, refit ${label(refitTop)}; r = ${fmt(r, 3)}, ρ = ${fmt(im.pairs[PAIR_KEY]!.spearman, 3)}`,
      ),
    ),
  );
  return tiles.length
    ? `<h2>Where the maps disagree most</h2><p class="legend">Lowest Pearson r: the image, Grad-CAM of the original (${esc(ORIGINAL_METHOD)}), CAM of the refit head (${esc(REFIT_METHOD)}). Boxes: <span style="background:#00c800"></span>ground truth <span style="background:#fff"></span>predicted (20 % of the map's max).</p><div class="gallery">${tiles.join('')}</div>`
    : '';
}

export async function renderCamifyReport(
  c: CamifyComparison,
  images: ImageEvaluation[],
  refitImages: ImageEvaluation[],
  createdAt = new Date().toISOString(),
): Promise<string> {
  return htmlPage(`camscope camify — ${c.refit.model}`, [
    `<h1>camify: original Grad-CAM vs refit CAM (${esc(c.refit.head)} head)</h1><p class="sub">${esc(c.original.model)} → ${esc(c.refit.model)} · ${c.images} validation images · ${esc(createdAt)}</p>`,
    summarySection(c),
    correlationSection(c),
    await gallerySection(images, refitImages),
  ]);
}
