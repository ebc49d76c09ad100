// The project's models: registering a file (opened once to read its input, layers and labels), what the
// renderer lists, class names, and camify run in this process.
import { basename, extname } from 'node:path';
import { CamscopeError } from '../errors.js';
import { Explainer } from '../explain/explainer.js';
import { layerFootprint } from '../explain/methods/cost.js';
import { camify } from '../camify/camify.js';
import { CAMIFY_METADATA_KEY, type CamifyRecord, camifyDescription } from '../model/camifyMetadata.js';
import { Labels, defaultLabelOffset } from '../model/labels.js';
import { userProbeCache } from '../onnx/probeCache.js';
import { methodRefusal } from '../evaluation/applicableMethods.js';
import { METHOD_REGISTRY } from '../../src-shared/methods.js';
import type { ModelInfo, Request, Response } from '../../src-shared/ipc.js';
import type { OpenProject } from './projects.js';
import type { Emit, Handlers } from './router.js';
import { SingleFlightCache } from './singleFlight.js';

export type ModelHandlers = Pick<Handlers, 'models.add' | 'models.list' | 'models.camify' | 'models.classes'>;

export class ModelRegistry {
  // Expensive lookups are single-flight and cached, so a cold burst of requests inspects each model once.
  private readonly models = new SingleFlightCache<number, ModelInfo>();
  private readonly classNames = new Map<number, Response<'models.classes'>>();
  private readonly labels = new Map<number, Labels>();

  constructor(
    private readonly project: OpenProject,
    private readonly emit: Emit,
  ) {}

  /** Drops what was read of the previous project's models (after a project switch). */
  forget(): void {
    this.models.clear();
    this.classNames.clear();
    this.labels.clear();
  }

  handlers(): ModelHandlers {
    return {
      'models.add': async ({ path }) => this.add(path),
      'models.list': async () => Promise.all(this.project.store.listModelIds().map((id) => this.info(id))),
      'models.camify': async (r) => this.camify(r),
      'models.classes': async ({ modelId }) => {
        const known = this.classNames.get(modelId);
        if (known) return known;
        const { store } = this.project;
        const m = store.getModel(modelId);
        if (!m) throw new CamscopeError(`${store.file}: model ${modelId} is not in the project`);
        const labels = this.labelsOf(modelId);
        const names = Array.from({ length: m.numClasses }, (_, i) => labels.name(i));
        this.classNames.set(modelId, names);
        return names;
      },
    };
  }

  labelsOf(modelId: number): Labels {
    let l = this.labels.get(modelId);
    if (!l) {
      const m = this.project.store.getModel(modelId);
      l = m?.labels ? new Labels(m.labels, m.labelOffset) : Labels.forModel({}, m?.numClasses ?? 0, m?.labelOffset);
      this.labels.set(modelId, l);
    }
    return l;
  }

  async add(path: string): Promise<ModelInfo> {
    // The project's probe copy first (filled from the user cache or the probe when it lacks the model), then the user's.
    const ex = await Explainer.open(path, {}, [this.project.store.probeCache(), userProbeCache()]);
    try {
      const m = ex.model;
      const id = this.project.store.addModel({
        path,
        sha256: m.sha256,
        input: { name: m.inputName, shape: m.inputDims },
        preprocessing: ex.preprocessing,
        labels: m.metadata['camscope.labels'] ? (JSON.parse(m.metadata['camscope.labels']) as string[]) : null,
        labelOffset: defaultLabelOffset(m.metadata, m.numClasses),
        numClasses: m.numClasses,
        defaultLayer: m.defaultLayer(),
      });
      const layers = m.layerCandidates();
      const refused = Object.fromEntries(
        METHOD_REGISTRY.flatMap((method) => {
          const reason = methodRefusal(m, m.defaultLayer(), method);
          return reason ? [[method.id, reason]] : [];
        }),
      );
      const info: ModelInfo = {
        id,
        path,
        name: basename(path, extname(path)),
        sha256: m.sha256,
        numClasses: m.numClasses,
        defaultLayer: m.defaultLayer(),
        layers,
        footprints: Object.fromEntries(layers.map((l) => [l.tensor, layerFootprint(m, l.tensor)])),
        form: m.form,
        refused,
      };
      const camified = camifyDescription(m.metadata);
      if (camified)
        info.camify = { sourceSha256: (JSON.parse(m.metadata[CAMIFY_METADATA_KEY]!) as CamifyRecord).sourceSha256, description: camified };
      this.models.set(id, info);
      return info;
    } finally {
      await ex.close();
    }
  }

  info(id: number): Promise<ModelInfo> {
    return this.models.get(id, async () => {
      const row = this.project.store.getModel(id);
      if (!row) throw new CamscopeError(`model ${id} is not in the project`);
      return this.add(row.path);
    });
  }

  /**
   * Runs camify in this process: feature extraction and the fit's products run in ONNX Runtime's and sharp's
   * threads, so the event loop stays free between steps; progress goes out as 'camify.progress' events.
   */
  private async camify(r: Request<'models.camify'>): Promise<Response<'models.camify'>> {
    const source = await this.info(r.modelId);
    const { modelId, ...opts } = r;
    const result = await camify({
      ...opts,
      model: source.path,
      onProgress: (stage, done, total) => this.emit('camify.progress', { modelId, stage, done, total }),
    });
    return {
      model: await this.add(result.out),
      description: result.description,
      valAgreement: result.record.valAgreement,
      valAccuracy: result.record.valAccuracy,
    };
  }
}
