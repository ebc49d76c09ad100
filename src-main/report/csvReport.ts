// CSV of an evaluation: one row per image × method with every per-image number, then the summary
// (one row per method with the MethodMetrics) after a blank line, then — with the bootstrap — one row per
// method × metric with its interval and one per pair × metric with the paired tests, each after a blank line. Classes are logit indices except
// gt_label (the dataset's index; gt_class = gt_label + label offset).
import { METRIC_KEYS } from '../../src-shared/evaluationTypes.js';
import type { EvaluationResult } from '../evaluation/evaluationResult.js';

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
export function csvField(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const line = (fields: (string | number | boolean | null)[]) => fields.map(csvField).join(',');

export const IMAGE_COLUMNS = [
  'image_id',
  'path',
  'method',
  'gt_label',
  'gt_class',
  'gt_boxes',
  'predicted_class',
  'predicted_score',
  'correct',
  'map_target',
  'box_x0',
  'box_y0',
  'box_x1',
  'box_y1',
] as const;

export function renderCsv(result: EvaluationResult): string {
  const names = [...new Set(result.images.flatMap((im) => Object.values(im.methods).flatMap((m) => Object.keys(m.values))))];
  const pairKeys = Object.keys(result.summary.agreement);
  const pairColumns = pairKeys.flatMap((k) => ['pearson', 'spearman', 'box_iou', 'both_inside', 'analytic_error'].map((n) => `${k}:${n}`));
  const rows = [line([...IMAGE_COLUMNS, ...names, ...pairColumns])];
  for (const im of result.images) {
    const top = im.predictions[0]!;
    const pairCells = pairKeys.flatMap((k) => {
      const p = im.pairs[k]!;
      return [p.pearson, p.spearman, p.box_iou, p.both_inside === null ? null : Number(p.both_inside), p.analytic_error];
    });
    for (const [method, m] of Object.entries(im.methods)) {
      const box = m.map.box ?? [null, null, null, null];
      rows.push(
        line([
          im.item.id,
          im.item.path,
          method,
          im.item.label,
          im.gtIndex,
          im.item.boxes.length,
          top.index,
          top.score,
          im.correct === null ? null : Number(im.correct),
          m.map.target,
          ...box,
          ...names.map((n) => m.values[n] ?? null),
          ...pairCells,
        ]),
      );
    }
  }
  rows.push('', line(['method', ...METRIC_KEYS]));
  for (const [method, metrics] of Object.entries(result.summary.methods)) rows.push(line([method, ...METRIC_KEYS.map((k) => metrics[k])]));
  const ts = result.summary.threshold_split;
  if (ts) {
    rows.push(
      '',
      line([
        'method',
        'threshold_split',
        'heldout_images',
        'maxboxacc',
        'threshold',
        'best_on_test_maxboxacc',
        'maxboxacc_v2',
        'thresholds_v2',
        'best_on_test_maxboxacc_v2',
      ]),
    );
    for (const [m, p] of Object.entries(ts.methods)) {
      rows.push(
        line([
          m,
          ts.split,
          ts.images,
          p.maxboxacc,
          p.threshold,
          p.best_on_test.maxboxacc,
          p.maxboxacc_v2,
          p.thresholds_v2?.join(' ') ?? null,
          p.best_on_test.maxboxacc_v2,
        ]),
      );
    }
  }
  const u = result.summary.uncertainty;
  if (u) {
    // The bootstrap intervals, then the paired tests, each after a blank line.
    rows.push('', line(['method', 'metric', 'value', `ci_low`, `ci_high`, 'ci_method', 'ci_level', 'resamples', 'seed']));
    for (const [method, intervals] of Object.entries(u.methods)) {
      for (const k of METRIC_KEYS)
        rows.push(
          line([
            method,
            k,
            result.summary.methods[method]![k],
            intervals[k]?.[0] ?? null,
            intervals[k]?.[1] ?? null,
            u.method,
            u.level,
            u.resamples,
            u.seed,
          ]),
        );
    }
    rows.push('', line(['pair', 'metric', 'difference', 'ci_low', 'ci_high', 'p_bootstrap', 'wilcoxon_n', 'wilcoxon_t', 'wilcoxon_z', 'wilcoxon_p']));
    for (const [pair, metrics] of Object.entries(u.comparisons)) {
      for (const k of METRIC_KEYS) {
        const c = metrics[k];
        if (!c) continue;
        const w = c.wilcoxon;
        rows.push(
          line([
            pair,
            k,
            c.difference,
            c.interval?.[0] ?? null,
            c.interval?.[1] ?? null,
            c.p_bootstrap,
            w?.n ?? null,
            w?.statistic ?? null,
            w?.z ?? null,
            w?.p ?? null,
          ]),
        );
      }
    }
  }
  return rows.join('\n') + '\n';
}
