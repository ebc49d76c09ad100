// The 'quicklook.run' channel: one image and one model, every method that applies at the model's default layer
// computed in one explain job (one engine pass), for the top-1 or a chosen class. The image goes into the project's
// scratch dataset and the maps are ordinary runs, so the gallery and the image view show them afterwards.
import { CamscopeError } from '../errors.js';
import type { ExplainReport } from '../../src-shared/explainTypes.js';
import type { Response } from '../../src-shared/ipc.js';
import { QUICK_LOOK_DATASET, quickLookMethods } from '../../src-shared/quickLook.js';
import type { ProjectImages } from './images.js';
import type { ModelRegistry } from './modelRegistry.js';
import type { Handlers } from './router.js';
import type { RunScheduler } from './runScheduler.js';

export type QuickLookHandlers = Pick<Handlers, 'quicklook.run'>;

export class QuickLook {
  constructor(
    private readonly images: ProjectImages,
    private readonly models: ModelRegistry,
    private readonly runs: RunScheduler,
  ) {}

  handlers(): QuickLookHandlers {
    return { 'quicklook.run': async (r) => this.run(r) };
  }

  private async run({ path, modelId, target, slow }: Parameters<Handlers['quicklook.run']>[0]): Promise<Response<'quicklook.run'>> {
    const model = await this.models.info(modelId);
    if (target !== 'top1' && target >= model.numClasses)
      throw new CamscopeError(`class ${target}: ${model.name} has classes 0–${model.numClasses - 1}`);
    const plan = quickLookMethods(model.refused ?? {}, slow ?? false);
    const imageId = await this.images.importImage(path, QUICK_LOOK_DATASET);
    const { runIds, layer, finished } = await this.runs.startRuns({ modelId, methods: plan.methods, target, imageIds: [imageId] });
    const end = await finished;
    if (end.status !== 'done')
      throw new CamscopeError(`${path}: ${model.name} ${end.status === 'cancelled' ? 'was cancelled' : `failed: ${end.error}`}`);
    const detail = await this.images.detail(imageId, runIds);
    const first = detail.maps[0];
    if (!first) throw new CamscopeError(`${path}: ${model.name} gave no map for it`);
    return { detail, modelId, layer, target: first.target, refused: plan.refused, slow: plan.slow };
  }

  /**
   * Stores what `camscope explain` computed as quick look stores it: the model (added when new), each image in the
   * scratch dataset, one finished run per method. Returns the images' ids, in the report's order.
   */
  async record(report: ExplainReport, target: 'top1' | number, params: Record<string, unknown>): Promise<number[]> {
    const layers = [...new Set(report.results.flatMap((r) => r.maps.map((m) => m.layer)))];
    if (layers.length !== 1) throw new CamscopeError(`--open stores the maps of one layer; these are of ${layers.length} (${layers.join(', ')})`);
    const model = await this.models.add(report.model.path);
    const imageIds: number[] = [];
    for (const r of report.results) imageIds.push(await this.images.importImage(r.image, QUICK_LOOK_DATASET));
    this.runs.recordRuns(
      model.id,
      layers[0]!,
      target,
      params,
      report.results.map((result, k) => ({ imageId: imageIds[k]!, result })),
    );
    return imageIds;
  }
}
