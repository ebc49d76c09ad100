// The demo study's tables, rendered from its summary (studySummary.ts): the markdown `camscope demo` prints and the
// README holds (scripts/readme/demoTables.ts), and the HTML report's.
import { registeredMethod } from '../../src-shared/methods.js';
import { HEADLINE_PAIR } from './demoStudy.js';
import type { DemoStudySummary } from './studySummary.js';

export interface Table {
  head: string[];
  rows: string[][];
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toFixed(1));
const num = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(2));

export function headlineTable(study: Pick<DemoStudySummary, 'sections'>): Table {
  const [a, b] = HEADLINE_PAIR;
  const rows = study.sections.map((s) => {
    const metric = (m: string, k: 'gt_known_loc' | 'maxboxacc_v2') => (m in s.refused ? 'refused' : pct(s.methods[m]?.[k]));
    return [
      s.scenario,
      s.model,
      String(s.images),
      pct(s.accuracy),
      metric(a, 'gt_known_loc'),
      metric(b, 'gt_known_loc'),
      metric(a, 'maxboxacc_v2'),
      metric(b, 'maxboxacc_v2'),
      num(s.agreement?.pearson),
      num(s.agreement?.box_iou),
    ];
  });
  return {
    head: [
      'scenario',
      'model',
      'images',
      'accuracy %',
      'CAM GT-known Loc %',
      'Grad-CAM GT-known Loc %',
      'CAM MaxBoxAccV2 %',
      'Grad-CAM MaxBoxAccV2 %',
      'CAM↔Grad-CAM Pearson r',
      'CAM↔Grad-CAM box IoU',
    ],
    rows,
  };
}

/** Per ImageNet model and photo: the true and predicted class, and each method's top-1 box IoU with the hand-drawn box. */
export function photosTable(study: Pick<DemoStudySummary, 'photos'>): Table {
  const methods = study.photos[0]?.methods ?? [];
  const rows = study.photos.flatMap((p) =>
    p.records.map((r) => [
      p.model,
      r.id,
      r.label === null ? '—' : String(r.label),
      `${r.predicted.label ?? r.predicted.index} (${(100 * r.predicted.score).toFixed(1)} %)`,
      r.correct === null ? '—' : r.correct ? 'yes' : 'no',
      ...methods.map((m) => (m in p.refused ? 'refused' : num(r.iou[m]))),
    ]),
  );
  return {
    head: ['model', 'photo', 'ImageNet class', 'predicted (score)', 'correct', ...methods.map((m) => `${registeredMethod(m).title} box IoU`)],
    rows,
  };
}

export function shortcutTable(study: Pick<DemoStudySummary, 'shortcut' | 'shortcutClass'>): Table {
  return {
    head: ['model', 'method', 'images with the mark', `predicted ${study.shortcutClass} %`, 'map max on the mark %', 'map max on the object %'],
    rows: study.shortcut.map((r) => [r.model, r.method, String(r.images), pct(r.predictedShortcutClass), pct(r.maxOnMark), pct(r.maxOnObject)]),
  };
}

export function markdownTable({ head, rows }: Table): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |\n`;
  return line(head) + line(head.map(() => '---')) + rows.map(line).join('');
}
