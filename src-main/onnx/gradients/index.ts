// Registry of per-op gradient rules. Each family of ops lives in its own file.
import type { GradientRule } from '../gradientGraph.js';
import { activationRules } from './activations.js';
import { linearRules } from './linear.js';
import { shapeRules } from './shape.js';

export const gradientRules: Record<string, GradientRule> = {
  ...activationRules,
  ...linearRules,
  ...shapeRules,
};
