// `camscope import`: a dataset folder (labels and boxes as ground truth) into a project, created if missing.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDatasetFormat } from '../datasets/index.js';
import { Workspace } from '../services/workspace.js';
import { one, parseArgs, required } from './args.js';
import type { CliIO } from './command.js';
import { Progress } from '../terminal/progress.js';
import { withInterrupt } from '../terminal/signals.js';

export async function importCommand(argv: string[], io: CliIO): Promise<void> {
  const a = parseArgs(argv, { project: {}, dataset: {}, format: {}, split: {}, name: {}, verbose: { flag: true } });
  const project = resolve(required(a, 'project'));
  const dir = required(a, 'dataset');
  const formatFlag = one(a, 'format');
  const format = formatFlag === undefined || formatFlag === 'auto' ? undefined : parseDatasetFormat(formatFlag);
  const ws = Workspace.open(project, { create: !existsSync(project) });
  try {
    let progress: Progress | null = null;
    const { dataset, imported } = await withInterrupt(io.err, (signal) =>
      ws.importDataset(dir, {
        format,
        split: one(a, 'split'),
        dataset: one(a, 'name'),
        onProgress: (done, total) => {
          if (total > 3 && io.progress) (progress ??= new Progress(total, 'images', io.progress)).update(done);
        },
        signal,
      }),
    );
    const withBoxes = dataset.items.filter((it) => it.boxes.length > 0).length;
    const classes = dataset.classNames ? `${dataset.classNames.length} classes` : `${new Set(dataset.items.map((it) => it.label)).size} labels`;
    io.out(
      `${dataset.root}: ${dataset.format} dataset, ${dataset.items.length} images (${withBoxes} with boxes, ${classes}); ` +
        `${imported.added} added to ${project}, ${imported.skipped.length} skipped; ${dataset.warnings.length} warnings` +
        (dataset.warnings.length && !a.flags.has('verbose') ? ' (--verbose lists them)' : '') +
        '\n',
    );
    if (a.flags.has('verbose')) for (const w of dataset.warnings) io.err(`warning: ${w}\n`);
    for (const s of imported.skipped) io.err(`skipped: ${s.path}: ${s.reason}\n`);
  } finally {
    ws.close();
  }
}
