// `camscope camify`: refits a GAP → linear head on a layer's frozen features so CAM applies (src-main/camify/).
import { CamscopeError } from '../errors.js';
import { DEFAULT_L2, DEFAULT_VAL_SPLIT, camify } from '../camify/camify.js';
import { compareCamify } from '../camify/camifyComparison.js';
import type { TargetSource } from '../model/camifyMetadata.js';
import { parseDatasetFormat } from '../datasets/index.js';
import { renderCamifyReport } from '../report/camifyReport.js';
import { intOption, one, parseArgs, required } from './args.js';
import { writeOutput } from './command.js';
import type { CliIO } from './command.js';
import { Progress } from '../terminal/progress.js';
import { parseDevice } from '../explain/device.js';

function numberOption(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new CamscopeError(`--${flag}: expected a number, got '${v}'`);
  return x;
}

export async function camifyCommand(argv: string[], io: CliIO): Promise<void> {
  const a = parseArgs(argv, {
    model: {},
    layer: {},
    dataset: {},
    format: {},
    split: {},
    'target-source': {},
    'val-split': {},
    seed: {},
    l2: {},
    'label-offset': {},
    batch: {},
    device: {},
    preset: {},
    size: {},
    mean: {},
    std: {},
    out: {},
    report: {},
    json: {},
  });
  const format = one(a, 'format');
  const report = one(a, 'report');
  const json = one(a, 'json');
  const valSplit = numberOption(one(a, 'val-split'), 'val-split') ?? DEFAULT_VAL_SPLIT;
  if ((report || json) && valSplit === 0) throw new CamscopeError('--report/--json compare on the validation images: --val-split must be above 0');
  const modelOptions = {
    device: parseDevice(one(a, 'device')),
    labelOffset: intOption(a, 'label-offset'),
    preset: one(a, 'preset'),
    size: one(a, 'size'),
    mean: one(a, 'mean'),
    std: one(a, 'std'),
  };
  const batchSize = intOption(a, 'batch');
  let progress: Progress | null = null;
  const result = await camify({
    model: required(a, 'model'),
    dataset: required(a, 'dataset'),
    out: required(a, 'out'),
    layer: one(a, 'layer'),
    targetSource: one(a, 'target-source') as TargetSource | undefined,
    valSplit,
    seed: intOption(a, 'seed'),
    l2: numberOption(one(a, 'l2'), 'l2') ?? DEFAULT_L2,
    format: format === undefined ? undefined : parseDatasetFormat(format),
    split: one(a, 'split'),
    batchSize,
    ...modelOptions,
    onProgress: (stage, done, total) => {
      if (stage !== 'features' || !io.progress) return;
      progress ??= new Progress(total, 'images', io.progress);
      progress.update(done);
    },
    onIteration: ({ iteration, loss, valLoss }) => {
      if (iteration % 10 === 0)
        io.err(`fit: iteration ${iteration}, objective ${loss.toFixed(4)}${valLoss === null ? '' : `, validation loss ${valLoss.toFixed(4)}`}\n`);
    },
  });
  if (result.warnings.length) io.err(`${result.warnings.length} dataset warnings (first: ${result.warnings[0]})\n`);
  io.err(`fit: ${result.fit.iterations} iterations, stopped by ${result.fit.stoppedBy}\n`);
  io.out(`${result.out}: ${result.description}\n`);
  if (!report && !json) return;
  if (!result.validation)
    throw new CamscopeError(
      `${required(a, 'dataset')}: --report/--json need a dataset folder (a plain folder of images has no boxes or sizes to evaluate on)`,
    );
  const { comparison, images, refitImages } = await compareCamify({
    original: required(a, 'model'),
    refit: result.out,
    dataset: result.validation,
    layer: result.layer,
    modelOptions,
    batchSize,
  });
  if (json) writeOutput(json, `${JSON.stringify(comparison, null, 2)}\n`);
  if (report) writeOutput(report, await renderCamifyReport(comparison, images, refitImages));
  io.err(
    `comparison on ${comparison.images} validation images: top-1 agreement ${(100 * comparison.top1Agreement).toFixed(1)} %, mean Pearson ${comparison.meanPearson?.toFixed(3) ?? '—'}\n`,
  );
}
