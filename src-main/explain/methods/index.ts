// The map methods camscope offers, by CLI name.
import type { MethodName } from '../../../src-shared/explainTypes.js';
import { cam } from './cam.js';
import { gradCam } from './gradCam.js';
import type { MapMethod } from './method.js';

export const METHODS: Record<MethodName, MapMethod> = { cam, gradcam: gradCam };
