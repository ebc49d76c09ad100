// `camscope sanity`: model-parameter randomization and random-logit tests (Adebayo et al. 2018) of each method on a dataset's images;
// with --project the images, the model and the check go into a project, where the app's Sanity view shows it.
import { resolve } from 'node:path';
import { CamscopeError, firstLine } from '../errors.js';
import { loadDataset, parseDatasetFormat } from '../datasets/index.js';
import { Explainer } from '../explain/explainer.js';
import { parseMethod } from '../explain/methods/index.js';
import { ProjectRecorder } from '../evaluation/projectRecorder.js';
import { runSanityChecks } from '../evaluation/sanity/sanityChecks.js';
import { sanityRecord } from '../services/sanityScheduler.js';
import { SANITY_MODES } from '../../src-shared/sanityTypes.js';
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
    project: {},
  });
  const limit = intOption(a, 'limit') ?? 8;
  if (limit < 1) throw new CamscopeError(`--limit: expected a positive integer, got ${limit}`);
  const format = one(a, 'format');
  const dataset = await loadDataset(required(a, 'dataset'), {
    format: format === undefined ? undefined : parseDatasetFormat(format),
    split: one(a, 'split'),
  });
  const items = dataset.items.slice(0, limit);
  const model = required(a, 'model');
  const methods = (one(a, 'methods') ?? 'cam,gradcam')
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const layer = one(a, 'layer');
  const seed = intOption(a, 'seed') ?? 0;
  const project = one(a, 'project');
  // The check is created before it runs, so one that dies on the way reads as failed in the app.
  const stored = project ? await createCheck(resolve(project), dataset, items, model, { methods, seed, layer }, modelOptions(a)) : null;
  let result;
  try {
    result = await runSanityChecks({
      model,
      images: items.map((it) => it.path),
      methods,
      modelOptions: modelOptions(a),
      layer,
      seed,
      batchSize: intOption(a, 'batch'),
    });
    stored?.recorder.store.recordSanityResult(stored.checkId, sanityRecord(result));
  } catch (e) {
    stored?.recorder.store.finishSanityCheck(stored.checkId, 'failed', firstLine(e));
    throw e;
  } finally {
    stored?.recorder.close();
  }
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

/** Adds the images (with their ground truth) and the model to the project, and a running check of them. */
async function createCheck(
  file: string,
  dataset: Awaited<ReturnType<typeof loadDataset>>,
  items: Awaited<ReturnType<typeof loadDataset>>['items'],
  model: string,
  asked: { methods: string[]; seed: number; layer: string | undefined },
  options: ReturnType<typeof modelOptions>,
): Promise<{ recorder: ProjectRecorder; checkId: number }> {
  const recorder = ProjectRecorder.open(file, dataset, items);
  try {
    const explainer = await Explainer.open(model, options);
    let modelId: number;
    try {
      modelId = recorder.addModel(explainer);
    } finally {
      await explainer.close();
    }
    const methods = [...new Set(asked.methods.map((m) => parseMethod(m).id))];
    const checkId = recorder.store.createSanityCheck(modelId, recorder.itemImageIds, {
      methods,
      modes: [...SANITY_MODES],
      seed: asked.seed,
      layer: asked.layer ?? null,
    });
    return { recorder, checkId };
  } catch (e) {
    recorder.close();
    throw e;
  }
}
