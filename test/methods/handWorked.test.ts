// Each gradient/activation method on a 2-channel 2×2 case worked out by hand from its paper's formula.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { METHODS } from '../../src-main/explain/methods/index.js';
import type { MethodInput } from '../../src-main/explain/methods/method.js';

// A_0 = [1 3; 0 0] (Σ 4), A_1 = [2 0; 1 1] (Σ 4); g_0 = [1 0; 2 1], g_1 = [−1 1; 0 1]
const input: MethodInput = {
  activation: Float32Array.from([1, 3, 0, 0, 2, 0, 1, 1]),
  gradient: Float32Array.from([1, 0, 2, 1, -1, 1, 0, 1]),
  channels: 2,
  size: 4,
  target: 0,
};

function close(actual: Float32Array, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `${what}[${i}] = ${v}, expected ${expected[i]}`));
}

test('Grad-CAM: α = (4/4, 1/4) → A_0 + A_1/4', () => {
  close(METHODS.gradcam.compute(input), [1.5, 3, 0.25, 0.25], 'gradcam');
});

test('XGrad-CAM: w = (Σ A_0 g_0 / 4, Σ A_1 g_1 / 4) = (1/4, −1/4)', () => {
  // 0.25·A_0 − 0.25·A_1 = [−0.25 0.75; −0.25 −0.25] → ReLU
  close(METHODS.xgradcam.compute(input), [0, 0.75, 0, 0], 'xgradcam');
});

test('HiResCAM: ReLU(g_0⊙A_0 + g_1⊙A_1) = ReLU([1 0; 0 0] + [−2 0; 0 1])', () => {
  close(METHODS.hirescam.compute(input), [0, 0, 0, 1], 'hirescam');
});

test('LayerCAM: ReLU(g)⊙A summed: [1 0; 0 0] + [0 0; 0 1]', () => {
  close(METHODS.layercam.compute(input), [1, 0, 0, 1], 'layercam');
});

test('Grad-CAM++ (paper): α = g²/(2g² + ΣA·g³), w = Σ α ReLU(g)', () => {
  // ch 0 (ΣA = 4): g=1 → 1/6 (twice), g=2 → 4/(8+32)·2 = 0.2 → w_0 = 8/15
  // ch 1 (ΣA = 4): g=1 → 1/6 (twice) → w_1 = 1/3;  map = 8/15·A_0 + 1/3·A_1
  close(METHODS['gradcam++'].compute(input), [8 / 15 + 2 / 3, 24 / 15, 1 / 3, 1 / 3], 'gradcam++');
});

test('Grad-CAM++ (TorchCAM variant): denominator 2g² + Σ_ab A_ab g_ab³', () => {
  // ch 0: Σ A g³ = 1 → g=1: 1/3 (twice), g=2: 4/9·2 → w_0 = 14/9
  // ch 1: Σ A g³ = −1 → g=1: 1/(2−1)·1 (twice) → w_1 = 2
  close(METHODS['gradcam++'].compute({ ...input, variant: 'torchcam' }), [14 / 9 + 4, 42 / 9, 2, 2], 'gradcam++:torchcam');
});

test('Eigen-CAM: first principal component of the centred activations', () => {
  // X = [[0, 1], [2, −1], [−1, 0], [−1, 0]] (positions × channels); XᵀX = [[6, −2], [−2, 2]],
  // v₁ = (cos π/8, −sin π/8); Xv₁ = (−sin π/8, 2cos π/8 + sin π/8, −cos π/8, −cos π/8), which
  // agrees with the mean activation (1.5, 1.5, 0.5, 0.5), so the sign stays; ReLU keeps position 1.
  const c = Math.cos(Math.PI / 8);
  const s = Math.sin(Math.PI / 8);
  close(METHODS.eigencam.compute(input), [0, 2 * c + s, 0, 0], 'eigencam');
});

test('Eigen-CAM is deterministic: channel order and positive scale do not change the sign', () => {
  const swapped = Float32Array.from([...input.activation.subarray(4), ...input.activation.subarray(0, 4)].map((v) => 3 * v));
  const c = Math.cos(Math.PI / 8);
  const s = Math.sin(Math.PI / 8);
  close(METHODS.eigencam.compute({ ...input, activation: swapped }), [0, 3 * (2 * c + s), 0, 0], 'eigencam(3·A swapped)');
});
