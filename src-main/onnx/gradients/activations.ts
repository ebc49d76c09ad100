// Gradients of element-wise activations: dx = dy · f'(x).
import type { GradientRule } from '../gradientGraph.js';

/** PyTorch's threshold_backward: the gradient passes where x > 0 (not at 0). */
const relu: GradientRule = (c) => {
  const { e } = c;
  const dy = c.dOut(0)!;
  const pass = e.mask(e.op('Greater', [c.input(0), e.scalar(0)]));
  return [e.op('Mul', [dy, pass])];
};

const identity: GradientRule = (c) => [c.dOut(0)];

export const activationRules: Record<string, GradientRule> = {
  Relu: relu,
  Identity: identity,
};
