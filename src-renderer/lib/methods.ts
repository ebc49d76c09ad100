// Method names for people (the registry's titles), their display order, and the columns of the comparison grid (methods × models).
import type { ModelInfo, RunInfo } from '../../src-shared/ipc.js';
import { METHOD_NAMES, methodInfo, splitMethod } from '../../src-shared/methods.js';

/** 'gradcam' → 'Grad-CAM', 'gradcam++:torchcam' → 'Grad-CAM++ (torchcam)'; unknown ids pass through. */
export function methodLabel(id: string): string {
  const { base, variant } = splitMethod(id);
  const label = methodInfo(base)?.title ?? base;
  return variant ? `${label} (${variant})` : label;
}

/** Sort key: the registry's method order (CAM, Grad-CAM first), unknown methods after it, variants after their base. */
export function compareMethods(a: string, b: string): number {
  const rank = (id: string) => {
    const i = METHOD_NAMES.indexOf(splitMethod(id).base);
    return i < 0 ? METHOD_NAMES.length : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** Whether CAM can run on this layer of this model, and if not, the model's own reason. */
export function camApplicability(model: ModelInfo, layer: string): { applicable: true } | { applicable: false; reason: string } {
  const info = model.layers.find((l) => l.tensor === layer);
  if (!info) return { applicable: false, reason: `layer ${layer} is not a candidate layer of ${model.name}` };
  return info.cam;
}

export interface CompareColumn {
  key: string;
  method: string;
  model: ModelInfo;
  /** The finished run whose maps fill the column, when there is one. */
  run: RunInfo | null;
  layer: string;
  /** Why the column cannot hold maps (CAM not applicable, nothing computed yet); null when it can. */
  blocked: string | null;
}

/**
 * One column per (method, model), grouped by method in display order so CAM and Grad-CAM come first. CAM and
 * Grad-CAM get a column on every model even without a run, so a model where CAM does not apply says why.
 * Each column shows the latest finished run of its pair.
 */
export function compareColumns(models: readonly ModelInfo[], runs: readonly RunInfo[]): CompareColumn[] {
  const methods = new Set<string>(['cam', 'gradcam']);
  for (const r of runs) if (r.status === 'done') methods.add(r.method);
  const columns: CompareColumn[] = [];
  for (const method of [...methods].sort(compareMethods)) {
    for (const model of models) {
      const run = latestDoneRun(runs, model.id, method);
      if (!run && method !== 'cam' && method !== 'gradcam') continue;
      const layer = run?.layer ?? model.defaultLayer;
      const cam = splitMethod(method).base === 'cam' ? camApplicability(model, layer) : { applicable: true as const };
      const blocked = !cam.applicable ? `CAM does not apply: ${cam.reason}` : run ? null : 'Not computed yet — start a run in Runs.';
      columns.push({ key: `${method}@${model.id}`, method, model, run, layer, blocked });
    }
  }
  return columns;
}

/** The most recent (highest id) finished run of a model and method. */
export function latestDoneRun(runs: readonly RunInfo[], modelId: number, method: string): RunInfo | null {
  let best: RunInfo | null = null;
  for (const r of runs) if (r.status === 'done' && r.modelId === modelId && r.method === method && (!best || r.id > best.id)) best = r;
  return best;
}

/**
 * The run to compare a run with for the disagreement sort: on the same model, Grad-CAM for CAM and CAM for
 * anything else (the lecture's comparison), else the latest other finished run of that model; null if none.
 */
export function counterpartRun(runs: readonly RunInfo[], run: RunInfo | undefined): RunInfo | null {
  if (!run) return null;
  const preferred = splitMethod(run.method).base === 'cam' ? ['gradcam', 'cam'] : ['cam', 'gradcam'];
  for (const method of preferred) {
    const found = latestDoneRun(runs, run.modelId, method);
    if (found && found.id !== run.id) return found;
  }
  let best: RunInfo | null = null;
  for (const r of runs) if (r.status === 'done' && r.modelId === run.modelId && r.id !== run.id && (!best || r.id > best.id)) best = r;
  return best;
}
