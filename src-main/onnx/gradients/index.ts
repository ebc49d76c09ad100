// Registry of per-op gradient rules. Each family of ops lives in its own file.
import type { GradientRule } from './gradientRule.js';
import { activationRules } from './activations.js';
import { convolutionRules } from './convolution.js';
import { elementwiseRules } from './elementwise.js';
import { linearRules } from './linear.js';
import { normalizationRules } from './normalization.js';
import { poolingRules } from './pooling.js';
import { quantizationRules } from './quantization.js';
import { resamplingRules } from './resampling.js';
import { shapeRules } from './shape.js';

export const gradientRules: Record<string, GradientRule> = {
  ...activationRules,
  ...convolutionRules,
  ...elementwiseRules,
  ...linearRules,
  ...normalizationRules,
  ...poolingRules,
  ...quantizationRules,
  ...resamplingRules,
  ...shapeRules,
};
