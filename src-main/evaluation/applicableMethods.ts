// The requested methods that apply at a layer: CAM needs a GAP → linear head, attention rollout a transformer's token
// layer with its attention weights; elsewhere each is refused with the engine's reason and the others run. Shared by
// the dataset evaluation, the sanity checks and the models' registry (quick look).
import { CamscopeError } from '../errors.js';
import { parseMethod, type MethodChoice } from '../explain/methods/index.js';
import { attentionOf } from '../model/attention.js';
import { camHeadAt } from '../model/camHead.js';
import type { ClassifierModel } from '../model/classifierModel.js';
import type { MethodInfo } from '../../src-shared/methods.js';

export function uniqueChoices(specs: string[]): MethodChoice[] {
  if (specs.length === 0) throw new CamscopeError('--methods: no method given');
  const seen = new Map<string, MethodChoice>();
  for (const s of specs) {
    const c = parseMethod(s);
    if (!seen.has(c.id)) seen.set(c.id, c);
  }
  return [...seen.values()];
}

/** Why a method cannot run at a layer of the model (one line), or null when it can. */
export function methodRefusal(model: ClassifierModel, layer: string, info: MethodInfo): string | null {
  if (info.camHead) {
    const head = camHeadAt(model, layer);
    if (!head.ok) return head.reason;
  }
  if (info.needs === 'attention') {
    const attention = attentionOf(model, layer);
    if (typeof attention === 'string') return attention;
  }
  return null;
}

export function applicableMethods(
  modelFile: string,
  model: ClassifierModel,
  layer: string,
  specs: string[],
): { choices: MethodChoice[]; refused: Record<string, string> } {
  const refused: Record<string, string> = {};
  const choices: MethodChoice[] = [];
  for (const choice of uniqueChoices(specs)) {
    const reason = methodRefusal(model, layer, choice.method.info);
    if (reason) refused[choice.id] = reason;
    else choices.push(choice);
  }
  if (choices.length === 0)
    throw new CamscopeError(
      `${modelFile}: no requested method applies (${Object.entries(refused)
        .map(([m, r]) => `${m}: ${r}`)
        .join('; ')})`,
    );
  return { choices, refused };
}
