// The requested methods that apply at a layer: CAM needs a GAP → linear head; elsewhere it is refused with the
// engine's reason and the others run. Shared by the dataset evaluation and the sanity checks.
import { CamscopeError } from '../errors.js';
import { parseMethod, type MethodChoice } from '../explain/methods/index.js';
import { camHeadAt } from '../model/camHead.js';

export function uniqueChoices(specs: string[]): MethodChoice[] {
  if (specs.length === 0) throw new CamscopeError('--methods: no method given');
  const seen = new Map<string, MethodChoice>();
  for (const s of specs) {
    const c = parseMethod(s);
    if (!seen.has(c.id)) seen.set(c.id, c);
  }
  return [...seen.values()];
}

export function applicableMethods(
  modelFile: string,
  model: Parameters<typeof camHeadAt>[0],
  layer: string,
  specs: string[],
): { choices: MethodChoice[]; refused: Record<string, string> } {
  const refused: Record<string, string> = {};
  const choices: MethodChoice[] = [];
  for (const choice of uniqueChoices(specs)) {
    const head = choice.method.info.camHead ? camHeadAt(model, layer) : null;
    if (head && !head.ok) refused[choice.id] = head.reason;
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
