// The layers camify tries when --layer is not given, as the CAM paper weighs conv5_3 (14×14) against pool5 (7×7):
// the model's default layer and, of the plain NCHW candidates, the last one at each of the two coarsest
// resolutions (the deepest ones). Finer maps first, so that a tie in validation agreement keeps the finer map.
import type { ClassifierModel } from '../model/classifierModel.js';
import { isPlainNchw } from '../model/featureLayout.js';

export function candidateLayers(model: ClassifierModel): string[] {
  const plain = model.candidateTensors().filter((t) => {
    const layout = model.mapLayoutOf(t);
    return typeof layout !== 'string' && isPlainNchw(layout) && layout.height * layout.width > 1;
  });
  const side = (t: string) => model.mapShape(t)[1] * model.mapShape(t)[2];
  const lastAt = new Map<number, string>();
  for (const t of plain) lastAt.set(side(t), t);
  const deepest = [...lastAt.values()].slice(-2);
  const dflt = model.defaultLayer();
  const chosen = new Set(plain.includes(dflt) ? [dflt, ...deepest] : deepest);
  return [...chosen].sort((a, b) => side(b) - side(a) || plain.indexOf(a) - plain.indexOf(b));
}
