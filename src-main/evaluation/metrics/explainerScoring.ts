// The model callbacks of the faithfulness metrics, built from camscope's Explainer: scores from
// full-model ONNX runs (engine.runModel), maps from explainInput on already preprocessed inputs.
import type { Explainer } from '../../explain/explainer.js';
import { softmax } from '../../explain/explainer.js';
import { parseMethod } from '../../explain/methods/index.js';
import type { MapResult } from '../../../src-shared/explainTypes.js';
import type { ExplainFn, InputShape, Normalization, ScoreFn } from './perturbation.js';

export type ScoreKind = 'softmax' | 'logit';

/** The model input of one image (C×H×W after preprocessing). */
export function inputShapeOf(explainer: Explainer): InputShape {
  return { channels: 3, width: explainer.preprocessing.width, height: explainer.preprocessing.height };
}

/** The mean/std the model input was normalized with (for the 'rgb' mask space). */
export function normalizationOf(explainer: Explainer): Normalization {
  return { mean: explainer.preprocessing.mean, std: explainer.preprocessing.std };
}

/** Score of class classIndex[k] on row k: softmax probability (default, as the papers) or raw logit. */
export function explainerScore(explainer: Explainer, { score = 'softmax' as ScoreKind, batchSize = undefined as number | undefined } = {}): ScoreFn {
  const classes = explainer.model.numClasses;
  return async (inputs, classIndex) => {
    const logits = await explainer.engine.runModel(inputs, classIndex.length, batchSize);
    return classIndex.map((c, k) => {
      const row = logits.subarray(k * classes, (k + 1) * classes);
      return score === 'softmax' ? softmax(row)[c]! : row[c]!;
    });
  };
}

/** Maps of `method` (a --method spec such as 'gradcam' or 'gradcam++:torchcam') at `layer`, each row for its own class. */
export function explainerMaps(explainer: Explainer, method: string, { layer = 'auto', batchSize = 8 } = {}): ExplainFn {
  const opts = { methods: [parseMethod(method)], layers: [layer], target: 'top1' as const };
  const shape = inputShapeOf(explainer);
  const per = shape.channels * shape.width * shape.height;
  const rowsPerRun = explainer.model.dynamicBatch ? Math.max(1, batchSize) : 1;
  return async (inputs, classIndex) => {
    const prepared = explainer.prepare(opts);
    const maps: MapResult[] = [];
    for (let start = 0; start < classIndex.length; start += rowsPerRun) {
      const targets = classIndex.slice(start, start + rowsPerRun);
      const sizes = targets.map(() => ({ width: shape.width, height: shape.height }));
      const explained = await explainer.explainInput(inputs.subarray(start * per, (start + targets.length) * per), sizes, opts, prepared, targets);
      maps.push(...explained.map((e) => e.maps[0]!));
    }
    return maps;
  };
}
