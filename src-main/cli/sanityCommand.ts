// `camscope sanity`: model-parameter randomization and random-logit tests (Adebayo et al. 2018) of each method on a dataset's images.
import { CamscopeError } from '../errors.js';
import { loadDataset, parseDatasetFormat } from '../datasets/index.js';
import { runSanityChecks } from '../evaluation/sanity/sanityChecks.js';
import { renderSanityReport } from '../report/sanityReport.js';
import { intOption, one, parseArgs, required } from './args.js';
import { type CliIO, MODEL_OPTIONS, modelOptions, writeOutput } from './command.js';

export async function sanityCommand(argv: string[], io: CliIO): Promise<void> {
  const a = parseArgs(argv, {
    ...MODEL_OPTIONS,
    dataset: {},
    format: {},
    split: {},
    methods: {},
    layer: {},
    limit: {},
    batch: {},
    seed: {},
    json: {},
    report: {},
  });
  const limit = intOption(a, 'limit') ?? 8;
  if (limit < 1) throw new CamscopeError(`--limit: expected a positive integer, got ${limit}`);
  const format = one(a, 'format');
  const dataset = await loadDataset(required(a, 'dataset'), {
    format: format === undefined ? undefined : parseDatasetFormat(format),
    split: one(a, 'split'),
  });
  const result = await runSanityChecks({
    model: required(a, 'model'),
    images: dataset.items.slice(0, limit).map((it) => it.path),
    methods: (one(a, 'methods') ?? 'cam,gradcam')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean),
    modelOptions: modelOptions(a),
    layer: one(a, 'layer'),
    seed: intOption(a, 'seed'),
    batchSize: intOption(a, 'batch'),
  });
  const json = JSON.stringify(result.summary, null, 2) + '\n';
  const out = one(a, 'json');
  const report = one(a, 'report');
  if (out) writeOutput(out, json);
  if (report) writeOutput(report, await renderSanityReport(result));
  if (!out && !report) io.out(json);
  for (const [m, r] of Object.entries(result.summary.methods)) {
    const last = r.cascading.at(-1)!;
    io.err(
      `${m}: |Spearman| with every layer random ${last.spearman_abs?.toFixed(3) ?? '—'}, random logit ${r.random_logit.spearman?.toFixed(3) ?? '—'}: ${r.degrades ? 'degrades' : 'FAILS to degrade'}${r.class_sensitive ? '' : ', the same map for any class (FAILS the random-logit test)'}\n`,
    );
  }
  for (const [m, why] of Object.entries(result.summary.refused)) io.err(`${m}: refused: ${why}\n`);
}
