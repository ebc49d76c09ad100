// The sanity-check report (Adebayo et al. 2018) as one self-contained page: per method the cascade strip of
// one image (the paper's figure: the original map, then the map after each cascading randomization step),
// the similarity curves over the steps (cascading and independent), the random-logit similarity, and
// which methods fail to degrade.
import sharp from 'sharp';
import { renderOverlay } from '../explain/postprocess/overlay.js';
import type { SanityResult } from '../evaluation/sanity/sanityChecks.js';
import { SANITY_SPEC } from '../evaluation/sanity/sanityChecks.js';
import { SSIM_SPEC } from '../evaluation/metrics/index.js';
import {
  CLASS_SENSITIVE_BELOW,
  CLASS_SENSITIVE_RULE,
  DEGRADE_BELOW,
  DEGRADE_RULE,
  shortNode,
  type SanityStep,
} from '../../src-shared/sanityTypes.js';

import type { Grid } from '../../src-shared/mapGrid.js';
import { fmt, htmlPage } from './htmlReport.js';
import { escapeHtml as esc, lineChart } from './svgCharts.js';

const STRIP_SIDE = 96;

async function thumb(imagePath: string, map: Grid): Promise<string> {
  const png = await renderOverlay({ imagePath, map: { width: map.width, height: map.height, values: Float32Array.from(map.values) }, alpha: 0.7 });
  return `data:image/png;base64,${(await sharp(png).resize(STRIP_SIDE, STRIP_SIDE, { fit: 'inside' }).png().toBuffer()).toString('base64')}`;
}

export async function renderSanityReport(result: SanityResult): Promise<string> {
  const { summary: s, strips } = result;
  const methods = Object.keys(s.methods);
  const steps = s.nodes.map((n) => shortNode(n.node));
  const stripRows = await Promise.all(
    methods.map(async (m) => {
      const strip = strips[m]![0]!;
      const cells = [await thumb(strip.image, strip.original), ...(await Promise.all(strip.cascading.map((g) => thumb(strip.image, g))))];
      return `<tr><th>${esc(m)}</th>${cells.map((src, k) => `<td><img src="${src}" alt="${esc(m)} ${k === 0 ? 'original' : steps[k - 1]}"></td>`).join('')}</tr>`;
    }),
  );
  const strip = `<table id="cascade-strip" class="strip"><tr><th></th><th>original</th>${steps.map((n) => `<th>+ ${esc(n)}</th>`).join('')}</tr>${stripRows.join('')}</table>`;

  const chart = (kind: 'cascading' | 'independent', key: 'spearman' | 'spearman_abs' | 'ssim', label: string) =>
    lineChart(
      methods.map((m) => ({ name: m, x: s.nodes.map((_, k) => k + 1), y: s.methods[m]![kind].map((st: SanityStep) => st[key] ?? NaN) })),
      {
        title: `${kind === 'cascading' ? 'Cascading' : 'Independent'}: ${label}`,
        xLabel: 'step (1 = logits layer)',
        yLabel: label,
        xRange: [1, Math.max(2, s.nodes.length)],
        yRange: [-1, 1],
      },
    );
  const rows = methods.map((m) => {
    const r = s.methods[m]!;
    const last = r.cascading.at(-1)!;
    return `<tr${r.degrades ? '' : ' class="fail"'}><td>${esc(m)}</td><td>${fmt(last.spearman_abs, 3)}</td><td>${fmt(last.ssim, 3)}</td><td>${fmt(r.random_logit.spearman, 3)}</td><td>${fmt(r.random_logit.ssim, 3)}</td><td>${r.degrades ? 'yes' : '<b>no — fails the check</b>'}</td><td>${r.class_sensitive ? 'yes' : '<b>no — the same map for any class</b>'}</td></tr>`;
  });
  const failing = methods.filter((m) => s.methods[m]!.degrades === false);
  const verdict = failing.length
    ? `<div class="note"><b>${failing.map(esc).join(', ')} ${failing.length > 1 ? 'do' : 'does'} not degrade:</b> with every parametrized layer randomized the maps still rank the pixels as on the trained model (|Spearman| ≥ ${DEGRADE_BELOW}); they reflect the input more than the model.</div>`
    : `<div class="ok">Every method's maps degrade as the layers are randomized (last cascading |Spearman| &lt; ${DEGRADE_BELOW}).</div>`;
  const blind = methods.filter((m) => !s.methods[m]!.class_sensitive);
  const logitNote = blind.length
    ? `<div class="note"><b>${blind.map(esc).join(', ')} ${blind.length > 1 ? 'give' : 'gives'} the same map for a random other class</b> (random-logit Spearman ≥ ${CLASS_SENSITIVE_BELOW}): ${blind.length > 1 ? 'they do' : 'it does'} not explain the predicted class.</div>`
    : '';
  const refused = Object.entries(s.refused).map(([m, why]) => `<div class="note"><b>${esc(m)} refused:</b> ${esc(why)}</div>`);
  const card = (c: typeof SANITY_SPEC | typeof SSIM_SPEC) =>
    `<div class="card"><h3>${esc(c.name)}</h3><code>${esc(c.formula)}</code><p>${esc(c.citation)}</p><p><b>Default:</b> ${esc(c.default)}</p><p><b>Variant:</b> ${esc(c.variant)}</p></div>`;
  return htmlPage(`camscope sanity checks — ${s.model}`, [
    `<h1>Sanity checks</h1><p class="sub">${esc(s.model)} · layer ${esc(s.layer)} · ${s.images} images · seed ${s.seed} · ${s.nodes.length} parametrized nodes randomized from the logits down</p>`,
    `<h2>Cascading randomization</h2><p>One image: the map of the predicted class on the trained model, then on models with the layers up to the column's randomized (Adebayo et al. 2018, Fig. 2).</p>${strip}`,
    `<h2>Similarity to the original maps</h2><p>Means over the images; maps upsampled to the model input. HOG similarity is not computed.</p><div class="charts">${chart('cascading', 'spearman_abs', 'Spearman (|map|)')}${chart('cascading', 'spearman', 'Spearman')}${chart('cascading', 'ssim', 'SSIM')}${chart('independent', 'spearman_abs', 'Spearman (|map|)')}${chart('independent', 'ssim', 'SSIM')}</div>`,
    `<h2>Verdict</h2><table id="sanity"><tr><th>method</th><th>Spearman(|m|), all random</th><th>SSIM, all random</th><th>random logit Spearman</th><th>random logit SSIM</th><th>degrades</th><th>class-sensitive</th></tr>${rows.join('')}</table><p class="sub">Rule: a method ${esc(DEGRADE_RULE)}; ${esc(CLASS_SENSITIVE_RULE)}.</p>${verdict}${logitNote}${refused.join('')}`,
    `<h2>Definitions</h2><div class="cards">${card(SANITY_SPEC)}${card(SSIM_SPEC)}</div>`,
  ]).replace(
    '</style>',
    '.strip img{display:block;width:96px;height:auto}.strip td,.strip th{padding:2px;font-size:11px}tr.fail td{background:#fff3f0}</style>',
  );
}
