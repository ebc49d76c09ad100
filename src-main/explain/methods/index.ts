// The formulas of the registry's methods (src-shared/methods.json), by CLI id, and parsing of 'id[:variant]'.
import { CamscopeError } from '../../errors.js';
import { METHOD_NAMES, defaultVariant } from '../../../src-shared/methods.js';
import { ablationCam } from './ablationCam.js';
import { attentionRollout } from './attentionRollout.js';
import { cam } from './cam.js';
import { eigenCam } from './eigenCam.js';
import { gradCam } from './gradCam.js';
import { gradCamPlusPlus } from './gradCamPlusPlus.js';
import { hiResCam } from './hiResCam.js';
import { layerCam } from './layerCam.js';
import type { AnyMapMethod } from './method.js';
import { reciproCam } from './reciproCam.js';
import { scoreCam } from './scoreCam.js';
import { xGradCam } from './xGradCam.js';

/** Each entry keeps its own type: the synchronous methods' compute returns a Float32Array. */
export const METHODS = {
  cam,
  gradcam: gradCam,
  'gradcam++': gradCamPlusPlus,
  xgradcam: xGradCam,
  hirescam: hiResCam,
  layercam: layerCam,
  eigencam: eigenCam,
  ablationcam: ablationCam,
  reciprocam: reciproCam,
  scorecam: scoreCam,
  rollout: attentionRollout,
} satisfies Record<string, AnyMapMethod>;

export type MethodName = keyof typeof METHODS;

export interface MethodChoice {
  method: AnyMapMethod;
  variant: string;
  /** What results are labelled with: the id, plus ':variant' when not the default. */
  id: string;
}

export function parseMethod(spec: string): MethodChoice {
  const [name, variant, ...rest] = spec.trim().split(':');
  const method: AnyMapMethod | undefined = Object.hasOwn(METHODS, name!) ? METHODS[name as MethodName] : undefined;
  if (!method || rest.length) {
    throw new CamscopeError(`--method: unknown method '${spec}' (${METHOD_NAMES.join(', ')})`);
  }
  const variants = method.info.variants.map((v) => v.name);
  const fallback = defaultVariant(method.info);
  const chosen = variant ?? fallback;
  if (!variants.includes(chosen)) {
    throw new CamscopeError(`--method: '${name}' has no variant '${variant}' (${variants.join(', ')})`);
  }
  return { method, variant: chosen, id: chosen === fallback ? name! : `${name}:${chosen}` };
}
