// README's "Bundled models" table, generated from models/models.json (what scripts/models/trainShapes.py measured):
// test/readme/ checks README.md holds exactly this and that a fresh inference agrees with its figures.
import { readFileSync } from 'node:fs';

export interface ModelRecord {
  model: string;
  architecture: string;
  train: { scenario: string; split: string };
  accuracy: Record<string, number>;
  cam_box_iou50?: number;
  bytes: number;
}

/** The test columns in README order. */
export const ACCURACY_COLUMNS = ['single', 'small', 'multi', 'distractor', 'shortcut', 'shortcut (train distribution)'] as const;

export function modelRecords(file = 'models/models.json'): ModelRecord[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { models: ModelRecord[] }).models;
}

/**
 * Python's '{:.1%}' (what the training script printed): v × 100 in double precision, then its exact decimal value
 * rounded half to even at one decimal — 0.9925 × 100 is exactly 99.25, so 99.2% (JavaScript's toFixed would say 99.3).
 */
export function percent1(v: number): string {
  const [int, frac] = (v * 100).toFixed(60).split('.') as [string, string];
  let tenths = BigInt(int + frac.slice(0, 1));
  const rest = frac.slice(1);
  const half = '5'.padEnd(rest.length, '0');
  if (rest > half || (rest === half && tenths % 2n === 1n)) tenths += 1n;
  const t = tenths.toString().padStart(2, '0');
  return `${t.slice(0, -1)}.${t.slice(-1)}%`;
}

export function modelsTable(records: readonly ModelRecord[] = modelRecords()): string {
  const head = `| model | architecture | trained on | ${ACCURACY_COLUMNS.join(' | ')} | CAM box IoU ≥ 0.5 | size |`;
  const rule = `| ${Array(5 + ACCURACY_COLUMNS.length)
    .fill('---')
    .join(' | ')} |`;
  const rows = records.map((r) => {
    const name = r.model.split('/').pop()!;
    const acc = ACCURACY_COLUMNS.map((c) => percent1(r.accuracy[c]!));
    const cam = r.cam_box_iou50 === undefined ? 'no CAM' : `${Math.round(100 * r.cam_box_iou50)}%`;
    const arch = r.architecture.replace(/->/g, '→');
    return `| \`${name}\` | ${arch} | \`${r.train.scenario}\` | ${acc.join(' | ')} | ${cam} | ${Math.round(r.bytes / 1024)} KiB |`;
  });
  return [head, rule, ...rows].join('\n');
}
