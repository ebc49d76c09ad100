// `camscope camify`: trains a GAP head on a layer's frozen features so CAM applies (src-main/camify/); with
// --report/--json also the other head kind on the same split, to compare both with the original.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CamscopeError } from '../errors.js';
import { type CamifyOptions, type CamifyResult, DEFAULT_VAL_SPLIT, camify } from '../camify/camify.js';
import { type RefitModel, compareCamify } from '../camify/camifyComparison.js';
import type { CamifyHead, TargetSource } from '../model/camifyMetadata.js';
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
    head: {},
    filters: {},
    dilation: {},
    'min-agreement': {},
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
  const options: CamifyOptions = {
    model: required(a, 'model'),
    dataset: required(a, 'dataset'),
    out: required(a, 'out'),
    layer: one(a, 'layer'),
    head: one(a, 'head') as CamifyHead | undefined,
    filters: intOption(a, 'filters'),
    dilation: intOption(a, 'dilation'),
    minAgreement: numberOption(one(a, 'min-agreement'), 'min-agreement'),
    targetSource: one(a, 'target-source') as TargetSource | undefined,
    valSplit,
    seed: intOption(a, 'seed'),
    l2: numberOption(one(a, 'l2'), 'l2'),
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
  };
  const result = await camify(options);
  if (result.warnings.length) io.err(`${result.warnings.length} dataset warnings (first: ${result.warnings[0]})\n`);
  io.err(`fit: ${result.fit.iterations} iterations, stopped by ${result.fit.stoppedBy}\n`);
  io.out(`${result.out}: ${result.description}\n`);
  if (!report && !json) return;
  if (!result.validation)
    throw new CamscopeError(
      `${required(a, 'dataset')}: --report/--json need a dataset folder (a plain folder of images has no boxes or sizes to evaluate on)`,
    );
  const refitModel = (r: CamifyResult, model: string): RefitModel => ({ model, layer: r.camLayer, head: r.record.head!, sourceLayer: r.layer });
  // The other head kind on the same images and split (at the layer it chooses itself), kept only for the comparison.
  const other: CamifyHead = result.record.head === 'linear' ? 'conv-gap' : 'linear';
  const scratch = mkdtempSync(join(tmpdir(), 'camscope-camify-baseline-'));
  try {
    io.err(`fitting the ${other} head on the same split for the comparison\n`);
    // --l2, --filters and --dilation are the written head's settings: the baseline takes its defaults.
    const baseline = await camify({
      ...options,
      head: other,
      l2: undefined,
      filters: undefined,
      dilation: undefined,
      out: join(scratch, `${other}.onnx`),
      onProgress: undefined,
    });
    const { comparison, images, refitImages } = await compareCamify({
      original: required(a, 'model'),
      layer: result.layer,
      refit: refitModel(result, result.out),
      baseline: refitModel(baseline, baseline.out),
      dataset: result.validation,
      modelOptions,
      batchSize,
    });
    comparison.baseline!.model = `${other} head (fit for this comparison, not written)`;
    if (json) writeOutput(json, `${JSON.stringify(comparison, null, 2)}\n`);
    if (report) writeOutput(report, await renderCamifyReport(comparison, images, refitImages));
    io.err(
      `comparison on ${comparison.images} validation images: top-1 agreement ${(100 * comparison.top1Agreement).toFixed(1)} %, mean Pearson ${comparison.meanPearson?.toFixed(3) ?? '—'}\n`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
