// Gradients of ops that move values without changing them: reshapes, transposes, concat, slicing.
import type { GradientRule } from '../gradientGraph.js';

/** Flatten, Reshape, Squeeze, Unsqueeze: the gradient takes the input's shape back. */
const reshapeLike: GradientRule = (c) => {
  const shape = c.e.op('Shape', [c.input(0)]);
  return [c.e.op('Reshape', [c.dOut(0)!, shape])];
};

export const shapeRules: Record<string, GradientRule> = {
  Flatten: reshapeLike,
  Reshape: reshapeLike,
  Squeeze: reshapeLike,
  Unsqueeze: reshapeLike,
};
