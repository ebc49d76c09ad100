// The demo study as data: what its tables show (the headline, the shortcut finding, the ImageNet photos) plus one
// small record per image, written by `camscope demo --json` and committed as docs/demo-study.json, from which the
// README's demo tables are generated (scripts/readme/demoTables.ts). test/readme/ recomputes some records with the
// engine, so a stale or hand-edited file fails.
import type { EvaluationResult } from '../evaluation/evaluationResult.js';
import { DEMO_COUNT, DEMO_IMAGE_SIZE, DEMO_SEED } from '../services/demoProject.js';
import type { Scenario } from '../synth/scene.js';
import { HEADLINE_PAIR, type DemoStudy, type ShortcutRow } from './demoStudy.js';

/** One image under one model: prediction and each method's box IoU with the ground truth. */
export interface ImageRecord {
  /** The dataset id (path under its root). */
  id: string;
  /** In the dataset's own numbering; the model's logit is label + the section's labelOffset. */
  label: number | null;
  predicted: { index: number; label: string | null; score: number };
  correct: boolean | null;
  /** The top-1 map's 20 % box against the ground-truth boxes, per method not refused. */
  iou: Record<string, number | null>;
  /** The same for the ground-truth class's map (what GT-known Loc counts). */
  gt_iou: Record<string, number | null>;
}

interface EvaluatedPart {
  model: string;
  /** Dataset class i is logit i + labelOffset. */
  labelOffset: number;
  /** Method → why it does not apply. */
  refused: Record<string, string>;
  records: ImageRecord[];
}

export interface PhotoSummary extends EvaluatedPart {
  methods: string[];
}

export interface SectionSummary extends EvaluatedPart {
  scenario: Scenario;
  images: number;
  accuracy: number | null;
  methods: Record<string, { gt_known_loc: number | null; maxboxacc_v2: number | null }>;
  /** The headline pair's agreement on the top-1 maps, null where one is refused. */
  agreement: { pearson: number | null; box_iou: number | null } | null;
}

export interface DemoStudySummary {
  synth: { seed: number; count: number; size: number; split: 'test' };
  photos: PhotoSummary[];
  sections: SectionSummary[];
  shortcutClass: string;
  shortcut: ShortcutRow[];
}

/** Six decimals: far below what the tables show, small enough to commit. */
const round = (v: number | null | undefined): number | null =>
  v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 1e6) / 1e6;

const perMethod = (methods: readonly string[], f: (m: string) => number | null | undefined) =>
  Object.fromEntries(methods.map((m) => [m, round(f(m))]));

function records(result: EvaluationResult, methods: readonly string[]): ImageRecord[] {
  const run = methods.filter((m) => !(m in result.refused));
  return result.images.map((im) => {
    const top = im.predictions[0]!;
    return {
      id: im.item.id,
      label: im.item.label,
      predicted: { index: top.index, label: top.label, score: round(top.score)! },
      correct: im.correct,
      iou: perMethod(run, (m) => im.methods[m]?.values.iou),
      gt_iou: perMethod(run, (m) => im.methods[m]?.values.gt_iou),
    };
  });
}

export function studySummary(study: DemoStudy, photoMethods: readonly string[], count = DEMO_COUNT): DemoStudySummary {
  const [a, b] = HEADLINE_PAIR;
  return {
    synth: { seed: DEMO_SEED, count, size: DEMO_IMAGE_SIZE, split: 'test' },
    photos: study.photos.map(({ model, result }) => ({
      model,
      labelOffset: result.provenance.labelOffset,
      methods: [...photoMethods],
      refused: result.refused,
      records: records(result, photoMethods),
    })),
    sections: study.sections.map(({ scenario, model, result }) => {
      const pair = result.summary.agreement[`${a}|${b}`];
      return {
        scenario,
        model,
        labelOffset: result.provenance.labelOffset,
        images: result.summary.images,
        accuracy: round(result.summary.accuracy),
        refused: result.refused,
        methods: Object.fromEntries(
          HEADLINE_PAIR.filter((m) => !(m in result.refused)).map((m) => [
            m,
            { gt_known_loc: round(result.summary.methods[m]?.gt_known_loc), maxboxacc_v2: round(result.summary.methods[m]?.maxboxacc_v2) },
          ]),
        ),
        agreement: pair ? { pearson: round(pair.pearson), box_iou: round(pair.box_iou) } : null,
        records: records(result, HEADLINE_PAIR),
      };
    }),
    shortcutClass: study.shortcutClass,
    shortcut: study.shortcut.map((r) => ({
      ...r,
      predictedShortcutClass: round(r.predictedShortcutClass)!,
      maxOnMark: round(r.maxOnMark)!,
      maxOnObject: round(r.maxOnObject)!,
    })),
  };
}

/** JSON with each value that fits in `width` characters on one line: one record per line, a diffable file. */
export function compactJson(value: unknown, width = 160): string {
  const format = (v: unknown, indent: string): string => {
    const flat = JSON.stringify(v);
    if (typeof v !== 'object' || v === null || indent.length + flat.length <= width) return flat;
    const inner = `${indent} `;
    const lines = Array.isArray(v)
      ? v.map((x) => inner + format(x, inner))
      : Object.entries(v).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${format(x, inner)}`);
    const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
    return `${open}\n${lines.join(',\n')}\n${indent}${close}`;
  };
  return `${format(value, '')}\n`;
}
