// The demo study as one self-contained HTML page: the ImageNet photos (the lecture's figure: CAM with jet at alpha
// 0.5, the 20 % box and the ground-truth box, next to Grad-CAM), the headline and shortcut tables, shortcut examples, then
// every (scenario, model) evaluation report as rendered by src-main/report/htmlReport.ts, each folded in a
// <details> (no script, like the reports it composes).
import sharp from 'sharp';
import { renderOverlay } from '../explain/postprocess/overlay.js';
import { decodeImage } from '../image/imageInput.js';
import { keptMap } from '../evaluation/evaluationResult.js';
import { renderHtmlReport } from '../report/htmlReport.js';
import { escapeHtml as esc } from '../report/svgCharts.js';
import type { DemoStudy, MarkedImage } from './demoStudy.js';
import type { DemoStudySummary } from './studySummary.js';
import { type Table, headlineTable, photosTable, shortcutTable } from './studyTables.js';

const EXAMPLES = 4;
const THUMB_SIDE = 160;
const MARK_COLOR: [number, number, number] = [255, 0, 0];
const GT_COLOR: [number, number, number] = [0, 200, 0];
const PRED_COLOR: [number, number, number] = [255, 0, 255];
const PHOTO_SIDE = 260;

function htmlTable({ head, rows }: Table, id: string): string {
  const tr = (cells: string[], tag: string) => `<tr>${cells.map((c) => `<${tag}>${esc(c)}</${tag}>`).join('')}</tr>`;
  return `<table id="${id}">${tr(head, 'th')}${rows.map((r) => tr(r, 'td')).join('')}</table>`;
}

/** The parts of a rendered evaluation report the study reuses: its stylesheet and the body of its <main>. */
function reportParts(html: string): { css: string; body: string } {
  const css = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1];
  const body = /<main>([\s\S]*)<\/main>/.exec(html)?.[1];
  if (css === undefined || body === undefined) throw new Error('evaluation report without <style> or <main>');
  // Each report's own title becomes a heading under the study's.
  return { css, body: body.replace(/<(\/?)h1>/g, '<$1h3>') };
}

const thumb = async (png: Buffer, side = THUMB_SIDE) =>
  `data:image/jpeg;base64,${(await sharp(png).resize(side, side, { fit: 'inside' }).jpeg({ quality: 88 }).toBuffer()).toString('base64')}`;

/** One shortcut test image: the image, then each model's CAM (Grad-CAM where CAM is refused), mark in red, object in green. */
async function shortcutExample(id: string, perModel: { model: string; method: string; example: MarkedImage }[]): Promise<string> {
  const image = await decodeImage(perModel[0]!.example.image.item.path);
  const original = await thumb(
    await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
      .png()
      .toBuffer(),
  );
  const figures = await Promise.all(
    perModel.map(async ({ model, method, example: { image: im, mark } }) => {
      const boxes = [{ box: mark, color: MARK_COLOR }, ...im.item.boxes.map((box) => ({ box, color: GT_COLOR }))];
      const src = await thumb(await renderOverlay({ image, map: keptMap(im.methods[method]!.map), boxes }));
      const top = im.predictions[0]!;
      return `<figure><img src="${src}" alt="${esc(model)}"><figcaption>${esc(model)} ${esc(method)}: ${esc(top.label ?? String(top.index))}</figcaption></figure>`;
    }),
  );
  return `<div class="tile"><div class="imgs"><figure><img src="${original}" alt="image"><figcaption>${esc(id)}</figcaption></figure>${figures.join('')}</div></div>`;
}

/** The first shortcut test images with the mark, each under every model explained on them. */
async function shortcutExamples(study: DemoStudy): Promise<string> {
  const models = [...study.marked.keys()];
  const ids = (study.marked.get(models[0]!) ?? []).slice(0, EXAMPLES).map((m) => m.image.item.id);
  const tiles = await Promise.all(
    ids.map((id) =>
      shortcutExample(
        id,
        models.map((model) => {
          const section = study.sections.find((s) => s.model === model && s.scenario === 'shortcut')!;
          return {
            model,
            method: 'cam' in section.result.refused ? 'gradcam' : 'cam',
            example: study.marked.get(model)!.find((m) => m.image.item.id === id)!,
          };
        }),
      ),
    ),
  );
  // One tile per row: each holds the image and every model's overlay.
  return `<div class="gallery" style="grid-template-columns:1fr">${tiles.join('')}</div>`;
}

