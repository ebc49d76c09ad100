// The map methods camscope offers, by CLI id, and parsing of 'id[:variant]'.
import { CamscopeError } from '../../errors.js';
import { METHOD_NAMES, type MethodName } from '../../../src-shared/explainTypes.js';
import { cam } from './cam.js';
import { eigenCam } from './eigenCam.js';
import { gradCam } from './gradCam.js';
import { gradCamPlusPlus } from './gradCamPlusPlus.js';
import { hiResCam } from './hiResCam.js';
import { layerCam } from './layerCam.js';
import type { MapMethod } from './method.js';
import { xGradCam } from './xGradCam.js';

export const METHODS: Record<MethodName, MapMethod> = {
  cam,
  gradcam: gradCam,
  'gradcam++': gradCamPlusPlus,
  xgradcam: xGradCam,
  hirescam: hiResCam,
  layercam: layerCam,
  eigencam: eigenCam,
};

export interface MethodChoice {
  method: MapMethod;
  variant: string;
  /** What results are labelled with: the id, plus ':variant' when not the default. */
  id: string;
}

export function parseMethod(spec: string): MethodChoice {
  const [name, variant, ...rest] = spec.trim().split(':');
  if (!METHOD_NAMES.includes(name as MethodName) || rest.length) {
    throw new CamscopeError(`--method: unknown method '${spec}' (${METHOD_NAMES.join(', ')})`);
  }
  const method = METHODS[name as MethodName];
  const variants = Object.keys(method.variants);
  const chosen = variant ?? variants[0]!;
  if (!variants.includes(chosen)) {
    throw new CamscopeError(`--method: '${name}' has no variant '${variant}' (${variants.join(', ')})`);
  }
  return { method, variant: chosen, id: chosen === variants[0] ? name! : `${name}:${chosen}` };
}