/**
 * One photo under each ImageNet model: the lecture notebook's figure (CAM, or Grad-CAM++ where CAM is refused,
 * jet at alpha 0.5, box at 20 % of the max in magenta, the hand-drawn box in green, the predicted class) next to Grad-CAM.
 */
async function photoFigures(study: DemoStudy): Promise<string> {
  const first = study.photos[0];
  if (!first) return '';
  const tiles = await Promise.all(
    first.result.images.map(async (_, i) => {
      const image = await decodeImage(first.result.images[i]!.item.path);
      const figures = await Promise.all(
        study.photos.flatMap(({ model, result }) => {
          const im = result.images[i]!;
          const top = im.predictions[0]!;
          return ['cam' in result.refused ? 'gradcam++' : 'cam', 'gradcam'].map(async (method) => {
            const map = keptMap(im.methods[method]!.map);
            const boxes = [...im.item.boxes.map((box) => ({ box, color: GT_COLOR })), ...(map.box ? [{ box: map.box, color: PRED_COLOR }] : [])];
            const src = await thumb(await renderOverlay({ image, map, boxes }), PHOTO_SIDE);
            return `<figure><img src="${src}" alt="${esc(model)} ${esc(method)}"><figcaption>${esc(model)} · ${esc(method)}: ${esc(top.label ?? String(top.index))} (${(100 * top.score).toFixed(1)} %)</figcaption></figure>`;
          });
        }),
      );
      return `<div class="tile"><div class="imgs">${figures.join('')}</div></div>`;
    }),
  );
  return `<div class="gallery" style="grid-template-columns:1fr">${tiles.join('')}</div>`;
}

/** `summary` is studySummary(study): the tables come from it, as the printed and README ones do. */
export async function renderStudyReport(study: DemoStudy, summary: DemoStudySummary, createdAt = new Date().toISOString()): Promise<string> {
  const parts = [];
  for (const s of study.sections) parts.push({ s, ...reportParts(await renderHtmlReport(s.result, { galleryImages: 4, thumbnailSide: 128 })) });
  const details = parts.map(
    ({ s, body }) => `<details><summary><b>${esc(s.scenario)} · ${esc(s.model)}</b> — ${s.result.summary.images} images</summary>${body}</details>`,
  );
  const sections = [
    `<h1>camscope demo study: CAM vs Grad-CAM</h1><p class="sub">ImageNet photos and synthetic shapes, ${study.photos.length + study.sections.length} evaluations · ${esc(createdAt)}</p>`,
    `<h2>ImageNet photos</h2><p>The lecture's Task 2 on real data: Google Coral's quantized MobileNetV2 and MobileNetV1 (bundled as ONNX) on three CC0 / public-domain photos with hand-drawn boxes. Per photo and model, the notebook's figure — the map upsampled bilinearly, jet at alpha 0.5, the box around the largest region ≥ 20 % of the max (magenta) and the ground-truth box (green), the predicted class — for CAM, next to Grad-CAM; the table gives each method's box IoU with the ground truth.</p>${htmlTable(photosTable(summary), 'photos')}`,
    await photoFigures(study),
    `<h2>Synthetic shapes: headline</h2><p>Per scenario and model: top-1 accuracy, localization of CAM and Grad-CAM (GT-known Loc: box from 20 % of the map's max with IoU ≥ 0.5; MaxBoxAccV2: Choe et al. 2020) and their agreement on the predicted class's maps. CAM is refused on shapes-fc (flatten → FC head).</p>${htmlTable(headlineTable(summary), 'headline')}`,
    `<h2>The shortcut</h2><p>shapes-shortcut was trained where a corner checker mark accompanies every ${esc(study.shortcutClass)}; on the test split the mark sits on every other class. Where the map of the predicted class peaks — its maximum cell at layer resolution overlapping the mark's box (red, from the generator's record) or the object's (green):</p>${htmlTable(shortcutTable(summary), 'shortcut')}`,
    await shortcutExamples(study),
    `<h2>Per scenario and model</h2>${details.join('\n')}`,
  ];
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>camscope demo study</title><style>${parts[0]?.css ?? ''}</style></head><body><main>${sections.join('\n')}</main></body></html>\n`;
}
